using Reinforce.Checkpoints;
using Reinforce.Text;

namespace Reinforce.Cli;

/// <summary>
/// Where a training run writes, checked before any work and held by one writer: the run lives in
/// <c>DIR.partial</c> while it is written and is renamed to <c>DIR</c> when it ends, so a folder without the
/// suffix always holds a finished run. <c>--force</c> replaces only a run folder (see <see cref="RunFolderLock"/>),
/// file by file, and only when the new run has ended.
/// </summary>
internal sealed class RunFolderWriter : IDisposable
{
    private readonly RunFolderLock folderLock;

    private RunFolderWriter(RunFolderLock folderLock, string finalFolder, bool replaceFinal, FolderKind kind = FolderKind.Run)
    {
        this.folderLock = folderLock;
        Kind = kind;
        FinalFolder = finalFolder;
        ReplaceFinal = replaceFinal;
    }

    /// <summary>Whether this writer writes a run folder or a sweep folder.</summary>
    public FolderKind Kind { get; }

    /// <summary>DIR: where the finished run goes.</summary>
    public string FinalFolder { get; }

    /// <summary>DIR.partial: where the run is written.</summary>
    public string WorkFolder => folderLock.Folder;

    /// <summary>Whether an existing run folder at <see cref="FinalFolder"/> may be replaced (<c>--force</c>).</summary>
    public bool ReplaceFinal { get; }

    /// <summary>Set when a killed writer's folder was taken over: its description, for a note.</summary>
    public string? TakenOverFrom { get; private set; }

    /// <summary>A run folder path with no trailing separator.</summary>
    public static string Normalize(string path) => path.Length > 1 ? Path.TrimEndingDirectorySeparator(path) : path;

    /// <summary>
    /// Checks <c>--out</c> for a new run, before any work: what is there may be replaced (with <paramref name="force"/>)
    /// only if it is a run folder; never the current folder, an ancestor of it, or a symbolic link.
    /// </summary>
    public static string CheckNewRun(string path, bool force, FolderKind kind = FolderKind.Run)
    {
        bool sweep = kind == FolderKind.Sweep;
        PathArguments.NonEmpty("--out", path, "a folder path for the run");
        string final = Normalize(path);
        string label = PathArguments.Label("--out", path);
        if (final.EndsWith(RunFolder.PartialSuffix, StringComparison.Ordinal))
        {
            throw new UsageException($"{label}: names ending in {RunFolder.PartialSuffix} are kept for unfinished runs; give the folder name without it");
        }
        CheckPlace("--out", path, final);
        CheckWritable("--out", path, final);
        // A writer holding the folder is named now, before any work, not when the new run ends and cannot replace it.
        if (FileKind.Of(final) == PathKind.Directory && RunFolderLock.Holder(final) is string finalHolder)
        {
            throw new UsageException(BeingWritten("--out", path, final, finalHolder));
        }
        switch (FileKind.Of(final))
        {
            case PathKind.Missing:
                break;
            case PathKind.Directory when !Directory.EnumerateFileSystemEntries(final).Any():
                break;
            case PathKind.Directory when !force:
                throw new UsageException(sweep
                    ? $"{label}: the folder exists and is not empty; --force replaces a sweep or run folder"
                    : $"{label}: the folder exists and is not empty; --force replaces a run folder, --resume {Display.Quote(path)} continues it");
            case PathKind.Directory:
                if (RunFolderLock.WhyNotOwn(final) is string why)
                {
                    throw new UsageException($"{label}: --force replaces only a {(sweep ? "sweep or run" : "run")} folder, and {why}; nothing was changed");
                }
                break;
            case var other:
                throw new UsageException($"{label} is {FileKind.Describe(other)}; expected a folder path for the run");
        }
        string work = final + RunFolder.PartialSuffix;
        switch (FileKind.Of(work))
        {
            case PathKind.Missing:
                break;
            case PathKind.Directory:
                if (RunFolderLock.Holder(work) is string holder)
                {
                    throw new UsageException(BeingWritten("--out", path, work, holder));
                }
                if (RunFolderLock.WhyNotOwn(work) is string why)
                {
                    throw new UsageException($"{label}: {Display.Quote(work)} is in the way: {why}; nothing was changed");
                }
                if (RunFolderLock.HoldsRunData(work) && !force)
                {
                    throw new UsageException(sweep
                        ? $"{label}: {Display.Quote(work)} holds an unfinished sweep or run (its writer was stopped); --force starts over"
                        : $"{label}: {Display.Quote(work)} holds an unfinished run; --resume {Display.Quote(path)} continues it, --force starts over");
                }
                break;
            case var other:
                throw new UsageException($"{label}: {Display.Quote(work)} is {FileKind.Describe(other)}; move it away");
        }
        return final;
    }

    /// <summary>
    /// Takes a folder the tool names itself (the default <c>--out</c>): <paramref name="nextFree"/> gives a name no folder
    /// has yet, and when another process takes the same name first (two runs started in the same second), the next free
    /// name is tried, so each run gets its own folder (<c>…-2</c>, <c>…-3</c>).
    /// </summary>
    public static RunFolderWriter StartNewNamed(Func<string> nextFree, FolderKind kind = FolderKind.Run)
    {
        for (int attempt = 1; ; attempt++)
        {
            string final = nextFree();
            try
            {
                return StartNew(CheckNewRun(final, force: false, kind), force: false, kind);
            }
            catch (UsageException) when (attempt < 100 && (Directory.Exists(final) || Directory.Exists(final + RunFolder.PartialSuffix)))
            {
                // Taken by another run between the name and the lock: nextFree skips it now.
            }
        }
    }

    /// <summary>Takes DIR.partial for a new run (created with its parents), clearing a killed run's files with <paramref name="force"/>.</summary>
    public static RunFolderWriter StartNew(string final, bool force, FolderKind kind = FolderKind.Run)
    {
        string work = final + RunFolder.PartialSuffix;
        try
        {
            Directory.CreateDirectory(work);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw PathArguments.Failure($"--out {Display.Quote(final)}: cannot create {Display.Quote(work)}", work, e);
        }
        RunFolderLock folderLock = Acquire("--out", final, work);
        try
        {
            // Checked again under the lock: another writer may have used the folder since the first check.
            if (RunFolderLock.WhyNotOwn(work) is string why)
            {
                throw new UsageException($"--out {Display.Quote(final)}: {Display.Quote(work)} is in the way: {why}; nothing was changed");
            }
            if (RunFolderLock.HoldsRunData(work))
            {
                if (!force)
                {
                    throw new UsageException(kind == FolderKind.Sweep
                        ? $"--out {Display.Quote(final)}: {Display.Quote(work)} holds an unfinished sweep or run; --force starts over"
                        : $"--out {Display.Quote(final)}: {Display.Quote(work)} holds an unfinished run; --resume continues it, --force starts over");
                }
                RunFolderLock.DeleteOwnFiles(work, keepLock: true);
            }
            // Checked again: a writer may have taken the folder to replace since the first check.
            if (FileKind.Of(final) == PathKind.Directory && RunFolderLock.Holder(final) is string finalHolder)
            {
                throw new UsageException(BeingWritten("--out", final, final, finalHolder));
            }
            RunFolderLock.DeleteStaleTemporaryFiles(work);
            folderLock.WriteMarker(kind);
            return new RunFolderWriter(folderLock, final, force, kind);
        }
        catch
        {
            folderLock.Abandon();
            throw;
        }
    }

    /// <summary>The folder to resume and where its run goes, from <c>--resume PATH</c> (checked before any work).</summary>
    public sealed record ResumeTarget(string Source, string Final, bool SourceIsPartial)
    {
        public string CheckpointPath => Path.Combine(Source, RunFolder.CheckpointFile);
    }

    /// <summary>
    /// Which folder <c>--resume</c> continues: DIR.partial (a killed or running-elsewhere run) or DIR (a finished one).
    /// Both existing is ambiguous; continuing DIR.partial when DIR exists replaces DIR at the end, so it needs <paramref name="force"/>.
    /// </summary>
    public static ResumeTarget CheckResume(string path, bool force)
    {
        PathArguments.NonEmpty("--resume", path, "a run folder written by reinforce train");
        string label = PathArguments.Label("--resume", path);
        string folder = Normalize(path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase)
            ? Path.GetDirectoryName(path) is { Length: > 0 } parent ? parent : "."
            : path);
        bool namesPartial = folder.EndsWith(RunFolder.PartialSuffix, StringComparison.Ordinal);
        string final = namesPartial ? folder[..^RunFolder.PartialSuffix.Length] : folder;
        string work = final + RunFolder.PartialSuffix;
        if (final.Length == 0)
        {
            throw new UsageException($"{label}: expected a run folder written by reinforce train");
        }
        CheckPlace("--resume", path, final);
        CheckPlace("--resume", path, work);
        PathKind finalKind = FileKind.Of(final), workKind = FileKind.Of(work);
        foreach (var (name, kind) in new[] { (final, finalKind), (work, workKind) })
        {
            if (kind is not (PathKind.Missing or PathKind.Directory))
            {
                throw new UsageException($"{label}: {Display.Quote(name)} is {FileKind.Describe(kind)}; expected a run folder");
            }
        }
        if (!namesPartial && finalKind == PathKind.Directory && workKind == PathKind.Directory)
        {
            throw new UsageException($"{label}: both {Display.Quote(final)} (a finished run) and {Display.Quote(work)} (an unfinished one) exist; " +
                $"--resume {Display.Quote(work)} continues the unfinished one (and needs --force to replace the finished one when it ends), or move one away");
        }
        bool fromPartial = namesPartial || finalKind == PathKind.Missing;
        string source = fromPartial ? work : final;
        if (FileKind.Of(source) != PathKind.Directory)
        {
            throw new UsageException($"{label}: no such run folder; expected a run folder written by reinforce train");
        }
        if (RunFolderLock.Holder(source) is string holder)
        {
            throw new UsageException(BeingWritten("--resume", path, source, holder));
        }
        if (RunFolderLock.WhyNotOwn(source) is string why)
        {
            throw new UsageException($"{label}: {Display.Quote(source)} cannot be continued: {why}");
        }
        if (RunFolderLock.ReadKind(source) == FolderKind.Sweep)
        {
            throw new UsageException($"{label}: {Display.Quote(source)} is a sweep folder (written by reinforce sweep), not a training run; nothing to continue");
        }
        if (FileKind.Of(Path.Combine(source, RunFolder.CheckpointFile)) != PathKind.RegularFile)
        {
            throw new UsageException($"{label}: no {RunFolder.CheckpointFile} in {Display.Quote(source)}; expected a run folder written by reinforce train");
        }
        CheckWritable("--resume", path, final);
        if (fromPartial && finalKind == PathKind.Directory)
        {
            if (!force)
            {
                throw new UsageException($"{label}: continuing {Display.Quote(work)} replaces the finished run {Display.Quote(final)} when it ends; pass --force to allow that, or move {Display.Quote(final)} away");
            }
            if (RunFolderLock.WhyNotOwn(final) is string whyFinal)
            {
                throw new UsageException($"{label}: --force replaces only a run folder, and {whyFinal} ({Display.Quote(final)}); nothing was changed");
            }
        }
        return new ResumeTarget(source, final, fromPartial);
    }

    /// <summary>
    /// Which folder <c>reinforce sweep --resume</c> continues, by the rules of <see cref="CheckResume"/>: DIR.partial (a
    /// killed sweep, or one another process is writing, which is refused) or DIR (one published as interrupted, a shard, or a
    /// complete sweep). It must be a sweep folder reinforce wrote, with its <see cref="SweepIdentity.FileName"/>.
    /// </summary>
    public static ResumeTarget CheckSweepResume(string path, bool force)
    {
        const string expected = "a sweep folder written by reinforce sweep (its --out)";
        PathArguments.NonEmpty("--resume", path, expected);
        string label = PathArguments.Label("--resume", path);
        string folder = Normalize(path);
        bool namesPartial = folder.EndsWith(RunFolder.PartialSuffix, StringComparison.Ordinal);
        string final = namesPartial ? folder[..^RunFolder.PartialSuffix.Length] : folder;
        string work = final + RunFolder.PartialSuffix;
        if (final.Length == 0)
        {
            throw new UsageException($"{label}: expected {expected}");
        }
        CheckPlace("--resume", path, final);
        CheckPlace("--resume", path, work);
        PathKind finalKind = FileKind.Of(final), workKind = FileKind.Of(work);
        foreach (var (name, kind) in new[] { (final, finalKind), (work, workKind) })
        {
            if (kind is not (PathKind.Missing or PathKind.Directory))
            {
                throw new UsageException($"{label}: {Display.Quote(name)} is {FileKind.Describe(kind)}; expected a sweep folder");
            }
        }
        if (!namesPartial && finalKind == PathKind.Directory && workKind == PathKind.Directory)
        {
            throw new UsageException($"{label}: both {Display.Quote(final)} (a published sweep) and {Display.Quote(work)} (an unfinished one) exist; " +
                $"--resume {Display.Quote(work)} continues the unfinished one (and needs --force to replace the other when it ends), or move one away");
        }
        bool fromPartial = namesPartial || finalKind == PathKind.Missing;
        string source = fromPartial ? work : final;
        if (FileKind.Of(source) != PathKind.Directory)
        {
            throw new UsageException($"{label}: no such sweep folder; expected {expected}");
        }
        if (RunFolderLock.Holder(source) is string holder)
        {
            throw new UsageException(BeingWritten("--resume", path, source, holder));
        }
        if (RunFolderLock.WhyNotOwn(source) is string why)
        {
            throw new UsageException($"{label}: {Display.Quote(source)} cannot be continued: {why}");
        }
        if (RunFolderLock.WrittenByReinforce(source) != FolderKind.Sweep)
        {
            throw new UsageException($"{label}: {Display.Quote(source)} is not a sweep folder (a run folder is continued by reinforce train --resume); expected {expected}");
        }
        if (FileKind.Of(Path.Combine(source, SweepIdentity.FileName)) != PathKind.RegularFile)
        {
            throw new UsageException($"{label}: {Display.Quote(source)} has no {SweepIdentity.FileName} (written by an older reinforce, or stopped before it began), " +
                $"so there is nothing to continue from; --out {Display.Quote(final)} --force starts it over");
        }
        if (fromPartial && finalKind == PathKind.Directory)
        {
            if (!force)
            {
                throw new UsageException($"{label}: continuing {Display.Quote(work)} replaces the sweep {Display.Quote(final)} when it ends; pass --force to allow that, or move {Display.Quote(final)} away");
            }
            if (RunFolderLock.WhyNotOwn(final) is string whyFinal)
            {
                throw new UsageException($"{label}: --force replaces only a sweep or run folder, and {whyFinal} ({Display.Quote(final)}); nothing was changed");
            }
        }
        return new ResumeTarget(source, final, fromPartial);
    }

    /// <summary>
    /// Takes the folder to resume: DIR.partial under its lock, or DIR under its lock, renamed to DIR.partial.
    /// <paramref name="load"/> reads the checkpoint under the lock, before anything is changed.
    /// </summary>
    public static RunFolderWriter StartResume<T>(ResumeTarget target, bool force, Func<string, T> load, out T loaded, FolderKind kind = FolderKind.Run)
    {
        string work = target.Final + RunFolder.PartialSuffix;
        RunFolderLock folderLock = Acquire("--resume", target.Source, target.Source);
        try
        {
            if (!target.SourceIsPartial && FileKind.Of(work) != PathKind.Missing)
            {
                throw new UsageException($"--resume {Display.Quote(target.Final)}: {Display.Quote(work)} appeared meanwhile; nothing was changed");
            }
            loaded = load(target.CheckpointPath);
            string? previous = RunFolderLock.ReadMarker(target.Source);
            if (!target.SourceIsPartial)
            {
                folderLock.MoveTo(work);
            }
            RunFolderLock.DeleteStaleTemporaryFiles(work);
            folderLock.WriteMarker(kind);
            return new RunFolderWriter(folderLock, target.Final, force, kind) { TakenOverFrom = target.SourceIsPartial ? previous : null };
        }
        catch
        {
            folderLock.Abandon();
            throw;
        }
    }

    /// <summary>
    /// DIR.partial → DIR. An existing DIR is replaced only with <c>--force</c> and only if it is a run folder, under
    /// its own lock, file by file. If that is not possible the run stays in DIR.partial and the error says so.
    /// </summary>
    public void Publish()
    {
        string final = FinalFolder;
        string what = Kind == FolderKind.Sweep ? "sweep" : "run";
        string where = $"the {what} is in {Display.Quote(WorkFolder)}";
        switch (FileKind.Of(final))
        {
            case PathKind.Missing:
                string? parent = Path.GetDirectoryName(Path.GetFullPath(final));
                if (parent is not null)
                {
                    Directory.CreateDirectory(parent);
                }
                break;
            case PathKind.Directory:
                if (!ReplaceFinal && Directory.EnumerateFileSystemEntries(final).Any())
                {
                    throw new OutputException($"{Display.Quote(final)} appeared while the {what} was running; {where} ({(Kind == FolderKind.Sweep ? "move one of them" : "move it, or --resume it with --force")})");
                }
                if (RunFolderLock.WhyNotOwn(final) is string why)
                {
                    throw new OutputException($"{Display.Quote(final)} can no longer be replaced: {why}; {where}");
                }
                RunFolderLock finalLock = RunFolderLock.TryAcquire(final, out string holder)
                    ?? throw new OutputException($"{Display.Quote(final)} is being written by {holder}; {where}");
                try
                {
                    RunFolderLock.DeleteOwnFiles(final, keepLock: false);
                    Directory.Delete(final, recursive: false);
                }
                finally
                {
                    finalLock.Dispose();
                }
                break;
            case var other:
                throw new OutputException($"{Display.Quote(final)} is {FileKind.Describe(other)}; {where}");
        }
        try
        {
            folderLock.MoveTo(final);
        }
        catch (IOException e)
        {
            throw new OutputException($"cannot rename {Display.Quote(WorkFolder)} to {Display.Quote(final)} ({PathArguments.Reason(e)}); {where}");
        }
        folderLock.Release();
    }

    public void Dispose() => folderLock.Dispose();

    private static RunFolderLock Acquire(string flag, string named, string folder) =>
        RunFolderLock.TryAcquire(folder, out string holder) ?? throw new UsageException(BeingWritten(flag, named, folder, holder));

    private static string BeingWritten(string flag, string named, string folder, string holder) =>
        $"{flag} {Display.Quote(named)}: {Display.Quote(folder)} is being written by {holder}; one writer per run folder (wait for it, or stop it)";

    // The run is written in DIR.partial (created with its missing parents, or continued), and renamed to DIR at the end;
    // an existing DIR is continued (renamed), replaced (its files deleted) or removed when empty: every name must fit the
    // system's limits and every folder touched must take new entries. Asked before any work, so that /proc, a read-only
    // disk or a name too long is one line and exit 2, not a failure halfway.
    private static void CheckWritable(string flag, string given, string final)
    {
        string label = PathArguments.Label(flag, given);
        string work = final + RunFolder.PartialSuffix;
        int bytes = System.Text.Encoding.UTF8.GetByteCount(Path.GetFileName(work));
        if (bytes > FileSystemPlace.NameMaxBytes)
        {
            throw new UsageException($"{label}: name too long (the run is written in NAME{RunFolder.PartialSuffix} first, a name of {bytes} bytes; at most {FileSystemPlace.NameMaxBytes})");
        }
        string longestOwn = RunFolderLock.OwnFiles.MaxBy(f => f.Length)!;
        int pathBytes = System.Text.Encoding.UTF8.GetByteCount(Path.Combine(Path.GetFullPath(work), AtomicFile.TemporaryName(longestOwn)));
        if (pathBytes >= FileSystemPlace.PathMaxBytes)
        {
            throw new UsageException($"{label}: name too long (the run's files in {Display.Quote(work, 40)} would have paths of up to {pathBytes} bytes; at most {FileSystemPlace.PathMaxBytes - 1})");
        }
        string? why = FileKind.Of(work, followLinks: true) == PathKind.Directory ? FileSystemPlace.WhyNotWritable(work) : FileSystemPlace.WhyNotCreatable(work);
        if (FileKind.Of(final, followLinks: true) == PathKind.Directory)
        {
            why ??= FileSystemPlace.WhyNotWritable(Path.GetDirectoryName(Path.GetFullPath(final))!) ?? FileSystemPlace.WhyNotWritable(final);
        }
        if (why is not null)
        {
            throw new UsageException($"{label}: {why}");
        }
    }

    // Never the current folder or one of its ancestors (the run would delete the folder it stands in), never a
    // symbolic link (replacing it would act on its target), never inside a file, never inside a run or sweep folder
    // (its writer, --resume and --force refuse a folder holding entries reinforce did not write, so a folder inside
    // it would make it unusable). The folder checked is named when it is not the one given (DIR.partial for DIR).
    private static void CheckPlace(string flag, string given, string folder)
    {
        string label = PathArguments.Label(flag, given);
        string subject = Normalize(given) == folder ? label : $"{label}: {Display.Quote(folder)}";
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            if (FileIdentity.SameEntry(folder, dir.FullName))
            {
                throw new UsageException($"{subject} is the current folder or one of its parents; a run folder must be a folder of its own (e.g. runs/my-run)");
            }
        }
        if (FileKind.Of(folder) == PathKind.SymbolicLink)
        {
            throw new UsageException($"{subject} is a symbolic link; give the folder it points to, or another name");
        }
        for (string? up = Path.GetDirectoryName(Path.GetFullPath(folder)); up is not null; up = Path.GetDirectoryName(up))
        {
            PathKind kind = FileKind.Of(up, followLinks: true);
            if (kind == PathKind.Directory)
            {
                break;
            }
            if (kind != PathKind.Missing)
            {
                throw new UsageException($"{label}: {Display.Quote(FileSystemPlace.Shown(up))} is {FileKind.Describe(kind)}, not a folder");
            }
        }
        for (string? up = Path.GetDirectoryName(Path.GetFullPath(folder)); up is not null; up = Path.GetDirectoryName(up))
        {
            if (FileKind.Of(up, followLinks: true) == PathKind.Directory && RunFolderLock.WrittenByReinforce(up) is FolderKind parentKind)
            {
                string relative = Path.GetRelativePath(Directory.GetCurrentDirectory(), up);
                string shown = relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? up : relative;
                string what = parentKind == FolderKind.Sweep ? "a sweep folder (written by reinforce sweep)" : "a run folder (written by reinforce train)";
                throw new UsageException($"{label} is inside {Display.Quote(shown)}, {what}: a folder inside it would leave it " +
                    "unusable (--resume and --force refuse a folder holding entries reinforce did not write); give a path outside it");
            }
        }
    }
}
