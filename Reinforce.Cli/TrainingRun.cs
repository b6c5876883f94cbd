using System.Diagnostics;
using System.Globalization;
using Reinforce.Checkpoints;
using Reinforce.Environments;
using Reinforce.Evaluation;
using Reinforce.Text;
using Reinforce.Training;

namespace Reinforce.Cli;

/// <summary>
/// One execution of <c>reinforce train</c> after its input was checked: the update loop, the run
/// folder's files, progress, evaluations, checkpoints, and the ending (solved, stopped, interrupted, diverged).
/// </summary>
internal sealed class TrainingRun(RunSettings settings, TrainingCheckpoint? resumeFrom, RunFolderWriter folder,
    double wallOffset, bool quiet, CliContext context)
{
    private readonly string finalFolder = folder.FinalFolder;
    private readonly string workFolder = folder.WorkFolder;
    private ReinforceTrainer trainer = null!;
    private EvaluationRecord evaluated = new();
    private TrainingMeanBest? trainingMean; // best.safetensors by the mean of the last 100 training returns; null when evaluating
    private JsonReports.TrainEvaluation? lastEvaluation;

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
        string evaluationsPath = Path.Combine(workFolder, RunFolder.EvaluationsFile);
        string checkpointPath = Path.Combine(workFolder, RunFolder.CheckpointFile);
        if (resumeFrom is not null)
        {
            RunFolder.TruncateRows(metricsPath, resumeFrom.Progress.UpdatesCompleted);
            RunFolder.TruncateRows(episodesPath, resumeFrom.Progress.EpisodesCompleted);
            RunFolder.TruncateRows(evaluationsPath, resumeFrom.Progress.UpdatesCompleted);
            evaluated = EvaluationRecord.Read(evaluationsPath);
        }
        OutputFiles.WriteAllText(Path.Combine(workFolder, RunFolder.ConfigFile), RunFolder.ConfigJson(settings, command));
        ReproducibilityRecord.Capture(context.Arguments).Write(workFolder);

        if (!quiet)
        {
            string verb = resumeFrom is null ? "Training" : $"Resuming at update {trainer.UpdatesCompleted} (episode {trainer.EpisodesCompleted}):";
            string what = $"{verb} {options.EnvironmentId}, {TrainingCheckpoint.Architecture(options)}, {options.Optimizer} lr {options.LearningRate.ToString("R", CultureInfo.InvariantCulture)}, " +
                $"{(options.BatchSteps is int s ? $"≥{s} steps" : $"{options.BatchEpisodes} episode(s)")} per update, seed {options.Seed}";
            // At a terminal narrower than the line, it wraps (ProgressDisplay.Header): no part of it is dropped.
            context.Error.WriteLine(context.ErrorStyle.Dim(ProgressDisplay.Header(what, finalFolder, context.ErrorTerminalWidth)));
        }
        StartBestTracking();

        // Evaluation during training plays its own environment on seeds that never touch the training streams.
        EvaluationSettings? evaluation = settings.Evaluation;
        IEnvironment? evaluationEnvironment = evaluation is null ? null : settings.EnvironmentFactory?.Invoke()
            ?? CartPole.Create(options.EnvironmentId, options.Integrator, options.SuttonBartoReward, options.MaxEpisodeSteps);
        ulong evaluationSeed = PolicyEvaluation.EvaluationSeed(options.Seed);

        var progress = new ProgressDisplay(context, settings, trainer.UpdatesCompleted, trainer.EpisodesCompleted);
        var clock = Stopwatch.StartNew();
        string status;
        string? divergence = null;
        using (var metrics = new CsvLog(metricsPath, RunFolder.MetricsHeader))
        using (var episodes = new CsvLog(episodesPath, RunFolder.EpisodesHeader))
        using (CsvLog? evaluations = evaluation is null ? null : new CsvLog(evaluationsPath, RunFolder.EvaluationsHeader))
        using (var monitor = MonitorLog.Open(workFolder, options.EnvironmentId, resumeFrom?.Progress.EpisodesCompleted, wallOffset))
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
                        monitor.Append(returns[i], lengths[i]);
                    }
                    trainingMean?.Check(trainer, entries => TrainingCheckpoint.Capture(trainer, Metadata("best", wall, entries)));
                    if (evaluation is not null && s.Update % evaluation.Interval == 0)
                    {
                        Evaluate(evaluation, evaluationEnvironment!, evaluationSeed, s, evaluations!, progress);
                    }
                    if (!quiet && Preset.Find(settings.PresetName)?.EpisodeLog is { } episodeLog)
                    {
                        // The preset's script logs every N episodes, with the running reward after that episode.
                        for (int i = 0; i < returns.Length; i++)
                        {
                            runningBefore = (1 - options.RunningRewardWeight) * runningBefore + options.RunningRewardWeight * returns[i];
                            if ((first + i) % settings.LogInterval == 0)
                            {
                                progress.Keep(episodeLog(first + i, returns[i], runningBefore));
                            }
                        }
                    }
                    else if (!quiet)
                    {
                        progress.Report(s, trainer.IsFinished);
                    }
                    if (s.Update % settings.CheckpointInterval == 0)
                    {
                        SaveRunCheckpoint(checkpointPath, "running", wall);
                    }
                    context.AfterUpdate?.Invoke(s.Update);
                }
                status = trainer.Solved && options.StopWhenSolved ? "solved"
                    : trainer.IsFinished ? "finished"
                    : "interrupted";
            }
            catch (TrainingDivergedException e)
            {
                status = "diverged";
                divergence = e.Message;
            }
        }
        progress.Finish();

        // A diverged update was rolled back by the trainer: the checkpoint holds the last good update.
        double seconds = wallOffset + clock.Elapsed.TotalSeconds;
        SaveRunCheckpoint(checkpointPath, status, seconds);
        LearningCurve.Write(Path.Combine(workFolder, RunFolder.CurveFile), LearningCurve.Load(workFolder, RunFolder.MetricsFile, allowEmpty: true));
        try
        {
            folder.Publish();
        }
        catch (OutputException e)
        {
            Report(status, divergence, seconds);
            context.Error.WriteLine($"reinforce train: {Display.Escape(e.Message, 1000)}");
            context.Json?.Error = Display.Escape(e.Message, 1000);
            return Cli.ExitFailure;
        }
        return Report(status, divergence, seconds);
    }

    // One evaluation: a row of eval.csv, and best.safetensors when its mean beats every earlier one (ties keep the earlier).
    private void Evaluate(EvaluationSettings evaluation, IEnvironment environment, ulong seed, in UpdateStatistics s, CsvLog log, ProgressDisplay progress)
    {
        EvaluationResult result = PolicyEvaluation.Evaluate(trainer.Policy, environment, evaluation.Episodes, seed,
            evaluation.Greedy ? ActionSelection.Greedy : ActionSelection.Sample);
        log.Append(RunFolder.EvaluationRow(s, result));
        lastEvaluation = new(s.Update, result);
        progress.LastEvaluation = string.Create(CultureInfo.InvariantCulture, $"eval {result.MeanReturn:0.0}");
        if (evaluated.Add(s.Update, result.MeanReturn))
        {
            SaveCheckpoint(Path.Combine(workFolder, RunFolder.BestFile), "best", wallOffset, new Dictionary<string, string>
            {
                [BestPolicy.RuleKey] = BestPolicy.EvaluationRule,
                [BestPolicy.UpdateKey] = s.Update.ToString(CultureInfo.InvariantCulture),
                ["cli.best.eval_mean"] = result.MeanReturn.ToString("R", CultureInfo.InvariantCulture),
                ["cli.best.eval_episodes"] = result.Episodes.ToString(CultureInfo.InvariantCulture),
                ["cli.best.eval_seed"] = seed.ToString(CultureInfo.InvariantCulture),
                ["cli.best.eval_policy"] = evaluation.PolicyName,
            });
        }
    }

    /// <summary>A run's training time: milliseconds below a second (a short run is not "0.0 s"), else seconds to a tenth.</summary>
    internal static string Elapsed(double seconds) => seconds < 1
        ? $"{Math.Max(1, Math.Round(seconds * 1000)).ToString("0", CultureInfo.InvariantCulture)} ms"
        : $"{seconds.ToString("0.0", CultureInfo.InvariantCulture)} s";

    private int Report(string status, string? divergence, double seconds)
    {
        TrainerOptions o = settings.Options;
        string where = $"{trainer.EpisodesCompleted} episodes ({trainer.StepsCompleted} steps) in {Elapsed(seconds)}";
        string threshold = Fmt(settings.Threshold);
        Style style = context.OutputStyle;
        switch (status)
        {
            case "solved":
                string how = o.SolvedBy == SolvedCriterion.MeanOfLast100
                    ? $"mean of the last 100 returns {Fmt(trainer.MeanReturnOfLast100 ?? 0)} ≥ {threshold}"
                    : $"running reward {Fmt(trainer.RunningReward)} > {threshold}";
                context.Output.WriteLine(style.Green($"Solved {o.EnvironmentId} after {where}") + $" ({how})");
                break;
            case "finished" when trainer.SolvedAtEpisode is long solvedAt:
                // Solved once, by the run's rule, and kept going: when, and where the end stands, solved or not.
                (string rule, string measure, double end) = o.SolvedBy == SolvedCriterion.MeanOfLast100
                    ? ("mean of the last 100 returns ≥", "mean of the last 100 returns", trainer.MeanReturnOfLast100 ?? 0)
                    : ("running reward >", "running reward", trainer.RunningReward);
                context.Output.WriteLine(style.Green($"Solved {o.EnvironmentId} at episode {solvedAt}") + $" ({rule} {threshold}); after {where} the {measure} is {Fmt(end)}" +
                    (trainer.Solved ? "" : style.Yellow(", below the threshold")));
                break;
            case "finished":
                context.Output.WriteLine((trainer.Solved ? style.Green($"Solved {o.EnvironmentId}") : style.Yellow($"Not solved {o.EnvironmentId}")) +
                    $" after {where}: running reward {Fmt(trainer.RunningReward)}, threshold {threshold}");
                break;
            case "interrupted":
                context.Output.WriteLine(style.Yellow("Interrupted") + $" after {where}: running reward {Fmt(trainer.RunningReward)}, threshold {threshold}");
                break;
            default:
                context.Output.WriteLine(style.Red("Diverged") + $" after {where}");
                break;
        }
        context.Output.WriteLine(FirstSolved(threshold));
        foreach (string line in BestPolicy.SummaryLines(status, finalFolder, settings.Threshold, style, trainingMean,
            settings.Evaluation is null ? null : evaluated, trainer.MeanReturnOfLast100))
        {
            context.Output.WriteLine(line);
        }
        context.Output.WriteLine($"Run folder: {finalFolder}");
        context.Json?.Set(json => JsonReports.Train(json, settings, trainer, status, seconds, resumeFrom is not null, evaluated.BestMean,
            Path.Combine(finalFolder, RunFolder.BestFile), lastEvaluation, finalFolder));
        if (status == "interrupted")
        {
            context.Error.WriteLine($"Checkpoint written; continue with: reinforce train --resume {finalFolder}");
            return Cli.ExitInterrupted;
        }
        if (divergence is not null)
        {
            context.Error.WriteLine($"reinforce train: training diverged: {Display.Escape(divergence, 500)} The last good checkpoint (update {trainer.UpdatesCompleted}) is in {finalFolder}.");
            context.Json?.Error = $"training diverged: {Display.Escape(divergence, 500)}";
            return Cli.ExitFailure;
        }
        return Cli.ExitSuccess;
    }

    // Both rules, whichever stops the run: the running reward's (the tutorials') and Gymnasium's mean of the last 100.
    private string FirstSolved(string threshold)
    {
        string running = trainer.RunningRewardSolvedAtEpisode is long r ? $"at episode {r}" : "not yet";
        string mean100 = trainer.MeanOfLast100SolvedAtEpisode is long m ? $"at episode {m}"
            : trainer.MeanReturnOfLast100 is double mean ? $"not yet (now {Fmt(mean)})"
            : $"not yet (fewer than {ReinforceTrainer.SolvedWindowEpisodes} episodes)";
        return $"First solved: running reward > {threshold} {running}; mean of the last 100 returns ≥ {threshold} {mean100}";
    }

    // Without evaluation: the best so far carries over from a resumed checkpoint (or starts afresh, said in a line), and the
    // restored update is checked as every later one is (the policy a resumed old run starts from may be its first best).
    private void StartBestTracking()
    {
        string? note = null;
        TrainingMeanBest best = resumeFrom is null ? new() : TrainingMeanBest.Resume(resumeFrom, workFolder, settings.Evaluation is not null, out note);
        if (note is not null && !quiet)
        {
            context.Error.WriteLine(context.ErrorStyle.Dim(note));
        }
        trainingMean = settings.Evaluation is null ? best : null;
        trainingMean?.Check(trainer, entries => TrainingCheckpoint.Capture(trainer, Metadata("best", wallOffset, entries)));
    }

    // checkpoint.safetensors after the best policy it records: a kill between the two leaves a best.safetensors from after the
    // checkpoint, which the resumed run (the same numbers) writes again.
    private void SaveRunCheckpoint(string path, string status, double wallSeconds)
    {
        trainingMean?.WriteUnwritten(best => Write(best, Path.Combine(workFolder, RunFolder.BestFile)));
        SaveCheckpoint(path, status, wallSeconds, trainingMean?.RecordEntries());
    }

    private void SaveCheckpoint(string path, string status, double wallSeconds, Dictionary<string, string>? more = null) =>
        Write(TrainingCheckpoint.Capture(trainer, Metadata(status, wallSeconds, more)), path);

    private Dictionary<string, string> Metadata(string status, double wallSeconds, Dictionary<string, string>? more)
    {
        var extra = new Dictionary<string, string>
        {
            ["cli.tool"] = $"reinforce {Cli.Version}",
            ["cli.preset"] = settings.PresetName,
            ["cli.reward_threshold"] = settings.RewardThreshold?.ToString("R", CultureInfo.InvariantCulture) ?? "",
            ["cli.status"] = status,
            ["cli.wall_seconds"] = wallSeconds.ToString("R", CultureInfo.InvariantCulture),
        };
        if (settings.Evaluation is EvaluationSettings evaluation)
        {
            extra["cli.eval_interval"] = evaluation.Interval.ToString(CultureInfo.InvariantCulture);
            extra["cli.eval_episodes"] = evaluation.Episodes.ToString(CultureInfo.InvariantCulture);
            extra["cli.eval_policy"] = evaluation.PolicyName;
        }
        foreach (var (key, value) in more ?? [])
        {
            extra[key] = value;
        }
        return extra;
    }

    private void Write(TrainingCheckpoint checkpoint, string path)
    {
        try
        {
            checkpoint.Save(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OutputException($"cannot write {Path.GetFileName(path)} in {Display.Quote(workFolder)}: {PathArguments.Reason(e)} (the last one written is still there)");
        }
    }

    private static string Fmt(double value) => value.ToString("0.00", CultureInfo.InvariantCulture);
}
