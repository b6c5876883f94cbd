using System.Runtime.InteropServices;

namespace Reinforce.Checkpoints;

/// <summary>What a path names in the file system.</summary>
internal enum PathKind
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
/// recognised from the path alone. <see cref="SafeTensors.Load"/> and <see cref="SafeTensors.Save"/> ask it
/// before they open or replace a checkpoint.
/// </summary>
/// <remarks>
/// On Linux the type comes from the C library's <c>statx</c>, whose structure is the same on every
/// architecture. Elsewhere (or if <c>statx</c> is unavailable) the base library's
/// <see cref="FileSystemInfo"/> is used, which tells directories and symbolic links apart but
/// reports devices and pipes as regular files.
/// </remarks>
internal static class FileKind
{
    private const int StatxModeOffset = 28; // struct statx: u32 mask, u32 blksize, u64 attributes, u32 nlink, u32 uid, u32 gid, u16 mode

    /// <summary>The kind of <paramref name="path"/>; with <paramref name="followLinks"/> a symbolic link reports its target's kind.</summary>
    public static PathKind Of(string path, bool followLinks = false)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Length == 0 || path.Contains('\0', StringComparison.Ordinal))
        {
            return PathKind.Missing;
        }
        var buffer = new byte[Statx.BufferLength];
        switch (Statx.Call(Statx.AtFdCwd, path, followLinks ? 0 : Statx.AtSymlinkNoFollow, Statx.TypeMask, buffer))
        {
            case 0:
                int type = BitConverter.ToUInt16(buffer, StatxModeOffset) & 0xF000;
                return type switch
                {
                    0x8000 => PathKind.RegularFile,
                    0x4000 => PathKind.Directory,
                    0xA000 => PathKind.SymbolicLink,
                    _ => PathKind.Other,
                };
            case Statx.ErrorNoEntry or Statx.ErrorNotDirectory:
                return PathKind.Missing;
            default:
                // Anything else (no permission on a folder on the way, a kernel without statx, not Linux): ask the base library.
                return Managed(path, followLinks);
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
}

/// <summary>
/// The C library's <c>statx</c> on Linux, the one system call behind <see cref="FileKind"/> (and the command's
/// file-identity checks). Once it is found missing (not Linux, no such entry point) it is not tried again.
/// </summary>
internal static class Statx
{
    public const int AtFdCwd = -100, AtSymlinkNoFollow = 0x100, AtEmptyPath = 0x1000;
    public const uint TypeMask = 0x1, InoMask = 0x100;
    public const int ErrorNoEntry = 2, ErrorNotDirectory = 20;

    /// <summary>Bytes for a <c>struct statx</c> (256 on every architecture).</summary>
    public const int BufferLength = 256;

    private static bool unavailable = !OperatingSystem.IsLinux();

    /// <summary>False where <c>statx</c> cannot be called: <see cref="Call"/> then answers null.</summary>
    public static bool Available => !unavailable;

    /// <summary>
    /// <c>statx(directory, path, flags, mask, buffer)</c>: 0 when <paramref name="buffer"/> was filled, the
    /// <c>errno</c> when the call failed, or null where <c>statx</c> cannot be called.
    /// </summary>
    public static int? Call(int directory, string path, int flags, uint mask, byte[] buffer)
    {
        if (unavailable)
        {
            return null;
        }
        try
        {
            if (Native.statx(directory, path, flags, mask, buffer) == 0)
            {
                return 0;
            }
            int error = Marshal.GetLastPInvokeError();
            return error == 0 ? -1 : error; // a failure always answers non-zero
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            unavailable = true;
            return null;
        }
    }

    private static class Native
    {
        [DllImport("libc", SetLastError = true)]
#pragma warning disable SYSLIB1054 // LibraryImport needs unsafe code, which Core does not allow; this marshals a string and a byte array.
        public static extern int statx(int directory, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);
#pragma warning restore SYSLIB1054
    }
}
