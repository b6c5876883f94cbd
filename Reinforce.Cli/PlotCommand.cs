using Reinforce.Checkpoints;
using Reinforce.Text;

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
        string path = PathArguments.NonEmpty("", args.Positionals[0], "a run folder written by reinforce train, or its metrics.csv");
        string? outArgument = args.String("--out") is string o ? PathArguments.OutputFile("--out", o) : null;
        string folder, metricsFile = RunFolder.MetricsFile;
        switch (FileKind.Of(path, followLinks: true))
        {
            case PathKind.Directory:
                folder = path;
                break;
            case PathKind.RegularFile:
                folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
                metricsFile = Path.GetFileName(path);
                break;
            case PathKind.Missing:
                throw new UsageException($"{Display.Quote(path)}: no such file or folder; expected a run folder written by reinforce train");
            case var kind:
                throw new UsageException($"{Display.Quote(path)} is {AtomicFile.Describe(kind)}; expected a run folder written by reinforce train");
        }
        CurveData data = LearningCurve.Load(folder, metricsFile);
        string outPath = outArgument ?? Path.Combine(folder, RunFolder.CurveFile);
        if (outArgument is null)
        {
            PathArguments.OutputFile("", outPath);
        }
        PathArguments.Write(outArgument is null ? "" : "--out", outPath, LearningCurve.Render(data));
        context.Output.WriteLine($"{outPath}: {data.Episodes.Count} episodes, {data.Running.Count} updates");
        return Cli.ExitSuccess;
    }
}
