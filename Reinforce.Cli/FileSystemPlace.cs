using System.Runtime.InteropServices;
using System.Text;
using Reinforce.Checkpoints;
using Reinforce.Text;

namespace Reinforce.Cli;

/// <summary>
/// Whether a file or folder can be made at a path, asked before any work: the path fits the system's limits (a name of at
/// most <see cref="NameMaxBytes"/> bytes, a path shorter than <see cref="PathMaxBytes"/>), every existing folder on the
/// way is a folder, and the deepest existing one takes new entries (it is writable, not on a read-only file system, and
/// not on a special file system such as <c>/proc</c> or <c>/sys</c>, whose folders refuse new files whoever asks).
/// Every answer is a reason to put after the flag and the path, or null when nothing is in the way.
/// </summary>
/// <remarks>
/// The kind of file system comes from the C library's <c>statfs</c> and the permission from <c>access</c>, on Linux
/// only; elsewhere those two questions are not asked and the write itself reports what it meets.
/// </remarks>
internal static class FileSystemPlace
{
    /// <summary>The longest name of one file or folder, in UTF-8 bytes (NAME_MAX of Linux and macOS).</summary>
    public const int NameMaxBytes = 255;

    /// <summary>A path (with its terminating NUL) must be shorter than this many UTF-8 bytes (PATH_MAX); no limit is checked on Windows.</summary>
    public static int PathMaxBytes { get; } = OperatingSystem.IsWindows() ? int.MaxValue : OperatingSystem.IsMacOS() ? 1024 : 4096;

    /// <summary>
    /// Why no file can have <paramref name="path"/>: a name longer than <see cref="NameMaxBytes"/> bytes, or a full path of
    /// <see cref="PathMaxBytes"/> bytes or more. Null when it fits.
    /// </summary>
    public static string? WhyTooLong(string path)
    {
        string full = Path.GetFullPath(path);
        if (LongestName(full) is { Bytes: > NameMaxBytes } name)
        {
            return $"name too long (a name of {name.Bytes} bytes; at most {NameMaxBytes})";
        }
        int bytes = Encoding.UTF8.GetByteCount(full);
        return bytes >= PathMaxBytes ? $"name too long (the full path is {bytes} bytes; at most {PathMaxBytes - 1})" : null;
    }

    /// <summary>The longest name (path component) of <paramref name="path"/> and its length in UTF-8 bytes.</summary>
    public static (string Name, int Bytes) LongestName(string path)
    {
        (string, int) longest = ("", 0);
        foreach (string name in path.Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar))
        {
            int bytes = Encoding.UTF8.GetByteCount(name);
            if (bytes > longest.Item2)
            {
                longest = (name, bytes);
            }
        }
        return longest;
    }

    /// <summary>
    /// Why <paramref name="path"/> (a file or folder to make, with its missing parent folders) cannot be created: a
    /// folder on the way is not a folder, or the deepest existing one does not take new entries. Null when nothing is in
    /// the way. Nothing is created or changed.
    /// </summary>
    public static string? WhyNotCreatable(string path)
    {
        for (string? up = Path.GetDirectoryName(Path.GetFullPath(path)); up is not null; up = Path.GetDirectoryName(up))
        {
            switch (FileKind.Of(up, followLinks: true))
            {
                case PathKind.Missing:
                    continue;
                case PathKind.Directory:
                    return WhyNotWritable(up);
                case var kind:
                    return $"{Display.Quote(Shown(up))} is {FileKind.Describe(kind)}, not a folder";
            }
        }
        return null;
    }

    /// <summary>
    /// Why no entry can be added to, renamed or removed in the existing folder <paramref name="folder"/>: it is on a
    /// special file system (which refuses everyone, root too, so it is named first), on a read-only one, or not writable
    /// by this process. Null when it is writable (or cannot be asked).
    /// </summary>
    public static string? WhyNotWritable(string folder)
    {
        string shown = Display.Quote(Shown(folder));
        if (SpecialFileSystem(folder) is string special)
        {
            return $"{shown} is on {special}, a special file system that does not take new files";
        }
        return Access(folder, WriteAndSearch) switch
        {
            ErrorReadOnly => $"{shown} is on a read-only file system",
            ErrorAccess or ErrorPermission => $"permission denied: cannot create files in {shown}",
            _ => null,
        };
    }

    /// <summary>The name of the special file system (proc, sysfs, cgroup…) that holds <paramref name="path"/>, or null for any other.</summary>
    public static string? SpecialFileSystem(string path) => FileSystemType(path) is long type && SpecialTypes.TryGetValue(type, out string? name) ? name : null;

    /// <summary>
    /// <paramref name="path"/> as the user sees it: relative to the current folder when it is inside it, else absolute,
    /// so that a message does not grow an absolute prefix the user never typed.
    /// </summary>
    public static string Shown(string path)
    {
        string relative = Path.GetRelativePath(Directory.GetCurrentDirectory(), path);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? path : relative;
    }

    // The f_type values of linux/magic.h for file systems whose folders take no regular files from anyone.
    private static readonly Dictionary<long, string> SpecialTypes = new()
    {
        [0x9fa0] = "proc",
        [0x62656572] = "sysfs",
        [0x27e0eb] = "cgroup",
        [0x63677270] = "cgroup2",
        [0x64626720] = "debugfs",
        [0x74726163] = "tracefs",
        [0x73636673] = "securityfs",
        [0x1cd1] = "devpts",
        [0x6165676c] = "pstore",
        [0x62656570] = "configfs",
        [0xde5e81e4] = "efivarfs",
        [0xf97cff8c] = "selinuxfs",
        [0x42494e4d] = "binfmt_misc",
        [0xcafe4a11] = "bpf",
        [0x6e736673] = "nsfs",
        [0x65735543] = "fusectl",
    };

    private const int WriteAndSearch = 2 | 1; // W_OK | X_OK
    private const int ErrorPermission = 1, ErrorAccess = 13, ErrorReadOnly = 30;

    private static bool unavailable = !OperatingSystem.IsLinux() || !BitConverter.IsLittleEndian || IntPtr.Size != 8;

    // The f_type of struct statfs: its first field, a long (the layout read here is that of 64-bit little-endian Linux).
    private static long? FileSystemType(string path)
    {
        if (unavailable)
        {
            return null;
        }
        var buffer = new byte[256];
        try
        {
            return Native.statfs(path, buffer) == 0 ? BitConverter.ToUInt32(buffer, 0) : null;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            unavailable = true;
            return null;
        }
    }

    // access(path, mode): 0 when allowed, else the errno; 0 where it cannot be asked.
    private static int Access(string path, int mode)
    {
        if (unavailable)
        {
            return 0;
        }
        try
        {
            return Native.access(path, mode) == 0 ? 0 : Marshal.GetLastPInvokeError();
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            unavailable = true;
            return 0;
        }
    }

    private static class Native
    {
#pragma warning disable SYSLIB1054 // LibraryImport needs unsafe code; these marshal a string and a byte array, as Statx does.
        [DllImport("libc", SetLastError = true)]
        public static extern int statfs([MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte[] buffer);

        [DllImport("libc", SetLastError = true)]
        public static extern int access([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int mode);
#pragma warning restore SYSLIB1054
    }
}
