using System.Diagnostics;
using System.Globalization;
using Reinforce.Checkpoints;
using Reinforce.Text;
using Reinforce.Training;

namespace Reinforce.Cli;

/// <summary>
/// One execution of <c>reinforce train</c> after its input was checked: the update loop, the run
/// folder's files, progress lines, checkpoints, and the ending (solved, stopped, interrupted, diverged).
/// </summary>
internal sealed class TrainingRun(RunSettings settings, TrainingCheckpoint? resumeFrom, RunFolderWriter folder,
    double wallOffset, bool quiet, CliContext context)
{
    private readonly string finalFolder = folder.FinalFolder;
    private readonly string workFolder = folder.WorkFolder;
    private ReinforceTrainer trainer = null!;

    public int Execute()
    {
        TrainerOptions options = settings.Options;
        trainer = resumeFrom is null
            ? new ReinforceTrainer(options, settings.EnvironmentFactory)
            : resumeFrom.CreateTrainer(options, settings.EnvironmentFactory);
        string command = TrainCommand.CommandLine(options, settings.RewardThreshold);

        // The folder is DIR.partial, held by this writer; it is renamed to DIR when the run ends.
        string metricsPath = Path.Combine(workFolder, RunFolder.MetricsFile);
        string episodesPath = Path.Combine(workFolder, RunFolder.EpisodesFile);
        string checkpointPath = Path.Combine(workFolder, RunFolder.CheckpointFile);
        if (resumeFrom is not null)
        {
            RunFolder.TruncateRows(metricsPath, resumeFrom.Progress.UpdatesCompleted);
            RunFolder.TruncateRows(episodesPath, resumeFrom.Progress.EpisodesCompleted);
        }
        AtomicFile.WriteAllText(Path.Combine(workFolder, RunFolder.ConfigFile), RunFolder.ConfigJson(settings, command));

        Style err = context.ErrorStyle;
        if (!quiet)
        {
            string verb = resumeFrom is null ? "Training" : $"Resuming at update {trainer.UpdatesCompleted} (episode {trainer.EpisodesCompleted}):";
            context.Error.WriteLine(err.Dim($"{verb} {options.EnvironmentId}, {TrainingCheckpoint.Architecture(options)}, {options.Optimizer} lr {Fmt(options.LearningRate)}, " +
                $"{(options.BatchSteps is int s ? $"≥{s} steps" : $"{options.BatchEpisodes} episode(s)")} per update, seed {options.Seed} → {finalFolder}"));
        }

        var clock = Stopwatch.StartNew();
        string status;
        string? divergence = null;
        long stepsAtLastLog = trainer.StepsCompleted;
        double secondsAtLastLog = 0;
        using (var metrics = new CsvLog(metricsPath, RunFolder.MetricsHeader))
        using (var episodes = new CsvLog(episodesPath, RunFolder.EpisodesHeader))
        {
            try
            {
                while (!trainer.IsFinished && !context.Cancellation.IsCancellationRequested)
                {
                    double runningBefore = trainer.RunningReward;
                    UpdateStatistics s = trainer.Update();
                    double wall = wallOffset + clock.Elapsed.TotalSeconds;
                    metrics.Append(RunFolder.MetricsRow(s, wall));
                    long first = s.TotalEpisodes - s.Episodes + 1;
                    ReadOnlySpan<double> returns = s.EpisodeReturns.Span;
                    ReadOnlySpan<int> lengths = s.EpisodeLengths.Span;
                    for (int i = 0; i < returns.Length; i++)
                    {
                        episodes.Append(RunFolder.EpisodesRow(first + i, s.Update, returns[i], lengths[i], wall));
                    }
                    if (!quiet && Preset.Find(settings.PresetName)?.EpisodeLog is { } episodeLog)
                    {
                        // The preset's script logs every N episodes, with the running reward after that episode.
                        for (int i = 0; i < returns.Length; i++)
                        {
                            runningBefore = (1 - options.RunningRewardWeight) * runningBefore + options.RunningRewardWeight * returns[i];
                            if ((first + i) % settings.LogInterval == 0)
                            {
                                context.Error.WriteLine(episodeLog(first + i, returns[i], runningBefore));
                            }
                        }
                    }
                    else if (!quiet && (s.Update % settings.LogInterval == 0 || trainer.IsFinished))
                    {
                        double now = clock.Elapsed.TotalSeconds;
                        double rate = (s.TotalSteps - stepsAtLastLog) / Math.Max(now - secondsAtLastLog, 1e-9);
                        (stepsAtLastLog, secondsAtLastLog) = (s.TotalSteps, now);
                        context.Error.WriteLine(ProgressLine(s, rate, err));
                    }
                    if (s.Update % settings.CheckpointInterval == 0)
                    {
                        SaveCheckpoint(checkpointPath, "running", wall);
                    }
                }
                status = trainer.Solved && settings.Options.StopWhenSolved ? "solved"
                    : trainer.IsFinished ? "finished"
                    : "interrupted";
            }
            catch (TrainingDivergedException e)
            {
                status = "diverged";
                divergence = e.Message;
            }
        }

        // A diverged update was rolled back by the trainer: the checkpoint holds the last good update.
        double seconds = wallOffset + clock.Elapsed.TotalSeconds;
        SaveCheckpoint(checkpointPath, status, seconds);
        LearningCurve.Write(Path.Combine(workFolder, RunFolder.CurveFile), LearningCurve.Load(workFolder, RunFolder.MetricsFile, allowEmpty: true));
        try
        {
            folder.Publish();
        }
        catch (OutputException e)
        {
            Report(status, divergence, seconds);
            context.Error.WriteLine($"reinforce train: {Display.Escape(e.Message, 1000)}");
            return Cli.ExitFailure;
        }
        return Report(status, divergence, seconds);
    }

    private int Report(string status, string? divergence, double seconds)
    {
        TrainerOptions o = settings.Options;
        string where = $"{trainer.EpisodesCompleted} episodes ({trainer.StepsCompleted} steps) in {seconds.ToString("0.0", CultureInfo.InvariantCulture)} s";
        Style style = context.OutputStyle;
        switch (status)
        {
            case "solved":
                context.Output.WriteLine(style.Green($"Solved {o.EnvironmentId} after {where}") +
                    $" (running reward {Fmt(trainer.RunningReward)} > {Fmt(settings.Threshold)})");
                break;
            case "finished":
                context.Output.WriteLine((trainer.Solved ? style.Green($"Solved {o.EnvironmentId}") : style.Yellow($"Not solved {o.EnvironmentId}")) +
                    $" after {where}: running reward {Fmt(trainer.RunningReward)}, threshold {Fmt(settings.Threshold)}");
                break;
            case "interrupted":
                context.Output.WriteLine(style.Yellow("Interrupted") + $" after {where}: running reward {Fmt(trainer.RunningReward)}, threshold {Fmt(settings.Threshold)}");
                break;
            default:
                context.Output.WriteLine(style.Red("Diverged") + $" after {where}");
                break;
        }
        context.Output.WriteLine($"Run folder: {finalFolder}");
        if (status == "interrupted")
        {
            context.Error.WriteLine($"Checkpoint written; continue with: reinforce train --resume {finalFolder}");
            return Cli.ExitInterrupted;
        }
        if (divergence is not null)
        {
            context.Error.WriteLine($"reinforce train: training diverged: {divergence} The last good checkpoint (update {trainer.UpdatesCompleted}) is in {finalFolder}.");
            return Cli.ExitFailure;
        }
        return Cli.ExitSuccess;
    }

    private void SaveCheckpoint(string path, string status, double wallSeconds)
    {
        var extra = new Dictionary<string, string>
        {
            ["cli.tool"] = $"reinforce {Cli.Version}",
            ["cli.preset"] = settings.PresetName,
            ["cli.reward_threshold"] = settings.RewardThreshold?.ToString("R", CultureInfo.InvariantCulture) ?? "",
            ["cli.status"] = status,
            ["cli.wall_seconds"] = wallSeconds.ToString("R", CultureInfo.InvariantCulture),
        };
        try
        {
            TrainingCheckpoint.Capture(trainer, extra).Save(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OutputException($"cannot write the checkpoint in {Display.Quote(workFolder)}: {PathArguments.Reason(e)} (the last one written is still there)");
        }
    }

    private string ProgressLine(in UpdateStatistics s, double stepsPerSecond, Style style)
    {
        string running = Fmt(s.RunningReward).PadLeft(6);
        return string.Create(CultureInfo.InvariantCulture,
            $"update {s.Update,5}  episodes {s.TotalEpisodes,6}  steps {s.TotalSteps,8}  return {s.MeanReturn,6:0.0} ± {s.StdReturn,5:0.0}  running {(s.Solved ? style.Green(running) : running)}  entropy {s.Entropy:0.000}  {stepsPerSecond,9:#,0} steps/s");
    }

    private static string Fmt(double value) => value.ToString("0.00", CultureInfo.InvariantCulture);
}
