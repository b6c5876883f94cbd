using System.Text;
using System.Text.RegularExpressions;
using Reinforce.Checkpoints;

namespace Reinforce.Cli;

/// <summary>
/// The command's text outputs (config.json, the CSV files, SVG figures) written whole through
/// <see cref="AtomicFile"/>, and the names of the temporary files that writing leaves behind when a writer is killed.
/// </summary>
internal static partial class OutputFiles
{
    /// <summary>Writes <paramref name="text"/> as UTF-8 (no byte-order mark) to <paramref name="path"/> atomically.</summary>
    /// <exception cref="IOException"><paramref name="path"/> is not missing or a regular file, or the write failed.</exception>
    public static void WriteAllText(string path, string text) =>
        AtomicFile.Write(path, stream => stream.Write(new UTF8Encoding(false).GetBytes(text)));

    /// <summary>
    /// Whether <paramref name="fileName"/> is the name of a temporary file <see cref="AtomicFile"/> creates
    /// (<c>.NAME.PID.GUID.tmp</c>, <see cref="AtomicFile.TemporaryName"/>): one left behind by a killed writer
    /// may be removed by whoever owns the folder.
    /// </summary>
    public static bool IsTemporaryFileName(string fileName) => IsTemporaryFileName(fileName, out _);

    /// <summary>Whether <paramref name="fileName"/> is a temporary file of <see cref="AtomicFile"/>, and the name of the file it was to replace.</summary>
    public static bool IsTemporaryFileName(string fileName, out string target)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        Match match = TemporaryPattern().Match(fileName);
        target = match.Success ? match.Groups["target"].Value : "";
        return match.Success;
    }

    [GeneratedRegex(@"^\.(?<target>.+)\.[0-9]+\.[0-9a-f]{32}\.tmp$", RegexOptions.CultureInvariant)]
    private static partial Regex TemporaryPattern();
}
