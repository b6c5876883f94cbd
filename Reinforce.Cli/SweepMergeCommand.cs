using System.Globalization;
using System.Text;
using System.Text.Json;
using Reinforce.Checkpoints;
using Reinforce.Text;
using Reinforce.Training;

namespace Reinforce.Cli;

/// <summary>
/// <c>reinforce sweep merge SHARD… --out DIR</c>: combines the N shard folders of one sweep (<c>--shard K/N</c>) into the
/// folder the sweep run whole writes — the same runs.csv, episodes.csv, summary, figures, sweep.json and identity, byte
/// for byte but the wall times, the writer's marker and <c>shards.json</c> (which shard ran where, and how long). Every
/// shard is read and checked before anything is written (<see cref="SweepIdentity"/>, <see cref="ShardRecord"/>,
/// <see cref="SweepRunFiles"/>), and no shard folder is ever changed: the merge takes no lock on them and writes only DIR.
/// </summary>
internal static class SweepMergeCommand
{
    public const string Name = "sweep merge";

    public const string Description = "Combine the shard folders of one sweep (sweep --shard K/N) into the folder the whole sweep writes.";

    public const string Usage = "reinforce sweep merge SHARD_DIR… --out DIR [--force]";

    public static IReadOnlyList<Flag> Flags { get; } =
    [
        new("--out", "DIR", "the merged sweep folder (written as DIR.partial, renamed when the merge ends)", null, "Output"),
        new("--force", null, "replace an existing sweep or run folder at DIR (only one reinforce wrote; never a shard being merged)", "off", "Output"),
        new("--threads", "N", "threads of the summary's bootstrap (the results do not depend on it); auto = one per core", "auto", "Output"),
        new("--quiet", null, "no progress line", "off", "Output"),
    ];

    private sealed record Shard(string Path, ShardRecord Record, SweepIdentity Identity);

    public static int Run(ParsedArguments args, CliContext context)
    {
        if (args.Positionals.Count == 0)
        {
            throw new UsageException($"no shard folders given; {Usage} (the folders written by reinforce sweep --shard K/N, in any order)");
        }
        string outPath = args.String("--out")
            ?? throw new UsageException($"--out is missing: the merged folder must be named; {Usage}");
        bool force = args.Switch("--force") ?? false;
        bool quiet = args.Switch("--quiet") ?? false;
        int workers = args.String("--threads") switch
        {
            null or "auto" => Math.Min(Environment.ProcessorCount, TrainerOptions.MaxThreads),
            _ => (int)args.Integer("--threads", 1, TrainerOptions.MaxThreads)!.Value,
        };

        // 1. What each folder is, from its two small files: one sweep, each shard once, none missing.
        var shards = args.Positionals.Select(ReadShard).ToList();
        Shard first = shards[0];
        foreach (Shard other in shards.Skip(1))
        {
            if (first.Identity.Difference(other.Identity, $"in {Display.Quote(first.Path)}", $"in {Display.Quote(other.Path)}") is string difference)
            {
                throw new UsageException($"{Display.Quote(other.Path)} is a shard of another sweep than {Display.Quote(first.Path)} ({difference}); merge the shards of one sweep");
            }
            if (other.Record.Count != first.Record.Count)
            {
                throw new UsageException($"{Display.Quote(other.Path)} is {other.Record.Spec.Label} and {Display.Quote(first.Path)} is {first.Record.Spec.Label}: " +
                    "shards of one sweep split it the same way (the same N)");
            }
        }
        foreach (var group in shards.GroupBy(s => s.Record.Index))
        {
            if (group.Count() > 1)
            {
                throw new UsageException($"{string.Join(" and ", group.Take(3).Select(s => Display.Quote(s.Path)))} are both {group.First().Record.Spec.Label}; give each shard once");
            }
        }
        int count = first.Record.Count;
        var missing = Enumerable.Range(1, count).Except(shards.Select(s => s.Record.Index)).ToList();
        if (missing.Count > 0)
        {
            string list = string.Join(", ", missing.Take(10).Select(k => k.ToString(CultureInfo.InvariantCulture))) + (missing.Count > 10 ? ", …" : "");
            throw new UsageException($"{(missing.Count == 1 ? "shard" : "shards")} {list} of {count} {(missing.Count == 1 ? "is" : "are")} missing " +
                $"({missing.Count} of {count}; given: {shards.Count}); give every shard folder of the sweep");
        }
        shards.Sort((a, b) => a.Record.Index.CompareTo(b.Record.Index));

        // 2. The output, checked before the runs are read: never a shard, nor a folder reinforce did not write.
        string final = RunFolderWriter.CheckNewRun(outPath, force, FolderKind.Sweep);
        foreach (Shard shard in shards)
        {
            foreach (string target in new[] { final, final + RunFolder.PartialSuffix })
            {
                if (FileKind.Of(target) == PathKind.Directory && FileIdentity.SameEntry(target, shard.Path))
                {
                    throw new UsageException($"--out {Display.Quote(outPath)} is the shard {Display.Quote(shard.Path)}; the merge never changes a shard: give another folder");
                }
            }
        }

        // 3. Every run of every shard, checked against the sweep and against the shard's share.
        SweepIdentity identity = first.Identity;
        SweepCommand.Plan plan = identity.ToPlan(workers, SweepCommand.CommandLine(MergedArguments(first.Record.Arguments, outPath)));
        var runs = new SweepRun?[plan.TotalRuns];
        foreach (Shard shard in shards)
        {
            ShardRange share = shard.Record.Spec.Range(plan.TotalRuns);
            if (shard.Record.Runs != share.Count)
            {
                throw new UsageException($"{Display.Quote(Path.Combine(shard.Path, ShardRecord.FileName))}: it says {shard.Record.Runs} runs, but {shard.Record.Spec.Label} of this sweep has {share.Count}; expected a {ShardRecord.FileName} written by reinforce sweep --shard");
            }
            Dictionary<int, SweepRun> found = SweepRunFiles.ReadAll(shard.Path, plan, identity, share, "another shard");
            if (found.Count < share.Count)
            {
                throw new UsageException($"{Display.Quote(shard.Path)} ({shard.Record.Spec.Label}) is incomplete: {found.Count} of its {share.Count} runs are done; " +
                    $"reinforce sweep … {shard.Record.Spec.Flag} --resume {Display.Quote(shard.Path)} (with the flags it was started with) finishes it");
            }
            foreach (var (job, run) in found)
            {
                runs[run.Cell * plan.Seeds.Count + job / plan.Cells.Count] = run;
            }
        }

        // 4. The folder the whole sweep writes.
        if (!quiet)
        {
            context.Error.WriteLine(context.ErrorStyle.Dim($"Merging {SweepCommand.Plural(shards.Count, "shard")}: {SweepCommand.Plural(plan.Cells.Count, "configuration")} × " +
                $"{SweepCommand.Plural(plan.Seeds.Count, "seed")} = {SweepCommand.Plural(plan.TotalRuns, "run")} → {final}"));
        }
        double seconds = shards.Sum(s => s.Record.Seconds);
        string note = string.Create(CultureInfo.InvariantCulture,
            $"{SweepCommand.Plural(shards.Count, "shard")} took {seconds:0.0} s in all, on the machines {SweepFolder.ShardsFile} lists");
        using RunFolderWriter writer = RunFolderWriter.StartNew(final, force, FolderKind.Sweep);
        var summary = SweepSummary.Compute(plan, runs, seconds, interrupted: false) with { TimeNote = note };
        identity.WriteFile(writer.WorkFolder);
        SweepSummary.WriteFiles(writer.WorkFolder, plan, runs, summary);
        SweepFigures.Write(writer.WorkFolder, plan, runs);
        WriteShardsFile(writer.WorkFolder, identity, shards);
        ReproducibilityRecord.Capture(context.Arguments).Write(writer.WorkFolder);
        try
        {
            writer.Publish();
        }
        catch (OutputException e)
        {
            context.Error.WriteLine($"reinforce sweep merge: {Display.Escape(e.Message, 1000)}");
            return Cli.ExitFailure;
        }
        context.Output.Write(SweepSummary.Text(summary, context.OutputStyle, context.OutputTerminalWidth));
        context.Output.WriteLine($"Sweep folder: {final} (merged from {SweepCommand.Plural(shards.Count, "shard")}; {SweepFolder.ShardsFile} lists them)");
        return Cli.ExitSuccess;
    }

    /// <summary>
    /// The merged sweep's command: the first shard's flags as given, without <c>--shard</c>, with <c>--out</c> naming the
    /// merged folder — the command that runs the sweep whole into it.
    /// </summary>
    private static List<(string Flag, string Value)> MergedArguments(IReadOnlyList<(string Flag, string Value)> shard, string outPath) =>
        [.. shard.Where(a => a.Flag != "--shard").Select(a => a.Flag == "--out" ? (a.Flag, outPath) : a)];

    /// <summary>One shard folder's identity and shard record, checked as a flag is; the folder is only read.</summary>
    private static Shard ReadShard(string path)
    {
        const string expected = "a shard folder written by reinforce sweep --shard K/N";
        PathArguments.NonEmpty("", path, expected);
        string folder = RunFolderWriter.Normalize(path);
        string label = Display.Quote(path);
        switch (FileKind.Of(folder, followLinks: true))
        {
            case PathKind.Directory:
                break;
            case PathKind.Missing when FileKind.Of(folder + RunFolder.PartialSuffix) == PathKind.Directory:
                throw new UsageException($"{label}: no such folder, but {Display.Quote(folder + RunFolder.PartialSuffix)} holds an unfinished shard " +
                    "(being written, or its writer was stopped); reinforce sweep … --shard K/N --resume finishes it");
            case PathKind.Missing:
                throw new UsageException($"{label}: no such folder; expected {expected}");
            case var kind:
                throw new UsageException($"{label} is {FileKind.Describe(kind)}; expected {expected}");
        }
        if (folder.EndsWith(RunFolder.PartialSuffix, StringComparison.Ordinal))
        {
            throw new UsageException($"{label} is an unfinished shard (being written, or its writer was stopped); reinforce sweep … --shard K/N --resume finishes it");
        }
        if (RunFolderLock.Holder(folder) is string holder)
        {
            throw new UsageException($"{label} is being written by {holder}; merge it when its shard has ended");
        }
        if (FileKind.Of(Path.Combine(folder, ShardRecord.FileName)) == PathKind.Missing)
        {
            throw new UsageException(SweepFolder.IsSweep(folder)
                ? $"{label} is a whole sweep (written without --shard), not a shard; expected {expected}"
                : $"{label} has no {ShardRecord.FileName}; expected {expected}");
        }
        SweepIdentity identity = SweepIdentity.Read(folder);
        ShardRecord record = ShardRecord.Read(folder);
        if (record.Identity != identity.Sha256)
        {
            throw new UsageException($"{Display.Quote(Path.Combine(folder, ShardRecord.FileName))}: its identity is not the one of {SweepIdentity.FileName} beside it; expected a {ShardRecord.FileName} written by reinforce sweep --shard");
        }
        if (identity.Tool != $"reinforce {Cli.Version}")
        {
            throw new UsageException($"{label} was written by {Display.Quote(identity.Tool)}, and this is reinforce {Cli.Version}; merge shards with the version that ran them");
        }
        return new Shard(folder, record, identity);
    }

    /// <summary>shards.json: per shard, in order, its folder's name, runs, machines and wall time.</summary>
    private static void WriteShardsFile(string folder, SweepIdentity identity, IReadOnlyList<Shard> shards)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("format", "reinforce sweep shards 1");
            json.WriteString("identity", identity.Sha256);
            json.WriteStartArray("shards");
            foreach (Shard shard in shards)
            {
                json.WriteStartObject();
                json.WriteNumber("shard", shard.Record.Index);
                json.WriteNumber("shards", shard.Record.Count);
                json.WriteString("folder", Path.GetFileName(Path.GetFullPath(shard.Path)));
                json.WriteNumber("runs", shard.Record.Runs);
                json.WriteStartArray("machines");
                foreach (MachineRecord machine in shard.Record.Machines)
                {
                    machine.Write(json);
                }
                json.WriteEndArray();
                json.WriteNumber("seconds", Math.Round(shard.Record.Seconds, 3));
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WritePropertyName("mergedOn");
            MachineRecord.Current().Write(json);
            json.WriteEndObject();
        }
        try
        {
            OutputFiles.WriteAllText(Path.Combine(folder, SweepFolder.ShardsFile), Encoding.UTF8.GetString(buffer.ToArray()) + "\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OutputException($"cannot write {SweepFolder.ShardsFile} in {Display.Quote(folder)}: {PathArguments.Reason(e)}");
        }
    }
}
