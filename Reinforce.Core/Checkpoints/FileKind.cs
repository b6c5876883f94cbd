using System.Runtime.InteropServices;

namespace Reinforce.Checkpoints;

/// <summary>What a path names in the file system.</summary>
public enum PathKind
{
    /// <summary>Nothing exists at the path (or a folder on the way to it is missing).</summary>
    Missing,

    /// <summary>A regular file: the only kind of file this library reads or replaces.</summary>
    RegularFile,

    /// <summary>A directory.</summary>
    Directory,

    /// <summary>A symbolic link (only reported when links are not followed).</summary>
    SymbolicLink,

    /// <summary>A device, a named pipe (FIFO) or a socket: never read whole, never replaced.</summary>
    Other,
}

/// <summary>
/// Tells regular files from directories, links, devices, pipes and sockets before a file is opened
/// or replaced. Opening a named pipe blocks until a writer appears, reading <c>/dev/zero</c> never
/// ends, and renaming a new file over <c>/dev/full</c> replaces the device node: all three must be
/// recognised from the path alone.
/// </summary>
/// <remarks>
/// On Linux the type comes from the C library's <c>statx</c>, whose structure is the same on every
/// architecture. Elsewhere (or if <c>statx</c> is unavailable) the base library's
/// <see cref="FileSystemInfo"/> is used, which tells directories and symbolic links apart but
/// reports devices and pipes as regular files.
/// </remarks>
public static class FileKind
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1;
    private const int StatxModeOffset = 28; // struct statx: u32 mask, u32 blksize, u64 attributes, u32 nlink, u32 uid, u32 gid, u16 mode
    private const int ErrorNoEntry = 2, ErrorNotDirectory = 20;
    private static bool statxUnavailable = !OperatingSystem.IsLinux();

    /// <summary>The kind of <paramref name="path"/>; with <paramref name="followLinks"/> a symbolic link reports its target's kind.</summary>
    public static PathKind Of(string path, bool followLinks = false)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Length == 0 || path.Contains('\0', StringComparison.Ordinal))
        {
            return PathKind.Missing;
        }
        if (!statxUnavailable)
        {
            try
            {
                var buffer = new byte[256];
                if (Native.statx(AtFdCwd, path, followLinks ? 0 : AtSymlinkNoFollow, StatxType, buffer) == 0)
                {
                    int type = BitConverter.ToUInt16(buffer, StatxModeOffset) & 0xF000;
                    return type switch
                    {
                        0x8000 => PathKind.RegularFile,
                        0x4000 => PathKind.Directory,
                        0xA000 => PathKind.SymbolicLink,
                        _ => PathKind.Other,
                    };
                }
                int error = Marshal.GetLastPInvokeError();
                if (error is ErrorNoEntry or ErrorNotDirectory)
                {
                    return PathKind.Missing;
                }
                // Anything else (no permission on a folder on the way, a kernel without statx): ask the base library.
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                statxUnavailable = true;
            }
        }
        return Managed(path, followLinks);
    }

    private static PathKind Managed(string path, bool followLinks)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is not null)
        {
            if (!followLinks)
            {
                return PathKind.SymbolicLink;
            }
            FileSystemInfo? target = info.ResolveLinkTarget(returnFinalTarget: true);
            return target is null || !target.Exists ? PathKind.Missing : target is DirectoryInfo ? PathKind.Directory : PathKind.RegularFile;
        }
        return Directory.Exists(path) ? PathKind.Directory : info.Exists ? PathKind.RegularFile : PathKind.Missing;
    }

    private static class Native
    {
        [DllImport("libc", SetLastError = true)]
#pragma warning disable SYSLIB1054 // LibraryImport needs unsafe code, which Core does not allow; this marshals a string and a byte array.
        public static extern int statx(int directory, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);
#pragma warning restore SYSLIB1054
    }
}
