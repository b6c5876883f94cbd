using System.Globalization;
using Reinforce.Checkpoints;
using Reinforce.Environments;
using Reinforce.Statistics;
using Reinforce.Text;
using Reinforce.Training;

namespace Reinforce.Cli;

/// <summary>
/// The metadata entries of <c>best.safetensors</c> that say which rule chose it: <c>cli.best.rule</c> is
/// <see cref="EvaluationRule"/> (the highest mean return of an evaluation during training, <c>--eval-interval</c>) or
/// <see cref="TrainingMeanRule"/> (the highest mean return of the last 100 training episodes, without it).
/// </summary>
internal static class BestPolicy
{
    public const string RuleKey = "cli.best.rule";
    public const string EvaluationRule = "eval";
    public const string TrainingMeanRule = "train_mean100";

    /// <summary>The update at whose end the policy was captured (either rule).</summary>
    public const string UpdateKey = "cli.best.update";

    /// <summary>
    /// A final policy counts as worse than the best when its measure (the mean of the last 100 training returns, or the
    /// last evaluation's mean) is more than this fraction of |reward threshold| below the best's.
    /// </summary>
    public const double WorseMargin = 0.1;

    /// <summary>
    /// The summary's lines about best.safetensors: where it is and which rule chose it, then — when the final policy is
    /// worse than it by more than <see cref="WorseMargin"/> of |threshold| — that it is, and how to play the best one.
    /// A run that stopped on solving ends on the policy that solved it, so it gets no line for the training-mean best
    /// (the file is still kept); an evaluated run gets its line whatever its ending.
    /// </summary>
    public static IEnumerable<string> SummaryLines(string status, string folder, double threshold, Style style,
        TrainingMeanBest? trainingMean, EvaluationRecord? evaluations, double? finalMeanOfLast100)
    {
        string path = Path.Combine(folder, RunFolder.BestFile);
        double margin = WorseMargin * Math.Abs(threshold);
        string play = $"play the best with reinforce eval {folder} --best or reinforce render {folder} --best";
        if (evaluations is { Count: > 0 } e)
        {
            yield return $"Best policy (evaluation mean return {Fmt(e.BestMean)}, update {e.BestUpdate}) → {path}";
            if (status != "solved" && e.BestMean - e.LastMean > margin)
            {
                yield return style.Yellow("The last evaluation is worse than the best") +
                    $": mean return {Fmt(e.LastMean)} at update {e.LastUpdate}, {Fmt(e.BestMean - e.LastMean)} below (more than {Percent} of the threshold); {play}";
            }
        }
        else if (trainingMean is { Exists: true } t && status != "solved")
        {
            yield return $"Best policy (mean of the last 100 training returns {Fmt(t.Mean)}, episodes {t.FirstEpisode}–{t.LastEpisode}, update {t.Update}) → {path}";
            if (finalMeanOfLast100 is double final && t.Mean - final > margin)
            {
                yield return style.Yellow("The final policy is worse than the best") +
                    $": the mean of the last 100 training returns is {Fmt(final)}, {Fmt(t.Mean - final)} below (more than {Percent} of the threshold); {play}";
            }
        }
    }

    private static string Percent => $"{(WorseMargin * 100).ToString("0", CultureInfo.InvariantCulture)} %";

    private static string Fmt(double value) => value.ToString("0.00", CultureInfo.InvariantCulture);
}

/// <summary>
/// The evaluations of a run so far (eval.csv's rows): the best mean (the earliest of equal ones) and the last, with their updates.
/// </summary>
internal sealed class EvaluationRecord
{
    public int Count { get; private set; }

    public double BestMean { get; private set; } = double.NegativeInfinity;

    public int BestUpdate { get; private set; }

    public double LastMean { get; private set; }

    public int LastUpdate { get; private set; }

    /// <summary>Records one evaluation; true when its mean beats every earlier one (then best.safetensors is to be replaced).</summary>
    public bool Add(int update, double mean)
    {
        Count++;
        LastMean = mean;
        LastUpdate = update;
        if (mean > BestMean)
        {
            BestMean = mean;
            BestUpdate = update;
            return true;
        }
        return false;
    }

    /// <summary>The evaluations in an eval.csv (none if there is no file): what a resumed run continues from.</summary>
    public static EvaluationRecord Read(string path)
    {
        var record = new EvaluationRecord();
        if (FileKind.Of(path) != PathKind.Missing)
        {
            foreach (var row in LearningCurve.ReadCsv(path, ["update", "mean_return"], allowEmpty: true))
            {
                record.Add((int)row["update"], row["mean_return"]);
            }
        }
        return record;
    }
}

/// <summary>
/// best.safetensors when the run does not evaluate (no <c>--eval-interval</c>): the policy at the end of the update after
/// which the mean return of the last 100 completed training episodes was highest, the earliest of equal ones. It is
/// checked at every update's end once 100 episodes exist, from numbers the trainer already has (no draw, no change to
/// training). An improvement is captured in memory (weights, moments, progress) and written with the next checkpoint —
/// best.safetensors first, then checkpoint.safetensors, which records the best so far (<see cref="RecordEntries"/>) for
/// <c>--resume</c> — so a rising run costs one copy per update, not one file write, and a plateau (every mean 500,
/// never above the best) costs nothing.
/// </summary>
internal sealed class TrainingMeanBest
{
    // best.safetensors's own entries (beside BestPolicy.RuleKey and BestPolicy.UpdateKey).
    public const string MeanKey = "cli.best.train_mean100";
    public const string FirstEpisodeKey = "cli.best.first_episode";
    public const string LastEpisodeKey = "cli.best.last_episode";

    // checkpoint.safetensors's record of the best so far: "none" before there is one.
    public const string RecordKey = "cli.best_so_far.train_mean100";
    public const string RecordUpdateKey = "cli.best_so_far.update";
    public const string RecordLastEpisodeKey = "cli.best_so_far.last_episode";
    private const string None = "none";

    private TrainingCheckpoint? unwritten;

    /// <summary>The best mean of the last 100 training returns so far (−∞ before there is one).</summary>
    public double Mean { get; private set; } = double.NegativeInfinity;

    /// <summary>The update at whose end that mean was reached.</summary>
    public int Update { get; private set; }

    /// <summary>The last of the 100 episodes whose returns make that mean (from 1); the first is 99 earlier.</summary>
    public long LastEpisode { get; private set; }

    public long FirstEpisode => LastEpisode - (ReinforceTrainer.SolvedWindowEpisodes - 1);

    public bool Exists => double.IsFinite(Mean);

    /// <summary>
    /// At an update's end: when the trainer's mean of the last 100 returns is above the best, it becomes the best and
    /// <paramref name="capture"/> snapshots the trainer with the given metadata entries (written by <see cref="WriteUnwritten"/>).
    /// </summary>
    public void Check(ReinforceTrainer trainer, Func<Dictionary<string, string>, TrainingCheckpoint> capture)
    {
        if (trainer.MeanReturnOfLast100 is not double mean || !(mean > Mean))
        {
            return;
        }
        Mean = mean;
        Update = trainer.UpdatesCompleted;
        LastEpisode = trainer.EpisodesCompleted;
        unwritten = capture(new Dictionary<string, string>
        {
            [BestPolicy.RuleKey] = BestPolicy.TrainingMeanRule,
            [BestPolicy.UpdateKey] = I(Update),
            [MeanKey] = R(Mean),
            [FirstEpisodeKey] = I(FirstEpisode),
            [LastEpisodeKey] = I(LastEpisode),
        });
    }

    /// <summary>Writes the best captured since the last call, if any (before the checkpoint that records it).</summary>
    public void WriteUnwritten(Action<TrainingCheckpoint> write)
    {
        if (unwritten is TrainingCheckpoint best)
        {
            write(best);
            unwritten = null;
        }
    }

    /// <summary>checkpoint.safetensors's entries for the best so far.</summary>
    public Dictionary<string, string> RecordEntries() => Exists
        ? new() { [RecordKey] = R(Mean), [RecordUpdateKey] = I(Update), [RecordLastEpisodeKey] = I(LastEpisode) }
        : new() { [RecordKey] = None };

    /// <summary>
    /// The best so far of the run a checkpoint continues, read as strictly as a flag (a malformed or impossible record, or
    /// a best.safetensors in <paramref name="folder"/> that is not the policy it records, is bad input), with a line to
    /// say when the tracking starts afresh: a checkpoint written before it existed, or a best.safetensors gone missing.
    /// A best.safetensors from a later update than the checkpoint is accepted: it was written just before a checkpoint
    /// that a kill prevented, and the resumed run, bit for bit the same, writes it again.
    /// </summary>
    public static TrainingMeanBest Resume(TrainingCheckpoint checkpoint, string folder, bool evaluating, out string? note)
    {
        var best = new TrainingMeanBest();
        note = null;
        IReadOnlyDictionary<string, string> extra = checkpoint.Extra;
        string? record = extra.GetValueOrDefault(RecordKey);
        if (record is null)
        {
            if (extra.ContainsKey(RecordUpdateKey) || extra.ContainsKey(RecordLastEpisodeKey))
            {
                throw Bad(RecordKey, "", $"'{None}' or a mean, beside {RecordUpdateKey} and {RecordLastEpisodeKey}");
            }
            if (!evaluating)
            {
                note = $"This checkpoint holds no best mean of the last 100 training returns (it predates {RunFolder.BestFile} without --eval-interval): " +
                    $"the best policy is tracked afresh from update {checkpoint.Progress.UpdatesCompleted}.";
            }
            return best;
        }
        TrainingProgress progress = checkpoint.Progress;
        double? restoredMean = progress.RecentReturns is { Length: ReinforceTrainer.SolvedWindowEpisodes } recent ? Descriptive.Mean(recent) : null;
        if (record == None)
        {
            if (extra.ContainsKey(RecordUpdateKey) || extra.ContainsKey(RecordLastEpisodeKey))
            {
                throw Bad(RecordUpdateKey, extra.GetValueOrDefault(RecordUpdateKey) ?? "", $"no entry when {RecordKey} is '{None}'");
            }
            if (restoredMean is not null)
            {
                throw Bad(RecordKey, record, $"a mean: the checkpoint has the returns of {ReinforceTrainer.SolvedWindowEpisodes} episodes, whose mean is checked at every update's end");
            }
        }
        else
        {
            var (low, high) = ReturnRange(checkpoint.Options);
            best.Mean = double.TryParse(record, NumberStyles.Float, CultureInfo.InvariantCulture, out double mean) && double.IsFinite(mean) && mean >= low && mean <= high
                ? mean
                : throw Bad(RecordKey, record, $"'{None}' or a mean return in [{R(low)}, {R(high)}]");
            string updateText = extra.GetValueOrDefault(RecordUpdateKey) ?? "";
            best.Update = int.TryParse(updateText, NumberStyles.None, CultureInfo.InvariantCulture, out int update) && update >= 1 && update <= progress.UpdatesCompleted
                ? update
                : throw Bad(RecordUpdateKey, updateText, $"an update in [1, {progress.UpdatesCompleted}]");
            // Every update completes at least one episode (exactly BatchEpisodes without --batch-steps), and the mean needs 100.
            string lastText = extra.GetValueOrDefault(RecordLastEpisodeKey) ?? "";
            long least = Math.Max(ReinforceTrainer.SolvedWindowEpisodes, update);
            long most = progress.EpisodesCompleted - (progress.UpdatesCompleted - update);
            if (checkpoint.Options.BatchSteps is null)
            {
                least = Math.Max(least, (long)update * checkpoint.Options.BatchEpisodes);
                most = Math.Min(most, (long)update * checkpoint.Options.BatchEpisodes);
            }
            if (update == progress.UpdatesCompleted)
            {
                least = Math.Max(least, progress.EpisodesCompleted);
            }
            if (least > most)
            {
                throw Bad(RecordUpdateKey, updateText, $"an update after which {ReinforceTrainer.SolvedWindowEpisodes} episodes exist");
            }
            best.LastEpisode = long.TryParse(lastText, NumberStyles.None, CultureInfo.InvariantCulture, out long last) && last >= least && last <= most
                ? last
                : throw Bad(RecordLastEpisodeKey, lastText, $"the last episode of update {update}, in [{least}, {most}]");
            // The mean at the checkpoint's own update was checked against the best at that update's end.
            if (restoredMean is double now && (update == progress.UpdatesCompleted ? now != mean : now > mean))
            {
                throw Bad(RecordKey, record, $"the best mean so far, {(update == progress.UpdatesCompleted ? "equal to" : "at least")} the mean of the checkpoint's last 100 returns, {R(now)}");
            }
        }
        if (evaluating)
        {
            if (best.Exists)
            {
                note = $"From now on {RunFolder.BestFile} is the best evaluation (--eval-interval): the first one replaces the best by the mean of the last 100 training returns " +
                    $"({best.Mean.ToString("0.00", CultureInfo.InvariantCulture)}, episodes {best.FirstEpisode}–{best.LastEpisode}).";
            }
            return new TrainingMeanBest();
        }
        string path = Path.Combine(folder, RunFolder.BestFile);
        if (FileKind.Of(path) == PathKind.Missing)
        {
            if (best.Exists)
            {
                note = $"{RunFolder.BestFile} is missing, though the checkpoint records a best policy at update {best.Update}: the best policy is tracked afresh from update {progress.UpdatesCompleted}.";
                return new TrainingMeanBest();
            }
            return best;
        }
        CheckFile(path, best, progress);
        return best;
    }

    // best.safetensors must hold the recorded best (its rule, update and mean), or one from after the checkpoint.
    private static void CheckFile(string path, TrainingMeanBest best, TrainingProgress progress)
    {
        TrainingCheckpoint file = TrainCommand.LoadCheckpoint(path, "--resume");
        string rule = file.Extra.GetValueOrDefault(BestPolicy.RuleKey) ?? "";
        string updateText = file.Extra.GetValueOrDefault(BestPolicy.UpdateKey) ?? "";
        bool isUpdate = int.TryParse(updateText, NumberStyles.None, CultureInfo.InvariantCulture, out int update) && update == file.Progress.UpdatesCompleted;
        bool later = rule == BestPolicy.TrainingMeanRule && isUpdate && update > progress.UpdatesCompleted;
        bool recorded = best.Exists && rule == BestPolicy.TrainingMeanRule && isUpdate && update == best.Update
            && file.Extra.GetValueOrDefault(MeanKey) == R(best.Mean);
        if (!later && !recorded)
        {
            string expected = best.Exists
                ? $"the best policy the checkpoint records (mean of the last 100 training returns {R(best.Mean)} at update {best.Update})"
                : $"no best policy before update {progress.UpdatesCompleted}, as the checkpoint records";
            throw new UsageException($"--resume: {Display.Quote(path)} ({Display.Quote(rule, 20)} at update {Display.Quote(updateText, 20)}) is not {expected}; " +
                $"move it away to resume (the best policy is then tracked afresh)");
        }
    }

    // An episode's return: +1 per step up to the time limit, or (Sutton and Barto's reward) 0 per step and −1 on failure.
    private static (double Low, double High) ReturnRange(TrainerOptions options)
    {
        int limit = options.MaxEpisodeSteps ?? CartPole.Create(options.EnvironmentId).MaxEpisodeSteps ?? int.MaxValue;
        return options.SuttonBartoReward ? (-1, 0) : (1, limit);
    }

    private static UsageException Bad(string key, string value, string expected) =>
        new($"--resume: the checkpoint's {key} metadata {Display.Quote(value, 40)} is not accepted; expected {expected}");

    private static string I(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string R(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
