using Reinforce.Checkpoints;
using Reinforce.Text;
using Reinforce.Training;

namespace Reinforce.Cli;

/// <summary>
/// <c>reinforce plot</c>: redraws a run's learning curve from its CSV files, a sweep's aggregate curves from its
/// episodes.csv, or overlays several run and sweep folders in one figure.
/// </summary>
internal static class PlotCommand
{
    public const string Description = "Redraw the learning curve of a run or sweep folder, or overlay several of them in one SVG.";

    /// <summary>The most folders one figure overlays.</summary>
    public const int MaxFolders = 64;

    public static IReadOnlyList<Flag> Flags { get; } =
    [
        new("--out", "FILE", "the SVG file to write (required with several folders)", "RUN_DIR/learning-curve.svg, SWEEP_DIR/learning-curves.svg"),
        new("--x", "AXIS", "x axis: episodes, steps (environment steps) or seconds (wall time; run folders only)", "episodes"),
    ];

    private sealed record Source(string Path, string Folder, string MetricsFile, bool IsSweep);

    public static int Run(ParsedArguments args, CliContext context)
    {
        if (args.Positionals.Count == 0)
        {
            throw new UsageException("which run? expected: reinforce plot RUN_DIR|SWEEP_DIR (or a run's metrics.csv), several to overlay them");
        }
        PlotAxis axis = LearningCurve.ParseAxis(args.Choice("--x", LearningCurve.AxisNames) ?? "episodes");
        var sources = args.Positionals.Select(Classify).ToList();
        // The one file plot may write inside a run or sweep folder: that folder's own figure.
        string? ownFigure = sources.Count == 1 ? Path.Combine(sources[0].Folder, sources[0].IsSweep ? SweepFolder.CurvesFile : RunFolder.CurveFile) : null;
        string? outArgument = args.String("--out") is string o ? PathArguments.OutputFile("--out", o, ownFigure) : null;
        if (sources.Count > 1 && outArgument is null)
        {
            throw new UsageException($"{sources.Count} folders overlay in one figure: give --out FILE (e.g. --out compare.svg)");
        }
        if (axis == PlotAxis.Seconds && sources.FirstOrDefault(s => s.IsSweep) is { } sweep)
        {
            throw new UsageException($"--x seconds: {Display.Quote(sweep.Path)} is a sweep folder, which records each run's total wall time only; plot it with --x episodes or steps");
        }

        string svg, outPath, summary;
        if (sources.Count == 1 && !sources[0].IsSweep)
        {
            CurveData data = LearningCurve.Load(sources[0].Folder, sources[0].MetricsFile, axis: axis);
            svg = LearningCurve.Render(data);
            outPath = outArgument ?? Path.Combine(sources[0].Folder, RunFolder.CurveFile);
            summary = $"{data.Episodes.Count} episodes, {data.Updates} updates";
        }
        else if (sources.Count == 1)
        {
            SweepFolderData data = SweepFolderData.Read(sources[0].Folder);
            string env = string.Join(", ", data.Cells.Select(c => c.Options.EnvironmentId).Distinct());
            svg = SweepFigures.Curves(data.Cells.Select(c => (c.Name, c.Runs)).ToList(), SweepFigures.Thresholds(data.Cells.Select(c => (c.Threshold, c.Options.SolvedBy))),
                env, data.Seeds, axis == PlotAxis.Steps, data.BootstrapSeed, Environment.ProcessorCount);
            outPath = outArgument ?? Path.Combine(sources[0].Folder, SweepFolder.CurvesFile);
            summary = $"{SweepCommand.Plural(data.Cells.Count, "configuration")}, {SweepCommand.Plural(data.Cells.Sum(c => c.Runs.Count), "run")}";
        }
        else
        {
            (svg, summary) = Overlay(sources, axis);
            outPath = outArgument!;
        }
        if (outArgument is null)
        {
            PathArguments.OutputFile("", outPath, ownFigure);
        }
        PathArguments.Write(outArgument is null ? "" : "--out", outPath, svg);
        context.Output.WriteLine($"{outPath}: {summary}");
        return Cli.ExitSuccess;
    }

    private static Source Classify(string path)
    {
        PathArguments.NonEmpty("", path, "a run or sweep folder written by reinforce, or a run's metrics.csv");
        switch (FileKind.Of(path, followLinks: true))
        {
            case PathKind.Directory when FileKind.Of(Path.Combine(path, ShardRecord.FileName)) == PathKind.RegularFile:
                throw new UsageException($"{Display.Quote(path)} is one shard of a sweep (sweep --shard K/N), which has no figures of its own; " +
                    "reinforce sweep merge SHARD_DIR… --out DIR combines the shards into a sweep folder to plot");
            case PathKind.Directory:
                return new Source(path, path, RunFolder.MetricsFile, SweepFolder.IsSweep(path));
            case PathKind.RegularFile:
                return new Source(path, Path.GetDirectoryName(Path.GetFullPath(path))!, Path.GetFileName(path), false);
            case PathKind.Missing:
                throw new UsageException($"{Display.Quote(path)}: no such file or folder; expected a run folder or a sweep folder written by reinforce");
            case var kind:
                throw new UsageException($"{Display.Quote(path)} is {FileKind.Describe(kind)}; expected a run folder or a sweep folder written by reinforce");
        }
    }

    /// <summary>
    /// Several folders in one figure: each run's running reward after every episode, each sweep configuration's IQM
    /// over its runs with the 95 % bootstrap band; one threshold line per distinct threshold.
    /// </summary>
    private static (string Svg, string Summary) Overlay(IReadOnlyList<Source> sources, PlotAxis axis)
    {
        var series = new List<Series>();
        var rules = new List<(double, SolvedCriterion)>();
        var environments = new List<string>();
        int runs = 0;
        foreach (Source source in sources)
        {
            string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(source.Folder)));
            if (source.IsSweep)
            {
                SweepFolderData data = SweepFolderData.Read(source.Folder);
                foreach (var cell in data.Cells.Where(c => c.Runs.Count > 0))
                {
                    series.Add(SweepFigures.Aggregate(data.Cells.Count == 1 ? $"{name} ({cell.Runs.Count} runs)" : $"{name}: {cell.Name}", cell.Runs,
                        axis == PlotAxis.Steps, data.BootstrapSeed, Environment.ProcessorCount));
                    rules.Add((cell.Threshold, cell.Options.SolvedBy));
                    environments.Add(cell.Options.EnvironmentId);
                    runs += cell.Runs.Count;
                }
            }
            else
            {
                CurveData data = LearningCurve.Load(source.Folder, source.MetricsFile, axis: axis);
                string configPath = Path.Combine(source.Folder, RunFolder.ConfigFile);
                var options = FileKind.Of(configPath) == PathKind.Missing ? new TrainerOptions() : RunFolder.ReadConfig(configPath, new TrainerOptions(), "").Options;
                series.Add(new Series(source.MetricsFile == RunFolder.MetricsFile ? name : $"{name}/{source.MetricsFile}", data.Running));
                rules.Add((data.Threshold, options.SolvedBy));
                environments.Add(options.EnvironmentId);
                runs++;
            }
        }
        // Two series of the same name (two folders called run) are told apart by a number.
        for (int i = 0; i < series.Count; i++)
        {
            int same = series.Take(i).Count(s => s.Name == series[i].Name || s.Name.StartsWith(series[i].Name + " #", StringComparison.Ordinal));
            if (same > 0)
            {
                series[i] = series[i] with { Name = $"{series[i].Name} #{same + 1}" };
            }
        }
        string env = string.Join(", ", environments.Distinct());
        string svg = CurveFigure.Render($"REINFORCE on {env} · {SweepCommand.Plural(series.Count, "curve")}",
            "running reward after each episode; a sweep: IQM over its runs, 95 % bootstrap band",
            LearningCurve.AxisLabel(axis), "running reward", series, SweepFigures.Thresholds(rules), null, false);
        return (svg, $"{SweepCommand.Plural(series.Count, "curve")} from {SweepCommand.Plural(runs, "run")}");
    }
}
