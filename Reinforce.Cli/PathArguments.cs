using System.Text;
using Reinforce.Checkpoints;
using Reinforce.Text;

namespace Reinforce.Cli;

/// <summary>
/// Paths from the command line, checked before any work: files to read are regular files of a bounded
/// size, files to write are new or regular files in an existing folder, and nothing else (a directory, a
/// device, a pipe, a symbolic link) is ever read whole or replaced. Errors name the flag and quote the path.
/// </summary>
internal static class PathArguments
{
    /// <summary>The largest config.json read (1 MiB).</summary>
    public const long MaxConfigBytes = 1 << 20;

    /// <summary>The largest CSV file read by <c>plot</c> (1 GiB).</summary>
    public const long MaxCsvBytes = 1L << 30;

    /// <summary>"--out 'x.svg'", or just the quoted path for a positional argument.</summary>
    public static string Label(string flag, string path) => flag.Length == 0 ? Display.Quote(path) : $"{flag} {Display.Quote(path)}";

    /// <summary>Rejects an empty path or one with a NUL character.</summary>
    public static string NonEmpty(string flag, string path, string expected)
    {
        if (path.Length == 0)
        {
            throw new UsageException($"{(flag.Length == 0 ? "the path" : flag)} is empty; expected {expected}");
        }
        if (path.Contains('\0', StringComparison.Ordinal))
        {
            throw new UsageException($"{Label(flag, path)} holds a NUL character; expected {expected}");
        }
        return path;
    }

    /// <summary>
    /// A file to write: a new file in an existing folder, or an existing regular file (replaced atomically).
    /// A directory, device, pipe, socket or symbolic link is refused.
    /// </summary>
    public static string OutputFile(string flag, string path)
    {
        NonEmpty(flag, path, "a file path");
        PathKind kind = FileKind.Of(path);
        if (kind is not (PathKind.Missing or PathKind.RegularFile))
        {
            throw new UsageException($"{Label(flag, path)} is {FileKind.Describe(kind)}; expected a new or regular file, which is replaced whole");
        }
        string full = Path.GetFullPath(path);
        if (Path.EndsInDirectorySeparator(path) || Path.GetFileName(full).Length == 0)
        {
            throw new UsageException($"{Label(flag, path)} names a folder; expected a file path");
        }
        string parent = Path.GetDirectoryName(full)!;
        if (FileKind.Of(parent, followLinks: true) != PathKind.Directory)
        {
            throw new UsageException($"{Label(flag, path)}: no such folder {Display.Quote(Path.GetDirectoryName(path) is { Length: > 0 } p ? p : parent)}; create it first");
        }
        return path;
    }

    /// <summary>Reads a regular file of at most <paramref name="maxBytes"/> bytes as UTF-8 text.</summary>
    public static string ReadText(string flag, string path, long maxBytes, string expected)
    {
        NonEmpty(flag, path, expected);
        byte[] bytes;
        try
        {
            bytes = SafeTensors.ReadBounded(path, maxBytes);
        }
        catch (FileNotFoundException)
        {
            throw new UsageException($"{Label(flag, path)}: no such file; expected {expected}");
        }
        catch (FormatException e)
        {
            // "'path': is a directory, not a regular file." or "… is N bytes long; at most M are read."
            throw new UsageException($"{(flag.Length == 0 ? "" : flag + " ")}{e.Message.TrimEnd('.')}; expected {expected}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{Label(flag, path)}: cannot read the file ({e.Message}); expected {expected}");
        }
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new UsageException($"{Label(flag, path)} is not UTF-8 text; expected {expected}");
        }
    }

    /// <summary>
    /// Writes a file the user named (<paramref name="path"/> was checked by <see cref="OutputFile"/>); a failure
    /// (disk full, no permission) names the flag and the path, not the temporary file, and leaves the old file.
    /// </summary>
    public static void Write(string flag, string path, string text)
    {
        try
        {
            OutputFiles.WriteAllText(path, text);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OutputException($"cannot write {Label(flag, path)}: {Reason(e)}");
        }
    }

    /// <summary>The reason of an I/O error without the path of the temporary file it may name.</summary>
    public static string Reason(Exception e) => e switch
    {
        UnauthorizedAccessException => "permission denied",
        IOException when e.HResult is 28 or unchecked((int)0x80070070) => "no space left on the device",
        IOException when e.Message.Contains(".tmp", StringComparison.Ordinal) => $"I/O error {e.HResult}",
        _ => e.Message,
    };
}

/// <summary>Writing a result failed at run time (disk full, permission): exit code 1 and one line.</summary>
internal sealed class OutputException(string message) : Exception(message);
