using Reinforce.NeuralNetworks;
using Reinforce.Policies;
using Reinforce.Training;

namespace Reinforce.Tests.Training;

/// <summary>
/// With <see cref="TrainerOptions.Threads"/> &gt; 1 the trainer may split a batch's gradient pass across the workers
/// (<see cref="SplitUpdate"/>). Tolerance: none — weights, Adam's moments, losses and counters after every
/// update must be the bits of the one-thread run (the expected values), here with the split forced on for every batch.
/// </summary>
[TestFixture]
public sealed class SplitUpdateTrainingTests
{
    private const int Updates = 5;

    private static TrainerOptions Options(int threads) => new()
    {
        Seed = 77,
        BatchEpisodes = 16,
        MaxUpdates = Updates,
        StopWhenSolved = false,
        Threads = threads,
    };

    public static IEnumerable<TestCaseData> Cases()
    {
        yield return new TestCaseData(Options(1), 2).SetName("{m}(by episodes, default network, 2 threads)");
        yield return new TestCaseData(Options(1), 3).SetName("{m}(by episodes, default network, 3 threads)");
        yield return new TestCaseData(Options(1) with { BatchSteps = 700 }, 2).SetName("{m}(by steps, 2 threads)");
        yield return new TestCaseData(Options(1) with { Dropout = 0.6, HiddenActivation = Activation.Tanh, EntropyCoefficient = 0.01 }, 2)
            .SetName("{m}(dropout, tanh, entropy, 2 threads)");
        yield return new TestCaseData(Options(1) with { LossReduction = LossReduction.Sum, HiddenSizes = [37] }, 2)
            .SetName("{m}(summed loss, 37 hidden units, 2 threads)");
    }

    [TestCaseSource(nameof(Cases))]
    public void Update_WithTheSplitPass_GivesTheOneThreadRunBitForBit(TrainerOptions sequentialOptions, int threads)
    {
        if (Environment.ProcessorCount < 2)
        {
            Assert.Ignore("The trainer splits the pass only on a machine with several processors (SplitUpdateTests cover the split itself).");
        }
        var sequential = new ReinforceTrainer(sequentialOptions);
        var parallel = new ReinforceTrainer(sequentialOptions with { Threads = threads }) { SplitUpdateMinimumRows = 1, SplitMode = SplitUpdateMode.Always };
        Assert.That(parallel.SplitUpdateWorkers, Is.EqualTo(Math.Min(threads, Environment.ProcessorCount)));
        for (int update = 1; update <= Updates; update++)
        {
            UpdateStatistics expected = sequential.Update();
            UpdateStatistics actual = parallel.Update();
            Assert.That(BitConverter.DoubleToInt64Bits(actual.Loss), Is.EqualTo(BitConverter.DoubleToInt64Bits(expected.Loss)), $"loss of update {update}");
            Assert.That(Bits(parallel.Policy.Parameters.Values), Is.EqualTo(Bits(sequential.Policy.Parameters.Values)).AsCollection, $"weights after update {update}");
            for (int i = 0; i < sequential.Optimizer.StateBuffers.Count; i++)
            {
                Assert.That(Bits(parallel.Optimizer.StateBuffers[i].Buffer), Is.EqualTo(Bits(sequential.Optimizer.StateBuffers[i].Buffer)).AsCollection);
            }
        }
        Assert.That(parallel.StepsCompleted, Is.EqualTo(sequential.StepsCompleted));
    }

    /// <summary>
    /// The default mode picks, batch by batch, whichever pass measured faster (the one-worker pass first, then the split, then
    /// the faster with a probe of the other every 8 batches): whatever it picks, the run is the one-thread run's bits.
    /// </summary>
    [Test]
    public void Update_ChoosingThePassByItsMeasuredSpeed_GivesTheOneThreadRunBitForBit()
    {
        TrainerOptions options = Options(1) with { MaxUpdates = 12 };
        var sequential = new ReinforceTrainer(options);
        var parallel = new ReinforceTrainer(options with { Threads = 2 }) { SplitUpdateMinimumRows = 1 };
        Assert.That(parallel.SplitMode, Is.EqualTo(SplitUpdateMode.Auto));
        for (int update = 1; update <= 12; update++)
        {
            sequential.Update();
            parallel.Update();
            Assert.That(Bits(parallel.Policy.Parameters.Values), Is.EqualTo(Bits(sequential.Policy.Parameters.Values)).AsCollection, $"weights after update {update}");
        }
    }

    [Test]
    public void Trainer_WithOneThread_NeverSplits()
        => Assert.That(new ReinforceTrainer(Options(1)).SplitUpdateWorkers, Is.EqualTo(1));

    private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();
}
