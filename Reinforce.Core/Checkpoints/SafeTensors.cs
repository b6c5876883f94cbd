using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Reinforce.Text;

namespace Reinforce.Checkpoints;

/// <summary>One float32 tensor of a safetensors file: its name, shape and row-major values.</summary>
/// <param name="Name">The tensor's key in the header, e.g. <c>0.weight</c>.</param>
/// <param name="Shape">The shape; the product of its entries is the number of values.</param>
/// <param name="Values">The values, row-major.</param>
public sealed record SafeTensor(string Name, IReadOnlyList<int> Shape, float[] Values)
{
    /// <summary>The shape as text, e.g. <c>[128, 4]</c>.</summary>
    public string ShapeText => $"[{string.Join(", ", Shape)}]";
}

/// <summary>The contents of a safetensors file: tensors in file order and the <c>__metadata__</c> map.</summary>
public sealed class SafeTensorsFile
{
    private readonly Dictionary<string, SafeTensor> byName;

    /// <summary>Collects tensors (names must be unique) and string metadata.</summary>
    public SafeTensorsFile(IEnumerable<SafeTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var list = tensors.ToList();
        byName = new Dictionary<string, SafeTensor>(StringComparer.Ordinal);
        foreach (SafeTensor tensor in list)
        {
            long count = tensor.Shape.Aggregate(1L, (a, b) => a * b);
            if (tensor.Shape.Any(d => d < 0) || count != tensor.Values.Length)
            {
                throw new ArgumentException($"Tensor '{tensor.Name}' has shape {tensor.ShapeText} but {tensor.Values.Length} values.", nameof(tensors));
            }
            if (tensor.Name == SafeTensors.MetadataKey || !byName.TryAdd(tensor.Name, tensor))
            {
                throw new ArgumentException($"Tensor name '{tensor.Name}' is reserved or used twice.", nameof(tensors));
            }
        }
        Tensors = list.AsReadOnly();
        Metadata = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>(), StringComparer.Ordinal);
    }

    /// <summary>The tensors, in the order of their data in the file.</summary>
    public IReadOnlyList<SafeTensor> Tensors { get; }

    /// <summary>The <c>__metadata__</c> map (string to string, as the format requires).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The tensor called <paramref name="name"/>, or null.</summary>
    public SafeTensor? Find(string name) => byName.GetValueOrDefault(name);
}

/// <summary>Raised for a file that is not a valid safetensors file or checkpoint; the message names the file and what is wrong.</summary>
public sealed class SafeTensorsFormatException : FormatException
{
    /// <summary>Creates the exception with a message that names the file.</summary>
    public SafeTensorsFormatException(string message) : base(message)
    {
    }
}

/// <summary>
/// Reads and writes the safetensors format (huggingface/safetensors), float32 only:
/// <code>
/// [8 bytes]  N, the header length, unsigned 64-bit little-endian
/// [N bytes]  UTF-8 JSON: { "__metadata__": {str: str}, name: {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, ... }
///            padded with spaces so the data starts on an 8-byte boundary
/// [rest]     the tensors' bytes, little-endian, back to back; offsets are relative to the start of this part
/// </code>
/// The reader checks what the reference implementation checks: the header fits the file, is a JSON
/// object, every tensor has a known dtype, a shape whose size matches its byte range, and the
/// ranges tile the data part exactly (no gaps, no overlaps, nothing left over).
/// </summary>
public static class SafeTensors
{
    /// <summary>The header key of the metadata map.</summary>
    public const string MetadataKey = "__metadata__";

    /// <summary>The largest header the reader accepts (the reference implementation's limit, 100 MB).</summary>
    public const long MaxHeaderLength = 100_000_000;

    /// <summary>The file's bytes.</summary>
    public static byte[] Serialize(SafeTensorsFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        using var stream = new MemoryStream();
        Write(file, stream);
        return stream.ToArray();
    }

    /// <summary>Writes the file to <paramref name="stream"/>.</summary>
    public static void Write(SafeTensorsFile file, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(stream);
        byte[] header = Header(file);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        stream.Write(length);
        stream.Write(header);
        foreach (SafeTensor tensor in file.Tensors)
        {
            WriteLittleEndian(tensor.Values, stream);
        }
    }

    /// <summary>
    /// Writes the file atomically: to a temporary file in the same folder, flushed to the disk,
    /// then renamed over <paramref name="path"/>. A reader sees the old file or the new one, never a torn one.
    /// </summary>
    public static void Save(SafeTensorsFile file, string path)
    {
        ArgumentNullException.ThrowIfNull(file);
        AtomicFile.Write(path, stream => Write(file, stream));
    }

    /// <summary>The largest file <see cref="Load"/> reads (1 GiB): a bound on what a corrupt or hostile path can make it allocate.</summary>
    public const long MaxFileLength = 1L << 30;

    /// <summary>Reads and validates the file at <paramref name="path"/>.</summary>
    /// <exception cref="SafeTensorsFormatException">
    /// The path is not a regular file (a directory, device or pipe), is larger than <see cref="MaxFileLength"/>,
    /// or the file is truncated, its header is not valid, or its data does not match the header.
    /// </exception>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    public static SafeTensorsFile Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] bytes = ReadBounded(path, MaxFileLength);
        return Parse(bytes, Display.Quote(path));
    }

    /// <summary>
    /// The bytes of the regular file at <paramref name="path"/>, at most <paramref name="maxLength"/> of them:
    /// a device, pipe or directory, or a longer file, is refused before anything is read.
    /// </summary>
    /// <exception cref="SafeTensorsFormatException">Not a regular file, or longer than <paramref name="maxLength"/>.</exception>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <remarks>Internal: <see cref="Load"/> reads through it, and the command reads its JSON and text inputs with it.</remarks>
    internal static byte[] ReadBounded(string path, long maxLength)
    {
        ArgumentNullException.ThrowIfNull(path);
        switch (FileKind.Of(path, followLinks: true))
        {
            case PathKind.Missing:
                throw new FileNotFoundException($"{Display.Quote(path)}: no such file.", path);
            case PathKind.RegularFile:
                break;
            case var kind:
                throw Error(Display.Quote(path), $"is {FileKind.Describe(kind)}, not a regular file");
        }
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        long length = stream.Length;
        if (length > maxLength)
        {
            throw Error(Display.Quote(path), $"is {length} bytes long; at most {maxLength} are read");
        }
        var bytes = new byte[length];
        stream.ReadExactly(bytes);
        if (stream.ReadByte() >= 0)
        {
            throw Error(Display.Quote(path), "grew while it was read");
        }
        return bytes;
    }

    /// <summary>Parses and validates a whole file held in memory; <paramref name="source"/> names it in errors.</summary>
    public static SafeTensorsFile Parse(ReadOnlySpan<byte> bytes, string source = "safetensors data")
    {
        if (bytes.Length < 8)
        {
            throw Error(source, $"is {bytes.Length} bytes long; a safetensors file starts with an 8-byte header length");
        }
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLength < 2 || headerLength > MaxHeaderLength || headerLength > (ulong)(bytes.Length - 8))
        {
            // A header of JSON begins "{" right after the length; anything else (a text file, an image) is another kind of file.
            bool startsLikeSafetensors = bytes.Length > 8 && bytes[8] == (byte)'{';
            throw Error(source, startsLikeSafetensors || headerLength <= MaxHeaderLength
                ? $"declares a {headerLength}-byte header but holds {bytes.Length - 8} bytes after the length (truncated or not safetensors)"
                : $"is not a safetensors file: its first 8 bytes are not the length of a JSON header (they would declare {headerLength} bytes) and no '{{' follows them");
        }
        ReadOnlySpan<byte> headerBytes = bytes.Slice(8, (int)headerLength);
        ReadOnlySpan<byte> data = bytes[(8 + (int)headerLength)..];
        if (headerBytes[0] != (byte)'{')
        {
            throw Error(source, "has a header that does not start with '{'");
        }
        if (!System.Text.Unicode.Utf8.IsValid(headerBytes))
        {
            throw Error(source, "has a header that is not valid UTF-8");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(headerBytes.ToArray());
        }
        catch (JsonException e)
        {
            throw Error(source, $"has a header that is not valid JSON ({Display.Escape(e.Message, 200)})");
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw Error(source, "has a header that is not a JSON object");
            }
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var entries = new List<(string Name, int[] Shape, long Begin, long End)>();
            foreach (JsonProperty property in document.RootElement.EnumerateObject())
            {
                if (property.Name == MetadataKey)
                {
                    if (property.Value.ValueKind != JsonValueKind.Object)
                    {
                        throw Error(source, "has a __metadata__ entry that is not an object of strings");
                    }
                    if (metadata.Count > 0)
                    {
                        throw Error(source, "has two __metadata__ entries");
                    }
                    foreach (JsonProperty item in property.Value.EnumerateObject())
                    {
                        if (item.Value.ValueKind != JsonValueKind.String)
                        {
                            throw Error(source, $"has metadata {Display.Quote(item.Name)} that is not a string");
                        }
                        if (!metadata.TryAdd(item.Name, item.Value.GetString()!))
                        {
                            throw Error(source, $"has metadata {Display.Quote(item.Name)} twice");
                        }
                    }
                    continue;
                }
                if (entries.Any(e => e.Name == property.Name))
                {
                    throw Error(source, $"has tensor {Display.Quote(property.Name)} twice");
                }
                entries.Add(ReadEntry(property, source));
            }

            // The ranges must tile the data part: sorted by start, each begins where the previous ended.
            long position = 0;
            foreach (var entry in entries.OrderBy(e => e.Begin).ThenBy(e => e.End))
            {
                if (entry.Begin != position)
                {
                    throw Error(source, $"tensor {Display.Quote(entry.Name)} starts at byte {entry.Begin} of the data, expected {position} (gap or overlap)");
                }
                position = entry.End;
            }
            if (position != data.Length)
            {
                throw Error(source, $"has {data.Length} data bytes but its tensors cover {position} (truncated or trailing bytes)");
            }

            var tensors = new List<SafeTensor>(entries.Count);
            foreach (var entry in entries.OrderBy(e => e.Begin))
            {
                var values = new float[(entry.End - entry.Begin) / sizeof(float)];
                ReadLittleEndian(data[(int)entry.Begin..(int)entry.End], values);
                tensors.Add(new SafeTensor(entry.Name, Array.AsReadOnly(entry.Shape), values));
            }
            return new SafeTensorsFile(tensors, metadata);
        }
    }

    private static (string Name, int[] Shape, long Begin, long End) ReadEntry(JsonProperty property, string source)
    {
        string name = property.Name;
        JsonElement value = property.Value;
        if (value.ValueKind != JsonValueKind.Object
            || !value.TryGetProperty("dtype", out JsonElement dtype) || dtype.ValueKind != JsonValueKind.String
            || !value.TryGetProperty("shape", out JsonElement shape) || shape.ValueKind != JsonValueKind.Array
            || !value.TryGetProperty("data_offsets", out JsonElement offsets) || offsets.ValueKind != JsonValueKind.Array
            || offsets.GetArrayLength() != 2)
        {
            throw Error(source, $"tensor {Display.Quote(name)} needs \"dtype\", \"shape\" and \"data_offsets\": [begin, end]");
        }
        if (dtype.GetString() != "F32")
        {
            throw Error(source, $"tensor {Display.Quote(name)} has dtype {Display.Quote(dtype.GetString())}; only F32 is read");
        }
        var dimensions = new List<int>();
        long count = 1;
        foreach (JsonElement dimension in shape.EnumerateArray())
        {
            if (dimension.ValueKind != JsonValueKind.Number || !dimension.TryGetInt32(out int size) || size < 0)
            {
                throw Error(source, $"tensor {Display.Quote(name)} has a shape entry that is not a non-negative integer");
            }
            dimensions.Add(size);
            if (size > 0 && count > int.MaxValue / size)
            {
                throw Error(source, $"tensor {Display.Quote(name)} has a shape whose size does not fit in memory");
            }
            count *= size;
        }
        if (offsets[0].ValueKind != JsonValueKind.Number || offsets[1].ValueKind != JsonValueKind.Number
            || !offsets[0].TryGetInt64(out long begin) || !offsets[1].TryGetInt64(out long end) || begin < 0 || end < begin)
        {
            throw Error(source, $"tensor {Display.Quote(name)} has data_offsets that are not 0 ≤ begin ≤ end");
        }
        if (end - begin != count * sizeof(float))
        {
            throw Error(source, $"tensor {Display.Quote(name)} has shape [{string.Join(", ", dimensions)}] ({count * sizeof(float)} bytes) but data_offsets [{begin}, {end}] ({end - begin} bytes)");
        }
        return (name, dimensions.ToArray(), begin, end);
    }

    // The header JSON, padded with spaces to a multiple of 8 bytes so the data part is aligned.
    private static byte[] Header(SafeTensorsFile file)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (file.Metadata.Count > 0)
            {
                json.WriteStartObject(MetadataKey);
                foreach (var (key, value) in file.Metadata)
                {
                    json.WriteString(key, value);
                }
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (SafeTensor tensor in file.Tensors)
            {
                long end = offset + (long)tensor.Values.Length * sizeof(float);
                json.WriteStartObject(tensor.Name);
                json.WriteString("dtype", "F32");
                json.WriteStartArray("shape");
                foreach (int dimension in tensor.Shape)
                {
                    json.WriteNumberValue(dimension);
                }
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(end);
                json.WriteEndArray();
                json.WriteEndObject();
                offset = end;
            }
            json.WriteEndObject();
        }
        int padding = (int)((8 - buffer.Length % 8) % 8);
        for (int i = 0; i < padding; i++)
        {
            buffer.WriteByte((byte)' ');
        }
        return buffer.ToArray();
    }

    private static void WriteLittleEndian(float[] values, Stream stream)
    {
        if (BitConverter.IsLittleEndian)
        {
            stream.Write(MemoryMarshal.AsBytes(values.AsSpan()));
            return;
        }
        Span<byte> four = stackalloc byte[4];
        foreach (float value in values)
        {
            BinaryPrimitives.WriteSingleLittleEndian(four, value);
            stream.Write(four);
        }
    }

    private static void ReadLittleEndian(ReadOnlySpan<byte> bytes, Span<float> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.Slice(i * sizeof(float), sizeof(float)));
        }
    }

    private static SafeTensorsFormatException Error(string source, string what) => new($"{source}: {what.TrimEnd('.')}.");
}
