using Reinforce.Environments;
using Reinforce.NeuralNetworks;
using Reinforce.Policies;
using Reinforce.Returns;
using Reinforce.Training;

namespace Reinforce.Tests.Training;

/// <summary>The REINFORCE trainer: learning, determinism, batching, statistics and failure handling.</summary>
public class TrainerTests
{
    /// <summary>
    /// The configuration of PyTorch's <c>reinforce.py</c> (pytorch/examples, reinforcement_learning/reinforce.py): 4→128 ReLU→2,
    /// Adam 1e-2, γ 0.99, one episode per update, returns normalised per episode by (std + ε), the
    /// loss summed over steps, running reward weight 0.05 from 10, on CartPole-v1.
    /// </summary>
    private static TrainerOptions PyTorchExample(ulong seed) => new()
    {
        EnvironmentId = "CartPole-v1",
        HiddenSizes = [128],
        HiddenActivation = Activation.ReLU,
        LearningRate = 1e-2,
        Gamma = 0.99,
        Returns = ReturnKind.Discounted,
        BatchEpisodes = 1,
        Normalization = Normalization.PerEpisode,
        LossReduction = LossReduction.Sum,
        RunningRewardWeight = 0.05,
        RunningRewardStart = 10,
        Seed = seed,
    };

    /// <summary>
    /// Solves CartPole-v1 (running reward &gt; 475) within 800 episodes for seeds 7, 8 and 9.
    /// Measured (since the library's own exp, log and tanh): 295, 235 and 385 episodes. The cap is about twice the slowest. Over
    /// seeds 1–30 with a 3000-episode cap, 24 of 30 solve (median 499 episodes) and 6 collapse to
    /// a deterministic failing policy — a known property of REINFORCE at lr 1e-2, not a defect.
    /// </summary>
    [TestCase(7UL)]
    [TestCase(8UL)]
    [TestCase(9UL)]
    public void PyTorchExampleConfiguration_SolvesCartPoleV1_WithinTheCap(ulong seed)
    {
        var trainer = new ReinforceTrainer(PyTorchExample(seed) with { MaxEpisodes = 800 });
        var last = trainer.Train();
        Assert.That(trainer.Solved, Is.True, $"running reward {trainer.RunningReward:F1} after {trainer.EpisodesCompleted} episodes");
        Assert.That(last.Solved, Is.True);
        Assert.That(trainer.RunningReward, Is.GreaterThan(475));
    }

    /// <summary>
    /// Spinning Up's reward-to-go policy gradient (OpenAI Spinning Up, its reward-to-go version of the simplest policy gradient): CartPole-v0, 4→32 tanh→2,
    /// Adam 1e-2, ≥ 5000 steps per batch, weights = reward-to-go, no normalisation, loss the mean.
    /// Within its 50 epochs the mean return of a batch reaches ≥ 195 (v0's reward threshold) for
    /// seed 1 (measured: 199.8 at the last epoch).
    /// </summary>
    [Test]
    public void SpinningUpRewardToGoConfiguration_ReachesMeanReturn195OnV0()
    {
        var trainer = new ReinforceTrainer(new TrainerOptions
        {
            EnvironmentId = "CartPole-v0",
            HiddenSizes = [32],
            HiddenActivation = Activation.Tanh,
            LearningRate = 1e-2,
            BatchSteps = 5000,
            Returns = ReturnKind.RewardToGo,
            Normalization = Normalization.None,
            MaxUpdates = 50,
            StopWhenSolved = false,
            Seed = 1,
        });
        double best = 0;
        trainer.Train(s => best = Math.Max(best, s.MeanReturn));
        Assert.That(best, Is.GreaterThanOrEqualTo(195));
    }

    [Test]
    public void SameSeed_GivesIdenticalWeights_AndAnotherSeedDoesNot()
    {
        float[] Run(ulong seed)
        {
            var trainer = new ReinforceTrainer(PyTorchExample(seed) with { MaxUpdates = 30 });
            trainer.Train();
            return trainer.Policy.Parameters.Values;
        }
        float[] first = Run(5), second = Run(5), other = Run(6);
        Assert.That(second, Is.EqualTo(first), "bit for bit");
        Assert.That(other, Is.Not.EqualTo(first));
    }

    /// <summary>
    /// Golden value, a determinism regression check: with the configuration above, seed 7 solves
    /// after exactly 295 episodes and 76 293 steps. CI runs this test with Vector&lt;float&gt;.Count = 8
    /// and again with hardware intrinsics off (Count = 4): the same numbers in both runs show that
    /// the whole pipeline is independent of the vector width. A deliberate change to the numerics
    /// (operation order, initialisation, sampling) changes these numbers: update them in the same
    /// commit and say why.
    /// </summary>
    [Test]
    public void Training_IsBitReproducible_WhateverTheVectorWidth()
    {
        var trainer = new ReinforceTrainer(PyTorchExample(7) with { MaxEpisodes = 500 });
        trainer.Train();
        Assert.That((trainer.EpisodesCompleted, trainer.StepsCompleted), Is.EqualTo((295L, 76293L)));
    }

    [Test]
    public void BatchBySteps_CollectsAtLeastNSteps_AndFinishesTheEpisodeInProgress()
    {
        var trainer = new ReinforceTrainer(new TrainerOptions { BatchSteps = 300, MaxUpdates = 1, Seed = 3 });
        var stats = trainer.Update();
        int[] lengths = stats.EpisodeLengths.ToArray();
        Assert.That(stats.Steps, Is.GreaterThanOrEqualTo(300));
        Assert.That(lengths.Sum(), Is.EqualTo(stats.Steps));
        Assert.That(stats.Steps - lengths[^1], Is.LessThan(300), "the last episode started below the target");
        Assert.That(stats.Episodes, Is.EqualTo(lengths.Length));
    }

    /// <summary>
    /// Statistics against values recomputed from the batch: for CartPole every reward is 1, so an
    /// episode's return is its length; the running reward after one update of N episodes starts at the first episode's
    /// return (no start given) and follows r ← 0.95·r + 0.05·R in episode order.
    /// </summary>
    [Test]
    public void UpdateStatistics_AgreeWithTheBatch()
    {
        var trainer = new ReinforceTrainer(new TrainerOptions { BatchEpisodes = 4, Seed = 12 });
        var stats = trainer.Update();
        double[] returns = stats.EpisodeReturns.ToArray();
        int[] lengths = stats.EpisodeLengths.ToArray();
        Assert.That(returns, Is.EqualTo(lengths.Select(l => (double)l).ToArray()));
        double running = returns[0];
        foreach (double r in returns.Skip(1))
        {
            running = 0.95 * running + 0.05 * r;
        }
        double mean = returns.Average();
        Assert.Multiple(() =>
        {
            Assert.That(stats.Update, Is.EqualTo(1));
            Assert.That(stats.Episodes, Is.EqualTo(4));
            Assert.That(stats.TotalEpisodes, Is.EqualTo(4));
            Assert.That(stats.TotalSteps, Is.EqualTo(lengths.Sum()));
            Assert.That(stats.MeanReturn, Is.EqualTo(mean).Within(1e-12));
            Assert.That(stats.StdReturn, Is.EqualTo(Math.Sqrt(returns.Select(r => (r - mean) * (r - mean)).Average())).Within(1e-12));
            Assert.That(stats.MinReturn, Is.EqualTo(returns.Min()));
            Assert.That(stats.MaxReturn, Is.EqualTo(returns.Max()));
            Assert.That(stats.MeanLength, Is.EqualTo(lengths.Average()).Within(1e-12));
            Assert.That(stats.RunningReward, Is.EqualTo(running).Within(1e-12));
            Assert.That(stats.Entropy, Is.InRange(0.0, Math.Log(2) + 1e-6), "entropy of two actions");
            Assert.That(stats.Solved, Is.False);
        });
    }

    /// <summary>
    /// Per-step weights for a fixed environment whose rewards are 1, 2, 3 (then it terminates):
    /// discounted with γ = 0.5 gives G = (1 + 0.5·(2 + 0.5·3), 2 + 0.5·3, 3) = (2.75, 3.5, 3);
    /// normalised per episode with the unbiased std 0.3818813 it gives (−1.0910895, 0.8728716,
    /// −(sum of the others)). Tolerance 1e-6.
    /// </summary>
    [Test]
    public void Weights_AreTheDiscountedReturns_NormalisedPerEpisode()
    {
        var trainer = new ReinforceTrainer(new TrainerOptions { Returns = ReturnKind.Discounted, Normalization = Normalization.PerEpisode, Gamma = 0.5, BatchEpisodes = 1, MaxEpisodeSteps = 10 }, () => new ScriptedEnvironment([1, 2, 3]));
        trainer.Update();
        float[] weights = trainer.LastBatch.Weights.ToArray();
        Assert.That(trainer.LastBatch.Rewards.ToArray(), Is.EqualTo(new[] { 1f, 2f, 3f }));
        double mean = (2.75 + 3.5 + 3) / 3, std = Math.Sqrt((Math.Pow(2.75 - mean, 2) + Math.Pow(3.5 - mean, 2) + Math.Pow(3 - mean, 2)) / 2);
        double[] expected = [.. new[] { 2.75, 3.5, 3 }.Select(g => (g - mean) / (std + ReturnCalculator.DefaultEpsilon))];
        Assert.That(weights, Is.EqualTo(expected).Within(1e-6));
    }

    [Test]
    public void Baseline_SubtractsTheBatchMean_BeforeAnyNormalisation()
    {
        var trainer = new ReinforceTrainer(new TrainerOptions { Gamma = 1, Normalization = Normalization.None, Baseline = true, BatchEpisodes = 1, MaxEpisodeSteps = 10 },
            () => new ScriptedEnvironment([1, 2, 3]));
        trainer.Update();
        // Reward-to-go (6, 5, 3), mean 14/3.
        Assert.That(trainer.LastBatch.Weights.ToArray(), Is.EqualTo(new[] { 6 - 14 / 3.0, 5 - 14 / 3.0, 3 - 14 / 3.0 }).Within(1e-6));
    }

    [Test]
    public void NonFiniteLoss_StopsTheUpdate_NamingIt_AndLeavesTheWeights()
    {
        var trainer = new ReinforceTrainer(new TrainerOptions { Normalization = Normalization.None, MaxEpisodeSteps = 10 },
            () => new ScriptedEnvironment([1, float.NaN, 1]));
        float[] before = (float[])trainer.Policy.Parameters.Values.Clone();
        var ex = Assert.Throws<TrainingDivergedException>(() => trainer.Update());
        Assert.That(ex!.Update, Is.EqualTo(1));
        Assert.That(ex.Tensor, Is.EqualTo("loss"));
        Assert.That(ex.Message, Does.Contain("Update 1").And.Contain("non-finite loss"));
        Assert.That(trainer.Policy.Parameters.Values, Is.EqualTo(before));
        Assert.That(trainer.Optimizer.StepCount, Is.Zero);
    }

    /// <summary>
    /// A finite loss with an overflowing gradient: with zero weights p = ½ exactly; rewards of 1e38
    /// give returns up to 3e38 (finite floats), so dz = G·(p − onehot) ≈ ±1.5e38, and with an
    /// observation of 10 the product dW = dz·x ≈ 1.5e39 overflows float, while the loss, summed in
    /// double, stays finite.
    /// </summary>
    [Test]
    public void NonFiniteGradient_StopsTheUpdate_NamingTheTensor()
    {
        var trainer = new ReinforceTrainer(
            new TrainerOptions { HiddenSizes = [], Normalization = Normalization.None, LossReduction = LossReduction.Sum, MaxEpisodeSteps = 10 },
            () => new ScriptedEnvironment([1e38f, 1e38f, 1e38f], observation: 10f));
        Array.Clear(trainer.Policy.Parameters.Values);
        float[] before = (float[])trainer.Policy.Parameters.Values.Clone();
        var ex = Assert.Throws<TrainingDivergedException>(() => trainer.Update());
        Assert.That(ex!.Tensor, Is.EqualTo("gradient of 0.weight"));
        Assert.That(trainer.Policy.Parameters.Values, Is.EqualTo(before));
    }

    /// <summary>
    /// A finite gradient can still overflow a weight: with SGD and lr = 3e38 any gradient entry above ~1.13 in
    /// magnitude gives a step beyond float.MaxValue. The update must put everything back: weights, the step
    /// count, the episode and step counters and the running reward are those before it (so a checkpoint taken
    /// then holds the last good update).
    /// </summary>
    [Test]
    public void AStepThatOverflowsAWeight_IsRolledBack_WeightsCountersAndAll()
    {
        var trainer = new ReinforceTrainer(new TrainerOptions { Optimizer = "sgd", LearningRate = 3e38, Normalization = Normalization.None, Seed = 3 });
        float[] before = (float[])trainer.Policy.Parameters.Values.Clone();
        var counters = (trainer.UpdatesCompleted, trainer.EpisodesCompleted, trainer.StepsCompleted, trainer.RunningReward, trainer.Optimizer.StepCount);

        var ex = Assert.Throws<TrainingDivergedException>(() => trainer.Update());

        Assert.That(ex!.Tensor, Does.EndWith("after the step"));
        Assert.That(trainer.Policy.Parameters.Values, Is.EqualTo(before), "bit for bit the weights before the update");
        Assert.That((trainer.UpdatesCompleted, trainer.EpisodesCompleted, trainer.StepsCompleted, trainer.RunningReward, trainer.Optimizer.StepCount),
            Is.EqualTo(counters));
    }

    [Test]
    public void AnAdamStepThatOverflowsItsMoments_IsRolledBack()
    {
        // lr = 1e38 with Adam: the first step is lr/(1 − β₁) · m̂/√v̂ ≈ 1e39 per weight, beyond float.MaxValue.
        var trainer = new ReinforceTrainer(new TrainerOptions { LearningRate = 1e38, Seed = 1 });
        var adam = (Reinforce.Optimizers.Adam)trainer.Optimizer;

        Assert.Throws<TrainingDivergedException>(() => trainer.Update());

        Assert.That(adam.FirstMoment, Has.All.EqualTo(0f));
        Assert.That(adam.SecondMoment, Has.All.EqualTo(0f));
        Assert.That(adam.StepCount, Is.Zero);
        Assert.That(trainer.Policy.Parameters.Values, Has.All.Matches<float>(float.IsFinite));
    }

    [Test]
    public void Train_StopsAtTheCaps()
    {
        var byUpdates = new ReinforceTrainer(new TrainerOptions { MaxUpdates = 3, Seed = 2 });
        Assert.That(byUpdates.Train().Update, Is.EqualTo(3));
        var byEpisodes = new ReinforceTrainer(new TrainerOptions { MaxEpisodes = 5, BatchEpisodes = 2, Seed = 2 });
        byEpisodes.Train();
        Assert.That(byEpisodes.EpisodesCompleted, Is.EqualTo(6), "caps are checked between updates: 3 updates of 2 episodes");
    }

    [Test]
    public void RestoreProgress_ContinuesTheSameRun()
    {
        var whole = new ReinforceTrainer(PyTorchExample(4) with { MaxUpdates = 12 });
        whole.Train();

        var first = new ReinforceTrainer(PyTorchExample(4) with { MaxUpdates = 5 });
        first.Train();
        var second = new ReinforceTrainer(PyTorchExample(4) with { MaxUpdates = 12 });
        first.Policy.Parameters.Values.CopyTo(second.Policy.Parameters.Values, 0);
        var (firstAdam, secondAdam) = ((Reinforce.Optimizers.Adam)first.Optimizer, (Reinforce.Optimizers.Adam)second.Optimizer);
        firstAdam.FirstMoment.CopyTo(secondAdam.FirstMoment, 0);
        firstAdam.SecondMoment.CopyTo(secondAdam.SecondMoment, 0);
        secondAdam.StepCount = firstAdam.StepCount;
        second.RestoreProgress(first.UpdatesCompleted, first.EpisodesCompleted, first.StepsCompleted, first.RunningReward);
        second.Train();

        Assert.That(second.Policy.Parameters.Values, Is.EqualTo(whole.Policy.Parameters.Values));
        Assert.That(second.RunningReward, Is.EqualTo(whole.RunningReward));
    }

    private static IEnumerable<TestCaseData> BadOptions()
    {
        yield return new TestCaseData(new TrainerOptions { LearningRate = -1e-3 }, "LearningRate");
        yield return new TestCaseData(new TrainerOptions { LearningRate = double.NaN }, "LearningRate");
        yield return new TestCaseData(new TrainerOptions { Gamma = 1.5 }, "Gamma");
        yield return new TestCaseData(new TrainerOptions { HiddenSizes = [128, 0] }, "HiddenSizes");
        yield return new TestCaseData(new TrainerOptions { EnvironmentId = "MountainCar-v0" }, "EnvironmentId");
        yield return new TestCaseData(new TrainerOptions { Head = "gaussian" }, "Head");
        yield return new TestCaseData(new TrainerOptions { Optimizer = "rmsprop" }, "Optimizer");
        yield return new TestCaseData(new TrainerOptions { BatchEpisodes = 0 }, "BatchEpisodes");
        yield return new TestCaseData(new TrainerOptions { BatchSteps = 0 }, "BatchSteps");
        yield return new TestCaseData(new TrainerOptions { EntropyCoefficient = double.PositiveInfinity }, "EntropyCoefficient");
        yield return new TestCaseData(new TrainerOptions { RunningRewardWeight = 0 }, "RunningRewardWeight");
        yield return new TestCaseData(new TrainerOptions { Threads = 0 }, "Threads");
        yield return new TestCaseData(new TrainerOptions { MaxEpisodeSteps = 0 }, "MaxEpisodeSteps");
        // Checked in the type they are used in: float32 in the update.
        yield return new TestCaseData(new TrainerOptions { LearningRate = 1e39 }, "LearningRate").SetName("Validate_RejectsALearningRateThatOverflowsFloat32");
        yield return new TestCaseData(new TrainerOptions { LearningRate = 1e-50 }, "LearningRate").SetName("Validate_RejectsALearningRateThatRoundsToZeroInFloat32");
        yield return new TestCaseData(new TrainerOptions { EntropyCoefficient = 1e300 }, "EntropyCoefficient").SetName("Validate_RejectsAnEntropyCoefficientThatOverflowsFloat32");
        // The flags' own limits, so a checkpoint cannot ask for more than a flag can.
        yield return new TestCaseData(new TrainerOptions { Threads = 100_000 }, "Threads").SetName("Validate_RejectsMoreThreadsThanTheFlagAllows");
        yield return new TestCaseData(new TrainerOptions { HiddenSizes = [65537] }, "HiddenSizes");
        yield return new TestCaseData(new TrainerOptions { HiddenSizes = Enumerable.Repeat(4, 65).ToArray() }, "HiddenSizes");
        yield return new TestCaseData(new TrainerOptions { BatchEpisodes = 10_000_000 }, "BatchEpisodes").SetName("Validate_RejectsBuffersBeyondTheMemoryLimit");
    }

    [Test]
    public void BufferBytes_CountsParametersAndBatchRows_WithoutOverflow()
    {
        // 4-128-2: 898 parameters × 4 buffers; 2000 rows × (7 floats × 2 batches + 2·(4 + 128 + 2) + 2·128 + 2·2) floats; 4 bytes each.
        long expected = 4L * (4 * 898 + 2000L * (7 * 2 + 2 * 134 + 2 * 128 + 4));
        Assert.That(new TrainerOptions { BatchEpisodes = 4 }.BufferBytes(4, 2, 500), Is.EqualTo(expected));
        Assert.That(new TrainerOptions { BatchEpisodes = int.MaxValue, HiddenSizes = [65536, 65536] }.BufferBytes(4, 2, int.MaxValue), Is.EqualTo(long.MaxValue));
    }

    [TestCaseSource(nameof(BadOptions))]
    public void Validate_RejectsBadOptions_NamingTheOptionAndWhatIsAccepted(TrainerOptions options, string option)
    {
        var ex = Assert.Throws<ArgumentException>(options.Validate);
        Assert.That(ex!.ParamName, Is.EqualTo(option));
        Assert.That(ex.Message, Does.Contain("expected"));
    }

    /// <summary>A deterministic environment: fixed rewards, then termination; one constant observation.</summary>
    private sealed class ScriptedEnvironment(float[] rewards, float observation = 0.1f) : IEnvironment
    {
        private int step;

        public string Id => "Scripted";

        public int ObservationSize => 4;

        public int ActionCount => 2;

        public int? MaxEpisodeSteps => null;

        public double? RewardThreshold => null;

        public void Reset(Span<float> observationOut, long? seed = null)
        {
            step = 0;
            observationOut.Fill(0);
            observationOut[0] = observation;
        }

        public StepResult Step(int action, Span<float> observationOut)
        {
            float reward = rewards[step++];
            observationOut.Fill(0);
            observationOut[0] = observation;
            return new StepResult(reward, step == rewards.Length, false);
        }
    }
}
