using System.Globalization;
using System.Text;
using Reinforce.Checkpoints;
using Reinforce.Environments;
using Reinforce.Evaluation;
using Reinforce.Policies;
using Reinforce.Randomness;
using Reinforce.Text;
using Reinforce.Training;

namespace Reinforce.Cli;

/// <summary>The environment an evaluation plays in and how it is seeded.</summary>
internal sealed record EpisodeSetup(string EnvironmentId, CartPoleIntegrator Integrator, bool SuttonBartoReward, int? MaxEpisodeSteps, ulong Seed)
{
    public CartPole CreateEnvironment() => CartPole.Create(EnvironmentId, Integrator, SuttonBartoReward, MaxEpisodeSteps);

    public static EpisodeSetup From(TrainerOptions options, ParsedArguments args, ulong defaultSeed, int maxSteps = int.MaxValue)
    {
        var setup = new EpisodeSetup(
            args.Choice("--env", [CartPole.V1Id, CartPole.V0Id]) ?? options.EnvironmentId,
            options.Integrator,
            options.SuttonBartoReward,
            args.Integer("--max-steps", 1, maxSteps) is long steps ? (int)steps : options.MaxEpisodeSteps,
            args.UnsignedInteger("--seed") ?? defaultSeed);
        // A checkpoint trained with a longer limit than this command draws: say so instead of running out of memory.
        if (setup.CreateEnvironment().MaxEpisodeSteps > maxSteps)
        {
            throw new UsageException($"the episode limit {setup.CreateEnvironment().MaxEpisodeSteps} is more than {maxSteps} steps; give --max-steps {maxSteps} or less");
        }
        return setup;
    }
}

/// <summary><c>reinforce eval</c> and <c>reinforce baseline</c>: play N episodes and report returns and lengths.</summary>
internal static class EvaluateCommands
{
    public const string EvalDescription = "Play N episodes with a trained policy; report returns and a histogram of lengths.";
    public const string BaselineDescription = "The same report for the hand-written policy: push toward the side the pole leans to (θ > 0).";

    /// <summary>The flags both commands take; <paramref name="environmentDefault"/> is what --env defaults to.</summary>
    private static Flag[] Common(string environmentDefault) =>
    [
        new("--episodes", "N", "episodes to play, at most 10,000,000 (at a terminal a status line shows how far it is)", "100"),
        new("--seed", "N", "episode i starts from the state drawn by stream Pcg64.Derive(seed, i)", "0"),
        new("--env", "ID", "CartPole-v1 or CartPole-v0", environmentDefault),
        new("--max-steps", "N", "time limit of an episode in steps", "the environment's"),
        new("--svg", "FILE", "also write the histogram of episode lengths as an SVG"),
        JsonResult.Flag("Options"),
    ];

    public static IReadOnlyList<Flag> EvalFlags { get; } =
    [
        .. Common("the checkpoint's"),
        new Flag("--policy", "MODE", "greedy (most probable action) or sample (draw from π)", "greedy"),
        new Flag("--best", null, "play the run folder's best.safetensors (the best evaluation of train --eval-interval, else the best mean of the last 100 training returns) instead of its last checkpoint"),
    ];

    public static IReadOnlyList<Flag> BaselineFlags { get; } = Common("CartPole-v1");

    public static int Eval(ParsedArguments args, CliContext context)
    {
        if (args.Positionals.Count == 0)
        {
            throw new UsageException("which checkpoint? expected: reinforce eval CHECKPOINT|RUN_DIR");
        }
        string path = CheckpointPath(args.Positionals[0], "eval", args.Switch("--best") ?? false);
        bool sample = (args.Choice("--policy", ["greedy", "sample"]) ?? "greedy") == "sample";
        int episodes = (int)(args.Integer("--episodes", 1, MaxEpisodes) ?? 100);
        string? svg = args.String("--svg") is string svgPath ? PathArguments.OutputFile("--svg", svgPath) : null;
        TrainingCheckpoint checkpoint = TrainCommand.LoadCheckpoint(path, "");
        var setup = EpisodeSetup.From(checkpoint.Options, args, 0);
        EvaluationResult result = Play(PolicyEvaluation.Chooser(checkpoint.CreatePolicy(), sample ? ActionSelection.Sample : ActionSelection.Greedy),
            setup, episodes, context);
        return Report(setup, $"{(sample ? "sampled" : "greedy")} policy from {path}", result, svg, context, sample ? "sample" : "greedy", path);
    }

    public static int Baseline(ParsedArguments args, CliContext context)
    {
        int episodes = (int)(args.Integer("--episodes", 1, MaxEpisodes) ?? 100);
        string? svg = args.String("--svg") is string svgPath ? PathArguments.OutputFile("--svg", svgPath) : null;
        var setup = EpisodeSetup.From(new TrainerOptions(), args, 0);
        EvaluationResult result = Play((observation, _) => BaselinePolicy.Act(observation), setup, episodes, context);
        return Report(setup, "baseline policy (push toward the lean, θ > 0)", result, svg, context, "baseline", null);
    }

    /// <summary>The most episodes eval and baseline play (every return and length is kept for the report: about 130 MB).</summary>
    public const int MaxEpisodes = 10_000_000;

    /// <summary>Episodes played between two looks at the clock and the cancellation.</summary>
    private const int ChunkEpisodes = 256;

    private static readonly TimeSpan StatusEvery = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Plays episodes 0 … <paramref name="episodes"/> − 1 in chunks; episode i is the same whatever the chunks (it draws
    /// from its own stream, Derive(seed, i)), so the result is that of one call. At a terminal, stderr shows a status line
    /// (episodes done of all, elapsed time, time left), drawn in place after the first chunk and then at most ten times a
    /// second, and cleared at the end: a long evaluation shows that it is moving. Piped or in a file, stderr stays empty.
    /// </summary>
    private static EvaluationResult Play(ActionChooser chooser, EpisodeSetup setup, int episodes, CliContext context)
    {
        IEnvironment environment = setup.CreateEnvironment();
        var returns = new double[episodes];
        var lengths = new int[episodes];
        var truncated = new bool[episodes];
        int? columns = context.ErrorTerminalWidth;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        TimeSpan lastStatus = TimeSpan.MinValue;
        bool shown = false;
        try
        {
            for (int first = 0; first < episodes; first += ChunkEpisodes)
            {
                int count = Math.Min(ChunkEpisodes, episodes - first);
                PolicyEvaluation.Evaluate(chooser, environment, setup.Seed, first, returns.AsSpan(first, count), lengths.AsSpan(first, count),
                    truncated.AsSpan(first, count), cancellationToken: context.Cancellation);
                int done = first + count;
                TimeSpan now = clock.Elapsed;
                if (columns is int width && done < episodes && (lastStatus == TimeSpan.MinValue || now - lastStatus >= StatusEvery))
                {
                    lastStatus = now;
                    string status = Status(done, episodes, now.TotalSeconds);
                    context.Error.Write("\r" + (status.Length < width ? status : status[..Math.Max(0, width - 1)]) + "\u001b[K");
                    context.Error.Flush();
                    shown = true;
                }
            }
        }
        finally
        {
            if (shown)
            {
                context.Error.Write("\r\u001b[K");
                context.Error.Flush();
            }
        }
        return new EvaluationResult(setup.Seed, returns, lengths, truncated);
    }

    private static string Status(int done, int total, double seconds)
    {
        double left = seconds / done * (total - done);
        return string.Create(CultureInfo.InvariantCulture,
            $"playing: {done:#,0}/{total:#,0} episodes  {seconds:0.0} s  ETA {(left >= 90 ? $"{left / 60:0.0} min" : $"{left:0} s")}");
    }

    /// <summary>
    /// A checkpoint file, or the checkpoint inside a run folder (or inside DIR.partial when only that exists); with
    /// <paramref name="best"/>, the run folder's best.safetensors (kept by <c>train</c>: <see cref="BestPolicy"/>).
    /// </summary>
    public static string CheckpointPath(string path, string command, bool best = false)
    {
        PathArguments.NonEmpty("", path, $"a checkpoint or run folder: reinforce {command} CHECKPOINT|RUN_DIR");
        if (FileKind.Of(path, followLinks: true) != PathKind.Directory && FileKind.Of(path) == PathKind.Missing
            && FileKind.Of(path.TrimEnd('/', '\\') + RunFolder.PartialSuffix) == PathKind.Directory)
        {
            path = path.TrimEnd('/', '\\') + RunFolder.PartialSuffix;
        }
        bool folder = FileKind.Of(path, followLinks: true) == PathKind.Directory;
        if (!best)
        {
            return folder ? Path.Combine(path, RunFolder.CheckpointFile) : path;
        }
        if (!folder)
        {
            throw new UsageException($"--best needs a run folder, not {Display.Quote(path)}: reinforce {command} RUN_DIR --best");
        }
        string bestPath = Path.Combine(path, RunFolder.BestFile);
        return FileKind.Of(bestPath) != PathKind.Missing
            ? bestPath
            : throw new UsageException($"{Display.Quote(path)} has no {RunFolder.BestFile}; a run keeps one once it has {ReinforceTrainer.SolvedWindowEpisodes} episodes (with --eval-interval N: from its first evaluation)");
    }

    /// <summary>One bin of the histogram of lengths: the episodes of length in [<paramref name="Low"/>, <paramref name="High"/>].</summary>
    public sealed record Bin(string Label, int Count, long Low, long High);

    public static Func<float[], Pcg64, int> PolicyActor(Policy policy, bool sample) =>
        sample ? (observation, rng) => policy.Act(observation, rng) : (observation, _) => policy.ActGreedy(observation);

    private static int Report(EpisodeSetup setup, string label, EvaluationResult result, string? svgPath, CliContext context, string policy, string? checkpoint)
    {
        int limit = setup.CreateEnvironment().MaxEpisodeSteps ?? result.Lengths.Max();
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{setup.EnvironmentId} (time limit {limit}) · {label} · {result.Episodes} episodes, seed {setup.Seed}");
        text.AppendLine(CultureInfo.InvariantCulture, $"return  mean {result.MeanReturn:0.00}  std {result.StdReturn:0.00}  min {result.MinReturn:0.##}  max {result.MaxReturn:0.##}");
        text.AppendLine(CultureInfo.InvariantCulture, $"reached the time limit: {result.TruncatedEpisodes}/{result.Episodes}");
        text.AppendLine("episode length:");
        var bins = Bins(result.Lengths);
        int widest = Math.Max(1, bins.Max(b => b.Count));
        int labelWidth = bins.Max(b => b.Label.Length);
        foreach (var (binLabel, count, _, _) in bins)
        {
            int bar = (int)Math.Round(40.0 * count / widest);
            text.AppendLine(CultureInfo.InvariantCulture, $"  {binLabel.PadLeft(labelWidth)} │{new string('█', bar)}{new string(' ', 40 - bar)} {count}");
        }
        context.Output.Write(text.ToString());
        if (svgPath is not null)
        {
            string title = string.Create(CultureInfo.InvariantCulture, $"{setup.EnvironmentId} · {result.Episodes} episodes · return {result.MeanReturn:0.0} ± {result.StdReturn:0.0} (mean ± std)");
            PathArguments.Write("--svg", svgPath, HistogramSvg(bins, title, $"{label}, seed {setup.Seed}"));
            context.Output.WriteLine($"Histogram: {svgPath}");
        }
        context.Json?.Set(json => JsonReports.Evaluation(json, setup, limit, policy, checkpoint, result, bins, svgPath));
        return Cli.ExitSuccess;
    }

    /// <summary>
    /// About ten bins of a round width (1, 2, 5 × 10ᵏ, or 25 × 10ᵏ) covering the lengths seen, so the
    /// hand-written policy's 25–60 and a trained policy's 500 are both drawn at a useful resolution.
    /// </summary>
    public static List<Bin> Bins(IEnumerable<int> lengths)
    {
        var values = lengths.ToList();
        int min = values.Min(), max = values.Max();
        int span = max - min + 1;
        int width = new[] { 1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000, 100000, 1000000 }
            .FirstOrDefault(w => (long)w * 10 >= span, int.MaxValue / 20);
        int start = min - 1 - (min - 1) % width + 1; // bins are [k·width + 1, (k + 1)·width]
        int count = (max - start) / width + 1;
        var counts = new int[count];
        foreach (int length in values)
        {
            counts[(length - start) / width]++;
        }
        var bins = new List<Bin>();
        for (int b = 0; b < count; b++)
        {
            long low = start + (long)b * width, high = low + width - 1;
            bins.Add(new(low == high ? $"{low}" : $"{low}–{high}", counts[b], low, high));
        }
        return bins;
    }

    // The title and the subtitle (the policy and its file, shortened in the middle if need be) fit the width.
    internal static string HistogramSvg(List<Bin> bins, string title, string subtitle)
    {
        const double width = 720, height = 376;
        var svg = new SvgBuilder(width, height, $"{title} · {subtitle}");
        svg.Text(64, 24, SvgBuilder.Fit(title, width - 64 - 20, 14, bold: true), "font-size=\"14\" font-weight=\"600\" fill=\"#111827\"");
        svg.Text(64, 42, SvgBuilder.Fit(subtitle, width - 64 - 20, 12), "font-size=\"12\" fill=\"#4b5563\"");
        var y = SvgBuilder.NiceScale(0, Math.Max(1, bins.Max(b => b.Count)));
        var plot = new PlotArea(svg, 64, 64, width - 64 - 20, height - 64 - 64, (0, bins.Count, 1), y);
        for (double v = y.Min; v <= y.Max + y.Step / 2; v += y.Step)
        {
            svg.Line($"<line x1=\"64\" y1=\"{SvgBuilder.N(plot.Y(v))}\" x2=\"{SvgBuilder.N(width - 20)}\" y2=\"{SvgBuilder.N(plot.Y(v))}\" stroke=\"#e5e7eb\"/>");
            svg.Text(56, plot.Y(v) + 4, SvgBuilder.Tick(v), "text-anchor=\"end\" fill=\"#4b5563\"");
        }
        for (int b = 0; b < bins.Count; b++)
        {
            double x0 = plot.X(b) + 3, x1 = plot.X(b + 1) - 3, top = plot.Y(bins[b].Count);
            svg.Line($"<rect x=\"{SvgBuilder.N(x0)}\" y=\"{SvgBuilder.N(top)}\" width=\"{SvgBuilder.N(x1 - x0)}\" height=\"{SvgBuilder.N(plot.Y(0) - top)}\" fill=\"#3b82f6\"/>");
            svg.Text((x0 + x1) / 2, plot.Y(0) + 18, bins[b].Label, "text-anchor=\"middle\" fill=\"#4b5563\" font-size=\"11\"");
            if (bins[b].Count > 0)
            {
                svg.Text((x0 + x1) / 2, top - 4, bins[b].Count.ToString(CultureInfo.InvariantCulture), "text-anchor=\"middle\" fill=\"#111827\" font-size=\"11\"");
            }
        }
        svg.Line($"<line x1=\"64\" y1=\"{SvgBuilder.N(plot.Y(0))}\" x2=\"{SvgBuilder.N(width - 20)}\" y2=\"{SvgBuilder.N(plot.Y(0))}\" stroke=\"#374151\"/>");
        svg.Text(plot.Left + plot.Width / 2, height - 18, "episode length (steps)", "text-anchor=\"middle\" fill=\"#111827\"");
        svg.Text(18, plot.Top + plot.Height / 2, "episodes", $"text-anchor=\"middle\" fill=\"#111827\" transform=\"rotate(-90 18 {SvgBuilder.N(plot.Top + plot.Height / 2)})\"");
        return svg.Finish();
    }
}
