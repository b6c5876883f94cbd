using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Reinforce.Checkpoints;
using Reinforce.Environments;
using Reinforce.Evaluation;
using Reinforce.Text;
using Reinforce.Training;

namespace Reinforce.Cli;

/// <summary>
/// The finished runs of a sweep, one file each in the folder's <c>finished-runs/</c>, written atomically the moment a run
/// ends: what <c>--resume</c> continues from and what <c>sweep merge</c> reads from each shard. A file
/// <c>c{config}-s{seed}.json</c> is <c>{"format": …, "sha256": H, "run": R}</c> where R is the run as compact JSON (its
/// sweep's identity, configuration, seed, status, every episode's return and length, the first solved episodes, the final
/// running reward, the evaluation's episodes, the wall time) and H is the SHA-256 of R's bytes as written.
/// </summary>
/// <remarks>
/// Reading checks a file as strictly as a flag and against the sweep: the hash, every key and type, the name against
/// the configuration and seed inside, the identity, each return against its length (+1 a step, or with the Sutton–Barto
/// reward −1 on termination and 0 otherwise), each length within the time limit, the first solved episodes and the final
/// running reward replayed from the returns as the trainer computes them, the evaluation's seed and episode count.
/// </remarks>
internal static partial class SweepRunFiles
{
    public const string Folder = "finished-runs";

    public const string Format = "reinforce sweep run 1";

    /// <summary>The largest run file read: 10 million episodes of a run are more than any budget a sweep accepts runs out.</summary>
    public const long MaxFileBytes = 1L << 30;

    public static string FileName(int cell, ulong seed) => string.Create(CultureInfo.InvariantCulture, $"c{cell}-s{seed}.json");

    /// <summary>Whether <paramref name="name"/> is the name of a run file, and the configuration and seed it names.</summary>
    public static bool IsRunFileName(string name, out int cell, out ulong seed)
    {
        Match match = RunFilePattern().Match(name);
        cell = 0;
        seed = 0;
        return match.Success && int.TryParse(match.Groups["cell"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out cell)
            && ulong.TryParse(match.Groups["seed"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out seed);
    }

    /// <summary>Whether an entry of <c>finished-runs/</c> is one this tool writes: a run file, or a temporary file of one.</summary>
    public static bool IsOwnEntry(string entry)
    {
        string name = Path.GetFileName(entry);
        return FileKind.Of(entry) == PathKind.RegularFile
            && (IsRunFileName(name, out _, out _) || (OutputFiles.IsTemporaryFileName(name, out string target) && IsRunFileName(target, out _, out _)));
    }

    /// <summary>
    /// Writes <paramref name="run"/>'s file in <paramref name="folder"/>/finished-runs atomically;
    /// <paramref name="beforeRename"/> is called once the temporary file is on disk, before it takes the file's name.
    /// </summary>
    public static void Write(string folder, string identity, SweepRun run, Action? beforeRename)
    {
        byte[] body;
        using (var buffer = new MemoryStream())
        {
            using (var json = new Utf8JsonWriter(buffer))
            {
                WriteRun(json, identity, run);
            }
            body = buffer.ToArray();
        }
        string head = $"{{\"format\":\"{Format}\",\"sha256\":\"{Convert.ToHexStringLower(SHA256.HashData(body))}\",\"run\":";
        string path = Path.Combine(folder, Folder, FileName(run.Cell, run.Seed));
        try
        {
            AtomicFile.Write(path, stream =>
            {
                stream.Write(Encoding.UTF8.GetBytes(head));
                stream.Write(body);
                stream.Write("}\n"u8);
            }, beforeRename);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OutputException($"cannot write {Folder}/{FileName(run.Cell, run.Seed)} in {Display.Quote(folder)}: {PathArguments.Reason(e)}");
        }
    }

    private static void WriteRun(Utf8JsonWriter json, string identity, SweepRun run)
    {
        json.WriteStartObject();
        json.WriteString("identity", identity);
        json.WriteNumber("config", run.Cell);
        json.WriteNumber("seed", run.Seed);
        json.WriteString("status", run.Status);
        WriteDoubles(json, "returns", run.Returns);
        WriteInts(json, "lengths", run.Lengths);
        WriteNullable(json, "runningRewardSolvedAtEpisode", run.RunningRewardSolvedAtEpisode);
        WriteNullable(json, "meanOfLast100SolvedAtEpisode", run.MeanOfLast100SolvedAtEpisode);
        json.WriteNumber("finalRunningReward", run.FinalRunningReward);
        json.WriteNumber("wallSeconds", run.WallSeconds);
        if (run.Evaluation is { } e)
        {
            json.WriteStartObject("evaluation");
            json.WriteNumber("seed", e.Seed);
            WriteDoubles(json, "returns", e.Returns);
            WriteInts(json, "lengths", e.Lengths);
            json.WriteStartArray("truncated");
            foreach (bool t in e.Truncated)
            {
                json.WriteBooleanValue(t);
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("evaluation");
        }
        json.WriteEndObject();
    }

    private static void WriteDoubles(Utf8JsonWriter json, string name, IEnumerable<double> values)
    {
        json.WriteStartArray(name);
        foreach (double value in values)
        {
            json.WriteNumberValue(value);
        }
        json.WriteEndArray();
    }

    private static void WriteInts(Utf8JsonWriter json, string name, IEnumerable<int> values)
    {
        json.WriteStartArray(name);
        foreach (int value in values)
        {
            json.WriteNumberValue(value);
        }
        json.WriteEndArray();
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, long? value)
    {
        if (value is long v)
        {
            json.WriteNumber(name, v);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    /// <summary>
    /// Every run file of <paramref name="folder"/>'s finished-runs/ (none when it has no such folder), read and checked
    /// against the sweep: each must belong to a run in <paramref name="share"/> (job indices, seed-major: job = seed index ×
    /// configurations + configuration). Returns the runs by job. A file that does not pass is bad input naming it.
    /// </summary>
    public static Dictionary<int, SweepRun> ReadAll(string folder, SweepCommand.Plan plan, SweepIdentity identity, ShardRange share, string? shardLabel)
    {
        var runs = new Dictionary<int, SweepRun>();
        string runsFolder = Path.Combine(folder, Folder);
        switch (FileKind.Of(runsFolder))
        {
            case PathKind.Missing:
                return runs;
            case PathKind.Directory:
                break;
            case var other:
                throw new UsageException($"{Display.Quote(runsFolder)} is {FileKind.Describe(other)}; expected the folder of a sweep's finished runs");
        }
        var seedIndex = new Dictionary<ulong, int>();
        for (int s = 0; s < plan.Seeds.Count; s++)
        {
            seedIndex[plan.Seeds[s]] = s;
        }
        foreach (string entry in Directory.EnumerateFileSystemEntries(runsFolder).Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileName(entry);
            if (OutputFiles.IsTemporaryFileName(name, out string target) && IsRunFileName(target, out _, out _) && FileKind.Of(entry) == PathKind.RegularFile)
            {
                continue; // a write a stopped writer did not finish: its run was not recorded
            }
            if (!IsRunFileName(name, out int cell, out ulong seed) || FileKind.Of(entry) != PathKind.RegularFile)
            {
                throw new UsageException($"{Display.Quote(entry)} is not a run file of reinforce sweep (c<config>-s<seed>.json); {Folder}/ holds only those");
            }
            if (cell >= plan.Cells.Count || !seedIndex.TryGetValue(seed, out int s))
            {
                throw new UsageException($"{Display.Quote(entry)} is a run of configuration {cell}, seed {seed}, which this sweep does not have");
            }
            int job = s * plan.Cells.Count + cell;
            if (!share.Contains(job))
            {
                throw new UsageException($"{Display.Quote(entry)} is a run of {shardLabel ?? "another shard"}'s share, not of {Display.Quote(folder)}'s");
            }
            runs[job] = Read(entry, plan, identity, cell, seed);
        }
        return runs;
    }

    /// <summary>Reads one run file, checked as <see cref="SweepRunFiles"/> says; bad input (exit 2) naming the file otherwise.</summary>
    public static SweepRun Read(string path, SweepCommand.Plan plan, SweepIdentity identity, int cell, ulong seed)
    {
        string expected = "a run file written by reinforce sweep";
        string text = PathArguments.ReadText("", path, MaxFileBytes, expected);
        try
        {
            using var document = JsonDocument.Parse(text);
            var root = new StrictObject(document.RootElement, "the file");
            if (root.String("format") != Format)
            {
                throw new FormatException($"its format is not {Display.Quote(Format)}");
            }
            string stored = root.String("sha256");
            JsonElement runElement = root.Element("run");
            root.End();
            if (Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(runElement.GetRawText()))) != stored)
            {
                throw new FormatException("its sha256 is not the hash of its run (the file was changed after reinforce wrote it, or damaged)");
            }
            var r = new StrictObject(runElement, "'run'");
            if (r.String("identity") != identity.Sha256)
            {
                throw new FormatException("it is a run of another sweep (its identity is not this sweep's)");
            }
            if (r.Int("config", 0, int.MaxValue) != cell || r.UInt64("seed") != seed)
            {
                throw new FormatException($"its configuration and seed are not the {cell} and {seed} of its name");
            }
            string status = r.String("status");
            if (status is not ("solved" or "finished" or "diverged"))
            {
                throw new FormatException("'status' must be solved, finished or diverged");
            }
            TrainerOptions options = plan.Cells[cell].Settings.Options;
            var environment = CartPole.Create(options.EnvironmentId, options.Integrator, options.SuttonBartoReward, options.MaxEpisodeSteps);
            int maxSteps = environment.MaxEpisodeSteps ?? int.MaxValue;
            double[] returns = Doubles(r.Array("returns"), "returns");
            int[] lengths = Lengths(r.Array("lengths"), "lengths", maxSteps);
            if (returns.Length != lengths.Length)
            {
                throw new FormatException("'returns' and 'lengths' must have one entry per episode");
            }
            CheckReturns(returns, lengths, null, options.SuttonBartoReward, maxSteps, "");
            long? running = r.NullableLong("runningRewardSolvedAtEpisode", 1, returns.Length);
            long? mean100 = r.NullableLong("meanOfLast100SolvedAtEpisode", SolvedTracker.WindowEpisodes, Math.Max(returns.Length, SolvedTracker.WindowEpisodes));
            double finalRunning = r.Finite("finalRunningReward");
            double wall = r.Finite("wallSeconds");
            if (wall < 0)
            {
                throw new FormatException("'wallSeconds' must be ≥ 0");
            }
            // The first solved episodes and the final running reward, replayed from the returns as the trainer records them.
            var tracker = new SolvedTracker();
            double threshold = plan.Cells[cell].Settings.Threshold;
            tracker.RecordBatch(options, threshold, options.InitialRunningReward, 0, returns);
            double replayed = options.InitialRunningReward;
            for (int i = 0; i < returns.Length; i++)
            {
                replayed = options.NextRunningReward(replayed, returns[i], i);
            }
            if (tracker.RunningRewardSolvedAtEpisode != running || tracker.MeanOfLast100SolvedAtEpisode != mean100
                || BitConverter.DoubleToInt64Bits(replayed) != BitConverter.DoubleToInt64Bits(finalRunning))
            {
                throw new FormatException("its solved episodes or final running reward are not what its returns give");
            }
            long? solvedAt = options.SolvedBy == SolvedCriterion.MeanOfLast100 ? mean100 : running;
            if (status == "solved" && (!options.StopWhenSolved || solvedAt is null))
            {
                throw new FormatException("it says solved, but its configuration does not stop when solved or its returns never solve it");
            }
            EvaluationResult? evaluation = null;
            JsonElement evalElement = r.Element("evaluation");
            if (evalElement.ValueKind != JsonValueKind.Null)
            {
                var e = new StrictObject(evalElement, "'evaluation'");
                if (e.UInt64("seed") != PolicyEvaluation.EvaluationSeed(seed))
                {
                    throw new FormatException("'evaluation': its seed is not the run's evaluation seed");
                }
                double[] evalReturns = Doubles(e.Array("returns"), "evaluation returns");
                int[] evalLengths = Lengths(e.Array("lengths"), "evaluation lengths", maxSteps);
                JsonElement truncatedElement = e.Array("truncated");
                bool[] truncated = [.. truncatedElement.EnumerateArray().Select(t => t.ValueKind switch
                {
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    _ => throw new FormatException("'evaluation': 'truncated' must hold true or false"),
                })];
                e.End();
                if (evalReturns.Length != plan.EvalEpisodes || evalLengths.Length != evalReturns.Length || truncated.Length != evalReturns.Length)
                {
                    throw new FormatException($"'evaluation' must have {plan.EvalEpisodes} episodes (--eval-episodes), a return, length and flag each");
                }
                CheckReturns(evalReturns, evalLengths, truncated, options.SuttonBartoReward, maxSteps, "evaluation ");
                evaluation = new EvaluationResult(PolicyEvaluation.EvaluationSeed(seed), evalReturns, evalLengths, truncated);
            }
            else if (plan.EvalEpisodes > 0)
            {
                throw new FormatException($"it has no evaluation, but the sweep plays {plan.EvalEpisodes} evaluation episodes per run");
            }
            r.End();
            return new SweepRun
            {
                Cell = cell,
                Seed = seed,
                Status = status,
                Returns = returns,
                Lengths = lengths,
                RunningRewardSolvedAtEpisode = running,
                MeanOfLast100SolvedAtEpisode = mean100,
                FinalRunningReward = finalRunning,
                Evaluation = evaluation,
                WallSeconds = wall,
            };
        }
        catch (JsonException e)
        {
            throw new UsageException($"{Display.Quote(path)}: not valid JSON ({Display.Escape(e.Message, 120)}); expected {expected}");
        }
        catch (FormatException e)
        {
            throw new UsageException($"{Display.Quote(path)}: {e.Message}; expected {expected}");
        }
    }

    private static double[] Doubles(JsonElement array, string what) => [.. array.EnumerateArray().Select(v =>
        v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out double d) && double.IsFinite(d) ? d : throw new FormatException($"'{what}' must hold finite numbers"))];

    private static int[] Lengths(JsonElement array, string what, int maxSteps) => [.. array.EnumerateArray().Select(v =>
        v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int n) && n >= 1 && n <= maxSteps
            ? n
            : throw new FormatException($"'{what}' must hold episode lengths in [1, {maxSteps}]"))];

    // Each episode's return is what its length gives: +1 a step (the return is the length), or the Sutton–Barto reward
    // (−1 on termination, else 0, so 0 only for an episode the time limit ended); a truncated episode reached the limit.
    private static void CheckReturns(double[] returns, int[] lengths, bool[]? truncated, bool suttonBarto, int maxSteps, string what)
    {
        for (int i = 0; i < returns.Length; i++)
        {
            bool fits = suttonBarto ? returns[i] == -1 || (returns[i] == 0 && lengths[i] == maxSteps) : returns[i] == lengths[i];
            if (!fits || (truncated is not null && truncated[i] && lengths[i] != maxSteps))
            {
                throw new FormatException($"{what}episode {i + 1}: its return {returns[i].ToString("R", CultureInfo.InvariantCulture)} cannot come from an episode of {lengths[i]} steps");
            }
        }
    }

    [GeneratedRegex(@"^c(?<cell>0|[1-9][0-9]{0,3})-s(?<seed>0|[1-9][0-9]{0,19})\.json$", RegexOptions.CultureInvariant)]
    private static partial Regex RunFilePattern();
}
