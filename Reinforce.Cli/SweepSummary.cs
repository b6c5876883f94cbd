using System.Globalization;
using System.Text;
using System.Text.Json;
using Reinforce.Checkpoints;
using Reinforce.Randomness;
using Reinforce.Statistics;
using Reinforce.Training;

namespace Reinforce.Cli;

/// <summary>The files of a sweep folder.</summary>
internal static class SweepFolder
{
    /// <summary>The sweep's command, seeds, bootstrap settings and every configuration in full (as config.json holds one).</summary>
    public const string SweepFile = "sweep.json";

    /// <summary>One row per episode of every run: config, seed, episode, return, length.</summary>
    public const string EpisodesFile = RunFolder.EpisodesFile;

    public const string RunsFile = "runs.csv";
    public const string SummaryCsvFile = "summary.csv";
    public const string SummaryMarkdownFile = "summary.md";

    /// <summary>Every pair of configurations compared (written when the sweep has two or more).</summary>
    public const string ComparisonsFile = "comparisons.csv";
    public const string CurvesFile = "learning-curves.svg";
    public const string ProfileFile = "performance-profile.svg";

    public const string EpisodesHeader = "config,seed,episode,return,length";

    /// <summary>A merged sweep's record of its shards: each shard's folder name, runs, machines and wall time (none of them numbers of the sweep).</summary>
    public const string ShardsFile = "shards.json";

    /// <summary>Whether <paramref name="folder"/> is a sweep folder (it has sweep.json).</summary>
    public static bool IsSweep(string folder) => FileKind.Of(Path.Combine(folder, SweepFile)) == PathKind.RegularFile;
}

/// <summary>The summary of one configuration over its runs; intervals are null when no run gives the sample.</summary>
internal sealed record CellSummary(
    SweepCell Cell,
    int Runs,
    int Solved,
    int SolvedOtherCriterion,
    int Diverged,
    ConfidenceInterval? SolveRateWilson,
    ConfidenceInterval? SolveRateClopperPearson,
    ConfidenceInterval? EpisodesMedian,
    ConfidenceInterval? EpisodesIqm,
    ConfidenceInterval? StepsMedian,
    ConfidenceInterval? StepsIqm,
    ConfidenceInterval? EvalReturnIqm,
    double? EvalReturnMean,
    double? WallSecondsMedian,
    double WallSecondsTotal);

/// <summary>
/// Configuration X against an earlier one, Y (Y's index below X's): the probabilities that X's run beats Y's run, over
/// every pair of their runs, and the paired difference of their IQMs of episodes to solve; null where no run gives the
/// sample.
/// </summary>
/// <param name="X">X's configuration index.</param>
/// <param name="Y">Y's configuration index (below <paramref name="X"/>).</param>
/// <param name="RunsX">X's runs (all of them: the probabilities pair every run of X with every run of Y).</param>
/// <param name="RunsY">Y's runs.</param>
/// <param name="FewerEpisodes">P(X's run solves in fewer episodes than Y's) + ½ P(tie); an unsolved run is slower than every solved one.</param>
/// <param name="HigherReturn">P(X's final return above Y's) + ½ P(tie); null when the sweep does not evaluate.</param>
/// <param name="PairedSeeds">The seeds with a run of both (every seed, unless the sweep was interrupted).</param>
/// <param name="EpisodesIqmDifference">IQM(X) − IQM(Y) of episodes to solve over the paired seeds, with its paired bootstrap interval.</param>
internal sealed record PairComparison(int X, int Y, int RunsX, int RunsY, ConfidenceInterval? FewerEpisodes, ConfidenceInterval? HigherReturn,
    int PairedSeeds, PairedDifference? EpisodesIqmDifference);

/// <summary>The whole sweep's summary.</summary>
/// <param name="Plan">The sweep.</param>
/// <param name="Cells">One summary per configuration.</param>
/// <param name="PlannedRuns">The runs the sweep was to train.</param>
/// <param name="CompletedRuns">The runs it trained.</param>
/// <param name="Seconds">The wall time of its runs.</param>
/// <param name="Interrupted">Whether Ctrl-C stopped it with runs missing.</param>
/// <param name="TimeNote">How long the sweep took, in the definition of s/run: null for "N s for the whole sweep on W workers" (a merged sweep says its shards' time).</param>
internal sealed record SweepSummaryData(SweepCommand.Plan Plan, IReadOnlyList<CellSummary> Cells, int PlannedRuns, int CompletedRuns, double Seconds, bool Interrupted,
    string? TimeNote = null)
{
    /// <summary>Each configuration against every earlier one, ordered by the earlier one, then the later (see <see cref="SweepSummary.Pairs"/>).</summary>
    public IReadOnlyList<PairComparison> Comparisons { get; init; } = [];
}

/// <summary>
/// The statistics of a sweep (docs/statistics.md, README "Sweeps") and its files.
/// <list type="bullet">
/// <item><description>Solve rate: the runs that met the configuration's criterion (<see cref="TrainerOptions.SolvedBy"/>) within
/// the budget, with Wilson's and Clopper–Pearson's 95 % intervals.</description></item>
/// <item><description>Episodes and environment steps to solve: median and IQM over the <b>solved</b> runs only (the unsolved ones
/// are counted in the solve rate, and the performance profile shows both together), with 95 % percentile bootstrap
/// intervals.</description></item>
/// <item><description>Final return: the IQM over runs of each run's mean return over the final policy's greedy evaluation
/// episodes, with its bootstrap interval.</description></item>
/// <item><description>Bootstrap generators: statistic j (0 episodes median, 1 episodes IQM, 2 steps median, 3 steps IQM,
/// 4 final-return IQM) of every configuration draws from <c>Pcg64.Derive(bootstrap seed, j)</c>, NumPy's
/// <c>default_rng(SeedSequence(seed, spawn_key=(j,)))</c>: summary.csv is the same on every machine and for any
/// number of workers (except its wall-time columns).</description></item>
/// <item><description>Comparisons (docs/statistics.md#comparing-two-configurations): for configurations a &lt; b, X = b against
/// Y = a, comparison j (5 probability of fewer episodes to solve, 6 probability of a higher final return, 7 paired IQM
/// difference of episodes to solve) draws from <c>SeedSequence(bootstrap seed, spawn_key=(j, a, b))</c>; so a pair's numbers
/// depend only on its two configurations' runs, not on the other configurations.</description></item>
/// </list>
/// </summary>
internal static class SweepSummary
{
    public const int EpisodesMedianStream = 0, EpisodesIqmStream = 1, StepsMedianStream = 2, StepsIqmStream = 3, EvalIqmStream = 4;

    public const ulong FewerEpisodesStream = 5, HigherReturnStream = 6, EpisodesIqmDifferenceStream = 7;

    /// <summary>Up to this many configurations every pair is compared; past it (K(K − 1)/2 pairs) each only against the first.</summary>
    public const int MaxConfigurationsForAllPairs = 100;

    /// <summary>Up to this many configurations summary.md's comparison table shows every pair; past it, those against the first.</summary>
    public const int MaxConfigurationsForAllPairsInMarkdown = 12;

    /// <summary>Below this many solved runs, a configuration's intervals get a warning.</summary>
    public const int FewSolvedRuns = 10;

    public static SweepSummaryData Compute(SweepCommand.Plan plan, IReadOnlyList<SweepRun?> runs, double seconds, bool interrupted)
    {
        int seedCount = plan.Seeds.Count;
        var own = Enumerable.Range(0, plan.Cells.Count)
            .Select(c => Enumerable.Range(0, seedCount).Select(s => runs[c * seedCount + s]).OfType<SweepRun>().ToList()).ToList();
        // The bootstrap intervals are the work: all of them, of every configuration, in parallel (each has its own generator).
        var samples = own.Select((r, c) => Samples(plan.Cells[c], r)).ToList();
        var intervals = new ConfidenceInterval?[plan.Cells.Count, Statistics.Length];
        Parallel.For(0, plan.Cells.Count * Statistics.Length, new ParallelOptions { MaxDegreeOfParallelism = plan.Workers }, job =>
        {
            int c = job / Statistics.Length, j = job % Statistics.Length;
            double[] sample = Statistics[j].Sample(samples[c]);
            intervals[c, j] = sample.Length == 0
                ? null
                : Bootstrap.PercentileInterval(sample, Statistics[j].Statistic, Pcg64.Derive(plan.BootstrapSeed, (ulong)j), plan.Resamples);
        });
        var cells = Enumerable.Range(0, plan.Cells.Count).Select(c => Summarise(plan.Cells[c], own[c], samples[c],
            Enumerable.Range(0, Statistics.Length).Select(j => intervals[c, j]).ToArray())).ToList();
        return new SweepSummaryData(plan, cells, runs.Count, runs.Count(r => r is not null), seconds, interrupted)
        {
            Comparisons = Compare(plan, runs),
        };
    }

    /// <summary>
    /// The pairs compared, (X, Y) with Y &lt; X: ordered by Y, then X, so the first K − 1 are every configuration against
    /// the first. Every pair up to <see cref="MaxConfigurationsForAllPairs"/> configurations, else only those.
    /// </summary>
    public static IEnumerable<(int X, int Y)> Pairs(int configurations) =>
        from y in Enumerable.Range(0, configurations <= MaxConfigurationsForAllPairs ? Math.Max(configurations - 1, 0) : Math.Min(configurations, 1))
        from x in Enumerable.Range(y + 1, configurations - y - 1)
        select (x, y);

    /// <summary>The generator of comparison <paramref name="stream"/> of configurations a &lt; b: <c>default_rng(SeedSequence(seed, spawn_key=(j, a, b)))</c>.</summary>
    public static Pcg64 ComparisonGenerator(ulong bootstrapSeed, ulong stream, int a, int b) =>
        Pcg64.FromSeedSequence(new SeedSequence(bootstrapSeed, stream, (ulong)a, (ulong)b));

    /// <summary>
    /// A run's episodes-to-solve as a score where higher is better: −episodes when solved, −∞ when not, so an unsolved
    /// run is worse than every solved one and two unsolved runs tie.
    /// </summary>
    public static double EpisodesScore(long? solvedAtEpisode) => solvedAtEpisode is long e ? -(double)e : double.NegativeInfinity;

    private static List<PairComparison> Compare(SweepCommand.Plan plan, IReadOnlyList<SweepRun?> runs)
    {
        int seedCount = plan.Seeds.Count;
        var pairs = Pairs(plan.Cells.Count).ToList();
        if (pairs.Count == 0)
        {
            return [];
        }
        // Per configuration, in seed order: its episodes (null where unsolved, or no run), and its runs' scores.
        var episodes = new double?[plan.Cells.Count][];
        var present = new bool[plan.Cells.Count][];
        var episodeScores = new double[plan.Cells.Count][];
        var returnScores = new double[plan.Cells.Count][];
        for (int c = 0; c < plan.Cells.Count; c++)
        {
            SolvedCriterion criterion = plan.Cells[c].Settings.Options.SolvedBy;
            var own = Enumerable.Range(0, seedCount).Select(s => runs[c * seedCount + s]).ToArray();
            present[c] = [.. own.Select(r => r is not null)];
            episodes[c] = [.. own.Select(r => r?.SolvedAtEpisode(criterion) is long e ? (double?)e : null)];
            episodeScores[c] = [.. own.OfType<SweepRun>().Select(r => EpisodesScore(r.SolvedAtEpisode(criterion)))];
            returnScores[c] = [.. own.OfType<SweepRun>().Where(r => r.Evaluation is not null).Select(r => r.Evaluation!.MeanReturn)];
        }
        var fewer = new ConfidenceInterval?[pairs.Count];
        var higher = new ConfidenceInterval?[pairs.Count];
        var difference = new PairedDifference?[pairs.Count];
        var paired = new int[pairs.Count];
        Parallel.For(0, pairs.Count * 3, new ParallelOptions { MaxDegreeOfParallelism = plan.Workers }, job =>
        {
            int p = job / 3;
            var (x, y) = pairs[p];
            switch (job % 3)
            {
                case 0:
                    fewer[p] = episodeScores[x].Length == 0 || episodeScores[y].Length == 0 ? null : Comparison.ProbabilityOfImprovementInterval(
                        episodeScores[x], episodeScores[y], ComparisonGenerator(plan.BootstrapSeed, FewerEpisodesStream, y, x), plan.Resamples);
                    break;
                case 1:
                    higher[p] = returnScores[x].Length == 0 || returnScores[y].Length == 0 ? null : Comparison.ProbabilityOfImprovementInterval(
                        returnScores[x], returnScores[y], ComparisonGenerator(plan.BootstrapSeed, HigherReturnStream, y, x), plan.Resamples);
                    break;
                default:
                    int[] seeds = [.. Enumerable.Range(0, seedCount).Where(s => present[x][s] && present[y][s])];
                    paired[p] = seeds.Length;
                    difference[p] = seeds.Length == 0 ? null : Comparison.PairedInterquartileMeanDifference(
                        seeds.Select(s => episodes[x][s]).ToArray(), seeds.Select(s => episodes[y][s]).ToArray(),
                        ComparisonGenerator(plan.BootstrapSeed, EpisodesIqmDifferenceStream, y, x), plan.Resamples);
                    break;
            }
        });
        return [.. pairs.Select((pair, p) => new PairComparison(pair.X, pair.Y, episodeScores[pair.X].Length, episodeScores[pair.Y].Length,
            fewer[p], higher[p], paired[p], difference[p]))];
    }

    /// <summary>What the intervals are taken of: episodes and steps to solve (solved runs), final returns (all runs).</summary>
    private sealed record CellSamples(double[] Episodes, double[] Steps, double[] EvalReturns);

    /// <summary>The intervals of the summary, in the order of their generator streams j.</summary>
    private static readonly (Func<CellSamples, double[]> Sample, SampleStatistic Statistic)[] Statistics =
    [
        (s => s.Episodes, SampleStatistics.Median),           // EpisodesMedianStream
        (s => s.Episodes, SampleStatistics.InterquartileMean), // EpisodesIqmStream
        (s => s.Steps, SampleStatistics.Median),              // StepsMedianStream
        (s => s.Steps, SampleStatistics.InterquartileMean),   // StepsIqmStream
        (s => s.EvalReturns, SampleStatistics.InterquartileMean), // EvalIqmStream
    ];

    private static CellSamples Samples(SweepCell cell, IReadOnlyList<SweepRun> runs)
    {
        SolvedCriterion criterion = cell.Settings.Options.SolvedBy;
        var solved = runs.Where(r => r.SolvedAtEpisode(criterion) is not null).ToList();
        return new CellSamples(
            [.. solved.Select(r => (double)r.SolvedAtEpisode(criterion)!.Value)],
            [.. solved.Select(r => (double)r.StepsAtEpisode(r.SolvedAtEpisode(criterion)!.Value))],
            [.. runs.Where(r => r.Evaluation is not null).Select(r => r.Evaluation!.MeanReturn)]);
    }

    /// <summary>The summary of one configuration's runs (in seed order) with its intervals.</summary>
    private static CellSummary Summarise(SweepCell cell, IReadOnlyList<SweepRun> runs, CellSamples samples, ConfidenceInterval?[] intervals)
    {
        SolvedCriterion criterion = cell.Settings.Options.SolvedBy;
        SolvedCriterion other = criterion == SolvedCriterion.MeanOfLast100 ? SolvedCriterion.RunningReward : SolvedCriterion.MeanOfLast100;
        int solved = samples.Episodes.Length;
        double[] wall = [.. runs.Select(r => r.WallSeconds)];
        return new CellSummary(
            cell,
            runs.Count,
            solved,
            runs.Count(r => r.SolvedAtEpisode(other) is not null),
            runs.Count(r => r.Status == "diverged"),
            runs.Count == 0 ? null : ProportionInterval.Wilson(solved, runs.Count),
            runs.Count == 0 ? null : ProportionInterval.ClopperPearson(solved, runs.Count),
            intervals[EpisodesMedianStream],
            intervals[EpisodesIqmStream],
            intervals[StepsMedianStream],
            intervals[StepsIqmStream],
            intervals[EvalIqmStream],
            samples.EvalReturns.Length == 0 ? null : Descriptive.Mean(samples.EvalReturns),
            wall.Length == 0 ? null : Descriptive.Median(wall),
            wall.Sum());
    }

    // ----- Files -----

    public static void WriteFiles(string folder, SweepCommand.Plan plan, IReadOnlyList<SweepRun?> runs, SweepSummaryData summary)
    {
        WriteFile(folder, SweepFolder.SweepFile, SweepJson(summary));
        WriteFile(folder, SweepFolder.RunsFile, RunsCsv(plan, runs));
        WriteFile(folder, SweepFolder.SummaryCsvFile, SummaryCsv(summary));
        WriteFile(folder, SweepFolder.SummaryMarkdownFile, Markdown(summary));
        if (summary.Comparisons.Count > 0)
        {
            WriteFile(folder, SweepFolder.ComparisonsFile, ComparisonsCsv(summary));
        }
        string episodes = Path.Combine(folder, SweepFolder.EpisodesFile);
        try
        {
            AtomicFile.Write(episodes, stream => WriteEpisodes(stream, runs));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OutputException($"cannot write {Path.GetFileName(episodes)} in '{folder}': {PathArguments.Reason(e)}");
        }
    }

    private static void WriteFile(string folder, string name, string text)
    {
        try
        {
            OutputFiles.WriteAllText(Path.Combine(folder, name), text);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OutputException($"cannot write {name} in '{folder}': {PathArguments.Reason(e)}");
        }
    }

    /// <summary>
    /// episodes.csv: one row per episode, <c>config,seed,episode,return,length</c>, configuration-major then seed order, about
    /// 19 bytes a row (1,000 seeds × 300 episodes ≈ 6 MB; 1,000 seeds × 5,000 episodes ≈ 95 MB).
    /// </summary>
    public static void WriteEpisodes(Stream stream, IReadOnlyList<SweepRun?> runs)
    {
        using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
        writer.Write(SweepFolder.EpisodesHeader);
        writer.Write('\n');
        Span<char> buffer = stackalloc char[64];
        foreach (SweepRun? run in runs)
        {
            if (run is null)
            {
                continue;
            }
            string prefix = string.Create(CultureInfo.InvariantCulture, $"{run.Cell},{run.Seed},");
            for (int i = 0; i < run.Returns.Length; i++)
            {
                writer.Write(prefix);
                writer.Write((i + 1).ToString(CultureInfo.InvariantCulture));
                writer.Write(',');
                run.Returns[i].TryFormat(buffer, out int written, "R", CultureInfo.InvariantCulture);
                writer.Write(buffer[..written]);
                writer.Write(',');
                writer.Write(run.Lengths[i].ToString(CultureInfo.InvariantCulture));
                writer.Write('\n');
            }
        }
    }

    public const string RunsHeader = "config,seed,status,episodes,steps,solved,episodes_to_solve,steps_to_solve,running_solved_episode,running_solved_steps," +
        "mean100_solved_episode,mean100_solved_steps,final_running_reward,eval_mean_return,eval_std_return,eval_min_return,eval_max_return,wall_seconds";

    public static string RunsCsv(SweepCommand.Plan plan, IReadOnlyList<SweepRun?> runs)
    {
        var text = new StringBuilder(RunsHeader).Append('\n');
        foreach (SweepRun? run in runs)
        {
            if (run is null)
            {
                continue;
            }
            SolvedCriterion criterion = plan.Cells[run.Cell].Settings.Options.SolvedBy;
            long? at = run.SolvedAtEpisode(criterion);
            EvaluationSummary eval = EvaluationSummary.Of(run);
            text.AppendJoin(',', [
                I(run.Cell), run.Seed.ToString(CultureInfo.InvariantCulture), run.Status, I(run.Episodes), I(run.Steps), at is null ? "0" : "1",
                I(at), I(at is long a ? run.StepsAtEpisode(a) : null),
                I(run.RunningRewardSolvedAtEpisode), I(run.RunningRewardSolvedAtEpisode is long r ? run.StepsAtEpisode(r) : null),
                I(run.MeanOfLast100SolvedAtEpisode), I(run.MeanOfLast100SolvedAtEpisode is long m ? run.StepsAtEpisode(m) : null),
                R(run.FinalRunningReward), eval.Mean, eval.Std, eval.Min, eval.Max, run.WallSeconds.ToString("0.####", CultureInfo.InvariantCulture)]).Append('\n');
        }
        return text.ToString();
    }

    private readonly record struct EvaluationSummary(string Mean, string Std, string Min, string Max)
    {
        public static EvaluationSummary Of(SweepRun run) => run.Evaluation is { } e
            ? new(R(e.MeanReturn), R(e.StdReturn), R(e.MinReturn), R(e.MaxReturn))
            : new("", "", "", "");
    }

    public const string SummaryHeader = "config,name,solved_by,runs,solved,solve_rate,wilson_low,wilson_high,clopper_pearson_low,clopper_pearson_high," +
        "solved_other_criterion,diverged,episodes_median,episodes_median_low,episodes_median_high,episodes_iqm,episodes_iqm_low,episodes_iqm_high," +
        "steps_median,steps_median_low,steps_median_high,steps_iqm,steps_iqm_low,steps_iqm_high,eval_episodes,eval_return_iqm,eval_return_iqm_low," +
        "eval_return_iqm_high,eval_return_mean,wall_seconds_median,wall_seconds_total," +
        "p_fewer_episodes_vs_first,p_fewer_episodes_vs_first_low,p_fewer_episodes_vs_first_high," +
        "p_higher_eval_return_vs_first,p_higher_eval_return_vs_first_low,p_higher_eval_return_vs_first_high," +
        "episodes_iqm_diff_vs_first,episodes_iqm_diff_vs_first_low,episodes_iqm_diff_vs_first_high";

    public static string SummaryCsv(SweepSummaryData summary)
    {
        var text = new StringBuilder(SummaryHeader).Append('\n');
        foreach (CellSummary c in summary.Cells)
        {
            var cells = new List<string>
            {
                I(c.Cell.Index), Csv(c.Cell.Name), c.Cell.Settings.Options.SolvedBy.Name(), I(c.Runs), I(c.Solved),
                c.SolveRateWilson is { } w ? R(w.Estimate) : "", R(c.SolveRateWilson?.Lower), R(c.SolveRateWilson?.Upper),
                R(c.SolveRateClopperPearson?.Lower), R(c.SolveRateClopperPearson?.Upper), I(c.SolvedOtherCriterion), I(c.Diverged),
            };
            foreach (ConfidenceInterval? interval in new[] { c.EpisodesMedian, c.EpisodesIqm, c.StepsMedian, c.StepsIqm })
            {
                cells.AddRange([R(interval?.Estimate), R(interval?.Lower), R(interval?.Upper)]);
            }
            cells.AddRange([I(summary.Plan.EvalEpisodes), R(c.EvalReturnIqm?.Estimate), R(c.EvalReturnIqm?.Lower), R(c.EvalReturnIqm?.Upper), R(c.EvalReturnMean),
                c.WallSecondsMedian?.ToString("0.####", CultureInfo.InvariantCulture) ?? "", c.WallSecondsTotal.ToString("0.###", CultureInfo.InvariantCulture)]);
            // Against the first configuration: its row in comparisons.csv (empty for the first itself).
            PairComparison? first = summary.Comparisons.FirstOrDefault(p => p.Y == 0 && p.X == c.Cell.Index);
            cells.AddRange(ComparisonCells(first));
            text.AppendJoin(',', cells).Append('\n');
        }
        return text.ToString();
    }

    public const string ComparisonsHeader = "x,x_name,y,y_name,x_runs,y_runs,p_fewer_episodes,p_fewer_episodes_low,p_fewer_episodes_high," +
        "p_higher_eval_return,p_higher_eval_return_low,p_higher_eval_return_high,paired_seeds,episodes_iqm_diff,episodes_iqm_diff_low," +
        "episodes_iqm_diff_high,episodes_iqm_diff_resamples";

    /// <summary>comparisons.csv: one row per unordered pair, X the later configuration and Y the earlier, in the order of <see cref="Pairs"/>.</summary>
    public static string ComparisonsCsv(SweepSummaryData summary)
    {
        var text = new StringBuilder(ComparisonsHeader).Append('\n');
        foreach (PairComparison p in summary.Comparisons)
        {
            text.AppendJoin(',', [
                I(p.X), Csv(summary.Plan.Cells[p.X].Name), I(p.Y), Csv(summary.Plan.Cells[p.Y].Name), I(p.RunsX), I(p.RunsY),
                R(p.FewerEpisodes?.Estimate), R(p.FewerEpisodes?.Lower), R(p.FewerEpisodes?.Upper),
                R(p.HigherReturn?.Estimate), R(p.HigherReturn?.Lower), R(p.HigherReturn?.Upper),
                I(p.PairedSeeds), R(p.EpisodesIqmDifference?.Interval.Estimate), R(p.EpisodesIqmDifference?.Interval.Lower),
                R(p.EpisodesIqmDifference?.Interval.Upper), I(p.EpisodesIqmDifference?.DefinedReplicates)]).Append('\n');
        }
        return text.ToString();
    }

    private static string[] ComparisonCells(PairComparison? p) =>
    [
        R(p?.FewerEpisodes?.Estimate), R(p?.FewerEpisodes?.Lower), R(p?.FewerEpisodes?.Upper),
        R(p?.HigherReturn?.Estimate), R(p?.HigherReturn?.Lower), R(p?.HigherReturn?.Upper),
        R(p?.EpisodesIqmDifference?.Interval.Estimate), R(p?.EpisodesIqmDifference?.Interval.Lower), R(p?.EpisodesIqmDifference?.Interval.Upper),
    ];

    public static string SweepJson(SweepSummaryData summary)
    {
        SweepCommand.Plan plan = summary.Plan;
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("tool", $"reinforce {Cli.Version}");
            json.WriteString("command", plan.CommandLine);
            json.WriteString("seedsText", plan.SeedsText);
            json.WriteStartArray("seeds");
            foreach (ulong seed in plan.Seeds)
            {
                json.WriteNumberValue(seed);
            }
            json.WriteEndArray();
            json.WriteNumber("evalEpisodes", plan.EvalEpisodes);
            json.WriteNumber("bootstrapResamples", plan.Resamples);
            json.WriteNumber("bootstrapSeed", plan.BootstrapSeed);
            json.WriteNumber("plannedRuns", summary.PlannedRuns);
            json.WriteNumber("completedRuns", summary.CompletedRuns);
            json.WriteBoolean("interrupted", summary.Interrupted);
            json.WriteStartArray("configurations");
            foreach (SweepCell cell in plan.Cells)
            {
                json.WriteStartObject();
                json.WriteNumber("index", cell.Index);
                json.WriteString("name", cell.Name);
                json.WriteString("preset", cell.Settings.PresetName);
                json.WriteString("command", cell.TrainCommandLine);
                if (cell.Settings.RewardThreshold is double threshold)
                {
                    json.WriteNumber("rewardThreshold", threshold);
                }
                else
                {
                    json.WriteNull("rewardThreshold");
                }
                json.WritePropertyName("trainer");
                TrainerOptionsJson.Write(cell.Settings.Options with { Seed = 0 }, json);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    // ----- Tables -----

    private static readonly string[] Columns =
        ["configuration", "solved [95 % CI]", "episodes to solve: median [95 % CI]", "IQM [95 % CI]", "env steps to solve: IQM [95 % CI]", "final return: IQM [95 % CI]", "s/run"];

    /// <summary>The comparison table's rows, one per configuration, as text cells.</summary>
    public static List<string[]> Rows(SweepSummaryData summary) => summary.Cells.Select(c => new[]
    {
        c.Cell.Name,
        c.SolveRateWilson is { } w ? $"{c.Solved}/{c.Runs} = {Percent(w.Estimate)} [{Percent(w.Lower, false)}, {Percent(w.Upper)}]" : "no run",
        Interval(c.EpisodesMedian, "0.#"),
        Interval(c.EpisodesIqm, "0.#"),
        Kilo(c.StepsIqm),
        Interval(c.EvalReturnIqm, "0.0"),
        c.WallSecondsMedian?.ToString("0.00", CultureInfo.InvariantCulture) ?? "–",
    }).ToList();

    /// <summary>The Markdown table of the comparison (what summary.md and the README show).</summary>
    public static string MarkdownTable(SweepSummaryData summary)
    {
        var text = new StringBuilder();
        text.Append("| ").AppendJoin(" | ", Columns).Append(" |\n");
        text.Append('|').Append(string.Concat(Columns.Select(_ => "---|"))).Append('\n');
        foreach (string[] row in Rows(summary))
        {
            text.Append("| ").AppendJoin(" | ", row.Select(c => c.Replace("|", "\\|", StringComparison.Ordinal))).Append(" |\n");
        }
        return text.ToString();
    }

    public static string Markdown(SweepSummaryData summary)
    {
        SweepCommand.Plan plan = summary.Plan;
        var text = new StringBuilder();
        string env = string.Join(", ", plan.Cells.Select(c => c.Settings.Options.EnvironmentId).Distinct());
        text.Append(CultureInfo.InvariantCulture, $"# Sweep: {SweepCommand.Plural(plan.Cells.Count, "configuration")} × {SweepCommand.Plural(plan.Seeds.Count, "seed")} on {env}\n\n");
        text.Append(CultureInfo.InvariantCulture, $"```sh\n{plan.CommandLine}\n```\n\n");
        if (summary.Interrupted)
        {
            text.Append(CultureInfo.InvariantCulture, $"**Interrupted**: {summary.CompletedRuns} of {summary.PlannedRuns} runs done; the table covers those.\n\n");
        }
        text.Append(MarkdownTable(summary)).Append('\n');
        foreach (string warning in Warnings(summary))
        {
            text.Append(CultureInfo.InvariantCulture, $"**Warning**: {warning}.\n\n");
        }
        text.Append(Definitions(summary));
        text.Append(ComparisonsMarkdown(summary));
        text.Append("\n| configuration | train command (seed left out) |\n|---|---|\n");
        foreach (SweepCell cell in plan.Cells)
        {
            text.Append(CultureInfo.InvariantCulture, $"| {cell.Name.Replace("|", "\\|", StringComparison.Ordinal)} | `{cell.TrainCommandLine}` |\n");
        }
        text.Append(CultureInfo.InvariantCulture, $"\n![Learning curves]({SweepFolder.CurvesFile})\n\n![Performance profile]({SweepFolder.ProfileFile})\n");
        return text.ToString();
    }

    private static string Definitions(SweepSummaryData summary)
    {
        SweepCommand.Plan plan = summary.Plan;
        var criteria = plan.Cells.Select(c => c.Settings.Options.SolvedBy).Distinct().ToList();
        string rule = criteria.Count == 1
            ? criteria[0] == SolvedCriterion.MeanOfLast100 ? "the mean return of the last 100 episodes reached the reward threshold" : "the running reward exceeded the reward threshold"
            : "the configuration's rule (--solved-by) was met";
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"- **solved**: runs in which {rule} within the budget; 95 % Wilson interval of the rate (Clopper–Pearson's in summary.csv). ");
        text.Append(CultureInfo.InvariantCulture, $"Solved by the other rule: {string.Join(", ", summary.Cells.Select(c => $"{c.SolvedOtherCriterion}/{c.Runs}"))}.\n");
        text.Append("- **episodes / env steps to solve**: the first episode after which the rule held (and the environment steps up to it), over the *solved* runs only: " +
            "an unsolved run counts in the solve rate, not here; the performance profile shows both together.\n");
        text.Append(CultureInfo.InvariantCulture, $"- **final return**: each run's final policy plays {plan.EvalEpisodes} greedy episodes on its evaluation seed (`PolicyEvaluation.EvaluationSeed(seed)`); the IQM over runs of their mean return.\n");
        string seed = plan.BootstrapSeed.ToString(CultureInfo.InvariantCulture);
        text.Append(CultureInfo.InvariantCulture, $"- **[95 % CI]**: percentile bootstrap over runs, B = {plan.Resamples:#,0}; statistic j of every configuration draws from `Pcg64.Derive({seed}, j)` ");
        text.Append(CultureInfo.InvariantCulture, $"(NumPy: `default_rng(SeedSequence({seed}, spawn_key=(j,)))`; j = 0 median and 1 IQM of episodes, 2 and 3 of steps, 4 IQM of the final return), ");
        text.Append("so this table is the same on every machine and for any --threads. IQM = mean of the middle half (SciPy's `trim_mean(x, 0.25)`).\n");
        string time = summary.TimeNote ?? string.Create(CultureInfo.InvariantCulture, $"{summary.Seconds:0.0} s for the whole sweep on {SweepCommand.Plural(plan.Workers, "worker")}");
        text.Append(CultureInfo.InvariantCulture, $"- **s/run**: median wall time of a run's training ({time}); ");
        text.Append("the only numbers that change from one machine or run to the next.\n");
        return text.ToString();
    }

    /// <summary>
    /// One line per number N of solved runs from 1 to <see cref="FewSolvedRuns"/> − 1 ("intervals over N solved runs are
    /// wide", naming the configurations), then one for the configurations that solved no run.
    /// </summary>
    public static List<string> Warnings(SweepSummaryData summary)
    {
        var lines = summary.Cells.Where(c => c.Solved > 0 && c.Solved < FewSolvedRuns).GroupBy(c => c.Solved).OrderBy(g => g.Key)
            .Select(g => $"intervals over {SweepCommand.Plural(g.Key, "solved run")} are wide: {string.Join(", ", g.Select(c => c.Cell.Name))} (more seeds narrow them)")
            .ToList();
        var none = summary.Cells.Where(c => c.Runs > 0 && c.Solved == 0).Select(c => c.Cell.Name).ToList();
        if (none.Count > 0)
        {
            lines.Add($"no solved run, so no episodes to solve: {string.Join(", ", none)}");
        }
        return lines;
    }

    // ----- Comparisons -----

    private static readonly string[] ComparisonColumns =
        ["X", "Y", "P(X solves in fewer episodes) [95 % CI]", "P(X's final return is higher) [95 % CI]", "episodes to solve: IQM of X − IQM of Y [95 % CI]"];

    /// <summary>summary.md's "Comparisons" section: a table of the pairs and what its numbers are; empty for one configuration.</summary>
    public static string ComparisonsMarkdown(SweepSummaryData summary)
    {
        if (summary.Comparisons.Count == 0)
        {
            return "";
        }
        SweepCommand.Plan plan = summary.Plan;
        bool evaluates = summary.Comparisons.Any(p => p.HigherReturn is not null);
        bool allPairs = plan.Cells.Count <= MaxConfigurationsForAllPairsInMarkdown;
        var shown = allPairs ? summary.Comparisons : summary.Comparisons.Where(p => p.Y == 0).ToList();
        int[] columns = evaluates ? [0, 1, 2, 3, 4] : [0, 1, 2, 4];
        var text = new StringBuilder("\n## Comparisons\n\n");
        text.Append(allPairs
            ? "Each configuration X against every earlier one, Y (`comparisons.csv` has every number in full):\n\n"
            : string.Create(CultureInfo.InvariantCulture,
                $"Each configuration X against the first, Y; `comparisons.csv` has all {summary.Comparisons.Count:#,0} pairs compared:\n\n"));
        text.Append("| ").AppendJoin(" | ", columns.Select(i => ComparisonColumns[i])).Append(" |\n");
        text.Append('|').Append(string.Concat(columns.Select(_ => "---|"))).Append('\n');
        foreach (PairComparison p in shown)
        {
            string[] cells =
            [
                plan.Cells[p.X].Name, plan.Cells[p.Y].Name, Probability(p.FewerEpisodes), Probability(p.HigherReturn),
                p.EpisodesIqmDifference is { } d ? Interval(d.Interval, "+0.#;-0.#;0") : "–",
            ];
            text.Append("| ").AppendJoin(" | ", columns.Select(i => cells[i].Replace("|", "\\|", StringComparison.Ordinal))).Append(" |\n");
        }
        text.Append('\n');
        text.Append("- **P(X solves in fewer episodes)**: rliable's probability of improvement, over every pair of a run of X and a run of Y: " +
            "the fraction of pairs in which X's run solved in fewer episodes than Y's, a tie counting ½. An unsolved run counts as slower " +
            "than every solved one, and two unsolved runs tie. 0.5: neither is ahead; above 0.5: X is.\n");
        if (evaluates)
        {
            text.Append("- **P(X's final return is higher)**: the same over the runs' final returns (higher is better).\n");
        }
        int seeds = plan.Seeds.Count;
        string pairedOver = summary.Comparisons.All(p => p.PairedSeeds == seeds) ? "the seeds" : "the seeds that have a run of both";
        text.Append("- **IQM of X − IQM of Y**: the difference of the two IQMs of episodes to solve in the table above, each over its own solved runs " +
            $"as there (negative: X solves in fewer episodes). Its interval is a paired bootstrap over {pairedOver}, which every configuration shares: " +
            "each resample draws the seeds with replacement, the same for X and Y, and takes each IQM over the solved runs among the drawn seeds; " +
            "a resample in which X or Y has no solved run is left out (`comparisons.csv` counts the resamples kept).\n");
        string seed = plan.BootstrapSeed.ToString(CultureInfo.InvariantCulture);
        text.Append(CultureInfo.InvariantCulture, $"- **[95 % CI]**: percentile bootstrap, B = {plan.Resamples:#,0}; the probabilities resample X's runs and Y's runs ");
        text.Append("independently, as rliable's `StratifiedIndependentBootstrap`. Configurations a < b draw comparison j from ");
        text.Append(CultureInfo.InvariantCulture, $"`default_rng(SeedSequence({seed}, spawn_key=(j, a, b)))` (j = 5 fewer episodes, 6 final return, 7 IQM difference).\n");
        return text.ToString();
    }

    private static string Probability(ConfidenceInterval? interval) => Interval(interval, "0.00");

    // ----- The printed table -----

    /// <summary>The printed table's headers when the full ones do not fit: each names its statistic alone, the footer says "[95 % CI]".</summary>
    private static readonly string[] ShortColumns = ["configuration", "solved", "episodes: median", "episodes: IQM", "steps: IQM", "final return: IQM", "s/run"];

    /// <summary>The columns left out, in this order, until the table fits: s/run, env steps, the median of episodes, the final return.</summary>
    private static readonly int[] DropOrder = [6, 4, 2, 5];

    /// <summary>How the printed table fits a width: full or short headers, and the columns kept (in their order).</summary>
    internal sealed record TableLayout(bool ShortHeaders, int[] Kept)
    {
        public string[] Header => [.. Kept.Select(i => ShortHeaders ? ShortColumns[i] : Columns[i])];

        /// <summary>The width of the table's widest line with these headers and rows (two spaces between columns).</summary>
        public int Width(IReadOnlyList<string[]> rows) =>
            Kept.Select((column, k) => rows.Select(r => r[column].Length).Append(Header[k].Length).Max()).Sum() + (2 * (Kept.Length - 1));
    }

    /// <summary>
    /// The layout of the printed table for a terminal of <paramref name="width"/> columns (null: not a terminal, the full
    /// table): the full headers if the table fits, else the short ones, then leaving whole columns out in
    /// <see cref="DropOrder"/> until it fits. A cell is never cut; the configuration, solved and episodes-IQM columns
    /// always stay, so the table can still be wider than the terminal.
    /// </summary>
    internal static TableLayout Fit(IReadOnlyList<string[]> rows, int? width)
    {
        var layout = new TableLayout(false, [.. Enumerable.Range(0, Columns.Length)]);
        if (width is not int columns || layout.Width(rows) <= columns)
        {
            return layout;
        }
        layout = layout with { ShortHeaders = true };
        foreach (int drop in DropOrder)
        {
            if (layout.Width(rows) <= columns)
            {
                break;
            }
            layout = layout with { Kept = [.. layout.Kept.Where(i => i != drop)] };
        }
        return layout;
    }

    /// <summary>
    /// The summary as printed: an aligned table fitted to <paramref name="width"/> (<see cref="Fit"/>; null: full width),
    /// the warnings, then the definitions, their words wrapped to the width.
    /// </summary>
    public static string Text(SweepSummaryData summary, Style style, int? width = null)
    {
        List<string[]> cells = Rows(summary);
        TableLayout layout = Fit(cells, width);
        var rows = new List<string[]> { layout.Header };
        rows.AddRange(cells.Select(r => layout.Kept.Select(i => r[i]).ToArray()));
        int[] widths = Enumerable.Range(0, layout.Kept.Length).Select(i => rows.Max(r => r[i].Length)).ToArray();
        var text = new StringBuilder();
        for (int r = 0; r < rows.Count; r++)
        {
            string line = string.Join("  ", rows[r].Select((cell, i) => i == 0 ? cell.PadRight(widths[i]) : cell.PadLeft(widths[i]))).TrimEnd();
            text.Append(r == 0 ? style.Bold(line) : line).Append('\n');
        }
        foreach (string warning in Warnings(summary))
        {
            AppendWrapped(text, style.Yellow("warning:") + " " + warning + ".", width);
        }
        string footer = string.Create(CultureInfo.InvariantCulture,
            $"{summary.CompletedRuns} runs in {summary.Seconds:0.0} s. Steps and episodes to solve over solved runs; intervals: 95 % Wilson (solved) and percentile bootstrap, B = {summary.Plan.Resamples:#,0}, seed {summary.Plan.BootstrapSeed}.");
        if (layout.ShortHeaders)
        {
            footer += " Each cell: estimate [95 % CI].";
        }
        string[] left = [.. Enumerable.Range(0, Columns.Length).Where(i => !layout.Kept.Contains(i)).Select(i => ShortColumns[i])];
        if (left.Length > 0)
        {
            footer += string.Create(CultureInfo.InvariantCulture, $" Left out to fit {width} columns: {string.Join(", ", left)} (summary.md has every column).");
        }
        AppendWrapped(text, footer, width);
        return text.ToString();
    }

    /// <summary>
    /// Appends <paramref name="line"/> and a line break, wrapped at its spaces to <paramref name="width"/> when given
    /// (<see cref="Terminal.Wrap"/>: no word is cut, a number keeps its unit: "95 %" is glued).
    /// </summary>
    private static void AppendWrapped(StringBuilder text, string line, int? width)
    {
        if (width is not int columns)
        {
            text.Append(line).Append('\n');
            return;
        }
        foreach (string wrapped in Terminal.Wrap(line.Replace(" %", Terminal.Glue + "%", StringComparison.Ordinal), columns))
        {
            text.Append(wrapped).Append('\n');
        }
    }

    private static string Interval(ConfidenceInterval? interval, string format) => interval is { } i
        ? $"{i.Estimate.ToString(format, CultureInfo.InvariantCulture)} [{i.Lower.ToString(format, CultureInfo.InvariantCulture)}, {i.Upper.ToString(format, CultureInfo.InvariantCulture)}]"
        : "–";

    private static string Kilo(ConfidenceInterval? interval) => interval is { } i
        ? $"{K(i.Estimate)} [{K(i.Lower)}, {K(i.Upper)}]"
        : "–";

    private static string K(double value) => value >= 1e6
        ? (value / 1e6).ToString("0.00", CultureInfo.InvariantCulture) + "M"
        : value >= 1e3 ? (value / 1e3).ToString("0.0", CultureInfo.InvariantCulture) + "k" : value.ToString("0", CultureInfo.InvariantCulture);

    private static string Percent(double rate, bool sign = true) =>
        (rate * 100).ToString(rate is 0 or 1 ? "0" : "0.0", CultureInfo.InvariantCulture) + (sign ? " %" : "");

    private static string I(long? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "";

    private static string R(double? value) => value?.ToString("R", CultureInfo.InvariantCulture) ?? "";

    /// <summary>A CSV cell, quoted (RFC 4180) when it holds a comma, a quote or a line break.</summary>
    internal static string Csv(string value) => value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;
}
