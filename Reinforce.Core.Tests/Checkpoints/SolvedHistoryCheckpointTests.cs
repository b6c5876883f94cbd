using System.Text.Json.Nodes;
using Reinforce.Checkpoints;
using Reinforce.Returns;
using Reinforce.Training;

namespace Reinforce.Tests.Checkpoints;

/// <summary>
/// What "solved" needs survives a checkpoint: the last 100 returns (exact doubles), the first-solved episodes and the
/// option <see cref="TrainerOptions.SolvedBy"/>; a resumed run continues bit for bit, also when it stops on the mean of
/// the last 100. Version 1 checkpoints (written before) still load, and a run that would need their missing history is
/// refused with a message that says so.
/// </summary>
public class SolvedHistoryCheckpointTests
{
    // CartPole-v0, one episode per update: the window wraps after 100 episodes, and the running reward passes 195
    // before the mean of the last 100 does (at episodes 157 and 196 for this seed, measured).
    // reinforce.py's configuration (lr 0.01, discounted returns normalised per episode, one episode per update, running reward from 10).
    private static readonly TrainerOptions Options = new()
    {
        EnvironmentId = "CartPole-v0", LearningRate = 0.01, Returns = ReturnKind.Discounted, Normalization = Normalization.PerEpisode, BatchEpisodes = 1,
        RunningRewardStart = 10, Seed = 11, StopWhenSolved = false, MaxEpisodes = 900,
    };

    private static ReinforceTrainer TrainedFor(TrainerOptions options, long episodes)
    {
        var trainer = new ReinforceTrainer(options with { MaxEpisodes = episodes });
        trainer.Train();
        return trainer;
    }

    private static ReinforceTrainer RoundTrip(ReinforceTrainer trainer, TrainerOptions? options = null) =>
        TrainingCheckpoint.FromSafeTensors(TrainingCheckpoint.Capture(trainer).ToSafeTensors(), "test").CreateTrainer(options);

    [Test]
    public void ResumedRun_HasTheSameWindowAndFirstSolvedEpisodes_AsTheUninterruptedOne()
    {
        ReinforceTrainer uninterrupted = TrainedFor(Options, 900);
        // Resume at 170 episodes: the window has wrapped, the running reward was first above the threshold at episode
        // 157 and the mean of the last 100 reaches it at 196 (measured), so the window, a recorded first-solved
        // episode and a not-yet-solved one all have to survive.
        ReinforceTrainer resumed = RoundTrip(TrainedFor(Options, 170), Options);
        resumed.Train();
        TestContext.Out.WriteLine($"first solved: running reward after {uninterrupted.RunningRewardSolvedAtEpisode}, mean of last 100 after {uninterrupted.MeanOfLast100SolvedAtEpisode}");

        Assert.That(uninterrupted.RunningRewardSolvedAtEpisode, Is.LessThan(170), "the running reward was solved before the checkpoint");
        Assert.That(uninterrupted.MeanOfLast100SolvedAtEpisode, Is.GreaterThan(170), "the mean of the last 100 only after it");
        Assert.That(resumed.RunningRewardSolvedAtEpisode, Is.EqualTo(uninterrupted.RunningRewardSolvedAtEpisode));
        Assert.That(resumed.MeanOfLast100SolvedAtEpisode, Is.EqualTo(uninterrupted.MeanOfLast100SolvedAtEpisode));
        Assert.That(resumed.RecentReturns.ToArray(), Is.EqualTo(uninterrupted.RecentReturns.ToArray()));
        Assert.That(resumed.Policy.Parameters.Values, Is.EqualTo(uninterrupted.Policy.Parameters.Values));
    }

    [Test]
    public void ARunThatStopsOnTheMeanOfLast100_StopsAtTheSameEpisode_WhenResumed()
    {
        TrainerOptions options = Options with { SolvedBy = SolvedCriterion.MeanOfLast100, StopWhenSolved = true, MaxEpisodes = 2000 };
        var uninterrupted = new ReinforceTrainer(options);
        uninterrupted.Train();
        long stop = uninterrupted.EpisodesCompleted;

        ReinforceTrainer first = TrainedFor(options, stop - 30);
        ReinforceTrainer resumed = RoundTrip(first, options);
        resumed.Train();

        Assert.That(uninterrupted.Solved, Is.True);
        Assert.That(resumed.Options.SolvedBy, Is.EqualTo(SolvedCriterion.MeanOfLast100), "the option is saved");
        Assert.That(resumed.EpisodesCompleted, Is.EqualTo(stop));
        Assert.That(resumed.MeanReturnOfLast100, Is.EqualTo(uninterrupted.MeanReturnOfLast100));
    }

    [Test]
    public void RecentReturns_RoundTripExactly_EvenWhenNotWholeNumbers()
    {
        // Returns like 0.1 + 0.2 have no short decimal form; "R" formatting must bring back the same bits.
        double[] returns = [0.1 + 0.2, 1.0 / 3, -2.5e-7, 123456.789, Math.PI];
        var trainer = new ReinforceTrainer(new TrainerOptions { BatchEpisodes = 5 });
        trainer.RestoreProgress(1, 5, 50, 12.5, returns, 3, null);
        trainer.Optimizer.StepCount = 1; // consistent counters: one update of five episodes, one optimizer step

        TrainingCheckpoint loaded = TrainingCheckpoint.FromSafeTensors(TrainingCheckpoint.Capture(trainer).ToSafeTensors(), "test");

        Assert.That(loaded.Progress.RecentReturns!.Select(BitConverter.DoubleToInt64Bits), Is.EqualTo(returns.Select(BitConverter.DoubleToInt64Bits)));
        Assert.That((loaded.Progress.RunningRewardSolvedAtEpisode, loaded.Progress.MeanOfLast100SolvedAtEpisode), Is.EqualTo(((long?)3, (long?)null)));
    }

    [Test]
    public void AVersion1Checkpoint_StillLoads_WithoutSolvedHistory()
    {
        ReinforceTrainer trainer = TrainedFor(Options, 120);
        SafeTensorsFile version1 = AsVersion1(TrainingCheckpoint.Capture(trainer).ToSafeTensors());

        TrainingCheckpoint loaded = TrainingCheckpoint.FromSafeTensors(version1, "old.safetensors");
        ReinforceTrainer resumed = loaded.CreateTrainer();

        Assert.That(loaded.Options.SolvedBy, Is.EqualTo(SolvedCriterion.RunningReward), "the default for a file without the key");
        Assert.That(loaded.Progress.RecentReturns, Is.Null);
        Assert.That(resumed.EpisodesCompleted, Is.EqualTo(120));
        Assert.That(resumed.RecentReturns.Length, Is.Zero, "the window starts over");
        Assert.That(resumed.Policy.Parameters.Values, Is.EqualTo(trainer.Policy.Parameters.Values));
        Assert.That(() => loaded.CreateTrainer(loaded.Options with { SolvedBy = SolvedCriterion.MeanOfLast100 }),
            Throws.ArgumentException.With.Message.Contains("needs the returns of its last 100"));

        // Given the returns (as a run folder's episodes.csv holds them), the mean-of-100 run continues.
        TrainingCheckpoint completed = loaded.WithProgress(loaded.Progress with { RecentReturns = trainer.RecentReturns.ToArray() });
        ReinforceTrainer mean100 = completed.CreateTrainer(loaded.Options with { SolvedBy = SolvedCriterion.MeanOfLast100 });
        Assert.That(mean100.MeanReturnOfLast100, Is.EqualTo(trainer.MeanReturnOfLast100));
    }

    [Test]
    public void Load_RejectsABadSolvedHistory_AndAnUnknownVersion()
    {
        ReinforceTrainer trainer = TrainedFor(Options, 3);
        SafeTensorsFile file = TrainingCheckpoint.Capture(trainer).ToSafeTensors();
        SafeTensorsFile With(string key, string value)
        {
            var metadata = file.Metadata.ToDictionary();
            metadata[key] = value;
            return new SafeTensorsFile(file.Tensors, metadata);
        }

        Assert.Multiple(() =>
        {
            Assert.That(() => TrainingCheckpoint.FromSafeTensors(With("progress.recent_returns", "1,2,3,4"), "f"),
                Throws.TypeOf<SafeTensorsFormatException>().With.Message.Contains("at most 3"));
            Assert.That(() => TrainingCheckpoint.FromSafeTensors(With("progress.recent_returns", "1,NaN,3"), "f"),
                Throws.TypeOf<SafeTensorsFormatException>().With.Message.Contains("not a finite number"));
            Assert.That(() => TrainingCheckpoint.FromSafeTensors(With("progress.solved_episode.running_reward", "4"), "f"),
                Throws.TypeOf<SafeTensorsFormatException>().With.Message.Contains("an episode in [1, 3]"));
            Assert.That(() => TrainingCheckpoint.FromSafeTensors(With("progress.solved_episode.mean_of_last_100", "2"), "f"),
                Throws.TypeOf<SafeTensorsFormatException>().With.Message.Contains("an episode in [100, 3]"));
            Assert.That(() => TrainingCheckpoint.FromSafeTensors(With("format_version", "3"), "f"),
                Throws.TypeOf<SafeTensorsFormatException>().With.Message.Contains("reads versions 1 and 2"));
            var missing = file.Metadata.ToDictionary();
            missing.Remove("progress.recent_returns");
            Assert.That(() => TrainingCheckpoint.FromSafeTensors(new SafeTensorsFile(file.Tensors, missing), "f"),
                Throws.TypeOf<SafeTensorsFormatException>().With.Message.Contains("progress.recent_returns"));
        });
    }

    [Test]
    public void SolvedBy_IsReadFromJson_AndDefaultsToTheRunningRewardWhenAbsent()
    {
        Assert.That(TrainerOptionsJson.Deserialize("""{ "solvedBy": "mean100" }""").SolvedBy, Is.EqualTo(SolvedCriterion.MeanOfLast100));
        Assert.That(TrainerOptionsJson.Deserialize("""{ "seed": 3 }""").SolvedBy, Is.EqualTo(SolvedCriterion.RunningReward));
        Assert.That(() => TrainerOptionsJson.Deserialize("""{ "solvedBy": "sometimes" }"""),
            Throws.TypeOf<FormatException>().With.Message.Contains("solvedBy").And.Message.Contains("running, mean100"));
        Assert.That(TrainerOptionsJson.Serialize(new TrainerOptions()), Does.Contain("\"solvedBy\": \"running\""));
    }

    // What this build's predecessor wrote: format_version 1, no solved history, no "solvedBy" in the options.
    private static SafeTensorsFile AsVersion1(SafeTensorsFile file)
    {
        var metadata = file.Metadata.Where(kv => !kv.Key.StartsWith("progress.recent_returns", StringComparison.Ordinal)
            && !kv.Key.StartsWith("progress.solved_episode.", StringComparison.Ordinal)).ToDictionary();
        metadata["format_version"] = "1";
        JsonObject options = JsonNode.Parse(metadata["trainer_options"])!.AsObject();
        options.Remove("solvedBy");
        metadata["trainer_options"] = options.ToJsonString();
        return new SafeTensorsFile(file.Tensors, metadata);
    }
}
