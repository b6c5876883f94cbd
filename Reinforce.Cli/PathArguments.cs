using System.Text;
using Reinforce.Checkpoints;
using Reinforce.Text;

namespace Reinforce.Cli;

/// <summary>
/// Paths from the command line, checked before any work: files to read are regular files of a bounded
/// size, files to write are new or regular files whose missing folders can be created, and nothing else (a directory, a
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

    /// <summary>
    /// Rejects an empty path, one with a NUL character, and one no file can have: a name longer than 255 bytes or a full
    /// path of PATH_MAX bytes or more (<see cref="FileSystemPlace.WhyTooLong"/>).
    /// </summary>
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
        if (FileSystemPlace.WhyTooLong(path) is string tooLong)
        {
            throw new UsageException($"{Label(flag, path)}: {tooLong}");
        }
        return path;
    }

    /// <summary>
    /// A file to write: a new file, or an existing regular file (replaced atomically). A directory, device, pipe, socket
    /// or symbolic link is refused. Missing parent folders are created when the file is written (<see cref="Write"/>), as
    /// <c>mkdir -p</c> does; a parent that exists but is not a folder, or a folder that takes no new files (no permission,
    /// read-only, a special file system such as <c>/proc</c>), is refused now, before any work. So is a path inside a run
    /// or sweep folder (see <see cref="InsideRunFolder"/>) other than <paramref name="ownFile"/>, the file the command
    /// itself writes there.
    /// </summary>
    public static string OutputFile(string flag, string path, string? ownFile = null)
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
        // The file is written as a temporary file beside it, then renamed: that path must fit too.
        string temporary = Path.Combine(Path.GetDirectoryName(full)!, AtomicFile.TemporaryName(Path.GetFileName(full)));
        int temporaryBytes = Encoding.UTF8.GetByteCount(temporary);
        if (temporaryBytes >= FileSystemPlace.PathMaxBytes)
        {
            throw new UsageException($"{Label(flag, path)}: name too long (the temporary file written beside it has a path of {temporaryBytes} bytes; at most {FileSystemPlace.PathMaxBytes - 1})");
        }
        if (FileSystemPlace.WhyNotCreatable(full) is string why)
        {
            throw new UsageException($"{Label(flag, path)}: {why}");
        }
        if (InsideRunFolder(full, ownFile) is string inside)
        {
            throw new UsageException($"{Label(flag, path)} {inside}");
        }
        return path;
    }

    /// <summary>
    /// Why a file the user names may not be written at <paramref name="full"/>: it is inside a run or sweep folder (at any
    /// depth). A file reinforce did not write there makes <c>--resume</c> and <c>--force</c> refuse the folder, and one of
    /// the folder's own names would replace the run's file (which <c>--force</c> later deletes as its own). Null when it is
    /// not inside one, or when it is <paramref name="ownFile"/> (plot's learning curve in the folder it plots).
    /// </summary>
    private static string? InsideRunFolder(string full, string? ownFile)
    {
        string parent = Path.GetDirectoryName(full)!;
        if (ownFile is not null && Path.GetFileName(full) == Path.GetFileName(Path.GetFullPath(ownFile))
            && FileKind.Of(parent, followLinks: true) == PathKind.Directory
            && FileIdentity.SameEntry(parent, Path.GetDirectoryName(Path.GetFullPath(ownFile))!))
        {
            return null;
        }
        for (string? up = parent; up is not null; up = Path.GetDirectoryName(up))
        {
            if (FileKind.Of(up, followLinks: true) != PathKind.Directory || RunFolderLock.WrittenByReinforce(up) is not FolderKind kind)
            {
                continue;
            }
            string shown = Display.Quote(FileSystemPlace.Shown(up));
            string what = kind == FolderKind.Sweep ? "a sweep folder (written by reinforce sweep)" : "a run folder (written by reinforce train)";
            string name = Path.GetFileName(full);
            return up == parent && RunFolderLock.OwnFiles.Contains(name)
                ? $"would replace the {Display.Quote(name)} of {shown}, {what}, which --force deletes as its own; give a path outside the folder"
                : $"is inside {shown}, {what}: --resume and --force refuse a folder holding a file reinforce did not write; give a path outside it";
        }
        return null;
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
            throw new UsageException($"{Label(flag, path)}: cannot read the file ({Reason(e)}); expected {expected}");
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
    /// Writes a file the user named (<paramref name="path"/> was checked by <see cref="OutputFile"/>), creating its
    /// missing parent folders first. A failure (disk full, no permission) names the flag and the path, not the temporary
    /// file, leaves the old file, and removes the folders this call created if they are still empty.
    /// </summary>
    public static void Write(string flag, string path, string text)
    {
        var created = new List<string>();
        try
        {
            CreateParents(flag, path, created);
            OutputFiles.WriteAllText(path, text);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            RemoveCreated(created);
            throw Failure($"cannot write {Label(flag, path)}", path, e);
        }
        catch (UsageException)
        {
            RemoveCreated(created);
            throw;
        }
    }

    /// <summary>
    /// The exception for a failed write of <paramref name="place"/> (a file or folder to create): bad input (exit 2) when
    /// the path is at fault (no permission, read-only, a special file system, a name too long, a file in the way), a
    /// runtime failure (exit 1) otherwise (a full disk, an I/O error). The message is <paramref name="what"/>, then why.
    /// </summary>
    public static Exception Failure(string what, string place, Exception e)
    {
        string? why = FileSystemPlace.WhyNotCreatable(place);
        string message = $"{what}: {why ?? Reason(e)}";
        return why is not null || IsInputFault(e) ? new UsageException(message) : new OutputException(message);
    }

    // Missing folders from the top down; each one made is recorded so that a failure can remove it again.
    private static void CreateParents(string flag, string path, List<string> created)
    {
        var missing = new Stack<string>();
        for (string? up = Path.GetDirectoryName(Path.GetFullPath(path)); up is not null; up = Path.GetDirectoryName(up))
        {
            PathKind kind = FileKind.Of(up, followLinks: true);
            if (kind == PathKind.Directory)
            {
                break;
            }
            if (kind != PathKind.Missing)
            {
                throw new UsageException($"cannot write {Label(flag, path)}: {Display.Quote(FileSystemPlace.Shown(up))} is {FileKind.Describe(kind)}, not a folder");
            }
            missing.Push(up);
        }
        while (missing.TryPop(out string? folder))
        {
            Directory.CreateDirectory(folder);
            created.Add(folder);
        }
    }

    private static void RemoveCreated(List<string> created)
    {
        for (int i = created.Count - 1; i >= 0; i--)
        {
            try
            {
                if (FileKind.Of(created[i]) == PathKind.Directory && !Directory.EnumerateFileSystemEntries(created[i]).Any())
                {
                    Directory.Delete(created[i], recursive: false);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A folder that cannot be removed stays; it is empty.
            }
        }
    }

    /// <summary>The reason of an I/O error in a few words, without the path of the temporary file it may name and without a raw error code.</summary>
    public static string Reason(Exception e) => e switch
    {
        UnauthorizedAccessException => "permission denied",
        PathTooLongException => "name too long",
        FileNotFoundException or DirectoryNotFoundException => "no such file or folder",
        IOException when ErrnoText(e.HResult) is string text => text,
        IOException when e.Message.Contains(".tmp", StringComparison.Ordinal) || e.Message.Length == 0 => "I/O error",
        _ => e.Message,
    };

    /// <summary>
    /// Whether a failed read or write is the path's fault (bad input) rather than the machine's at run time (a full
    /// disk, an I/O error): no permission, a read-only file system, a name too long, no such folder, a file in the way.
    /// </summary>
    public static bool IsInputFault(Exception e) => e switch
    {
        UnauthorizedAccessException or PathTooLongException or FileNotFoundException or DirectoryNotFoundException => true,
        IOException => e.HResult is ErrorNotPermitted or ErrorReadOnly or ErrorNotDirectory or ErrorIsDirectory or ErrorLoop or ErrorNotSupported
            or ErrorExists or unchecked((int)0x80070050) or unchecked((int)0x800700B7),
        _ => false,
    };

    private const int ErrorNotPermitted = 1, ErrorExists = 17, ErrorNotDirectory = 20, ErrorIsDirectory = 21, ErrorReadOnly = 30, ErrorLoop = 40, ErrorNotSupported = 95;

    // .NET reports an errno it has no exception type for as an IOException whose HResult is the errno itself (Linux
    // numbers); Windows codes are HRESULTs of the Win32 error.
    private static string? ErrnoText(int code) => code switch
    {
        ErrorNotPermitted => "operation not permitted",
        5 => "input/output error",
        ErrorExists or unchecked((int)0x80070050) or unchecked((int)0x800700B7) => "a file of that name exists",
        ErrorNotDirectory => "a folder on the way is not a folder",
        ErrorIsDirectory => "is a folder",
        27 => "file too large",
        28 or unchecked((int)0x80070070) or unchecked((int)0x80070027) => "no space left on the device",
        ErrorReadOnly => "read-only file system",
        31 => "too many links",
        ErrorLoop => "too many levels of symbolic links",
        ErrorNotSupported => "the file system does not support the operation",
        122 => "disk quota exceeded",
        _ => null,
    };
}

/// <summary>Writing a result failed at run time (disk full, permission): exit code 1 and one line.</summary>
internal sealed class OutputException(string message) : Exception(message);
