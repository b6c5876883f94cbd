using System.Text;

namespace Reinforce.Checkpoints;

/// <summary>
/// Whole-file writes that a crash cannot tear: a temporary file in the same folder, flushed to
/// disk, then renamed over the target. A reader sees the old file or the new one, never a torn one.
/// Only a regular file (or a path where nothing exists yet) is ever replaced.
/// </summary>
internal static class AtomicFile
{
    /// <summary>
    /// Writes <paramref name="path"/> through <paramref name="write"/> atomically; <paramref name="beforeRename"/>, when
    /// given, is called once the temporary file is flushed to disk, before it is renamed over the target (a test stops a
    /// writer there, to leave exactly what a writer killed in the middle of a write leaves).
    /// </summary>
    /// <exception cref="IOException">
    /// <paramref name="path"/> names a directory, a symbolic link, a device, a pipe or a socket (nothing is
    /// written), or the write failed (the temporary file is removed; the target is unchanged).
    /// </exception>
    public static void Write(string path, Action<Stream> write, Action? beforeRename = null)
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
            beforeRename?.Invoke();
            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>
    /// The name of the temporary file that replaces <paramref name="fileName"/>: <c>.NAME.PID.GUID.tmp</c>
    /// (the process id, then 32 lower-case hex digits). It is at most <see cref="MaxNameBytes"/> UTF-8 bytes long, like
    /// every name a file system takes: a long NAME is cut (at a character boundary) to fit, so that any file that can
    /// exist can be replaced.
    /// </summary>
    public static string TemporaryName(string fileName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        string suffix = $".{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        int room = MaxNameBytes - 1 - Encoding.UTF8.GetByteCount(suffix);
        if (Encoding.UTF8.GetByteCount(fileName) > room)
        {
            var cut = new StringBuilder();
            int bytes = 0;
            foreach (Rune rune in fileName.EnumerateRunes())
            {
                if (bytes + rune.Utf8SequenceLength > room)
                {
                    break;
                }
                cut.Append(rune.ToString());
                bytes += rune.Utf8SequenceLength;
            }
            fileName = cut.ToString();
        }
        return $".{fileName}{suffix}";
    }

    /// <summary>The longest name of a file, in UTF-8 bytes (NAME_MAX on Linux and macOS).</summary>
    public const int MaxNameBytes = 255;

    /// <summary>Throws <see cref="IOException"/> unless <paramref name="path"/> is missing or a regular file.</summary>
    private static void EnsureReplaceable(string path)
    {
        PathKind kind = FileKind.Of(path);
        if (kind is not (PathKind.Missing or PathKind.RegularFile))
        {
            throw new IOException($"{path} is {FileKind.Describe(kind)}, not a regular file; it is left as it is.");
        }
    }
}
