using System.Runtime.InteropServices;
using Reinforce.Checkpoints;

namespace Reinforce.Cli;

/// <summary>
/// Whether two paths, or an open file and a path, are the same file system entry (the same device and inode):
/// the run-folder checks use it to refuse the current folder reached another way, and a lock file renamed or
/// deleted while it was open.
/// </summary>
/// <remarks>The identity comes from <c>statx</c> (<see cref="Statx"/>); where that cannot be called the answers fall back as each method says.</remarks>
internal static class FileIdentity
{
    private const int StatxInoOffset = 32, StatxDevMajorOffset = 136, StatxDevMinorOffset = 140;

    /// <summary>
    /// Whether two paths name the same file or folder (the same device and inode, links followed), e.g.
    /// a path and the current folder reached through a symbolic link. Where the identity cannot be read
    /// (not Linux), the full paths are compared as text.
    /// </summary>
    public static bool SameEntry(string first, string second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        if (Identity(Statx.AtFdCwd, first, 0) is { } a && Identity(Statx.AtFdCwd, second, 0) is { } b)
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
        if (!Statx.Available)
        {
            return true;
        }
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            var open = Identity((int)handle.DangerousGetHandle(), "", Statx.AtEmptyPath);
            return open is null || (open == Identity(Statx.AtFdCwd, path, Statx.AtSymlinkNoFollow) && open.Value.Inode != 0);
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// The device (major, minor) and inode of <paramref name="path"/> (a symbolic link itself, not its target), or null
    /// when the path is missing or the identity cannot be read (not Linux).
    /// </summary>
    public static (uint Major, uint Minor, ulong Inode)? Of(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Identity(Statx.AtFdCwd, path, Statx.AtSymlinkNoFollow) is { Inode: not 0 } identity ? identity : null;
    }

    // (device, inode) from statx, (0, 0, 0) for a missing path, or null where statx is not available.
    private static (uint Major, uint Minor, ulong Inode)? Identity(int directory, string path, int flags)
    {
        var buffer = new byte[Statx.BufferLength];
        return Statx.Call(directory, path, flags, Statx.InoMask, buffer) switch
        {
            0 => (BitConverter.ToUInt32(buffer, StatxDevMajorOffset), BitConverter.ToUInt32(buffer, StatxDevMinorOffset),
                BitConverter.ToUInt64(buffer, StatxInoOffset)),
            Statx.ErrorNoEntry or Statx.ErrorNotDirectory => (0, 0, 0),
            _ => null,
        };
    }

    private static string Normalized(string path) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
}
