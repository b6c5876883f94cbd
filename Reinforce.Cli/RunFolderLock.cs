using System.Globalization;
using Reinforce.Checkpoints;
using Reinforce.Text;

namespace Reinforce.Cli;

/// <summary>What a folder written by reinforce holds: one training run (<c>train</c>) or a sweep over seeds (<c>sweep</c>).</summary>
internal enum FolderKind
{
    Run,
    Sweep,
}

/// <summary>
/// What makes a folder a run folder, and the one writer it may have.
/// <list type="bullet">
/// <item><description><b>Recognised.</b> A run folder holds only files <c>reinforce train</c> writes (<see cref="OwnFiles"/>,
/// and the temporary files of its atomic writes), no subfolder but a sweep's <c>finished-runs/</c> holding only run files
/// (<see cref="SweepRunFiles"/>), and either its marker file
/// <c>.reinforce-run</c> or a checkpoint in this tool's format. Only such a folder is ever emptied, file
/// by file, and never the current folder, one of its ancestors, or a symbolic link.</description></item>
/// <item><description><b>One writer.</b> A writer holds an exclusive lock on the folder's <c>.lock</c> file (an advisory
/// <c>flock</c>, which the system releases when the process ends, however it ends) for as long as it
/// writes, including while it renames the folder. A second writer is refused before any work and told who holds it;
/// a lock left by a killed process is free again, and is taken over on resume.</description></item>
/// </list>
/// </summary>
internal sealed class RunFolderLock : IDisposable
{
    public const string MarkerFile = ".reinforce-run";
    public const string LockFile = ".lock";

    /// <summary>Every file a run folder or a sweep folder may hold.</summary>
    public static readonly IReadOnlySet<string> OwnFiles = new HashSet<string>(StringComparer.Ordinal)
    {
        RunFolder.ConfigFile, RunFolder.MetricsFile, RunFolder.EpisodesFile, RunFolder.CheckpointFile, RunFolder.CurveFile,
        RunFolder.EvaluationsFile, RunFolder.BestFile, MonitorLog.FileName, ReproducibilityRecord.FileName,
        SweepFolder.SweepFile, SweepFolder.RunsFile, SweepFolder.SummaryCsvFile, SweepFolder.SummaryMarkdownFile, SweepFolder.ComparisonsFile,
        SweepFolder.CurvesFile, SweepFolder.ProfileFile, SweepIdentity.FileName, ShardRecord.FileName, SweepFolder.ShardsFile,
        MarkerFile, LockFile,
    };

    private const string RunMarkerLine = "reinforce run folder: written by `reinforce train`; `reinforce train --force` may replace it.";
    private const string SweepMarkerLine = "reinforce sweep folder: written by `reinforce sweep`; `reinforce sweep --force` or `reinforce train --force` may replace it.";

    private readonly FileStream stream;

    private RunFolderLock(FileStream stream, string folder, bool createdLockFile)
    {
        this.stream = stream;
        Folder = folder;
        CreatedLockFile = createdLockFile;
    }

    /// <summary>Whether the lock file did not exist before (so giving up leaves the folder as it was only if it is removed).</summary>
    public bool CreatedLockFile { get; }

    /// <summary>The folder the lock is held on (it follows <see cref="MoveTo"/>).</summary>
    public string Folder { get; private set; }

    /// <summary>
    /// Takes the lock of <paramref name="folder"/> (which must exist), or returns null with a description of
    /// the process that holds it.
    /// </summary>
    public static RunFolderLock? TryAcquire(string folder, out string holder)
    {
        string path = Path.Combine(folder, LockFile);
        for (int attempt = 0; attempt < 5; attempt++)
        {
            bool existed = FileKind.Of(path) != PathKind.Missing;
            FileStream stream;
            try
            {
                stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException e) when (IsSharingViolation(e))
            {
                holder = LockHolder(path);
                return null;
            }
            // Between opening and locking, the holder may have renamed or finished the folder: then the lock is on
            // a file that is no longer this folder's lock file. Look again.
            if (FileIdentity.IsSameFile(stream.SafeFileHandle, path))
            {
                holder = "";
                return new RunFolderLock(stream, folder, !existed);
            }
            stream.Dispose();
        }
        holder = "another process (the folder kept changing)";
        return null;
    }

    /// <summary>
    /// Who holds the lock of <paramref name="folder"/> now, or null if nobody does (or it has no lock file). Looks
    /// without changing anything: the lock is taken for an instant only if it is free, and no file is created.
    /// </summary>
    public static string? Holder(string folder)
    {
        string path = Path.Combine(folder, LockFile);
        if (FileKind.Of(path) != PathKind.RegularFile)
        {
            return null;
        }
        try
        {
            using var probe = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            return null;
        }
        catch (IOException e) when (IsSharingViolation(e))
        {
            return LockHolder(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// The process that holds the lock on <paramref name="lockPath"/>, as the system tells it: "pid N (name)" from
    /// <c>/proc/locks</c> on Linux (a lock is listed with the device and inode of its file), else "another process".
    /// Never the marker's writer, which is only the last process that took the folder, not necessarily the one holding it.
    /// </summary>
    public static string LockHolder(string lockPath)
    {
        const string unknown = "another process";
        if (!OperatingSystem.IsLinux() || FileIdentity.Of(lockPath) is not { } identity)
        {
            return unknown;
        }
        try
        {
            // "1: FLOCK  ADVISORY  WRITE 4242 fe:00:11658440 0 EOF": pid, then MAJOR:MINOR (hexadecimal):INODE (decimal).
            // A waiter's line has "->" after its number; only holders count.
            string device = string.Create(CultureInfo.InvariantCulture, $"{identity.Major:x2}:{identity.Minor:x2}:{identity.Inode}");
            foreach (string line in File.ReadLines("/proc/locks"))
            {
                string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length >= 6 && fields[1] != "->" && fields[5] == device
                    && int.TryParse(fields[4], NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && pid > 0)
                {
                    return ProcessName(pid) is string name ? $"pid {pid} ({name})" : $"pid {pid}";
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // No /proc/locks to read: the holder stays unnamed.
        }
        return unknown;
    }

    private static string? ProcessName(int pid)
    {
        try
        {
            string name = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/comm").Trim();
            return name.Length > 0 ? Display.Quote(name, 40).Trim('\'') : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// What <paramref name="folder"/> is if reinforce wrote it as a run or sweep folder (its marker, a sweep's
    /// sweep.json with runs.csv, or a checkpoint in this tool's format), else null.
    /// </summary>
    public static FolderKind? WrittenByReinforce(string folder)
    {
        if (FileKind.Of(Path.Combine(folder, MarkerFile)) == PathKind.RegularFile)
        {
            return ReadKind(folder);
        }
        if (FileKind.Of(Path.Combine(folder, SweepFolder.SweepFile)) == PathKind.RegularFile
            && FileKind.Of(Path.Combine(folder, SweepFolder.RunsFile)) == PathKind.RegularFile)
        {
            return FolderKind.Sweep;
        }
        return HasRunSignature(folder) ? FolderKind.Run : null;
    }

    /// <summary>The writer named in the marker (pid and start), or null.</summary>
    public static string? ReadMarker(string folder)
    {
        try
        {
            string path = Path.Combine(folder, MarkerFile);
            if (FileKind.Of(path) != PathKind.RegularFile || new FileInfo(path).Length > 4096)
            {
                return null;
            }
            string? writer = File.ReadLines(path).FirstOrDefault(l => l.StartsWith("writer: ", StringComparison.Ordinal));
            return writer is null ? null : Display.Quote(writer["writer: ".Length..], 120).Trim('\'');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Writes the marker: this folder is a run (or sweep) folder, and who writes it now.</summary>
    public void WriteMarker(FolderKind kind = FolderKind.Run)
    {
        string now = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        OutputFiles.WriteAllText(Path.Combine(Folder, MarkerFile),
            (kind == FolderKind.Sweep ? SweepMarkerLine : RunMarkerLine) + "\n" +
            $"writer: pid {Environment.ProcessId} on {Environment.MachineName}, since {now}\n");
    }

    /// <summary>What the marker of <paramref name="folder"/> says it is: a sweep folder, or a run folder (also when it has no marker).</summary>
    public static FolderKind ReadKind(string folder)
    {
        try
        {
            string path = Path.Combine(folder, MarkerFile);
            if (FileKind.Of(path) != PathKind.RegularFile || new FileInfo(path).Length > 4096)
            {
                return FolderKind.Run;
            }
            return File.ReadLines(path).FirstOrDefault()?.StartsWith("reinforce sweep folder", StringComparison.Ordinal) == true ? FolderKind.Sweep : FolderKind.Run;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return FolderKind.Run;
        }
    }

    /// <summary>Renames the locked folder; the lock goes with it.</summary>
    public void MoveTo(string folder)
    {
        Directory.Move(Folder, folder);
        Folder = folder;
    }

    /// <summary>Gives up without having changed anything: releases the lock, and removes the lock file if this writer made it.</summary>
    public void Abandon()
    {
        if (CreatedLockFile)
        {
            Release();
        }
        stream.Dispose();
    }

    /// <summary>Removes the lock file from a finished folder and releases the lock.</summary>
    public void Release()
    {
        try
        {
            File.Delete(Path.Combine(Folder, LockFile));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // An empty lock file left behind is harmless: the lock itself ends with the handle.
        }
        stream.Dispose();
    }

    public void Dispose() => stream.Dispose();

    // On Linux and macOS .NET reports a held flock as an IOException whose HResult is the errno EWOULDBLOCK; on
    // Windows as ERROR_SHARING_VIOLATION.
    private static bool IsSharingViolation(IOException e) => e.GetType() == typeof(IOException)
        && e.HResult is 11 or 35 or unchecked((int)0x80070020);

    /// <summary>
    /// The entries of <paramref name="folder"/> that <c>reinforce train</c> or <c>reinforce sweep</c> did not write: subfolders, links,
    /// devices, and files of other names. Empty for a folder that holds only run-folder files.
    /// </summary>
    public static List<string> ForeignEntries(string folder)
    {
        var foreign = new List<string>();
        foreach (string entry in Directory.EnumerateFileSystemEntries(folder))
        {
            if (IsFinishedRunsFolder(entry))
            {
                // Named inside: what is in the way is the entry reinforce did not write, not the folder of run files.
                foreign.AddRange(Directory.EnumerateFileSystemEntries(entry).Where(e => !SweepRunFiles.IsOwnEntry(e))
                    .Select(e => $"{SweepRunFiles.Folder}/{Path.GetFileName(e)}{(FileKind.Of(e) == PathKind.Directory ? "/" : "")}"));
                continue;
            }
            if (!IsOwnEntry(entry))
            {
                string name = Path.GetFileName(entry);
                foreign.Add(FileKind.Of(entry) == PathKind.Directory ? name + "/" : name);
            }
        }
        foreign.Sort(StringComparer.Ordinal);
        return foreign;
    }

    /// <summary>Whether the folder carries the marker or a checkpoint in this tool's format (so it was made by reinforce).</summary>
    public static bool HasRunSignature(string folder)
    {
        if (FileKind.Of(Path.Combine(folder, MarkerFile)) == PathKind.RegularFile)
        {
            return true;
        }
        string checkpoint = Path.Combine(folder, RunFolder.CheckpointFile);
        try
        {
            return FileKind.Of(checkpoint) == PathKind.RegularFile
                && SafeTensors.Load(checkpoint).Metadata.GetValueOrDefault("format") == TrainingCheckpoint.Format;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return false;
        }
    }

    /// <summary>
    /// Why <paramref name="folder"/> may not be replaced or continued, or null if it is a run folder (or empty).
    /// The reason quotes what is in the way.
    /// </summary>
    public static string? WhyNotOwn(string folder)
    {
        List<string> foreign = ForeignEntries(folder);
        if (foreign.Count > 0)
        {
            string shown = string.Join(", ", foreign.Take(3).Select(f => Display.Quote(f, 40)));
            return $"it holds {(foreign.Count == 1 ? "an entry" : $"{foreign.Count} entries")} reinforce did not write ({shown}{(foreign.Count > 3 ? ", …" : "")})";
        }
        // Only a lock, a marker or temporary files (or nothing): a folder a writer has just taken, or an empty one.
        return !HoldsRunData(folder) || HasRunSignature(folder)
            ? null
            : "it has no .reinforce-run marker and no reinforce checkpoint, so it is not a run folder";
    }

    /// <summary>
    /// Deletes the run-folder files of <paramref name="folder"/> one by one (never anything else), except the lock; a sweep's
    /// finished-runs/ is emptied the same way and then removed (only if it is empty by then).
    /// </summary>
    public static void DeleteOwnFiles(string folder, bool keepLock)
    {
        foreach (string entry in Directory.EnumerateFileSystemEntries(folder).ToList())
        {
            if (IsFinishedRunsFolder(entry))
            {
                DeleteFinishedRuns(folder);
            }
            else if (IsOwnEntry(entry) && !(keepLock && Path.GetFileName(entry) == LockFile))
            {
                File.Delete(entry);
            }
        }
    }

    /// <summary>Deletes a sweep's finished-runs/ in <paramref name="folder"/>: its run files one by one, then the folder, which must be empty by then.</summary>
    public static void DeleteFinishedRuns(string folder)
    {
        string runs = Path.Combine(folder, SweepRunFiles.Folder);
        if (!IsFinishedRunsFolder(runs))
        {
            return;
        }
        foreach (string entry in Directory.EnumerateFileSystemEntries(runs).ToList())
        {
            if (SweepRunFiles.IsOwnEntry(entry))
            {
                File.Delete(entry);
            }
        }
        Directory.Delete(runs, recursive: false);
    }

    /// <summary>Whether <paramref name="entry"/> is a sweep's finished-runs folder: a real folder of that name (not a link).</summary>
    public static bool IsFinishedRunsFolder(string entry) =>
        Path.GetFileName(entry) == SweepRunFiles.Folder && FileKind.Of(entry) == PathKind.Directory;

    /// <summary>Deletes the temporary files a killed writer left, in the folder and its finished-runs/ (the caller holds the lock, so none is in use).</summary>
    public static void DeleteStaleTemporaryFiles(string folder)
    {
        foreach (string entry in Directory.EnumerateFiles(folder, ".*.tmp").ToList())
        {
            if (OutputFiles.IsTemporaryFileName(Path.GetFileName(entry)) && IsOwnEntry(entry))
            {
                File.Delete(entry);
            }
        }
        string runs = Path.Combine(folder, SweepRunFiles.Folder);
        if (IsFinishedRunsFolder(runs))
        {
            foreach (string entry in Directory.EnumerateFiles(runs, ".*.tmp").ToList())
            {
                if (OutputFiles.IsTemporaryFileName(Path.GetFileName(entry)) && SweepRunFiles.IsOwnEntry(entry))
                {
                    File.Delete(entry);
                }
            }
        }
    }

    /// <summary>
    /// Whether a run folder's entry is one <c>reinforce train</c> or <c>sweep</c> writes: a regular file of an own name, or a
    /// temporary file of one, or a sweep's finished-runs/ holding only run files.
    /// </summary>
    public static bool IsOwnEntry(string entry)
    {
        string name = Path.GetFileName(entry);
        if (IsFinishedRunsFolder(entry))
        {
            return Directory.EnumerateFileSystemEntries(entry).All(SweepRunFiles.IsOwnEntry);
        }
        return FileKind.Of(entry) == PathKind.RegularFile
            && (OwnFiles.Contains(name) || (OutputFiles.IsTemporaryFileName(name, out string target) && OwnFiles.Contains(target)));
    }

    /// <summary>Whether the folder holds anything besides its marker, lock and temporary files (an unfinished run's data).</summary>
    public static bool HoldsRunData(string folder) => Directory.EnumerateFileSystemEntries(folder)
        .Select(Path.GetFileName)
        .Any(name => name is not (MarkerFile or LockFile) && !OutputFiles.IsTemporaryFileName(name!));
}
