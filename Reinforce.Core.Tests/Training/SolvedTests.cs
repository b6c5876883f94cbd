using Reinforce.Environments;
using Reinforce.Training;

namespace Reinforce.Tests.Training;

/// <summary>
/// "Solved" both ways: the running reward above the threshold (the default, every existing number unchanged) and
/// Gymnasium's mean of the last 100 returns at or above it. The first episode each is met at is checked against an
/// independent replay of the recorded returns (per episode, inside batches); a diverged update records nothing; nothing
/// is solved before an episode has run.
/// </summary>
public class SolvedTests
{
    // CartPole-v0 (threshold 195, episodes of at most 200 steps) with 7 episodes per update, so that a criterion met
    // inside a batch shows whether it is recorded per episode or per update.
    private static TrainerOptions Batched(SolvedCriterion criterion, bool stop) => new()
    {
        EnvironmentId = CartPole.V0Id,
        BatchEpisodes = 7,
        Seed = 3,
        SolvedBy = criterion,
        StopWhenSolved = stop,
        MaxEpisodes = 1400,
    };

    /// <summary>
    /// The independent replay: from the returns of all episodes in order, the first episode (from 1) whose running reward
    /// r ← 0.95·r + 0.05·R (from 10) exceeds 195, and the first k ≥ 100 whose last 100 returns average at least 195
    /// (CartPole returns are whole numbers, so every sum here is exact and the order of summation does not matter).
    /// </summary>
    private static (long? Running, long? Mean100) Replay(IReadOnlyList<double> returns, double threshold)
    {
        long? running = null, mean = null;
        double r = 10;
        for (int k = 1; k <= returns.Count; k++)
        {
            r = (1 - 0.05) * r + 0.05 * returns[k - 1];
            running ??= r > threshold ? k : null;
            mean ??= k >= 100 && returns.Skip(k - 100).Take(100).Sum() / 100 >= threshold ? k : null;
        }
        return (running, mean);
    }

    [Test]
    public void FirstSolvedEpisodes_AreExactPerEpisode_InsideBatches()
    {
        var trainer = new ReinforceTrainer(Batched(SolvedCriterion.RunningReward, stop: false));
        var returns = new List<double>();
        var seen = new List<UpdateStatistics>();
        trainer.Train(s =>
        {
            returns.AddRange(s.EpisodeReturns.ToArray());
            seen.Add(s);
        });
        var (running, mean) = Replay(returns, CartPole.V0RewardThreshold);
        TestContext.Out.WriteLine($"running reward first > 195 after episode {running}, mean of last 100 first ≥ 195 after episode {mean}, of {returns.Count}");

        Assert.That(running, Is.Not.Null.And.Not.EqualTo(mean), "both criteria met, at different episodes");
        Assert.That(mean, Is.Not.Null);
        Assert.That((running % 7, mean % 7), Is.Not.EqualTo((0L, 0L)), "one is met inside a batch, or the test cannot tell");
        Assert.That(trainer.RunningRewardSolvedAtEpisode, Is.EqualTo(running));
        Assert.That(trainer.MeanOfLast100SolvedAtEpisode, Is.EqualTo(mean));
        Assert.That(trainer.SolvedAtEpisode, Is.EqualTo(running), "SolvedBy = RunningReward");
        Assert.That(trainer.RecentReturns.ToArray(), Is.EqualTo(returns.TakeLast(100)));
        Assert.That(trainer.MeanReturnOfLast100, Is.EqualTo(returns.TakeLast(100).Sum() / 100));
        // Each update's statistics carry what the trainer knew after that update.
        UpdateStatistics before = seen.Last(s => s.TotalEpisodes < mean), after = seen.First(s => s.TotalEpisodes >= mean);
        Assert.That((before.MeanOfLast100SolvedAtEpisode, after.MeanOfLast100SolvedAtEpisode), Is.EqualTo(((long?)null, mean)));
        Assert.That(seen.First(s => s.TotalEpisodes >= 100).MeanReturnOfLast100, Is.Not.Null);
        Assert.That(seen.Last(s => s.TotalEpisodes < 100).MeanReturnOfLast100, Is.Null);
    }

    [Test]
    public void StoppingOnTheMeanOfLast100_StopsAfterTheBatchThatMeetsIt()
    {
        var trainer = new ReinforceTrainer(Batched(SolvedCriterion.MeanOfLast100, stop: true));
        UpdateStatistics last = trainer.Train();

        Assert.That(trainer.Solved, Is.True);
        Assert.That(last.Solved, Is.True);
        Assert.That(trainer.MeanReturnOfLast100, Is.GreaterThanOrEqualTo(CartPole.V0RewardThreshold));
        Assert.That(trainer.SolvedAtEpisode, Is.EqualTo(trainer.MeanOfLast100SolvedAtEpisode));
        Assert.That(trainer.EpisodesCompleted - trainer.MeanOfLast100SolvedAtEpisode, Is.InRange(0, 6), "stopped at the end of that batch");
    }

    [Test]
    public void TheDefaultCriterion_ChangesNoNumber_AndRecordsTheEpisodeOfTheReadmeExample()
    {
        // The previous default (new TrainerOptions(), the README example until the default changed) with seed 7 stops after exactly 216 episodes: 54 updates of 4 episodes.
        // The running reward first exceeds 475 inside the last batch (at episode 213 of 213–216, measured), and that is the episode
        // recorded, whichever criterion reports it.
        var trainer = new ReinforceTrainer(new TrainerOptions { Seed = 7, MaxEpisodes = 2000 });
        trainer.Train();

        Assert.That((trainer.EpisodesCompleted, trainer.StepsCompleted), Is.EqualTo((216L, 46701L)));
        Assert.That(trainer.RunningRewardSolvedAtEpisode, Is.EqualTo(213));
        Assert.That(trainer.SolvedAtEpisode, Is.EqualTo(trainer.RunningRewardSolvedAtEpisode));
    }

    [Test]
    public void NothingIsSolved_BeforeAnEpisodeHasRun()
    {
        // A reward threshold of 0.9 is below a running reward start of 10: once, Solved was true at construction and
        // Train() returned at once.
        var trainer = new ReinforceTrainer(new TrainerOptions { Seed = 1, BatchEpisodes = 1, RunningRewardStart = 10 }, () => new WithThreshold(0.9));

        Assert.That(trainer.Solved, Is.False);
        Assert.That(trainer.IsFinished, Is.False);
        trainer.Train();
        Assert.That(trainer.EpisodesCompleted, Is.EqualTo(1), "one update of one episode, then solved");
        Assert.That(trainer.RunningRewardSolvedAtEpisode, Is.EqualTo(1));
        Assert.That(trainer.MeanReturnOfLast100, Is.Null, "fewer than 100 episodes");
        Assert.That(trainer.RecentReturns.Length, Is.EqualTo(1));
    }

    /// <summary>
    /// The default start (none: the first episode's return) suits any reward scale. CartPole with every reward × 0.001
    /// and a threshold of 0.9: an episode returns at most 0.5, so no running reward built from returns can pass 0.9 —
    /// but one that starts at 10 does at once (0.95·10 + 0.05·R ≥ 9.5), the defect of a CartPole-sized start.
    /// </summary>
    [Test]
    public void TheDefaultStart_IsTheFirstReturn_SoASmallRewardScaleIsNeverSolvedByTheStart()
    {
        TrainerOptions options = new() { Seed = 1, MaxEpisodes = 40 };
        var byDefault = new ReinforceTrainer(options, () => new WithThreshold(0.9, rewardScale: 0.001));
        var fromTen = new ReinforceTrainer(options with { RunningRewardStart = 10 }, () => new WithThreshold(0.9, rewardScale: 0.001));

        byDefault.Train();
        fromTen.Update();

        Assert.That(byDefault.Options.RunningRewardStart, Is.Null);
        Assert.That(byDefault.Solved, Is.False, $"running reward {byDefault.RunningReward}");
        Assert.That(byDefault.EpisodesCompleted, Is.EqualTo(40), "ran to the cap");
        Assert.That(byDefault.RunningReward, Is.InRange(0.0, 0.5), "an average of returns, each at most 500 × 0.001");
        Assert.That(fromTen.RunningRewardSolvedAtEpisode, Is.EqualTo(1), "the start alone is above the threshold");
    }

    [Test]
    public void WithoutAThreshold_NothingIsEverSolved()
    {
        var trainer = new ReinforceTrainer(new TrainerOptions { Seed = 1, MaxUpdates = 3 }, () => new WithThreshold(null));
        trainer.Train();

        Assert.That((trainer.Solved, trainer.RunningRewardSolvedAtEpisode, trainer.MeanOfLast100SolvedAtEpisode), Is.EqualTo((false, (long?)null, (long?)null)));
    }

    [Test]
    public void ADivergedUpdate_RecordsNoReturn()
    {
        // Episodes 1–4 are CartPole's; the 5th (first of update 3, two episodes per update) gives a NaN reward, so the
        // loss is NaN and update 3 is rolled back: the window holds exactly the four returns of updates 1 and 2.
        var trainer = new ReinforceTrainer(new TrainerOptions { Seed = 2, BatchEpisodes = 2 }, () => new WithThreshold(475, poisonEpisode: 5));
        var returns = new List<double>();
        returns.AddRange(trainer.Update().EpisodeReturns.ToArray());
        returns.AddRange(trainer.Update().EpisodeReturns.ToArray());

        Assert.That(() => trainer.Update(), Throws.InstanceOf<TrainingDivergedException>());
        Assert.That(trainer.EpisodesCompleted, Is.EqualTo(4));
        Assert.That(trainer.RecentReturns.ToArray(), Is.EqualTo(returns));
    }

    [Test]
    public void RestoreProgress_RefusesAMean100RunWithoutItsReturns_AndBadValues()
    {
        var mean100 = new ReinforceTrainer(new TrainerOptions { SolvedBy = SolvedCriterion.MeanOfLast100 });
        var running = new ReinforceTrainer(new TrainerOptions());

        Assert.That(() => mean100.RestoreProgress(5, 5, 100, 20), Throws.ArgumentException.With.Message.Contains("returns of its last 5"));
        Assert.That(() => running.RestoreProgress(5, 5, 100, 20), Throws.Nothing, "the running-reward criterion does not need them");
        Assert.That(() => running.RestoreProgress(5, 5, 100, 20, new double[6], null, null), Throws.ArgumentException);
        Assert.That(() => running.RestoreProgress(5, 5, 100, 20, [1, double.NaN], null, null), Throws.ArgumentException);
        Assert.That(() => running.RestoreProgress(5, 5, 100, 20, [], 6, null), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => running.RestoreProgress(200, 200, 4000, 20, [], null, 99), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    /// <summary>CartPole-v1 with another reward threshold; optionally a NaN reward on the first step of one episode.</summary>
    private sealed class WithThreshold(double? threshold, int poisonEpisode = 0, double rewardScale = 1) : IEnvironment
    {
        private readonly CartPole cartPole = CartPole.Create(CartPole.V1Id);
        private int episode;
        private bool poisoned;

        public string Id => cartPole.Id;
        public int ObservationSize => cartPole.ObservationSize;
        public int ActionCount => cartPole.ActionCount;
        public int? MaxEpisodeSteps => cartPole.MaxEpisodeSteps;
        public double? RewardThreshold => threshold;

        public void Reset(Span<float> observation, long? seed = null)
        {
            cartPole.Reset(observation, seed);
            poisoned = ++episode == poisonEpisode;
        }

        public StepResult Step(int action, Span<float> observation)
        {
            StepResult result = cartPole.Step(action, observation);
            if (poisoned)
            {
                poisoned = false;
                return result with { Reward = double.NaN };
            }
            return rewardScale == 1 ? result : result with { Reward = result.Reward * rewardScale };
        }
    }
}
