using System.Globalization;
using Reinforce.Checkpoints;
using Reinforce.Text;
using Reinforce.Training;

namespace Reinforce.Cli;

/// <summary>The x axis of a learning curve.</summary>
internal enum PlotAxis
{
    Episodes,
    Steps,
    Seconds,
}

/// <summary>
/// What a learning curve shows: per-episode returns and the running reward after each episode (both at an x of the
/// chosen axis), and the threshold.
/// </summary>
internal sealed record CurveData(
    string Title,
    double Threshold,
    string ThresholdLegend,
    PlotAxis Axis,
    IReadOnlyList<(double X, double Return)> Episodes,
    IReadOnlyList<(double X, double RunningReward)> Running,
    int Updates);

/// <summary>The learning curve of a run folder as SVG: episode returns, running reward, reward threshold.</summary>
internal static class LearningCurve
{
    public static readonly string[] AxisNames = ["episodes", "steps", "seconds"];

    public static PlotAxis ParseAxis(string name) => name switch
    {
        "steps" => PlotAxis.Steps,
        "seconds" => PlotAxis.Seconds,
        _ => PlotAxis.Episodes,
    };

    public static string AxisLabel(PlotAxis axis) => axis switch
    {
        PlotAxis.Steps => "environment steps",
        PlotAxis.Seconds => "wall time (s)",
        _ => "episode",
    };

    /// <summary>
    /// Reads metrics.csv (required), episodes.csv and config.json (if there) of a run folder. The running reward is
    /// recomputed after every episode from episodes.csv with the run's weight and start (config.json), so it is drawn
    /// at episode resolution whatever the batch; without episodes.csv, metrics.csv's per-update values are drawn. With
    /// <paramref name="allowEmpty"/> (a run that ended before its first update) a header-only metrics.csv is accepted.
    /// </summary>
    public static CurveData Load(string folder, string metricsFile, bool allowEmpty = false, PlotAxis axis = PlotAxis.Episodes)
    {
        string metricsPath = Path.Combine(folder, metricsFile);
        var table = ReadCsv(metricsPath, ["update", "episodes", "steps", "wall_seconds", "mean_return", "running_reward"], allowEmpty);
        string xColumn = axis switch { PlotAxis.Steps => "steps", PlotAxis.Seconds => "wall_seconds", _ => "episodes" };

        string title = "REINFORCE";
        var options = new TrainerOptions();
        double? rewardThreshold = null;
        string configPath = Path.Combine(folder, RunFolder.ConfigFile);
        if (FileKind.Of(configPath) != PathKind.Missing)
        {
            (options, rewardThreshold, string? preset) = RunFolder.ReadConfig(configPath, new TrainerOptions(), "");
            title = $"REINFORCE on {options.EnvironmentId} · {preset ?? "custom"} · {TrainingCheckpoint.Architecture(options)} · seed {options.Seed}";
        }
        double threshold = RunFolder.Threshold(options, rewardThreshold);
        string legend = SweepFigures.Thresholds([(threshold, options.SolvedBy)])[0].Legend;

        var episodes = new List<(double, double)>();
        var running = new List<(double, double)>();
        string episodesPath = Path.Combine(folder, RunFolder.EpisodesFile);
        if (FileKind.Of(episodesPath) != PathKind.Missing)
        {
            var rows = ReadCsv(episodesPath, ["episode", "update", "return", "length"], allowEmpty: true, optional: ["wall_seconds"]);
            var wallByUpdate = new Dictionary<double, double>();
            foreach (var row in table)
            {
                wallByUpdate[row["update"]] = row["wall_seconds"];
            }
            double r = options.InitialRunningReward, steps = 0;
            long index = 0;
            foreach (var row in rows)
            {
                steps += row["length"];
                double x = axis switch
                {
                    PlotAxis.Steps => steps,
                    PlotAxis.Seconds => row.TryGetValue("wall_seconds", out double wall) && double.IsFinite(wall) ? wall
                        : wallByUpdate.TryGetValue(row["update"], out double updateWall) ? updateWall
                        : throw new UsageException($"{Display.Quote(episodesPath)}: episode {row["episode"]} has no wall time (no wall_seconds, and update {row["update"]} is not in {metricsFile}); plot it with --x episodes or steps"),
                    _ => row["episode"],
                };
                r = options.NextRunningReward(r, row["return"], index++);
                episodes.Add((x, row["return"]));
                running.Add((x, r));
            }
        }
        else
        {
            // Without per-episode rows, each update's mean return and running reward stand at its last episode.
            episodes.AddRange(table.Select(row => (row[xColumn], row["mean_return"])));
            running.AddRange(table.Select(row => (row[xColumn], row["running_reward"])));
        }
        return new CurveData(title, threshold, legend, axis, episodes, running, table.Count);
    }

    /// <summary>
    /// Reads a CSV file written by <c>reinforce train</c> as strictly as a flag: a header with the named columns,
    /// then whole rows (every line ends with a newline: a torn last line means the file is incomplete) with as
    /// many cells as the header and a finite number in every named column; at least one row unless
    /// <paramref name="allowEmpty"/>.
    /// </summary>
    public static List<Dictionary<string, double>> ReadCsv(string path, IReadOnlyList<string> required, bool allowEmpty = false, IReadOnlyList<string>? optional = null)
    {
        string expected = $"a CSV file written by reinforce train, with the columns {string.Join(", ", required)}";
        string text = PathArguments.ReadText("", path, PathArguments.MaxCsvBytes, expected);
        string quoted = Display.Quote(path);
        if (text.Length == 0)
        {
            throw new UsageException($"{quoted} is empty; expected {expected}");
        }
        if (!text.EndsWith('\n'))
        {
            int torn = text.Count(c => c == '\n') + 1;
            throw new UsageException($"{quoted}:{torn}: the last line is cut off (no newline at its end), so the file is incomplete; expected {expected}");
        }
        string[] lines = text[..^1].Split('\n');
        string[] header = lines[0].TrimEnd('\r').Split(',');
        var index = new Dictionary<string, int>();
        foreach (string column in required)
        {
            int i = Array.IndexOf(header, column);
            index[column] = i >= 0 ? i : throw new UsageException($"{quoted}: the header has no '{column}' column; expected {expected}");
        }
        // Optional columns (e.g. wall_seconds, which older files lack) may also hold an empty cell: NaN.
        var optionalIndex = (optional ?? []).Select(c => (Column: c, Index: Array.IndexOf(header, c))).Where(c => c.Index >= 0).ToList();
        var rows = new List<Dictionary<string, double>>(lines.Length - 1);
        for (int n = 1; n < lines.Length; n++)
        {
            string[] cells = lines[n].TrimEnd('\r').Split(',');
            if (cells.Length != header.Length)
            {
                throw new UsageException($"{quoted}:{n + 1}: {cells.Length} cells where the header has {header.Length}; expected {expected}");
            }
            var row = new Dictionary<string, double>();
            foreach (var (column, i) in index)
            {
                if (!double.TryParse(cells[i], NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
                {
                    throw new UsageException($"{quoted}:{n + 1}: column '{column}' holds {Display.Quote(cells[i], 30)}, not a finite number");
                }
                row[column] = value;
            }
            foreach (var (column, i) in optionalIndex)
            {
                if (cells[i].Length == 0)
                {
                    row[column] = double.NaN;
                }
                else if (double.TryParse(cells[i], NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value))
                {
                    row[column] = value;
                }
                else
                {
                    throw new UsageException($"{quoted}:{n + 1}: column '{column}' holds {Display.Quote(cells[i], 30)}, not a finite number");
                }
            }
            rows.Add(row);
        }
        if (rows.Count == 0 && !allowEmpty)
        {
            throw new UsageException($"{quoted} has a header but no rows: the run ended before its first update; nothing to plot");
        }
        return rows;
    }

    public static void Write(string path, CurveData data) => OutputFiles.WriteAllText(path, Render(data));

    public static string Render(CurveData data)
    {
        const double width = 820, height = 440, left = 72, right = 52, top = 58;
        var svg = new SvgBuilder(width, height, data.Title);
        double plotWidth = width - left - right;
        double maxX = Math.Max(data.Axis == PlotAxis.Episodes ? 1 : 1e-9, data.Episodes.Select(e => e.X).Concat(data.Running.Select(r => r.X)).DefaultIfEmpty(1).Max());
        double maxReturn = Math.Max(data.Threshold, data.Episodes.Select(e => e.Return).DefaultIfEmpty(0).Max());
        double minReturn = Math.Min(0, data.Episodes.Select(e => e.Return).DefaultIfEmpty(0).Min());
        // The y axis ends just above the highest return (ticks stay round), so the curve uses the height.
        double yTop = maxReturn + (maxReturn - minReturn) * 0.04;
        var y = SvgBuilder.NiceScale(minReturn, yTop, 6);
        var plot = new PlotArea(svg, left, top, plotWidth, height - top - 58, SvgBuilder.NiceScale(0, maxX), (y.Min, yTop, y.Step));

        svg.Text(left, 24, SvgBuilder.Fit(data.Title, width - left - 16, 15, bold: true), "font-size=\"15\" font-weight=\"600\" fill=\"#111827\"");
        plot.DrawAxes(AxisLabel(data.Axis), "return (steps balanced)");

        // Episode returns: every episode when they fit, else the min–max band and mean per pixel column.
        const string episodeColour = "#93c5fd";
        if (data.Episodes.Count <= 2500)
        {
            svg.Line(plot.Polyline(data.Episodes, $"stroke=\"{episodeColour}\" stroke-width=\"1\""));
        }
        else
        {
            int buckets = (int)plot.Width;
            double xMin = data.Episodes.Min(e => e.X);
            var groups = data.Episodes.GroupBy(e => (int)Math.Min(buckets - 1, (e.X - xMin) / Math.Max(maxX - xMin, 1e-12) * buckets)).OrderBy(g => g.Key).ToList();
            var upper = groups.Select(g => (g.Average(e => e.X), g.Max(e => e.Return)));
            var lower = groups.Select(g => (g.Average(e => e.X), g.Min(e => e.Return))).Reverse();
            string band = string.Join(' ', upper.Concat(lower).Select(p => $"{SvgBuilder.N(plot.X(p.Item1))},{SvgBuilder.N(plot.Y(p.Item2))}"));
            svg.Line($"<polygon points=\"{band}\" fill=\"{episodeColour}\" fill-opacity=\"0.45\" stroke=\"none\"/>");
            svg.Line(plot.Polyline(groups.Select(g => (g.Average(e => e.X), g.Average(e => e.Return))), $"stroke=\"{episodeColour}\" stroke-width=\"1\""));
        }

        // The threshold: a dashed line, its value in the right margin and its meaning in the legend, so no label covers data.
        double thresholdY = plot.Y(data.Threshold);
        svg.Line($"<line x1=\"{SvgBuilder.N(plot.Left)}\" y1=\"{SvgBuilder.N(thresholdY)}\" x2=\"{SvgBuilder.N(plot.Left + plot.Width)}\" y2=\"{SvgBuilder.N(thresholdY)}\" stroke=\"#dc2626\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>");
        svg.Text(plot.Left + plot.Width + 6, thresholdY + 4, SvgBuilder.Tick(data.Threshold), "fill=\"#dc2626\" font-size=\"12\"");

        if (data.Running.Count > 0)
        {
            svg.Line(plot.Polyline(CurveFigure.Thin(data.Running, 2400), "stroke=\"#1d4ed8\" stroke-width=\"2.2\" stroke-linejoin=\"round\""));
        }

        // Legend, above the plot, right-aligned with it.
        var entries = new (string Text, string Stroke)[]
        {
            ("episode return", $"stroke=\"{episodeColour}\" stroke-width=\"3\""),
            ("running reward", "stroke=\"#1d4ed8\" stroke-width=\"2.5\""),
            (data.ThresholdLegend, "stroke=\"#dc2626\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\""),
        };
        double legendWidth = entries.Sum(e => 28 + SvgBuilder.TextWidth(e.Text, 12) + 16) - 16;
        double lx = left + plotWidth - legendWidth, ly = 46;
        foreach (var (text, stroke) in entries)
        {
            svg.Line($"<line x1=\"{SvgBuilder.N(lx)}\" y1=\"{SvgBuilder.N(ly - 4)}\" x2=\"{SvgBuilder.N(lx + 22)}\" y2=\"{SvgBuilder.N(ly - 4)}\" {stroke}/>");
            svg.Text(lx + 28, ly, text, "fill=\"#374151\" font-size=\"12\"");
            lx += 28 + SvgBuilder.TextWidth(text, 12) + 16;
        }
        return svg.Finish();
    }

    internal static string Number(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);
}
