using System.Text;
using System.Text.RegularExpressions;

namespace Reinforce.Checkpoints;

/// <summary>
/// Whole-file writes that a crash cannot tear: a temporary file in the same folder, flushed to
/// disk, then renamed over the target. A reader sees the old file or the new one, never a torn one.
/// Only a regular file (or a path where nothing exists yet) is ever replaced.
/// </summary>
public static partial class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/> atomically.</summary>
    /// <exception cref="IOException">
    /// <paramref name="path"/> names a directory, a symbolic link, a device, a pipe or a socket (nothing is
    /// written), or the write failed (the temporary file is removed; the target is unchanged).
    /// </exception>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(write);
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        EnsureReplaceable(full);
        string directory = Path.GetDirectoryName(full) ?? ".";
        string temporary = Path.Combine(directory, TemporaryName(Path.GetFileName(full)));
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>Writes <paramref name="text"/> as UTF-8 (no byte-order mark) to <paramref name="path"/> atomically.</summary>
    public static void WriteAllText(string path, string text) =>
        Write(path, stream => stream.Write(new UTF8Encoding(false).GetBytes(text)));

    /// <summary>Throws <see cref="IOException"/> unless <paramref name="path"/> is missing or a regular file.</summary>
    public static void EnsureReplaceable(string path)
    {
        PathKind kind = FileKind.Of(path);
        if (kind is not (PathKind.Missing or PathKind.RegularFile))
        {
            throw new IOException($"{path} is {Describe(kind)}, not a regular file; it is left as it is.");
        }
    }

    /// <summary>"a directory", "a symbolic link", "a device, pipe or socket"…</summary>
    public static string Describe(PathKind kind) => kind switch
    {
        PathKind.Missing => "missing",
        PathKind.RegularFile => "a regular file",
        PathKind.Directory => "a directory",
        PathKind.SymbolicLink => "a symbolic link",
        _ => "a device, pipe or socket",
    };

    /// <summary>
    /// Whether <paramref name="fileName"/> is the name of a temporary file this class creates
    /// (<c>.NAME.PID.GUID.tmp</c>): one left behind by a killed writer may be removed by whoever owns the folder.
    /// </summary>
    public static bool IsTemporaryFileName(string fileName) => IsTemporaryFileName(fileName, out _);

    /// <summary>Whether <paramref name="fileName"/> is a temporary file of this class, and the name of the file it was to replace.</summary>
    public static bool IsTemporaryFileName(string fileName, out string target)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        Match match = TemporaryPattern().Match(fileName);
        target = match.Success ? match.Groups["target"].Value : "";
        return match.Success;
    }

    private static string TemporaryName(string fileName) => $".{fileName}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";

    [GeneratedRegex(@"^\.(?<target>.+)\.[0-9]+\.[0-9a-f]{32}\.tmp$", RegexOptions.CultureInvariant)]
    private static partial Regex TemporaryPattern();
}
