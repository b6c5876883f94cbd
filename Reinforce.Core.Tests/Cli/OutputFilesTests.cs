using Reinforce.Checkpoints;
using Reinforce.Cli;

namespace Reinforce.Tests.Cli;

/// <summary>OutputFiles: the temporary files AtomicFile leaves behind are recognised, and nothing else is.</summary>
[TestFixture]
public sealed class OutputFilesTests
{
    [TestCase(".checkpoint.safetensors.1234.0123456789abcdef0123456789abcdef.tmp", true, "checkpoint.safetensors")]
    [TestCase(".config.json.1.ffffffffffffffffffffffffffffffff.tmp", true, "config.json")]
    [TestCase("checkpoint.safetensors.tmp", false, "")]
    [TestCase(".notes.1234.0123.tmp", false, "")]
    public void IsTemporaryFileName_RecognisesOnlyAtomicFilesOwnNames(string name, bool expected, string target)
    {
        Assert.That(OutputFiles.IsTemporaryFileName(name, out string found), Is.EqualTo(expected));
        Assert.That(found, Is.EqualTo(target));
    }

    [Test]
    public void IsTemporaryFileName_RecognisesTheNamesAtomicFileMakes()
    {
        string name = AtomicFile.TemporaryName("metrics.csv");

        Assert.That(OutputFiles.IsTemporaryFileName(name, out string found), Is.True, name);
        Assert.That(found, Is.EqualTo("metrics.csv"));
    }
}
