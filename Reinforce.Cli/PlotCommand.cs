namespace Reinforce.Cli;

/// <summary><c>reinforce plot</c>: redraws a run's learning curve from its metrics.</summary>
internal static class PlotCommand
{
    public const string Description = "Redraw the learning curve SVG of a run from its metrics.csv (and episodes.csv).";

    public static IReadOnlyList<Flag> Flags { get; } =
    [
        new("--out", "FILE", "the SVG file to write", "RUN_DIR/learning-curve.svg"),
    ];

    public static int Run(ParsedArguments args, CliContext context)
    {
        if (args.Positionals.Count == 0)
        {
            throw new UsageException("which run? expected: reinforce plot RUN_DIR (or its metrics.csv)");
        }
        string path = args.Positionals[0];
        string folder, metricsFile = RunFolder.MetricsFile;
        if (Directory.Exists(path))
        {
            folder = path;
        }
        else if (File.Exists(path))
        {
            folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
            metricsFile = Path.GetFileName(path);
        }
        else
        {
            throw new UsageException($"{path}: no such file or folder; expected a run folder written by reinforce train");
        }
        CurveData data = LearningCurve.Load(folder, metricsFile);
        string outPath = args.String("--out") ?? Path.Combine(folder, RunFolder.CurveFile);
        LearningCurve.Write(outPath, data);
        context.Output.WriteLine($"{outPath}: {data.Episodes.Count} episodes, {data.Running.Count} updates");
        return Cli.ExitSuccess;
    }
}
