using System.Diagnostics;
using Reinforce.Checkpoints;
using System.Globalization;
using Reinforce.Environments;
using Reinforce.Evaluation;
using Reinforce.Text;
using Reinforce.Training;

namespace Reinforce.Cli;

/// <summary>One configuration of a sweep: its settings, trained once per seed.</summary>
/// <param name="Index">Its number in the sweep's files (the <c>config</c> column), from 0.</param>
/// <param name="Name">Its label in tables and figures: the preset or config file, then the grid values (a sweep of one
/// configuration from a preset or file: then train's flags given on top of it, since it is not the preset or file as it
/// stands; a candidate keeps the name given).</param>
/// <param name="Settings">The resolved settings (the seed is replaced by each run's).</param>
internal sealed record SweepCell(int Index, string Name, RunSettings Settings)
{
    /// <summary>The equivalent <c>reinforce train</c> command, without its seed.</summary>
    public string TrainCommandLine
    {
        get
        {
            string command = TrainCommand.CommandLine(Settings.Options with { Seed = 0 }, Settings.RewardThreshold);
            return command.EndsWith(" --seed 0", StringComparison.Ordinal) ? command[..^" --seed 0".Length] : command;
        }
    }
}

/// <summary>What one run of a sweep gave.</summary>
internal sealed class SweepRun
{
    public required int Cell { get; init; }

    public required ulong Seed { get; init; }

    /// <summary>solved (stopped on its criterion), finished (a budget ended it) or diverged.</summary>
    public required string Status { get; init; }

    public required double[] Returns { get; init; }

    public required int[] Lengths { get; init; }

    public required long? RunningRewardSolvedAtEpisode { get; init; }

    public required long? MeanOfLast100SolvedAtEpisode { get; init; }

    public required double FinalRunningReward { get; init; }

    /// <summary>The final policy's greedy evaluation, or null with <c>--eval-episodes 0</c>.</summary>
    public required EvaluationResult? Evaluation { get; init; }

    /// <summary>The wall time of the training (the evaluation excluded).</summary>
    public required double WallSeconds { get; init; }

    public long Episodes => Returns.Length;

    public long Steps => Lengths.Sum(l => (long)l);

    /// <summary>The environment steps up to and including <paramref name="episode"/> (from 1).</summary>
    public long StepsAtEpisode(long episode)
    {
        long steps = 0;
        for (int i = 0; i < episode && i < Lengths.Length; i++)
        {
            steps += Lengths[i];
        }
        return steps;
    }

    public long? SolvedAtEpisode(SolvedCriterion criterion) =>
        criterion == SolvedCriterion.MeanOfLast100 ? MeanOfLast100SolvedAtEpisode : RunningRewardSolvedAtEpisode;
}

/// <summary>
/// <c>reinforce sweep</c>: trains one or more configurations over many seeds, in parallel (one run per worker, each
/// run on one thread), and writes a sweep folder with every episode, one row per run, the summary with confidence
/// intervals (<see cref="SweepSummary"/>) and the figures (<see cref="SweepFigures"/>). Everything but wall times is the
/// same whatever the number of workers: each run depends only on its configuration and seed, and the files are written
/// in configuration and seed order once the runs are done.
/// </summary>
internal static class SweepCommand
{
    public const string Description = "Train configurations over many seeds in parallel; summary with confidence intervals and figures.";

    /// <summary>The most seeds, and runs, one sweep takes (every episode is kept in memory until the files are written).</summary>
    public const int MaxSeeds = 100_000;

    public const int MaxRuns = 1_000_000;

    public const int MaxCells = 1000;

    public const int DefaultEvalEpisodes = 10;

    /// <summary>B of the summary's bootstrap intervals (a percentile interval needs a few thousand; rliable's 50,000 costs 5× more with 1000 seeds).</summary>
    public const int DefaultResamples = 10_000;

    /// <summary>Train flags a sweep replaces by its own (--seeds, --threads, --out, --force, --quiet) or has no use for.</summary>
    private static readonly HashSet<string> NotFromTrain = ["--preset", "--config", "--resume", "--seed", "--threads", "--out", "--force",
        "--checkpoint-interval", "--log-interval", "--quiet"];

    /// <summary>
    /// --execution chooses only which code computes the numbers, never the numbers: it is not a dimension along which
    /// configurations differ, so a sweep takes it once, for every run, and refuses it in a --grid or a --candidate
    /// (two configurations that differ only in it would be the same configuration twice).
    /// </summary>
    private const string ExecutionFlag = "--execution";

    private const string SameNumbers = "--execution changes only the time, never the numbers, so it cannot tell configurations apart; give it on its own, for every run";

    /// <summary>The groups of train's flags that set what a run computes or how long it goes.</summary>
    private static readonly HashSet<string> TrainGroups = ["Environment", "Policy", "Optimization", "Run length"];

    private static readonly IReadOnlyList<Flag> Own =
    [
        new("--preset", "NAME", $"a preset to train: {string.Join(", ", Preset.Names)}; repeat to compare several", Preset.DefaultName, "Configurations"),
        new("--config", "FILE", "a run's config.json to train; repeat to compare several (with --preset too)", null, "Configurations"),
        new("--candidate", "NAME=FLAGS", "a configuration as train flags named NAME ('lr2=--lr 0.02 --batch-episodes 8'; a --preset among them, else the default); repeat to compare", null, "Configurations"),
        new("--grid", "FLAG=V1,V2", "every combination of these values of a train flag (lr=0.005,0.01 batch-episodes=1,4); separate the values with ; when one holds a comma (hidden=128;64,64)", null, "Configurations"),
        new("--seeds", "SEEDS", "N (the seeds 0..N−1), A..B (A to B inclusive) or a list 1,5,9; every configuration trains on each", "100", "Seeds"),
        new("--threads", "N", "runs trained at the same time, each on one thread (the results do not depend on it); auto = one per core", "auto", "Seeds"),
        new("--shard", "K/N", "run only shard K of N (K from 1, as Slurm's array task id) into its own folder; reinforce sweep merge combines the N folders (docs/cluster.md)", "off", "Seeds"),
        new("--eval-episodes", "K", "greedy episodes played by each run's final policy on its evaluation seed (docs/statistics.md); 0 for none", $"{DefaultEvalEpisodes}", "Statistics"),
        new("--bootstrap-resamples", "B", "bootstrap replicates of each 95 % interval", $"{DefaultResamples}", "Statistics"),
        new("--bootstrap-seed", "N", "seed of the bootstrap's generator (the summary is reproducible from it)", "0", "Statistics"),
        new("--x", "AXIS", "x axis of the figures: episodes or steps (environment steps)", "episodes", "Output"),
        new("--out", "DIR", "sweep folder (written as DIR.partial, renamed when the sweep ends)", "sweeps/<preset>-<env>-<N>seeds-<time>", "Output"),
        new("--resume", "DIR", "continue the sweep whose --out was DIR (killed, interrupted, or a shard) from its finished runs; give the flags it was started with", null, "Output"),
        new("--force", null, "replace an existing sweep or run folder (only one reinforce wrote, and only when the sweep ends)", "off", "Output"),
        new("--quiet", null, "no progress bar", "off", "Output"),
        JsonResult.Flag("Output"),
    ];

    /// <summary>Train's flags that a sweep passes to every run, and that <c>--grid</c> may vary.</summary>
    public static IReadOnlyList<Flag> TrainFlags { get; } = TrainCommand.Flags
        .Where(f => TrainGroups.Contains(f.Group) && !NotFromTrain.Contains(f.Name) && Own.All(o => o.Name != f.Name)).ToList();

    public static IReadOnlyList<Flag> Flags { get; } = [.. Own.Take(7), .. TrainFlags, .. Own.Skip(7)];

    /// <summary>Everything a sweep needs, checked before any work.</summary>
    /// <param name="Cells">The configurations, in the order of their index.</param>
    /// <param name="Seeds">The seeds every configuration trains on, in order.</param>
    /// <param name="SeedsText">The seeds in a few words ("seeds 0..99").</param>
    /// <param name="Workers">Runs trained at the same time (the numbers do not depend on it).</param>
    /// <param name="EvalEpisodes">Greedy episodes of each run's final policy (0: none).</param>
    /// <param name="Resamples">B of the bootstrap intervals.</param>
    /// <param name="BootstrapSeed">The seed of the bootstrap's generators.</param>
    /// <param name="StepsAxis">Whether the figures' x axis is environment steps (else episodes).</param>
    /// <param name="CommandLine">The command, as sweep.json and summary.md show it.</param>
    /// <param name="Shard">The shard this process runs (<c>--shard K/N</c>), or null for the whole sweep.</param>
    /// <param name="Arguments">The flags as given (<c>--resume DIR</c> written as <c>--out DIR</c>), for a shard's shard.json.</param>
    internal sealed record Plan(IReadOnlyList<SweepCell> Cells, IReadOnlyList<ulong> Seeds, string SeedsText, int Workers, int EvalEpisodes,
        int Resamples, ulong BootstrapSeed, bool StepsAxis, string CommandLine, ShardSpec? Shard = null,
        IReadOnlyList<(string Flag, string Value)>? Arguments = null)
    {
        /// <summary>Configurations × seeds.</summary>
        public int TotalRuns => Cells.Count * Seeds.Count;

        /// <summary>The jobs this process runs: all of them, or its shard's (<see cref="ShardSpec"/>).</summary>
        public ShardRange Share => Shard?.Range(TotalRuns) ?? new ShardRange(0, TotalRuns);
    }

    /// <summary>What a sweep folder to resume holds: its shard record (a shard's), its finished runs by job, and whether it is complete.</summary>
    private sealed record ResumeState(ShardRecord? Shard, Dictionary<int, SweepRun> Finished, bool Complete);

    public static int Run(ParsedArguments args, CliContext context)
    {
        if (args.Has("--resume") && args.Has("--out"))
        {
            throw new UsageException($"--resume {Display.Quote(args.String("--resume"))} continues the sweep in that folder, its --out; give --resume without --out");
        }
        Plan plan = Prepare(args);
        var identity = SweepIdentity.Of(plan);
        bool force = args.Switch("--force") ?? false;
        bool quiet = args.Switch("--quiet") ?? false;
        var runs = new SweepRun?[plan.TotalRuns];
        ShardRange share = plan.Share;
        ResumeState? resumed = null;
        RunFolderWriter writer;
        if (args.String("--resume") is string resumePath)
        {
            RunFolderWriter.ResumeTarget target = RunFolderWriter.CheckSweepResume(resumePath, force);
            // Read once before anything is taken or changed: a complete sweep is left as it is.
            ResumeState before = ReadResumeState(target.Source, plan, identity);
            if (!target.SourceIsPartial && before.Complete)
            {
                context.Output.WriteLine($"{Display.Quote(target.Final)} is complete already ({Plural(share.Count, "run")}" +
                    $"{(plan.Shard is { } s ? $" of {s.Label}" : "")}); nothing to do");
                return Cli.ExitSuccess;
            }
            writer = RunFolderWriter.StartResume(target, force, _ => ReadResumeState(target.Source, plan, identity), out ResumeState state, FolderKind.Sweep);
            resumed = state;
            foreach (var (job, run) in state.Finished)
            {
                runs[run.Cell * plan.Seeds.Count + job / plan.Cells.Count] = run;
            }
        }
        else
        {
            writer = args.String("--out") is string outPath
                ? RunFolderWriter.StartNew(RunFolderWriter.CheckNewRun(outPath, force, FolderKind.Sweep), force, FolderKind.Sweep)
                : RunFolderWriter.StartNewNamed(() => DefaultOutFolder(plan), FolderKind.Sweep);
            try
            {
                identity.WriteFile(writer.WorkFolder);
                ReproducibilityRecord.Capture(context.Arguments).Write(writer.WorkFolder);
                if (plan.Shard is ShardSpec shard)
                {
                    new ShardRecord(identity.Sha256, shard.Index, shard.Count, share.Count, plan.Arguments ?? [], [MachineRecord.Current()], 0)
                        .WriteFile(writer.WorkFolder);
                }
                Directory.CreateDirectory(Path.Combine(writer.WorkFolder, SweepRunFiles.Folder));
            }
            catch
            {
                writer.Dispose();
                throw;
            }
        }
        using (writer)
        {
            return Sweep(plan, identity, writer, runs, resumed, context, quiet, args);
        }
    }

    private static int Sweep(Plan plan, SweepIdentity identity, RunFolderWriter writer, SweepRun?[] runs, ResumeState? resumed, CliContext context, bool quiet,
        ParsedArguments args)
    {
        string final = writer.FinalFolder;
        ShardRange share = plan.Share;
        int already = resumed?.Finished.Count ?? 0;
        Style err = context.ErrorStyle;
        foreach (string warning in Warnings(args, plan))
        {
            context.Error.WriteLine($"reinforce sweep: {err.Yellow("warning:")} {warning}");
        }
        if (!quiet)
        {
            string what = $"{Plural(plan.Cells.Count, "configuration")} × {Plural(plan.Seeds.Count, "seed")} ({plan.SeedsText}) = {Plural(plan.TotalRuns, "run")}";
            string part = plan.Shard is { } s ? $"; {s.Label}: {Plural(share.Count, "run")} ({share.Start + 1}–{share.End} in seed-major order)" : "";
            string done = resumed is null ? "" : $"; {already} done already, continuing";
            context.Error.WriteLine(err.Dim($"Sweep: {what}{part}{done} on {Plural(plan.Workers, "worker")} → {final}"));
        }
        var jobs = Enumerable.Range(share.Start, share.Count).Where(j => resumed?.Finished.ContainsKey(j) != true).ToList();
        var clock = Stopwatch.StartNew();
        Execute(plan, context, quiet, jobs, runs, already, share.Count, (run, k) => SweepRunFiles.Write(writer.WorkFolder, identity.Sha256, run,
            context.BeforeSweepRunRename is { } hook ? () => hook(k) : null));
        double seconds = clock.Elapsed.TotalSeconds;
        int finished = Enumerable.Range(share.Start, share.Count).Count(j => runs[j % plan.Cells.Count * plan.Seeds.Count + j / plan.Cells.Count] is not null);
        // Interrupted means runs are missing: a Ctrl-C after the last run only cuts the writing short, which is quick.
        bool interrupted = context.Cancellation.IsCancellationRequested && finished < share.Count;
        string resume = $"reinforce sweep … --resume {ShellWord(final)} (with the flags it was started with)";

        if (plan.Shard is ShardSpec shard)
        {
            ShardRecord? previous = resumed?.Shard;
            MachineRecord machine = MachineRecord.Current();
            IReadOnlyList<MachineRecord> machines = previous is null ? [machine]
                : previous.Machines.Contains(machine) ? previous.Machines : [.. previous.Machines, machine];
            new ShardRecord(identity.Sha256, shard.Index, shard.Count, share.Count, previous?.Arguments ?? plan.Arguments ?? [], machines,
                (previous?.Seconds ?? 0) + seconds).WriteFile(writer.WorkFolder);
            if (!Publish(writer, context, null))
            {
                return Cli.ExitFailure;
            }
            context.Output.WriteLine($"Sweep {shard.Label}: {finished} of {Plural(share.Count, "run")} done in {final}" +
                (interrupted ? "" : $"; when all {shard.Count} shards are done, reinforce sweep merge FOLDER… --out DIR combines them"));
            if (interrupted)
            {
                context.Error.WriteLine($"Interrupted: {finished} of {share.Count} runs of {shard.Label} done; {resume.Replace(" … ", $" … {shard.Flag} ", StringComparison.Ordinal)} continues it.");
                return Cli.ExitInterrupted;
            }
            return Cli.ExitSuccess;
        }

        var summary = SweepSummary.Compute(plan, runs, seconds, interrupted);
        SweepSummary.WriteFiles(writer.WorkFolder, plan, runs, summary);
        SweepFigures.Write(writer.WorkFolder, plan, runs);
        context.Json?.Set(json => JsonReports.Sweep(json, summary, final));
        if (!interrupted)
        {
            // Every run is in the files now: the folder is the one an uninterrupted sweep leaves.
            RunFolderLock.DeleteFinishedRuns(writer.WorkFolder);
        }
        if (!Publish(writer, context, summary))
        {
            return Cli.ExitFailure;
        }
        context.Output.Write(SweepSummary.Text(summary, context.OutputStyle, context.OutputTerminalWidth));
        context.Output.WriteLine($"Sweep folder: {final} (summary.md, summary.csv, {(summary.Comparisons.Count > 0 ? SweepFolder.ComparisonsFile + ", " : "")}runs.csv, episodes.csv, {SweepFolder.CurvesFile}, {SweepFolder.ProfileFile})");
        if (interrupted)
        {
            context.Error.WriteLine($"Interrupted: {summary.CompletedRuns} of {summary.PlannedRuns} runs done; the summary covers those. {resume} continues it.");
            return Cli.ExitInterrupted;
        }
        return Cli.ExitSuccess;
    }

    /// <summary>Publishes the folder; on failure prints the summary (when there is one) and the reason, and returns false.</summary>
    private static bool Publish(RunFolderWriter writer, CliContext context, SweepSummaryData? summary)
    {
        try
        {
            writer.Publish();
            return true;
        }
        catch (OutputException e)
        {
            context.Json?.Error = Display.Escape(e.Message, 1000);
            if (summary is not null)
            {
                context.Output.Write(SweepSummary.Text(summary, context.OutputStyle, context.OutputTerminalWidth));
            }
            context.Error.WriteLine($"reinforce sweep: {Display.Escape(e.Message, 1000)}");
            return false;
        }
    }

    /// <summary>A path as one shell word (quoted when a shell would need it), for a command to copy.</summary>
    private static string ShellWord(string value) =>
        value.Length > 0 && value.All(c => char.IsAsciiLetterOrDigit(c) || "-_.,=/:+".Contains(c)) ? value : $"'{value.Replace("'", "'\\''", StringComparison.Ordinal)}'";

    /// <summary>
    /// Reads a sweep folder to resume, changing nothing: its identity must be this sweep's (else the differences are
    /// named), its shard record must be this --shard's (or absent for a whole sweep), and its finished runs are read and
    /// checked one by one. Complete: a shard with every run of its share, or a whole sweep published whole (its finished
    /// runs gone into its files, sweep.json written).
    /// </summary>
    private static ResumeState ReadResumeState(string folder, Plan plan, SweepIdentity identity)
    {
        string label = Display.Quote(folder);
        SweepIdentity recorded = SweepIdentity.Read(folder);
        if (recorded.Difference(identity, "in the folder", "given") is string difference)
        {
            throw new UsageException($"--resume: the sweep in {label} was started with other settings ({difference}); resume it with the flags it was started with");
        }
        bool hasShard = FileKind.Of(Path.Combine(folder, ShardRecord.FileName)) != PathKind.Missing;
        ShardRecord? shard = hasShard ? ShardRecord.Read(folder) : null;
        switch (shard, plan.Shard)
        {
            case (null, { } given):
                throw new UsageException($"--resume: {label} holds a whole sweep, not a shard; leave out {given.Flag}");
            case ({ } found, null):
                throw new UsageException($"--resume: {label} holds {found.Spec.Label} of a sweep; give {found.Spec.Flag} with the other flags");
            case ({ } found, { } given) when found.Spec != given:
                throw new UsageException($"--resume: {label} holds {found.Spec.Label} of the sweep, not {given.Label}; give {found.Spec.Flag}");
            case ({ } found, _) when found.Identity != identity.Sha256 || found.Runs != plan.Share.Count:
                throw new UsageException($"{Display.Quote(Path.Combine(folder, ShardRecord.FileName))}: its identity or number of runs is not its folder's sweep's; expected a {ShardRecord.FileName} written by reinforce sweep --shard");
        }
        Dictionary<int, SweepRun> finished = SweepRunFiles.ReadAll(folder, plan, identity, plan.Share, null);
        bool complete = shard is not null
            ? finished.Count == plan.Share.Count
            : !RunFolderLock.IsFinishedRunsFolder(Path.Combine(folder, SweepRunFiles.Folder)) && SweepFolder.IsSweep(folder);
        return new ResumeState(shard, finished, complete);
    }

    /// <summary>
    /// As train warns: one line per flag given (on its own, in a --grid or a --candidate) that a configuration does not
    /// use, naming the configurations; the sweep goes on.
    /// </summary>
    private static IEnumerable<string> Warnings(ParsedArguments args, Plan plan)
    {
        var given = args.Occurrences.Select(o => o.Flag).ToHashSet();
        given.UnionWith(args.All("--grid").Select(g => "--" + g.Split('=')[0].Trim().TrimStart('-')));
        given.UnionWith(args.All("--candidate").SelectMany(c => c.Split([' ', '=', '\t'])).Where(w => w.StartsWith("--", StringComparison.Ordinal)));
        var unused = new List<(string Flag, string Reason, string Cell)>();
        foreach (SweepCell cell in plan.Cells)
        {
            foreach (var (option, reason) in cell.Settings.Options.IneffectiveOptions())
            {
                if (TrainCommand.FlagOfOption.TryGetValue(option, out string? flag) && given.Contains(flag))
                {
                    unused.Add((flag, reason, cell.Name));
                }
            }
        }
        return unused.GroupBy(u => (u.Flag, u.Reason)).Select(g => g.Count() == plan.Cells.Count
            ? $"{g.Key.Flag} has no effect here: {g.Key.Reason}"
            : $"{g.Key.Flag} has no effect in {string.Join(", ", g.Select(u => Display.Quote(u.Cell, 40)))}: {g.Key.Reason}");
    }

    /// <summary>Reads and checks every flag, resolves every configuration: all before anything is written.</summary>
    public static Plan Prepare(ParsedArguments args)
    {
        var (seeds, seedsText) = ParseSeeds(args.String("--seeds") ?? "100");
        int workers = args.String("--threads") switch
        {
            null or "auto" => Math.Min(Environment.ProcessorCount, TrainerOptions.MaxThreads),
            _ => (int)args.Integer("--threads", 1, TrainerOptions.MaxThreads)!.Value,
        };
        int evalEpisodes = (int)(args.Integer("--eval-episodes", 0, 100_000) ?? DefaultEvalEpisodes);
        int resamples = (int)(args.Integer("--bootstrap-resamples", 100, 1_000_000) ?? DefaultResamples);
        ulong bootstrapSeed = args.UnsignedInteger("--bootstrap-seed") ?? 0;
        bool steps = (args.Choice("--x", ["episodes", "steps"]) ?? "episodes") == "steps";
        ShardSpec? shard = args.String("--shard") is string shardText ? ShardSpec.Parse(shardText) : null;
        IReadOnlyList<SweepCell> cells = ResolveCells(args);
        if ((long)cells.Count * seeds.Count > MaxRuns)
        {
            throw new UsageException($"{cells.Count} configurations × {seeds.Count} seeds is {(long)cells.Count * seeds.Count} runs; at most {MaxRuns} are accepted");
        }
        if (shard is not null && shard.Count > cells.Count * seeds.Count)
        {
            throw new UsageException($"--shard {shard.Index}/{shard.Count}: the sweep has {Plural(cells.Count * seeds.Count, "run")}, fewer than {shard.Count} shards; " +
                "expected N at most the number of runs (configurations × seeds)");
        }
        var arguments = args.Occurrences.Select(o => o.Flag == "--resume" ? ("--out", ResumeFinal(o.Value)) : o).ToList();
        return new Plan(cells, seeds, seedsText, workers, evalEpisodes, resamples, bootstrapSeed, steps, CommandLine(arguments), shard, arguments);
    }

    /// <summary>
    /// <c>--seeds</c>: N (seeds 0..N−1), A..B (inclusive) or a comma-separated list of distinct seeds. Returns the seeds in
    /// order and a short description.
    /// </summary>
    public static (IReadOnlyList<ulong> Seeds, string Text) ParseSeeds(string text)
    {
        string accepted = $"expected N (the seeds 0..N−1, N in [1, {MaxSeeds}]), A..B (A ≤ B, at most {MaxSeeds} seeds) or a list of distinct seeds 1,5,9";
        UsageException Bad(string why) => new($"--seeds {Display.Quote(text, 60)} {why}; {accepted}");
        static bool Seed(string part, out ulong value) => ulong.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out value);
        if (text.Contains("..", StringComparison.Ordinal))
        {
            string[] ends = text.Split("..");
            if (ends.Length != 2 || !Seed(ends[0], out ulong first) || !Seed(ends[1], out ulong last))
            {
                throw Bad("is not a range of seeds");
            }
            if (last < first)
            {
                throw Bad("is an empty range");
            }
            if (last - first >= MaxSeeds)
            {
                throw Bad("holds too many seeds");
            }
            var range = new List<ulong>();
            for (ulong s = first; ; s++)
            {
                range.Add(s);
                if (s == last)
                {
                    break;
                }
            }
            return (range, $"seeds {first}..{last}");
        }
        if (!text.Contains(',', StringComparison.Ordinal))
        {
            if (!Seed(text, out ulong count))
            {
                throw Bad("is not a number of seeds");
            }
            if (count < 1 || count > MaxSeeds)
            {
                throw Bad("is out of range");
            }
            return ([.. Enumerable.Range(0, (int)count).Select(i => (ulong)i)], $"seeds 0..{count - 1}");
        }
        var list = new List<ulong>();
        foreach (string part in text.Split(','))
        {
            if (!Seed(part, out ulong seed))
            {
                throw Bad($"holds {Display.Quote(part, 30)}, not a seed");
            }
            if (list.Contains(seed))
            {
                throw Bad($"names the seed {seed} twice");
            }
            if (list.Count == MaxSeeds)
            {
                throw Bad("holds too many seeds");
            }
            list.Add(seed);
        }
        return (list, list.Count <= 6 ? $"seeds {string.Join(",", list)}" : $"{list.Count} seeds");
    }

    /// <summary>A grid axis: a train flag and the values it takes.</summary>
    private sealed record GridAxis(Flag Flag, string Key, IReadOnlyList<string> Values);

    /// <summary>
    /// The configurations: each <c>--preset</c> and <c>--config</c> in the order given (or the default preset), times
    /// every combination of the <c>--grid</c> values, each with train's flags on top, resolved by train's own
    /// <see cref="TrainCommand.Resolve"/> (so every value is checked as train checks it).
    /// </summary>
    public static IReadOnlyList<SweepCell> ResolveCells(ParsedArguments args)
    {
        var bases = new List<(string[] Tokens, string Label)>();
        var fromCandidate = new HashSet<int>();
        foreach (var (flag, value) in args.Occurrences.Where(o => o.Flag is "--preset" or "--config" or "--candidate"))
        {
            string[] tokens;
            string label;
            if (flag == "--candidate")
            {
                (label, tokens) = ParseCandidate(value);
                fromCandidate.Add(bases.Count);
            }
            else
            {
                tokens = [$"{flag}={value}"];
                label = flag == "--preset" ? value : ConfigLabel(value);
            }
            if (bases.Any(b => b.Tokens.SequenceEqual(tokens)))
            {
                throw new UsageException($"{flag} {Display.Quote(value, 60)} is given twice; each configuration once");
            }
            bases.Add((tokens, label));
        }
        if (bases.Count == 0)
        {
            bases.Add(([$"--preset={Preset.DefaultName}"], Preset.DefaultName));
        }
        // Labels must tell configurations apart.
        for (int i = 0; i < bases.Count; i++)
        {
            int same = bases.Take(i).Count(b => b.Label == bases[i].Label);
            if (same > 0)
            {
                bases[i] = (bases[i].Tokens, $"{bases[i].Label}#{same + 1}");
            }
        }

        // train's flags given once for every run, as they were given.
        var shared = new List<string>();
        foreach (var (flag, value) in args.Occurrences)
        {
            if (TrainFlags.Any(f => f.Name == flag))
            {
                shared.Add($"{flag}={value}");
            }
        }

        var axes = new List<GridAxis>();
        foreach (string spec in args.All("--grid"))
        {
            axes.Add(ParseGridAxis(spec, args, axes));
        }
        long count = axes.Aggregate((long)bases.Count, (n, a) => n * a.Values.Count);
        if (count > MaxCells)
        {
            throw new UsageException($"--grid gives {count} configurations; at most {MaxCells} are accepted");
        }

        // Each configuration without the grid, then each grid value alone, so that a bad value is named where it was given.
        foreach (var (index, (tokens, label)) in bases.Index())
        {
            string? twice = tokens.Select(t => t.Split('=')[0]).FirstOrDefault(f => shared.Any(x => x.StartsWith(f + "=", StringComparison.Ordinal))
                || axes.Any(a => a.Flag.Name == f));
            if (twice is not null)
            {
                throw new UsageException($"--candidate {Display.Quote(label, 60)} sets {twice}, which is also given on its own or in a --grid; give it in one place");
            }
            try
            {
                Resolve([.. tokens, .. shared]);
            }
            catch (UsageException e) when (fromCandidate.Contains(index) && CanResolve(shared))
            {
                // The flags given on their own are fine without the candidate's: the candidate is what is refused.
                throw new UsageException($"--candidate {Display.Quote(label, 60)}: {e.Message}");
            }
        }
        // Each grid value alone first, so that a bad one is named with its --grid.
        foreach (GridAxis axis in axes)
        {
            foreach (string value in axis.Values)
            {
                try
                {
                    Resolve([.. bases[0].Tokens, .. shared, $"{axis.Flag.Name}={value}"]);
                }
                catch (UsageException e)
                {
                    throw new UsageException($"--grid {Display.Quote($"{axis.Key}={value}", 60)}: {e.Message}");
                }
            }
        }

        var cells = new List<SweepCell>();
        var combination = new int[axes.Count];
        foreach (var (baseTokens, label) in bases)
        {
            Array.Clear(combination);
            while (true)
            {
                var tokens = new List<string>(baseTokens);
                tokens.AddRange(shared);
                var nameParts = new List<string>();
                if (bases.Count > 1 || axes.Count == 0)
                {
                    nameParts.Add(label);
                }
                if (bases.Count == 1 && axes.Count == 0 && !fromCandidate.Contains(0))
                {
                    // The one configuration is its preset or file with train's flags on top: the label names them
                    // (grid style, key=value) but --execution, which changes no number. A candidate keeps its name.
                    nameParts.AddRange(shared.Where(t => !t.StartsWith(ExecutionFlag + "=", StringComparison.Ordinal)).Select(t => t[2..]));
                }
                for (int a = 0; a < axes.Count; a++)
                {
                    string value = axes[a].Values[combination[a]];
                    tokens.Add($"{axes[a].Flag.Name}={value}");
                    nameParts.Add($"{axes[a].Key}={value}");
                }
                string name = string.Join(' ', nameParts);
                RunSettings settings;
                try
                {
                    settings = Resolve(tokens);
                }
                catch (UsageException e)
                {
                    throw new UsageException($"configuration {Display.Quote(name, 80)}: {e.Message}");
                }
                if (settings.Options.MaxEpisodes is null && settings.Options.MaxUpdates is null)
                {
                    throw new UsageException($"configuration {Display.Quote(name, 80)} has no budget, so a run that never solves would never end; give --max-episodes or --max-updates");
                }
                cells.Add(new SweepCell(cells.Count, name, settings));
                // The next combination, last axis fastest.
                int k = axes.Count - 1;
                while (k >= 0 && ++combination[k] == axes[k].Values.Count)
                {
                    combination[k--] = 0;
                }
                if (k < 0)
                {
                    break;
                }
            }
        }
        return cells;
    }

    /// <summary>
    /// <c>--candidate NAME=FLAGS</c>: a configuration given as train flags (a --preset or --config among them, else the
    /// default preset), separated by spaces, named NAME (or by the flags themselves when there is no NAME=).
    /// </summary>
    private static (string Label, string[] Tokens) ParseCandidate(string value)
    {
        string accepted = "expected NAME=FLAGS with train's configuration flags, e.g. 'rtg-lr0.02=--returns reward-to-go --lr 0.02'";
        bool named = !value.TrimStart().StartsWith("--", StringComparison.Ordinal) && value.Contains('=', StringComparison.Ordinal);
        string label = named ? value[..value.IndexOf('=', StringComparison.Ordinal)].Trim() : value.Trim();
        string flags = named ? value[(value.IndexOf('=', StringComparison.Ordinal) + 1)..] : value;
        string[] words = flags.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (label.Length == 0 || words.Length == 0)
        {
            throw new UsageException($"--candidate {Display.Quote(value, 60)} has {(label.Length == 0 ? "no name" : "no flags")}; {accepted}");
        }
        if (named && WhyNotAName(label) is string why)
        {
            throw new UsageException($"--candidate {Display.Quote(value, 60)}: the name {Display.Quote(label, 40)} {why}; {NameRule}");
        }
        if (!named)
        {
            // The flags themselves name the configuration: only if they make a short, plain name.
            label = string.Join(' ', words);
            if (label.Length > MaxNameLength || label.Any(c => !IsNameCharacter(c) && c is not (',' or '=')))
            {
                throw new UsageException($"--candidate {Display.Quote(value, 60)} has no NAME=, and its flags are too long or too unusual to name it; " +
                    $"give NAME=FLAGS ({NameRule})");
            }
        }
        IReadOnlyList<Flag> allowed = [.. TrainCommand.Flags.Where(f => f.Name is "--preset" or "--config"), .. TrainFlags];
        ParsedArguments parsed;
        try
        {
            parsed = ParsedArguments.Parse("sweep", words, allowed, 0, "");
        }
        catch (UsageException e)
        {
            throw new UsageException($"--candidate {Display.Quote(value, 60)}: {e.Message}");
        }
        if (parsed.HelpRequested)
        {
            throw new UsageException($"--candidate {Display.Quote(value, 60)}: --help is not a configuration flag; reinforce sweep --help lists the flags a candidate takes");
        }
        if (parsed.Has(ExecutionFlag))
        {
            throw new UsageException($"--candidate {Display.Quote(value, 60)}: {SameNumbers}");
        }
        return (label, [.. parsed.Occurrences.Select(o => $"{o.Flag}={o.Value}")]);
    }

    /// <summary>The longest name of a --candidate: it heads table rows and legends and fills the name columns of CSV and JSON.</summary>
    public const int MaxNameLength = 64;

    private const string NameSymbols = " -_.+:@#/()%";

    private static readonly string NameRule =
        $"a name is 1 to {MaxNameLength} letters, digits, spaces and {string.Join(' ', NameSymbols.Trim().ToCharArray())}";

    // Letters and digits of any script, and symbols that need no quoting in CSV, no escaping in a Markdown table and
    // cannot break a line or restyle a terminal.
    private static bool IsNameCharacter(char c) => char.IsLetterOrDigit(c) || NameSymbols.Contains(c, StringComparison.Ordinal);

    private static string? WhyNotAName(string name)
    {
        if (name.Length > MaxNameLength)
        {
            return $"is longer than {MaxNameLength} characters";
        }
        int bad = name.AsSpan().IndexOfAnyExcept(name.Where(IsNameCharacter).Distinct().ToArray());
        return bad >= 0 ? $"holds {Display.Quote(name[bad].ToString())}" : null;
    }

    private static bool CanResolve(IReadOnlyList<string> tokens)
    {
        try
        {
            Resolve(tokens);
            return true;
        }
        catch (UsageException)
        {
            return false;
        }
    }

    private static RunSettings Resolve(IReadOnlyList<string> tokens) =>
        TrainCommand.Resolve(ParsedArguments.Parse("train", tokens, TrainCommand.Flags, 0, ""));

    private static GridAxis ParseGridAxis(string spec, ParsedArguments args, List<GridAxis> earlier)
    {
        string accepted = "expected FLAG=V1,V2,… with a flag of train that sets the configuration (e.g. lr=0.005,0.01 or hidden=128;64,64)";
        int equals = spec.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0)
        {
            throw new UsageException($"--grid {Display.Quote(spec, 60)} has no FLAG=; {accepted}");
        }
        string key = spec[..equals].Trim();
        string name = key.StartsWith("--", StringComparison.Ordinal) ? key : "--" + key;
        key = name[2..];
        Flag? flag = TrainFlags.FirstOrDefault(f => f.Name == name);
        if (flag is null)
        {
            string why = name is "--seed" ? "; the seeds are --seeds"
                : name is "--preset" or "--config" ? $"; repeat {name} to compare configurations"
                : name is "--threads" ? "; the sweep's --threads sets its workers"
                : Suggest(key);
            throw new UsageException($"--grid {Display.Quote(spec, 60)}: {Display.Quote(key, 40)} is not a flag a sweep can vary{why}; {accepted}");
        }
        if (name == ExecutionFlag)
        {
            throw new UsageException($"--grid {Display.Quote(spec, 60)}: {SameNumbers}");
        }
        if (args.Has(name))
        {
            throw new UsageException($"--grid {Display.Quote(spec, 60)}: {name} is also given on its own; give it in one place");
        }
        if (earlier.Any(a => a.Flag.Name == name))
        {
            throw new UsageException($"--grid {Display.Quote(spec, 60)}: {key} has a --grid already; put all its values in one");
        }
        string list = spec[(equals + 1)..];
        string[] values = list.Split(list.Contains(';', StringComparison.Ordinal) ? ';' : ',');
        if (values.Any(v => v.Length == 0))
        {
            throw new UsageException($"--grid {Display.Quote(spec, 60)} has an empty value; {accepted}");
        }
        if (values.Distinct(StringComparer.Ordinal).Count() != values.Length)
        {
            throw new UsageException($"--grid {Display.Quote(spec, 60)} repeats a value; each value once");
        }
        if (flag.IsSwitch && values.Any(v => v is not ("true" or "false")))
        {
            throw new UsageException($"--grid {Display.Quote(spec, 60)}: {name} is a switch; expected {key}=true,false");
        }
        return new GridAxis(flag, key, values);
    }

    private static string Suggest(string key) => Display.DidYouMean(key, TrainFlags.Select(f => f.Name[2..]));

    /// <summary>A config file's label: its run folder's name for a config.json, else its file name without extension.</summary>
    private static string ConfigLabel(string path)
    {
        string file = Path.GetFileName(path.TrimEnd('/', '\\'));
        if (file == RunFolder.ConfigFile && Path.GetFileName(Path.GetDirectoryName(path.TrimEnd('/', '\\')) ?? "") is { Length: > 0 } folder)
        {
            return folder;
        }
        return file.Length > 0 ? Path.GetFileNameWithoutExtension(file) : "config";
    }

    /// <summary>
    /// Trains the runs <paramref name="jobs"/> names, <see cref="Plan.Workers"/> at a time, in that order: job j is seed
    /// j / cells of configuration j % cells, so an interrupted sweep has about as many seeds of every configuration. A
    /// run's result goes to its own slot of <paramref name="results"/> (configuration-major), after
    /// <paramref name="record"/> has written it (with the number of runs this call has finished, from 1); on Ctrl-C no run is
    /// started and the running ones are dropped (slot left null). The progress counts <paramref name="already"/> runs
    /// done before, of <paramref name="planned"/>.
    /// </summary>
    public static void Execute(Plan plan, CliContext context, bool quiet, IReadOnlyList<int> jobs, SweepRun?[] results, int already, int planned,
        Action<SweepRun, int> record)
    {
        int cells = plan.Cells.Count, seeds = plan.Seeds.Count;
        int next = -1, done = 0;
        Exception? failure = null;
        CancellationToken cancel = context.Cancellation;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        void Work()
        {
            try
            {
                // The interruption itself is read too: a linked source is cancelled by a callback that runs after the
                // interruption's token reads as cancelled, and a run started in between would be one run too many.
                while (!stop.IsCancellationRequested && !cancel.IsCancellationRequested)
                {
                    int index = Interlocked.Increment(ref next);
                    if (index >= jobs.Count)
                    {
                        return;
                    }
                    int job = jobs[index];
                    int cell = job % cells, seed = job / cells;
                    SweepRun? run = RunOne(plan.Cells[cell], plan.Seeds[seed], plan.EvalEpisodes, stop.Token);
                    if (run is not null)
                    {
                        int count = Interlocked.Increment(ref done);
                        record(run, count);
                        results[cell * seeds + seed] = run;
                        context.AfterSweepRun?.Invoke(count);
                    }
                }
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref failure, e, null);
                stop.Cancel();
            }
        }

        int workers = Math.Min(plan.Workers, jobs.Count);
        var threads = Enumerable.Range(0, workers).Select(w => new Thread(Work) { IsBackground = true, Name = $"sweep worker {w}" }).ToList();
        var progress = new SweepProgress(context.Error, context.ErrorStyle, planned, quiet);
        var clock = Stopwatch.StartNew();
        threads.ForEach(t => t.Start());
        foreach (Thread thread in threads)
        {
            while (!thread.Join(100))
            {
                progress.Report(already + Volatile.Read(ref done), clock.Elapsed.TotalSeconds);
            }
        }
        progress.Finish(already + Volatile.Read(ref done), clock.Elapsed.TotalSeconds, cancel.IsCancellationRequested);
        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        }
    }

    /// <summary>
    /// One run: the configuration with this seed, on one thread, to its end (solved, budget or diverged); then
    /// <paramref name="evalEpisodes"/> greedy episodes of the final policy on the run's evaluation seed. Null when
    /// cancelled before its end (a dropped run).
    /// </summary>
    public static SweepRun? RunOne(SweepCell cell, ulong seed, int evalEpisodes, CancellationToken cancel)
    {
        RunSettings settings = cell.Settings;
        TrainerOptions options = settings.Options with { Seed = seed, Threads = 1 };
        var trainer = new ReinforceTrainer(options, settings.EnvironmentFactory);
        var returns = new List<double>();
        var lengths = new List<int>();
        var clock = Stopwatch.StartNew();
        string status;
        try
        {
            while (!trainer.IsFinished)
            {
                if (cancel.IsCancellationRequested)
                {
                    return null;
                }
                UpdateStatistics s = trainer.Update();
                foreach (double value in s.EpisodeReturns.Span)
                {
                    returns.Add(value);
                }
                foreach (int length in s.EpisodeLengths.Span)
                {
                    lengths.Add(length);
                }
            }
            status = trainer.Solved && options.StopWhenSolved ? "solved" : "finished";
        }
        catch (TrainingDivergedException)
        {
            status = "diverged";
        }
        double wall = clock.Elapsed.TotalSeconds;
        EvaluationResult? evaluation = null;
        if (evalEpisodes > 0)
        {
            IEnvironment environment = settings.EnvironmentFactory?.Invoke()
                ?? CartPole.Create(options.EnvironmentId, options.Integrator, options.SuttonBartoReward, options.MaxEpisodeSteps);
            evaluation = PolicyEvaluation.Evaluate(trainer.Policy, environment, evalEpisodes, PolicyEvaluation.EvaluationSeed(seed),
                ActionSelection.Greedy, options.MaxEpisodeSteps);
        }
        return new SweepRun
        {
            Cell = cell.Index,
            Seed = seed,
            Status = status,
            Returns = [.. returns],
            Lengths = [.. lengths],
            RunningRewardSolvedAtEpisode = trainer.RunningRewardSolvedAtEpisode,
            MeanOfLast100SolvedAtEpisode = trainer.MeanOfLast100SolvedAtEpisode,
            FinalRunningReward = trainer.RunningReward,
            Evaluation = evaluation,
            WallSeconds = wall,
        };
    }

    private static string DefaultOutFolder(Plan plan)
    {
        SweepCell first = plan.Cells[0];
        string name = plan.Cells.Count == 1
            ? $"{first.Settings.PresetName}-{first.Settings.Options.EnvironmentId}"
            : $"compare-{plan.Cells.Count}configs";
        string stamp = DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        if (plan.Shard is { } shard)
        {
            name += string.Create(CultureInfo.InvariantCulture, $"-shard{shard.Index}of{shard.Count}");
        }
        string folder = Path.Combine("sweeps", $"{name}-{plan.Seeds.Count}seeds-{stamp}");
        for (int i = 2; Directory.Exists(folder) || Directory.Exists(folder + RunFolder.PartialSuffix); i++)
        {
            folder = Path.Combine("sweeps", $"{name}-{plan.Seeds.Count}seeds-{stamp}-{i}");
        }
        return folder;
    }

    /// <summary>The folder <c>--resume PATH</c> names: PATH without a trailing separator or .partial (what --out was).</summary>
    private static string ResumeFinal(string path)
    {
        string folder = RunFolderWriter.Normalize(path);
        return folder.EndsWith(RunFolder.PartialSuffix, StringComparison.Ordinal) && folder.Length > RunFolder.PartialSuffix.Length
            ? folder[..^RunFolder.PartialSuffix.Length]
            : folder;
    }

    /// <summary>
    /// The command line as given, for the summary (values quoted when a shell would need it). A resumed sweep writes its
    /// <c>--resume DIR</c> as <c>--out DIR</c>, the command an uninterrupted sweep would have had.
    /// </summary>
    internal static string CommandLine(IEnumerable<(string Flag, string Value)> arguments)
    {
        var parts = new List<string> { "reinforce", "sweep" };
        var switches = Flags.Where(f => f.IsSwitch).Select(f => f.Name).ToHashSet();
        foreach (var (flag, value) in arguments)
        {
            if (switches.Contains(flag))
            {
                parts.Add(value == "true" ? flag : $"--no-{flag[2..]}");
            }
            else
            {
                parts.Add(flag);
                parts.Add(value.Length > 0 && value.All(c => char.IsAsciiLetterOrDigit(c) || "-_.,=/:+".Contains(c)) ? value : $"'{value.Replace("'", "'\\''", StringComparison.Ordinal)}'");
            }
        }
        return Display.Escape(string.Join(' ', parts), 2000);
    }

    internal static string Plural(long count, string noun) => $"{count.ToString("#,0", CultureInfo.InvariantCulture)} {noun}{(count == 1 ? "" : "s")}";
}

/// <summary>
/// The sweep's progress on stderr: at a terminal one line redrawn in place (a bar, runs done of all, elapsed, ETA);
/// otherwise a plain line at every tenth of the runs.
/// </summary>
internal sealed class SweepProgress(TextWriter error, Style style, int total, bool quiet)
{
    private int lastTenth;
    private double lastDraw = double.NegativeInfinity;

    public void Report(int done, double seconds)
    {
        if (quiet)
        {
            return;
        }
        if (style.Enabled)
        {
            if (seconds - lastDraw >= 0.1)
            {
                lastDraw = seconds;
                error.Write($"\r\u001b[K{Line(done, seconds, bar: true)}");
                error.Flush();
            }
            return;
        }
        int tenth = (int)(10L * done / total);
        if (tenth > lastTenth && done < total)
        {
            lastTenth = tenth;
            error.WriteLine($"sweep: {Line(done, seconds, bar: false)}");
        }
    }

    public void Finish(int done, double seconds, bool interrupted)
    {
        if (quiet)
        {
            return;
        }
        string line = Line(done, seconds, bar: style.Enabled, finished: true) + (interrupted ? " (interrupted)" : "");
        error.WriteLine(style.Enabled ? $"\r\u001b[K{line}" : $"sweep: {line}");
    }

    private string Line(int done, double seconds, bool bar, bool finished = false)
    {
        const int width = 30;
        string gauge = "";
        if (bar)
        {
            int filled = (int)((long)width * done / total);
            gauge = style.Green(new string('█', filled)) + style.Dim(new string('░', width - filled)) + " ";
        }
        string text = string.Create(CultureInfo.InvariantCulture, $"{done}/{total} runs  {seconds:0.0} s");
        if (!finished && done > 0 && done < total)
        {
            double eta = seconds / done * (total - done);
            text += string.Create(CultureInfo.InvariantCulture, $"  ETA {(eta >= 90 ? $"{eta / 60:0.0} min" : $"{eta:0} s")}");
        }
        return gauge + text;
    }
}
