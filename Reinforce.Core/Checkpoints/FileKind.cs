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

    /// <summary>
    /// Whether two paths name the same file or folder (the same device and inode, links followed), e.g.
    /// a path and the current folder reached through a symbolic link. Where the identity cannot be read
    /// (not Linux), the full paths are compared as text.
    /// </summary>
    public static bool SameEntry(string first, string second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        if (Identity(AtFdCwd, first, 0) is { } a && Identity(AtFdCwd, second, 0) is { } b)
        {
            return a == b && a.Inode != 0; // inode 0: missing
        }
        return string.Equals(Normalized(first), Normalized(second), OperatingSystem.IsWindows() || OperatingSystem.IsMacOS()
            ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
    }

    /// <summary>
    /// Whether the open file <paramref name="handle"/> is still the file at <paramref name="path"/> (it may have been
    /// renamed or deleted since it was opened). True where the identity cannot be read (not Linux).
    /// </summary>
    public static bool IsSameFile(SafeHandle handle, string path)
    {
        ArgumentNullException.ThrowIfNull(handle);
        ArgumentNullException.ThrowIfNull(path);
        if (statxUnavailable)
        {
            return true;
        }
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            var open = Identity((int)handle.DangerousGetHandle(), "", AtEmptyPath);
            return open is null || (open == Identity(AtFdCwd, path, AtSymlinkNoFollow) && open.Value.Inode != 0);
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    private const int AtEmptyPath = 0x1000;
    private const uint StatxIno = 0x100;
    private const int StatxInoOffset = 32, StatxDevMajorOffset = 136, StatxDevMinorOffset = 140;

    // (device, inode) from statx, (0, 0, 0) for a missing path, or null where statx is not available.
    private static (uint Major, uint Minor, ulong Inode)? Identity(int directory, string path, int flags)
    {
        if (statxUnavailable)
        {
            return null;
        }
        try
        {
            var buffer = new byte[256];
            if (Native.statx(directory, path, flags, StatxIno, buffer) != 0)
            {
                return Marshal.GetLastPInvokeError() is ErrorNoEntry or ErrorNotDirectory ? (0, 0, 0) : null;
            }
            return (BitConverter.ToUInt32(buffer, StatxDevMajorOffset), BitConverter.ToUInt32(buffer, StatxDevMinorOffset),
                BitConverter.ToUInt64(buffer, StatxInoOffset));
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            statxUnavailable = true;
            return null;
        }
    }

    private static string Normalized(string path) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));

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
