using Reinforce.NeuralNetworks;
using Reinforce.Training;

namespace Reinforce.Tests.Training;

/// <summary>
/// Lockstep rollouts (several episodes advanced together over a VectorCartPole with one batched forward per step)
/// give the one-episode-at-a-time collection bit for bit. Tolerance: none — every update's episode lengths,
/// observations, actions and dropout masks, and the weights and Adam moments after it, are compared as bit
/// patterns. The expected run is the same trainer built with the internal <c>lockstep: false</c> switch, which
/// keeps the sequential loop of <c>ReinforceTrainer.RunEpisode</c>.
/// </summary>
[TestFixture]
public sealed class LockstepRolloutTests
{
    private const int Updates = 8;

    private static TrainerOptions Options(string activation) => new()
    {
        Seed = 11,
        HiddenSizes = [24],
        HiddenActivation = Activation.Parse(activation),
        BatchEpisodes = 5,
        MaxUpdates = Updates,
        StopWhenSolved = false,
    };

    [TestCase("relu")]
    [TestCase("tanh")]
    [TestCase("leaky-relu")]
    [TestCase("elu")]
    public void Update_ByEpisodes_GivesTheSequentialRunBitForBit(string activation)
        => AssertSameRun(Options(activation));

    [TestCase(1)]
    [TestCase(37)]
    [TestCase(300)]
    [TestCase(2000)]
    public void Update_BySteps_KeepsTheSequentialEpisodesBitForBit(int batchSteps)
        => AssertSameRun(Options("relu") with { BatchSteps = batchSteps });

    [TestCase(false)]
    [TestCase(true)]
    public void Update_WithDropout_DrawsEachEpisodesMasksFromItsOwnStream(bool bySteps)
    {
        TrainerOptions options = Options("relu") with { Dropout = 0.6, HiddenSizes = [16, 8] };
        AssertSameRun(bySteps ? options with { BatchSteps = 250 } : options);
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Update_WithTheBernoulliHead_GivesTheSequentialRunBitForBit(bool bySteps)
    {
        TrainerOptions options = Options("elu") with { Head = "bernoulli" };
        AssertSameRun(bySteps ? options with { BatchSteps = 400 } : options);
    }

    /// <summary>More episodes than one group has lanes (16): finished lanes take the next episode indices.</summary>
    [Test]
    public void Update_WithMoreEpisodesThanLanes_GivesTheSequentialRunBitForBit()
        => AssertSameRun(Options("relu") with { BatchEpisodes = 23, HiddenSizes = [8] });

    [TestCase(2, false)]
    [TestCase(3, true)]
    public void Update_OnSeveralWorkers_EachALockstepGroup_GivesTheSequentialRunBitForBit(int threads, bool bySteps)
    {
        TrainerOptions options = Options("tanh") with { Threads = threads, Dropout = bySteps ? 0.3 : 0 };
        AssertSameRun(bySteps ? options with { BatchSteps = 333 } : options);
    }

    [Test]
    public void Update_OnCartPoleV0WithTheSemiImplicitIntegrator_GivesTheSequentialRunBitForBit()
        => AssertSameRun(Options("relu") with
        {
            EnvironmentId = "CartPole-v0",
            Integrator = Reinforce.Environments.CartPoleIntegrator.SemiImplicitEuler,
            SuttonBartoReward = true,
            MaxEpisodeSteps = 40,
        });

    private static void AssertSameRun(TrainerOptions options)
    {
        var sequential = new ReinforceTrainer(options with { Threads = 1 }, null, lockstep: false);
        var lockstep = new ReinforceTrainer(options, null, lockstep: true);
        Assert.That((sequential.UsesLockstep, lockstep.UsesLockstep), Is.EqualTo((false, true)), "the two paths under comparison");
        for (int update = 1; update <= Updates; update++)
        {
            UpdateStatistics expected = sequential.Update();
            UpdateStatistics actual = lockstep.Update();
            string at = $"update {update}";
            Assert.That(actual.EpisodeLengths.ToArray(), Is.EqualTo(expected.EpisodeLengths.ToArray()).AsCollection, at);
            Assert.That(actual.EpisodeReturns.ToArray(), Is.EqualTo(expected.EpisodeReturns.ToArray()).AsCollection, at);
            Assert.That(Bits(lockstep.LastBatch.Observations), Is.EqualTo(Bits(sequential.LastBatch.Observations)).AsCollection, at);
            Assert.That(lockstep.LastBatch.Actions.ToArray(), Is.EqualTo(sequential.LastBatch.Actions.ToArray()).AsCollection, at);
            Assert.That(Bits(lockstep.LastBatch.DropoutMasks), Is.EqualTo(Bits(sequential.LastBatch.DropoutMasks)).AsCollection, at);
            Assert.That(BitConverter.DoubleToInt64Bits(actual.Loss), Is.EqualTo(BitConverter.DoubleToInt64Bits(expected.Loss)), at);
            Assert.That(Bits(lockstep.Policy.Parameters.Values), Is.EqualTo(Bits(sequential.Policy.Parameters.Values)).AsCollection, at);
            for (int b = 0; b < sequential.Optimizer.StateBuffers.Count; b++)
            {
                Assert.That(Bits(lockstep.Optimizer.StateBuffers[b].Buffer), Is.EqualTo(Bits(sequential.Optimizer.StateBuffers[b].Buffer)).AsCollection, at);
            }
        }
        Assert.That(lockstep.EpisodesCompleted, Is.EqualTo(sequential.EpisodesCompleted));
        Assert.That(lockstep.StepsCompleted, Is.EqualTo(sequential.StepsCompleted));
    }

    private static int[] Bits(ReadOnlySpan<float> values)
    {
        var bits = new int[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            bits[i] = BitConverter.SingleToInt32Bits(values[i]);
        }
        return bits;
    }
}
