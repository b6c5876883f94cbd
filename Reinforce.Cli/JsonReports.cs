using System.Text.Json;
using Reinforce.Checkpoints;
using Reinforce.Evaluation;
using Reinforce.Statistics;
using Reinforce.Training;

namespace Reinforce.Cli;

/// <summary>
/// The fields of each command's <c>--json</c> result (<see cref="JsonResult"/>), as docs/cli.md's "JSON output" section
/// lists them: the numbers of the command's text summary, unrounded.
/// </summary>
internal static class JsonReports
{
    /// <summary>One evaluation during training: after which update, and its result.</summary>
    internal sealed record TrainEvaluation(int Update, EvaluationResult Result);

    /// <summary><c>reinforce.train/1</c>.</summary>
    public static void Train(Utf8JsonWriter json, RunSettings settings, ReinforceTrainer trainer, string status, double seconds, bool resumed,
        double bestEvaluation, string bestPath, TrainEvaluation? lastEvaluation, string runFolder)
    {
        TrainerOptions o = settings.Options;
        json.WriteString("status", status);
        json.WriteString("environment", o.EnvironmentId);
        json.WriteString("preset", settings.PresetName);
        json.WriteNumber("seed", o.Seed);
        json.WriteBoolean("resumed", resumed);
        json.WriteNumber("updates", trainer.UpdatesCompleted);
        json.WriteNumber("episodes", trainer.EpisodesCompleted);
        json.WriteNumber("steps", trainer.StepsCompleted);
        JsonResult.Number(json, "seconds", seconds);
        JsonResult.Number(json, "threshold", settings.Threshold);
        json.WriteString("solvedBy", o.SolvedBy.Name());
        json.WriteBoolean("solved", trainer.Solved);
        JsonResult.Number(json, "runningReward", trainer.EpisodesCompleted > 0 ? trainer.RunningReward : null);
        JsonResult.Number(json, "meanOfLast100", trainer.MeanReturnOfLast100);
        json.WriteStartObject("firstSolved");
        JsonResult.Integer(json, "running", trainer.RunningRewardSolvedAtEpisode);
        JsonResult.Integer(json, "mean100", trainer.MeanOfLast100SolvedAtEpisode);
        json.WriteEndObject();
        if (settings.Evaluation is not null && double.IsFinite(bestEvaluation))
        {
            json.WriteStartObject("bestEvaluation");
            json.WriteNumber("meanReturn", bestEvaluation);
            json.WriteString("path", bestPath);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("bestEvaluation");
        }
        if (lastEvaluation is not null)
        {
            json.WriteStartObject("lastEvaluation");
            json.WriteNumber("update", lastEvaluation.Update);
            EvaluationFields(json, lastEvaluation.Result);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("lastEvaluation");
        }
        json.WriteString("runFolder", runFolder);
    }

    /// <summary>
    /// <c>reinforce.eval/1</c> and <c>reinforce.baseline/1</c>: the episodes' setup, the return and length statistics, how
    /// many reached the time limit and the histogram of lengths.
    /// </summary>
    public static void Evaluation(Utf8JsonWriter json, EpisodeSetup setup, int timeLimit, string policy, string? checkpoint, EvaluationResult result,
        IReadOnlyList<EvaluateCommands.Bin> bins, string? svg)
    {
        json.WriteString("environment", setup.EnvironmentId);
        json.WriteNumber("timeLimit", timeLimit);
        json.WriteString("policy", policy);
        JsonResult.String(json, "checkpoint", checkpoint);
        json.WriteNumber("seed", setup.Seed);
        EvaluationFields(json, result);
        json.WriteStartArray("histogram");
        foreach (EvaluateCommands.Bin bin in bins)
        {
            json.WriteStartObject();
            json.WriteNumber("low", bin.Low);
            json.WriteNumber("high", bin.High);
            json.WriteNumber("count", bin.Count);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        JsonResult.String(json, "svg", svg);
    }

    // What an evaluation gives, in train's lastEvaluation and in eval's and baseline's results.
    private static void EvaluationFields(Utf8JsonWriter json, EvaluationResult result)
    {
        json.WriteNumber("episodes", result.Episodes);
        json.WriteStartObject("return");
        JsonResult.Number(json, "mean", result.MeanReturn);
        JsonResult.Number(json, "std", result.StdReturn);
        JsonResult.Number(json, "min", result.MinReturn);
        JsonResult.Number(json, "max", result.MaxReturn);
        json.WriteEndObject();
        json.WriteStartObject("length");
        JsonResult.Number(json, "mean", result.MeanLength);
        json.WriteNumber("min", result.Lengths.Min());
        json.WriteNumber("max", result.Lengths.Max());
        json.WriteEndObject();
        json.WriteNumber("truncated", result.TruncatedEpisodes);
    }

    /// <summary><c>reinforce.sweep/1</c>: the sweep's plan and outcome, and one object per configuration (summary.csv's row).</summary>
    public static void Sweep(Utf8JsonWriter json, SweepSummaryData summary, string sweepFolder)
    {
        SweepCommand.Plan plan = summary.Plan;
        json.WriteNumber("seeds", plan.Seeds.Count);
        json.WriteString("seedsText", plan.SeedsText);
        json.WriteNumber("plannedRuns", summary.PlannedRuns);
        json.WriteNumber("completedRuns", summary.CompletedRuns);
        json.WriteBoolean("interrupted", summary.Interrupted);
        JsonResult.Number(json, "seconds", summary.Seconds);
        json.WriteNumber("workers", plan.Workers);
        json.WriteNumber("evalEpisodes", plan.EvalEpisodes);
        json.WriteNumber("bootstrapResamples", plan.Resamples);
        json.WriteNumber("bootstrapSeed", plan.BootstrapSeed);
        json.WriteStartArray("configurations");
        foreach (CellSummary c in summary.Cells)
        {
            json.WriteStartObject();
            json.WriteNumber("index", c.Cell.Index);
            json.WriteString("name", c.Cell.Name);
            json.WriteString("preset", c.Cell.Settings.PresetName);
            json.WriteString("solvedBy", c.Cell.Settings.Options.SolvedBy.Name());
            json.WriteNumber("runs", c.Runs);
            json.WriteNumber("solved", c.Solved);
            JsonResult.Number(json, "solveRate", c.SolveRateWilson?.Estimate);
            Bounds(json, "solveRateWilson", c.SolveRateWilson);
            Bounds(json, "solveRateClopperPearson", c.SolveRateClopperPearson);
            json.WriteNumber("solvedOtherCriterion", c.SolvedOtherCriterion);
            json.WriteNumber("diverged", c.Diverged);
            Interval(json, "episodesToSolveMedian", c.EpisodesMedian);
            Interval(json, "episodesToSolveIqm", c.EpisodesIqm);
            Interval(json, "stepsToSolveMedian", c.StepsMedian);
            Interval(json, "stepsToSolveIqm", c.StepsIqm);
            Interval(json, "evalReturnIqm", c.EvalReturnIqm);
            JsonResult.Number(json, "evalReturnMean", c.EvalReturnMean);
            JsonResult.Number(json, "wallSecondsMedian", c.WallSecondsMedian);
            JsonResult.Number(json, "wallSecondsTotal", c.WallSecondsTotal);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteString("sweepFolder", sweepFolder);
    }

    // A 95 % interval: {estimate, low, high}, or null when no run gives the sample.
    private static void Interval(Utf8JsonWriter json, string name, ConfidenceInterval? interval)
    {
        if (interval is not { } i)
        {
            json.WriteNull(name);
            return;
        }
        json.WriteStartObject(name);
        JsonResult.Number(json, "estimate", i.Estimate);
        JsonResult.Number(json, "low", i.Lower);
        JsonResult.Number(json, "high", i.Upper);
        json.WriteEndObject();
    }

    // The bounds of a proportion's 95 % interval: {low, high}, or null without runs.
    private static void Bounds(Utf8JsonWriter json, string name, ConfidenceInterval? interval)
    {
        if (interval is not { } i)
        {
            json.WriteNull(name);
            return;
        }
        json.WriteStartObject(name);
        JsonResult.Number(json, "low", i.Lower);
        JsonResult.Number(json, "high", i.Upper);
        json.WriteEndObject();
    }
}
