using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Reinforce.Checkpoints;

namespace Reinforce.Tests.Checkpoints;

/// <summary>The safetensors reader and writer: layout, round trip and every way a file can be broken.</summary>
[TestFixture]
public sealed class SafeTensorsTests
{
    private static SafeTensorsFile Sample() => new(
        [
            new SafeTensor("0.weight", [2, 3], [1f, -2f, 0.5f, float.Epsilon, -0f, 3.25e-8f]),
            new SafeTensor("0.bias", [2], [7f, -7f]),
            new SafeTensor("empty", [0], []),
        ],
        new Dictionary<string, string> { ["note"] = "héllo \"quoted\"", ["format"] = "test" });

    [Test]
    public void Serialize_OneTensor_GivesTheBytesOfTheFormat()
    {
        // Hand-built expectation: header JSON {"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}} is 54 bytes,
        // padded with two spaces to 56 (a multiple of 8); then 1.0f = 0x3F800000 and -2.0f = 0xC0000000, little-endian.
        // Tolerance: exact bytes.
        byte[] bytes = SafeTensors.Serialize(new SafeTensorsFile([new SafeTensor("a", [2], [1f, -2f])]));

        string json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}  ";
        byte[] expected = [56, 0, 0, 0, 0, 0, 0, 0, .. Encoding.UTF8.GetBytes(json), 0, 0, 0x80, 0x3F, 0, 0, 0, 0xC0];
        Assert.That(bytes, Is.EqualTo(expected));
    }

    [Test]
    public void WriteThenRead_GivesIdenticalTensorsAndMetadata()
    {
        // Tolerance: bit-exact (float32 bytes are copied, −0 and subnormals included).
        SafeTensorsFile original = Sample();

        SafeTensorsFile read = SafeTensors.Parse(SafeTensors.Serialize(original));

        Assert.That(read.Tensors.Select(t => t.Name), Is.EqualTo(original.Tensors.Select(t => t.Name)));
        for (int i = 0; i < original.Tensors.Count; i++)
        {
            Assert.That(read.Tensors[i].Shape, Is.EqualTo(original.Tensors[i].Shape));
            Assert.That(read.Tensors[i].Values.Select(BitConverter.SingleToInt32Bits),
                Is.EqualTo(original.Tensors[i].Values.Select(BitConverter.SingleToInt32Bits)));
        }
        Assert.That(read.Metadata, Is.EqualTo(original.Metadata));
    }

    [Test]
    public void Header_ParsesAsJson_WithOffsetsThatTileTheData()
    {
        byte[] bytes = SafeTensors.Serialize(Sample());
        long headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);

        using var header = JsonDocument.Parse(bytes.AsMemory(8, (int)headerLength));

        // Expected offsets by hand: 0.weight has 6 floats = bytes [0, 24), 0.bias 2 floats = [24, 32), empty [32, 32).
        Assert.That(headerLength % 8, Is.Zero, "data starts on an 8-byte boundary");
        JsonElement root = header.RootElement;
        Assert.That(root.GetProperty("__metadata__").GetProperty("note").GetString(), Is.EqualTo("héllo \"quoted\""));
        Assert.That(Offsets(root, "0.weight"), Is.EqualTo(new long[] { 0, 24 }));
        Assert.That(Offsets(root, "0.bias"), Is.EqualTo(new long[] { 24, 32 }));
        Assert.That(Offsets(root, "empty"), Is.EqualTo(new long[] { 32, 32 }));
        Assert.That(root.GetProperty("0.weight").GetProperty("dtype").GetString(), Is.EqualTo("F32"));
        Assert.That(root.GetProperty("0.weight").GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()), Is.EqualTo(new[] { 2, 3 }));
        Assert.That(bytes, Has.Length.EqualTo(8 + headerLength + 32));
    }

    [Test]
    public void Save_WritesAtomically_AndLeavesNoTemporaryFile()
    {
        string folder = Directory.CreateTempSubdirectory("reinforce-safetensors-").FullName;
        try
        {
            string path = Path.Combine(folder, "model.safetensors");
            SafeTensors.Save(Sample(), path);
            SafeTensors.Save(Sample(), path); // replaces the first

            Assert.That(Directory.GetFiles(folder).Select(Path.GetFileName), Is.EqualTo(new[] { "model.safetensors" }));
            Assert.That(SafeTensors.Load(path).Tensors, Has.Count.EqualTo(3));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static IEnumerable<TestCaseData> BrokenFiles()
    {
        byte[] good = SafeTensors.Serialize(Sample());
        yield return new TestCaseData(good[..5], "8-byte header length").SetName("Parse_Rejects_AFileShorterThanTheLengthPrefix");
        yield return new TestCaseData(good[..^1], "truncated").SetName("Parse_Rejects_ATruncatedFile");
        yield return new TestCaseData(good.Concat(new byte[] { 1, 2, 3, 4 }).ToArray(), "trailing").SetName("Parse_Rejects_TrailingBytes");
        byte[] huge = (byte[])good.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(huge, 1UL << 40);
        yield return new TestCaseData(huge, "header").SetName("Parse_Rejects_AHeaderLengthBeyondTheFile");
        yield return new TestCaseData(File("not json at all!"), "does not start with '{'").SetName("Parse_Rejects_AHeaderThatIsNotJson");
        yield return new TestCaseData(File("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]"), "not valid JSON").SetName("Parse_Rejects_UnclosedJson");
        yield return new TestCaseData(File("{\"a\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4), "F16").SetName("Parse_Rejects_AnotherDtype");
        yield return new TestCaseData(File("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8), "shape [3]").SetName("Parse_Rejects_AShapeThatDoesNotMatchItsBytes");
        yield return new TestCaseData(File("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8), "gap or overlap").SetName("Parse_Rejects_AGapInTheData");
        yield return new TestCaseData(File("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4), "data_offsets").SetName("Parse_Rejects_AMissingOffsets");
        yield return new TestCaseData(File("{\"__metadata__\":{\"k\":1}}", 0), "not a string").SetName("Parse_Rejects_NonStringMetadata");
        byte[] invalidUtf8 = File("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4);
        invalidUtf8[8 + 2] = 0xB0; // the tensor name 'a' becomes a lone continuation byte
        yield return new TestCaseData(invalidUtf8, "not valid UTF-8").SetName("Parse_Rejects_AHeaderThatIsNotUtf8");
        yield return new TestCaseData(File("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8),
            "'a' twice").SetName("Parse_Rejects_ATensorNamedTwice");
        yield return new TestCaseData(File("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}", 0), "'k' twice").SetName("Parse_Rejects_MetadataNamedTwice");
        yield return new TestCaseData(File("{\"a\":{\"dtype\":\"F32\",\"shape\":[65536,65536],\"data_offsets\":[0,4]}}", 4), "does not fit").SetName("Parse_Rejects_AShapeWhoseSizeOverflows");
        yield return new TestCaseData(File("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[\"0\",4]}}", 4), "data_offsets").SetName("Parse_Rejects_OffsetsThatAreNotNumbers");
        yield return new TestCaseData(File("{\"a\\u001b[31m\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4), @"'a\u{1b}[31m'").SetName("Parse_EscapesControlCharactersOfNamesInItsMessages");
    }

    [Test]
    public void Load_ReadsOnlyRegularFiles()
    {
        string folder = Directory.CreateTempSubdirectory("reinforce-safetensors-").FullName;
        try
        {
            Assert.That(() => SafeTensors.Load(folder), Throws.TypeOf<SafeTensorsFormatException>().With.Message.Contains("a directory, not a regular file"));
            Assert.That(() => SafeTensors.Load(Path.Combine(folder, "missing")), Throws.TypeOf<FileNotFoundException>());
            if (OperatingSystem.IsLinux())
            {
                Assert.That(() => SafeTensors.Load("/dev/zero"), Throws.TypeOf<SafeTensorsFormatException>().With.Message.Contains("not a regular file"));
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestCaseSource(nameof(BrokenFiles))]
    public void Parse_RejectsBrokenFiles_NamingTheSourceAndTheProblem(byte[] bytes, string expected)
    {
        Assert.That(() => SafeTensors.Parse(bytes, "broken.safetensors"),
            Throws.TypeOf<SafeTensorsFormatException>().With.Message.StartsWith("broken.safetensors: ").And.Message.Contains(expected));
    }

    private static byte[] File(string header, int dataBytes = 0)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        return bytes;
    }

    private static long[] Offsets(JsonElement root, string name) =>
        root.GetProperty(name).GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
}
