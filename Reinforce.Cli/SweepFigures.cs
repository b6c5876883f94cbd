using System.Globalization;
using Reinforce.Checkpoints;
using Reinforce.Randomness;
using Reinforce.Statistics;
using Reinforce.Text;
using Reinforce.Training;

namespace Reinforce.Cli;

/// <summary>The episodes of one run, with what its running reward needs.</summary>
/// <param name="Returns">Each episode's return, in order.</param>
/// <param name="Lengths">Each episode's length in steps.</param>
/// <param name="Options">The run's options: its running reward's weight and start (<see cref="TrainerOptions.NextRunningReward"/>).</param>
internal sealed record RunEpisodes(IReadOnlyList<double> Returns, IReadOnlyList<int> Lengths, TrainerOptions Options)
{
    /// <summary>The running reward before the first episode, as the trainer reports it.</summary>
    public double Start => Options.InitialRunningReward;

    /// <summary>The running reward after each episode, recomputed as the trainer computes it.</summary>
    public double[] RunningRewards()
    {
        var result = new double[Returns.Count];
        double running = Start;
        for (int i = 0; i < result.Length; i++)
        {
            running = Options.NextRunningReward(running, Returns[i], i);
            result[i] = running;
        }
        return result;
    }

    /// <summary>The environment steps after each episode.</summary>
    public long[] CumulativeSteps()
    {
        var result = new long[Lengths.Count];
        long steps = 0;
        for (int i = 0; i < result.Length; i++)
        {
            steps += Lengths[i];
            result[i] = steps;
        }
        return result;
    }
}

/// <summary>One line of a figure, with an optional shaded band (in data coordinates).</summary>
internal sealed record Series(string Name, IReadOnlyList<(double X, double Y)> Line, IReadOnlyList<(double X, double Low, double High)>? Band = null,
    bool Step = false);

/// <summary>A horizontal reference line: the reward threshold.</summary>
internal sealed record Threshold(double Value, string Legend);

/// <summary>
/// The figures of a sweep: the aggregate learning curve of each configuration (the IQM over runs of the running
/// reward, with a 95 % bootstrap band) and the performance profile (the fraction of runs solved by episode or step N,
/// with a 95 % Wilson band).
/// </summary>
internal static class SweepFigures
{
    /// <summary>Points per aggregate curve.</summary>
    public const int CurvePoints = 160;

    /// <summary>Bootstrap replicates per curve point (a figure's band, cheaper than the summary's intervals).</summary>
    public const int CurveResamples = 1000;

    /// <summary>The first stream of <c>Pcg64.Derive(bootstrap seed, ·)</c> for curve point 0 (the summary uses 0–4).</summary>
    public const ulong CurveStream = 1000;

    public static void Write(string folder, SweepCommand.Plan plan, IReadOnlyList<SweepRun?> runs)
    {
        var groups = plan.Cells.Select(cell => (cell.Name, Runs: Enumerable.Range(0, plan.Seeds.Count)
            .Select(s => runs[cell.Index * plan.Seeds.Count + s]).OfType<SweepRun>()
            .Select(r => new RunEpisodes(r.Returns, r.Lengths, cell.Settings.Options)).ToList())).ToList();
        var thresholds = Thresholds(plan.Cells.Select(c => (c.Settings.Threshold, c.Settings.Options.SolvedBy)));
        string env = string.Join(", ", plan.Cells.Select(c => c.Settings.Options.EnvironmentId).Distinct());
        Write(folder, SweepFolder.CurvesFile, Curves(groups, thresholds, env, plan.Seeds.Count, plan.StepsAxis, plan.BootstrapSeed, plan.Workers));

        var profile = plan.Cells.Select(cell =>
        {
            var own = Enumerable.Range(0, plan.Seeds.Count).Select(s => runs[cell.Index * plan.Seeds.Count + s]).OfType<SweepRun>().ToList();
            SolvedCriterion criterion = cell.Settings.Options.SolvedBy;
            return (cell.Name, Solved: own.Select(r => r.SolvedAtEpisode(criterion) is long at ? (double?)(plan.StepsAxis ? r.StepsAtEpisode(at) : at) : null).ToList(),
                Longest: own.Select(r => plan.StepsAxis ? (double)r.Steps : r.Episodes).DefaultIfEmpty(1).Max());
        }).ToList();
        string rule = plan.Cells.All(c => c.Settings.Options.SolvedBy == SolvedCriterion.MeanOfLast100) ? "mean of the last 100 returns ≥ threshold"
            : plan.Cells.All(c => c.Settings.Options.SolvedBy == SolvedCriterion.RunningReward) ? "running reward > threshold" : "each configuration's rule";
        Write(folder, SweepFolder.ProfileFile, Profile(profile, env, plan.Seeds.Count, plan.StepsAxis, rule));
    }

    private static void Write(string folder, string name, string svg)
    {
        try
        {
            OutputFiles.WriteAllText(Path.Combine(folder, name), svg);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OutputException($"cannot write {name} in '{folder}': {PathArguments.Reason(e)}");
        }
    }

    /// <summary>One threshold line per distinct threshold; its legend names the rule when all configurations share one.</summary>
    public static List<Threshold> Thresholds(IEnumerable<(double Value, SolvedCriterion Rule)> rules)
    {
        var list = rules.ToList();
        var values = list.Select(r => r.Value).Distinct().Order().ToList();
        var kinds = list.Select(r => r.Rule).Distinct().ToList();
        return values.Select(v => new Threshold(v, kinds.Count == 1
            ? kinds[0] == SolvedCriterion.MeanOfLast100 ? $"solved: mean of last 100 ≥ {SvgBuilder.Tick(v)}" : $"solved: running reward > {SvgBuilder.Tick(v)}"
            : $"reward threshold {SvgBuilder.Tick(v)}")).ToList();
    }

    /// <summary>The learning-curve figure of one or more groups of runs (a configuration each).</summary>
    public static string Curves(IReadOnlyList<(string Name, List<RunEpisodes> Runs)> groups, IReadOnlyList<Threshold> thresholds, string env, int seeds,
        bool steps, ulong bootstrapSeed, int workers)
    {
        var nonEmpty = groups.Where(g => g.Runs.Count > 0).ToList();
        double end = AxisEnd(nonEmpty.Select(g => g.Runs).ToList(), steps);
        var series = nonEmpty.Select(g => Aggregate(g.Name, g.Runs, steps, bootstrapSeed, workers, end)).ToList();
        string subtitle = "IQM over runs of the running reward, 95 % bootstrap band; a stopped run keeps its last value";
        return CurveFigure.Render($"REINFORCE on {env} · {SweepCommand.Plural(seeds, "seed")} per configuration", subtitle,
            steps ? "environment steps" : "episode", "running reward (IQM over runs)", series, thresholds, null, false);
    }

    /// <summary>
    /// The aggregate curve of a group of runs: at each of <see cref="CurvePoints"/> x values (episodes 1…longest, or steps
    /// 0…most), the IQM over runs of each run's running reward after its last episode at or before x (its start before
    /// the first episode, its last value after its end), with a 95 % percentile bootstrap band.
    /// </summary>
    public static Series Aggregate(string name, IReadOnlyList<RunEpisodes> runs, bool steps, ulong bootstrapSeed, int workers, double? end = null)
    {
        var running = runs.Select(r => r.RunningRewards()).ToList();
        var cumulative = runs.Select(r => r.CumulativeSteps()).ToList();
        double longest = Math.Max(end ?? AxisEnd([runs], steps), 1);
        var xs = new List<double>();
        for (int i = 0; i < CurvePoints; i++)
        {
            double x = steps ? longest * i / (CurvePoints - 1) : Math.Round(1 + (longest - 1) * i / (CurvePoints - 1));
            if (xs.Count == 0 || x > xs[^1])
            {
                xs.Add(x);
            }
        }
        var line = new (double, double)[xs.Count];
        var band = new (double, double, double)[xs.Count];
        Parallel.For(0, xs.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, workers) }, i =>
        {
            double x = xs[i];
            var values = new double[runs.Count];
            for (int r = 0; r < runs.Count; r++)
            {
                int count = steps ? EpisodesEndedBy(cumulative[r], x) : (int)Math.Min(x, running[r].Length);
                values[r] = count == 0 ? runs[r].Start : running[r][count - 1];
            }
            var (estimate, low, high) = IqmInterval(values, Pcg64.Derive(bootstrapSeed, CurveStream + (ulong)i), CurveResamples);
            line[i] = (x, estimate);
            band[i] = (x, low, high);
        });
        return new Series(name, line, band);
    }

    /// <summary>
    /// Where the aggregate curves of these groups end: a tenth past the last x at which any group's IQM is more than
    /// 0.5 % of the y range away from its final value (evaluated at 400 points, without the band). After that every
    /// curve is flat, so the axis is not stretched to the budget of the few runs that never solve (the performance
    /// profile shows those).
    /// </summary>
    public static double AxisEnd(IReadOnlyList<IReadOnlyList<RunEpisodes>> groups, bool steps)
    {
        const int probes = 400;
        double longest = 1;
        foreach (var runs in groups)
        {
            longest = Math.Max(longest, runs.Select(r => steps ? (double)r.Lengths.Sum(l => (long)l) : r.Returns.Count).DefaultIfEmpty(1).Max());
        }
        double settled = 0, low = double.PositiveInfinity, high = double.NegativeInfinity;
        var iqm = new List<double[]>();
        foreach (var runs in groups)
        {
            var running = runs.Select(r => r.RunningRewards()).ToList();
            var cumulative = runs.Select(r => r.CumulativeSteps()).ToList();
            var curve = new double[probes];
            var values = new double[runs.Count];
            for (int i = 0; i < probes; i++)
            {
                double x = longest * (i + 1) / probes;
                for (int r = 0; r < runs.Count; r++)
                {
                    int count = steps ? EpisodesEndedBy(cumulative[r], x) : (int)Math.Min(x, running[r].Length);
                    values[r] = count == 0 ? runs[r].Start : running[r][count - 1];
                }
                curve[i] = Descriptive.InterquartileMean(values);
                low = Math.Min(low, curve[i]);
                high = Math.Max(high, curve[i]);
            }
            iqm.Add(curve);
        }
        double tolerance = 0.005 * Math.Max(high - low, 1e-9);
        foreach (double[] curve in iqm)
        {
            int last = Array.FindLastIndex(curve, v => Math.Abs(v - curve[^1]) > tolerance);
            settled = Math.Max(settled, longest * (last + 2) / probes);
        }
        return Math.Max(1, Math.Min(longest, Math.Ceiling(settled * 1.1)));
    }

    // The number of episodes whose end is at or before step x (cumulative is increasing).
    private static int EpisodesEndedBy(long[] cumulative, double x)
    {
        int low = 0, high = cumulative.Length;
        while (low < high)
        {
            int mid = (low + high) / 2;
            if (cumulative[mid] <= x)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }
        return low;
    }

    /// <summary>
    /// The IQM of <paramref name="values"/> and its 95 % percentile bootstrap interval, by counting: a resample of the
    /// sorted values is a count per value (the indices drawn as <see cref="Bootstrap"/> draws them), and its IQM is read
    /// off in one pass in sorted order, O(n) per replicate instead of a sort. The sums run left to right, so the band
    /// may differ from <see cref="Bootstrap.PercentileInterval"/> in the last bits.
    /// </summary>
    public static (double Estimate, double Low, double High) IqmInterval(double[] values, Pcg64 generator, int resamples)
    {
        double[] sorted = [.. values];
        Array.Sort(sorted);
        int n = sorted.Length;
        int cut = (int)(0.25 * n), kept = n - 2 * cut;
        double estimate = Descriptive.InterquartileMeanOfSorted(sorted);
        var draws = new NumPyIntegers(generator);
        var counts = new int[n];
        var replicates = new double[resamples];
        for (int b = 0; b < resamples; b++)
        {
            Array.Clear(counts);
            for (int i = 0; i < n; i++)
            {
                counts[draws.Next(n)]++;
            }
            int skip = cut, take = kept;
            double sum = 0;
            for (int j = 0; j < n && take > 0; j++)
            {
                int c = counts[j];
                int skipped = Math.Min(c, skip);
                skip -= skipped;
                int used = Math.Min(c - skipped, take);
                take -= used;
                sum += used * sorted[j];
            }
            replicates[b] = sum / kept;
        }
        Array.Sort(replicates);
        return (estimate, Descriptive.QuantileOfSorted(replicates, 0.025), Descriptive.QuantileOfSorted(replicates, 0.975));
    }

    /// <summary>The performance profile: the fraction of runs solved by episode (or step) N, with a 95 % Wilson band at every N.</summary>
    public static string Profile(IReadOnlyList<(string Name, List<double?> Solved, double Longest)> groups, string env, int seeds, bool steps, string rule)
    {
        var series = new List<Series>();
        // The x axis ends a little after the last run solved (after that the lines are flat up to the budget).
        double lastSolve = groups.SelectMany(g => g.Solved.OfType<double>()).DefaultIfEmpty(0).Max();
        double end = lastSolve > 0 ? Math.Min(Math.Ceiling(lastSolve * 1.05), groups.Max(g => g.Longest)) : Math.Max(1, groups.Select(g => g.Longest).DefaultIfEmpty(1).Max());
        end = Math.Max(end, Math.Max(1, lastSolve));
        foreach (var (name, solved, _) in groups.Where(g => g.Solved.Count > 0))
        {
            int n = solved.Count;
            var at = solved.OfType<double>().Order().ToList();
            var line = new List<(double, double)> { (0, 0) };
            var band = new List<(double, double, double)>();
            ConfidenceInterval zero = ProportionInterval.Wilson(0, n);
            band.Add((0, zero.Lower, zero.Upper));
            int count = 0;
            for (int i = 0; i < at.Count; i++)
            {
                count++;
                if (i + 1 < at.Count && at[i + 1] == at[i])
                {
                    continue;
                }
                ConfidenceInterval wilson = ProportionInterval.Wilson(count, n);
                line.Add((at[i], (double)count / n));
                band.Add((at[i], wilson.Lower, wilson.Upper));
            }
            line.Add((end, (double)count / n));
            var last = band[^1];
            band.Add((end, last.Item2, last.Item3));
            series.Add(new Series(name, line, band, Step: true));
        }
        string subtitle = $"solved: {rule} · band: 95 % Wilson interval · below 100 % at the right end: runs never solved";
        return CurveFigure.Render($"Runs solved by {(steps ? "environment step" : "episode")} N · {env} · {SweepCommand.Plural(seeds, "seed")} per configuration", subtitle,
            steps ? "environment steps N" : "episode N", "runs solved", series, [], (0, 1), true);
    }
}

/// <summary>
/// A figure of several lines with shaded bands, threshold lines labelled in the right margin, and a legend below the
/// plot (so it never covers data), in the style of <see cref="LearningCurve"/>.
/// </summary>
internal static class CurveFigure
{
    public static readonly string[] Palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#393b79"];

    public const string ThresholdColour = "#dc2626";

    /// <summary>Renders the figure; <paramref name="yRange"/> fixes the y axis (else it covers the data and thresholds).</summary>
    public static string Render(string title, string subtitle, string xLabel, string yLabel, IReadOnlyList<Series> series, IReadOnlyList<Threshold> thresholds,
        (double Min, double Max)? yRange, bool percent)
    {
        const double width = 860, left = 76, right = 64, top = 64, plotHeight = 300;
        double plotWidth = width - left - right;

        // The legend, laid out first: its rows set the height.
        var entries = series.Select((s, i) => (Text: s.Name, Colour: Palette[i % Palette.Length], Dashed: i >= Palette.Length, Threshold: false)).ToList();
        entries.AddRange(thresholds.Select(t => (Text: t.Legend, Colour: ThresholdColour, Dashed: true, Threshold: true)));
        double maxEntry = plotWidth;
        var placed = new List<(double X, int Row, string Text, string Colour, bool Dashed, bool Threshold)>();
        double cx = 0;
        int row = 0;
        foreach (var e in entries)
        {
            string text = SvgBuilder.Fit(e.Text, maxEntry - 34, 12);
            double w = 30 + SvgBuilder.TextWidth(text, 12) + 22;
            if (cx > 0 && cx + w > plotWidth)
            {
                row++;
                cx = 0;
            }
            placed.Add((cx, row, text, e.Colour, e.Dashed, e.Threshold));
            cx += w;
        }
        int legendRows = placed.Count == 0 ? 0 : row + 1;
        double legendTop = top + plotHeight + 62;
        double height = legendTop + legendRows * 20 + 12;

        var svg = new SvgBuilder(width, height, title);
        svg.Text(left, 24, SvgBuilder.Fit(title, width - left - 16, 15, bold: true), "font-size=\"15\" font-weight=\"600\" fill=\"#111827\"");
        svg.Text(left, 44, SvgBuilder.Fit(subtitle, width - left - 16, 12), "font-size=\"12\" fill=\"#4b5563\"");

        double xMax = Math.Max(1, series.SelectMany(s => s.Line.Select(p => p.X)).DefaultIfEmpty(1).Max());
        double xMin = Math.Min(0, series.SelectMany(s => s.Line.Select(p => p.X)).DefaultIfEmpty(0).Min());
        (double Min, double Max, double Step) yScale;
        double yTop;
        if (yRange is { } range)
        {
            yScale = SvgBuilder.NiceScale(range.Min, range.Max, 5);
            yTop = range.Max;
        }
        else
        {
            var ys = series.SelectMany(s => s.Line.Select(p => p.Y).Concat(s.Band?.Select(b => b.High) ?? [])).Concat(thresholds.Select(t => t.Value)).DefaultIfEmpty(1).ToList();
            double yMax = ys.Max();
            double yMin = Math.Min(0, series.SelectMany(s => s.Line.Select(p => p.Y).Concat(s.Band?.Select(b => b.Low) ?? [])).DefaultIfEmpty(0).Min());
            // Up to the next round tick when it is close (500 for CartPole-v1's returns), else just above the data.
            yScale = SvgBuilder.NiceScale(yMin, yMax + (yMax - yMin) * 0.02, 6);
            yTop = yScale.Max <= yMax + (yMax - yMin) * 0.15 ? yScale.Max : yMax + (yMax - yMin) * 0.04;
        }
        // The x axis ends at the data; its ticks stay round.
        var xScale = SvgBuilder.NiceScale(xMin, xMax);
        var plot = new PlotArea(svg, left, top, plotWidth, plotHeight, (xScale.Min, xMax, xScale.Step), (yScale.Min, yTop, yScale.Step));
        plot.DrawAxes(xLabel, yLabel, percent ? v => (v * 100).ToString("0", CultureInfo.InvariantCulture) + " %" : null);

        svg.Line($"<defs><clipPath id=\"plot-area\"><rect x=\"{SvgBuilder.N(left)}\" y=\"{SvgBuilder.N(top)}\" width=\"{SvgBuilder.N(plotWidth)}\" height=\"{SvgBuilder.N(plotHeight)}\"/></clipPath></defs>");
        svg.Line("<g clip-path=\"url(#plot-area)\">");
        for (int i = 0; i < series.Count; i++)
        {
            if (series[i].Band is { Count: > 0 } band)
            {
                var upper = Expand(band.Select(b => (b.X, b.High)).ToList(), series[i].Step);
                var lower = Expand(band.Select(b => (b.X, b.Low)).ToList(), series[i].Step);
                string points = string.Join(' ', upper.Concat(Enumerable.Reverse(lower)).Select(p => $"{SvgBuilder.N(plot.X(p.X))},{SvgBuilder.N(plot.Y(p.Y))}"));
                svg.Line($"<polygon points=\"{points}\" fill=\"{Palette[i % Palette.Length]}\" fill-opacity=\"0.16\" stroke=\"none\"/>");
            }
        }
        foreach (Threshold threshold in thresholds)
        {
            double y = plot.Y(threshold.Value);
            svg.Line($"<line x1=\"{SvgBuilder.N(left)}\" y1=\"{SvgBuilder.N(y)}\" x2=\"{SvgBuilder.N(left + plotWidth)}\" y2=\"{SvgBuilder.N(y)}\" stroke=\"{ThresholdColour}\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>");
        }
        for (int i = 0; i < series.Count; i++)
        {
            string dash = i >= Palette.Length ? " stroke-dasharray=\"5 3\"" : "";
            var points = Thin(Expand(series[i].Line, series[i].Step), 2400);
            svg.Line(plot.Polyline(points, $"stroke=\"{Palette[i % Palette.Length]}\" stroke-width=\"2\" stroke-linejoin=\"round\"{dash}"));
        }
        svg.Line("</g>");
        // Threshold values in the right margin, outside the data.
        foreach (Threshold threshold in thresholds)
        {
            svg.Text(left + plotWidth + 6, plot.Y(threshold.Value) + 4, SvgBuilder.Tick(threshold.Value), $"fill=\"{ThresholdColour}\" font-size=\"12\"");
        }

        foreach (var (x, r, text, colour, dashed, isThreshold) in placed)
        {
            double lx = left + x, ly = legendTop + r * 20;
            string dash = dashed ? (isThreshold ? " stroke-dasharray=\"6 4\"" : " stroke-dasharray=\"5 3\"") : "";
            svg.Line($"<line x1=\"{SvgBuilder.N(lx)}\" y1=\"{SvgBuilder.N(ly - 4)}\" x2=\"{SvgBuilder.N(lx + 24)}\" y2=\"{SvgBuilder.N(ly - 4)}\" stroke=\"{colour}\" stroke-width=\"{(isThreshold ? 1.5 : 3)}\"{dash}/>");
            svg.Text(lx + 30, ly, text, "fill=\"#374151\" font-size=\"12\"");
        }
        return svg.Finish();
    }

    // A step function's points as a staircase: the value holds until the next x.
    private static IReadOnlyList<(double X, double Y)> Expand(IReadOnlyList<(double X, double Y)> points, bool step)
    {
        if (!step)
        {
            return points;
        }
        var result = new List<(double, double)>(points.Count * 2);
        for (int i = 0; i < points.Count; i++)
        {
            if (i > 0)
            {
                result.Add((points[i].X, points[i - 1].Y));
            }
            result.Add(points[i]);
        }
        return result;
    }

    /// <summary>At most about <paramref name="limit"/> points: every k-th, and the last.</summary>
    public static IReadOnlyList<(double X, double Y)> Thin(IReadOnlyList<(double X, double Y)> points, int limit)
    {
        if (points.Count <= limit)
        {
            return points;
        }
        int every = (points.Count + limit - 1) / limit;
        var result = new List<(double, double)>();
        for (int i = 0; i < points.Count; i += every)
        {
            result.Add(points[i]);
        }
        if (result[^1] != points[^1])
        {
            result.Add(points[^1]);
        }
        return result;
    }
}

/// <summary>A finished sweep folder read back for <c>plot</c>: its configurations and every run's episodes.</summary>
internal sealed record SweepFolderData(string Folder, IReadOnlyList<(string Name, TrainerOptions Options, double Threshold, List<RunEpisodes> Runs)> Cells,
    int Seeds, ulong BootstrapSeed)
{
    /// <summary>Reads sweep.json and episodes.csv as strictly as a flag (exit 2 and one line naming the file); an episodes.csv without a row is refused too.</summary>
    public static SweepFolderData Read(string folder)
    {
        string jsonPath = Path.Combine(folder, SweepFolder.SweepFile);
        string label = Display.Quote(jsonPath);
        string text = PathArguments.ReadText("", jsonPath, PathArguments.MaxConfigBytes * 16, "a sweep.json written by reinforce sweep");
        var cells = new List<(string, TrainerOptions, double, List<RunEpisodes>)>();
        int seeds;
        ulong bootstrapSeed;
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(text);
            var root = document.RootElement;
            seeds = root.GetProperty("seeds").GetArrayLength();
            bootstrapSeed = root.GetProperty("bootstrapSeed").GetUInt64();
            foreach (var config in root.GetProperty("configurations").EnumerateArray())
            {
                var options = TrainerOptionsJson.Read(config.GetProperty("trainer"), new TrainerOptions(), requireAll: false);
                var thresholdElement = config.GetProperty("rewardThreshold");
                double? threshold = thresholdElement.ValueKind == System.Text.Json.JsonValueKind.Null ? null : thresholdElement.GetDouble();
                cells.Add((config.GetProperty("name").GetString() ?? "", options, RunFolder.Threshold(options, threshold), []));
            }
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new UsageException($"{label}: not a sweep.json written by reinforce sweep ({Display.Escape(e.Message, 120)})");
        }

        string episodesPath = Path.Combine(folder, SweepFolder.EpisodesFile);
        string csv = PathArguments.ReadText("", episodesPath, PathArguments.MaxCsvBytes, $"a sweep's episodes.csv ({SweepFolder.EpisodesHeader})");
        string quoted = Display.Quote(episodesPath);
        if (!csv.StartsWith(SweepFolder.EpisodesHeader + "\n", StringComparison.Ordinal))
        {
            throw new UsageException($"{quoted}: the header is not {SweepFolder.EpisodesHeader}; expected a sweep's episodes.csv");
        }
        if (!csv.EndsWith('\n'))
        {
            throw new UsageException($"{quoted}: the last line is cut off (no newline at its end), so the file is incomplete");
        }
        var returns = new List<double>();
        var lengths = new List<int>();
        int currentCell = -1;
        string currentSeed = "";
        int line = 1;
        void Flush()
        {
            if (currentCell >= 0)
            {
                TrainerOptions o = cells[currentCell].Item2;
                cells[currentCell].Item4.Add(new RunEpisodes([.. returns], [.. lengths], o));
            }
            returns.Clear();
            lengths.Clear();
        }
        foreach (var row in csv.AsSpan(SweepFolder.EpisodesHeader.Length + 1).EnumerateLines())
        {
            line++;
            if (row.IsEmpty)
            {
                continue;
            }
            string[] parts = row.ToString().Split(',');
            if (parts.Length != 5 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int cell) || cell >= cells.Count
                || !double.TryParse(parts[3], NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value)
                || !int.TryParse(parts[4], NumberStyles.None, CultureInfo.InvariantCulture, out int length))
            {
                throw new UsageException($"{quoted}:{line}: not a row config,seed,episode,return,length of this sweep");
            }
            if (cell != currentCell || parts[1] != currentSeed)
            {
                Flush();
                (currentCell, currentSeed) = (cell, parts[1]);
            }
            returns.Add(value);
            lengths.Add(length);
        }
        Flush();
        if (cells.All(c => c.Item4.Count == 0))
        {
            throw new UsageException($"{quoted} holds no episodes, only its header (the sweep was stopped before any run ended); nothing to plot");
        }
        return new SweepFolderData(folder, cells, seeds, bootstrapSeed);
    }
}
