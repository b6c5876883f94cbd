using System.Globalization;
using Reinforce.Checkpoints;
using Reinforce.Text;

namespace Reinforce.Cli;

/// <summary>What a learning curve shows: per-episode returns, per-update running reward, the threshold.</summary>
internal sealed record CurveData(
    string Title,
    double Threshold,
    IReadOnlyList<(double Episode, double Return)> Episodes,
    IReadOnlyList<(double Episode, double RunningReward)> Running);

/// <summary>The learning curve of a run folder as SVG: episode returns, running reward, reward threshold.</summary>
internal static class LearningCurve
{
    /// <summary>
    /// Reads metrics.csv (required), episodes.csv and config.json (if there) of a run folder. With
    /// <paramref name="allowEmpty"/> (a run that ended before its first update) a header-only metrics.csv is accepted.
    /// </summary>
    public static CurveData Load(string folder, string metricsFile, bool allowEmpty = false)
    {
        string metricsPath = Path.Combine(folder, metricsFile);
        var table = ReadCsv(metricsPath, ["update", "episodes", "mean_return", "running_reward"], allowEmpty);
        var running = table.Select(r => (r["episodes"], r["running_reward"])).ToList();
        var episodes = new List<(double, double)>();
        string episodesPath = Path.Combine(folder, RunFolder.EpisodesFile);
        if (FileKind.Of(episodesPath) != PathKind.Missing)
        {
            episodes.AddRange(ReadCsv(episodesPath, ["episode", "return"], allowEmpty: true).Select(r => (r["episode"], r["return"])));
        }
        else
        {
            // Without per-episode rows, each update's mean return stands at its last episode.
            episodes.AddRange(table.Select(r => (r["episodes"], r["mean_return"])));
        }

        string title = "REINFORCE";
        double threshold = 475;
        string configPath = Path.Combine(folder, RunFolder.ConfigFile);
        if (FileKind.Of(configPath) != PathKind.Missing)
        {
            var (options, rewardThreshold, preset) = RunFolder.ReadConfig(configPath, new Training.TrainerOptions(), "");
            threshold = RunFolder.Threshold(options, rewardThreshold);
            title = $"REINFORCE on {options.EnvironmentId} · {preset ?? "custom"} · {TrainingCheckpoint.Architecture(options)} · seed {options.Seed}";
        }
        return new CurveData(title, threshold, episodes, running);
    }

    /// <summary>
    /// Reads a CSV file written by <c>reinforce train</c> as strictly as a flag: a header with the named columns,
    /// then whole rows (every line ends with a newline: a torn last line means the file is incomplete) with as
    /// many cells as the header and a finite number in every named column; at least one row unless
    /// <paramref name="allowEmpty"/>.
    /// </summary>
    public static List<Dictionary<string, double>> ReadCsv(string path, IReadOnlyList<string> required, bool allowEmpty = false)
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
            rows.Add(row);
        }
        if (rows.Count == 0 && !allowEmpty)
        {
            throw new UsageException($"{quoted} has a header but no rows: the run ended before its first update; nothing to plot");
        }
        return rows;
    }

    public static void Write(string path, CurveData data) => AtomicFile.WriteAllText(path, Render(data));

    public static string Render(CurveData data)
    {
        const double width = 820, height = 440;
        var svg = new SvgBuilder(width, height, data.Title);
        double maxEpisode = Math.Max(1, data.Episodes.Select(e => e.Episode).DefaultIfEmpty(1).Max());
        double maxReturn = Math.Max(data.Threshold, data.Episodes.Select(e => e.Return).DefaultIfEmpty(0).Max());
        double minReturn = Math.Min(0, data.Episodes.Select(e => e.Return).DefaultIfEmpty(0).Min());
        // The y axis ends just above the highest return (ticks stay round), so the curve uses the height.
        double top = maxReturn * 1.04;
        var y = SvgBuilder.NiceScale(minReturn, top, 6);
        var plot = new PlotArea(svg, 72, 58, width - 72 - 24, height - 58 - 58, SvgBuilder.NiceScale(0, maxEpisode), (y.Min, top, y.Step));

        svg.Text(72, 24, data.Title, "font-size=\"15\" font-weight=\"600\" fill=\"#111827\"");
        plot.DrawAxes("episode", "return (steps balanced)");

        // Episode returns: every episode when they fit, else the min–max band and mean per pixel column.
        const string episodeColour = "#93c5fd";
        if (data.Episodes.Count <= 2500)
        {
            svg.Line(plot.Polyline(data.Episodes, $"stroke=\"{episodeColour}\" stroke-width=\"1\""));
        }
        else
        {
            int buckets = (int)plot.Width;
            var groups = data.Episodes.GroupBy(e => (int)Math.Min(buckets - 1, (e.Episode - 1) / maxEpisode * buckets)).OrderBy(g => g.Key).ToList();
            var upper = groups.Select(g => (g.Average(e => e.Episode), g.Max(e => e.Return)));
            var lower = groups.Select(g => (g.Average(e => e.Episode), g.Min(e => e.Return))).Reverse();
            string band = string.Join(' ', upper.Concat(lower).Select(p => $"{SvgBuilder.N(plot.X(p.Item1))},{SvgBuilder.N(plot.Y(p.Item2))}"));
            svg.Line($"<polygon points=\"{band}\" fill=\"{episodeColour}\" fill-opacity=\"0.45\" stroke=\"none\"/>");
            svg.Line(plot.Polyline(groups.Select(g => (g.Average(e => e.Episode), g.Average(e => e.Return))), $"stroke=\"{episodeColour}\" stroke-width=\"1\""));
        }

        double thresholdY = plot.Y(data.Threshold);
        svg.Line($"<line x1=\"{SvgBuilder.N(plot.Left)}\" y1=\"{SvgBuilder.N(thresholdY)}\" x2=\"{SvgBuilder.N(plot.Left + plot.Width)}\" y2=\"{SvgBuilder.N(thresholdY)}\" stroke=\"#dc2626\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>");
        svg.Text(plot.Left + 8, thresholdY - 6, $"solved: running reward > {SvgBuilder.Tick(data.Threshold)}",
            "fill=\"#dc2626\" font-size=\"12\" stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\"");

        if (data.Running.Count > 0)
        {
            svg.Line(plot.Polyline(data.Running, "stroke=\"#1d4ed8\" stroke-width=\"2.2\" stroke-linejoin=\"round\""));
        }

        // Legend, above the plot on the right.
        double lx = width - 24 - 330, ly = 44;
        svg.Line($"<line x1=\"{SvgBuilder.N(lx)}\" y1=\"{SvgBuilder.N(ly - 4)}\" x2=\"{SvgBuilder.N(lx + 22)}\" y2=\"{SvgBuilder.N(ly - 4)}\" stroke=\"{episodeColour}\" stroke-width=\"3\"/>");
        svg.Text(lx + 28, ly, "episode return", "fill=\"#374151\" font-size=\"12\"");
        svg.Line($"<line x1=\"{SvgBuilder.N(lx + 130)}\" y1=\"{SvgBuilder.N(ly - 4)}\" x2=\"{SvgBuilder.N(lx + 152)}\" y2=\"{SvgBuilder.N(ly - 4)}\" stroke=\"#1d4ed8\" stroke-width=\"2.5\"/>");
        svg.Text(lx + 158, ly, "running reward", "fill=\"#374151\" font-size=\"12\"");
        svg.Line($"<line x1=\"{SvgBuilder.N(lx + 258)}\" y1=\"{SvgBuilder.N(ly - 4)}\" x2=\"{SvgBuilder.N(lx + 280)}\" y2=\"{SvgBuilder.N(ly - 4)}\" stroke=\"#dc2626\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>");
        svg.Text(lx + 286, ly, "threshold", "fill=\"#374151\" font-size=\"12\"");
        return svg.Finish();
    }

    internal static string Number(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);
}
