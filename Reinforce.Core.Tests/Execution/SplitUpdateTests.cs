using System.Runtime.CompilerServices;
using Reinforce.Execution.Split;
using Reinforce.NeuralNetworks;
using Reinforce.Policies;
using Reinforce.Randomness;
using Reinforce.Tests.TestSupport;
using Reinforce.Tests.Training;

namespace Reinforce.Tests.Execution;

/// <summary>
/// <see cref="SplitUpdate"/> runs a batch's forward, loss and backward on several workers (layer 1 and the backward by
/// hidden units, layer 2 and the head by rows). Tolerance: none — the gradients and the loss must be the bits of the
/// one-worker <see cref="Policy.AccumulateGradients"/> (itself tested against one whole-batch pass of the public pieces in
/// <see cref="PolicyChunkedUpdateTests"/>), for 1, 2 and 3 workers, batches shorter than a chunk, of odd lengths and of
/// many chunks, both reductions, with dropout, and for other activations and heads.
/// </summary>
public class SplitUpdateTests
{
    public static IEnumerable<TestCaseData> Cases()
    {
        foreach (int workers in new[] { 1, 2, 3 })
        {
            foreach (int batch in new[] { 1, 7, 127, 256, 257, 1001 })
            {
                yield return new TestCaseData(workers, batch, 128, "relu", new[] { 128 }, 0.0, "categorical", 0f, LossReduction.Mean);
            }
            yield return new TestCaseData(workers, 777, 128, "tanh", new[] { 128 }, 0.6, "categorical", 0.01f, LossReduction.Sum);
            yield return new TestCaseData(workers, 300, 64, "tanh", new[] { 33 }, 0.3, "categorical", 0.01f, LossReduction.Mean);
            yield return new TestCaseData(workers, 519, 100, "elu", new[] { 24 }, 0.0, "bernoulli", 0.01f, LossReduction.Mean);
            yield return new TestCaseData(workers, 390, 256, "leaky-relu", new[] { 8 }, 0.5, "bernoulli", 0f, LossReduction.Sum);
            yield return new TestCaseData(workers, 8000, 256, "relu", new[] { 128 }, 0.0, "categorical", 0f, LossReduction.Mean);
        }
    }

    [TestCaseSource(nameof(Cases))]
    public void AccumulateGradients_OnSeveralWorkers_GivesTheOneWorkerPass_BitForBit(int workers, int batch, int chunkRows, string activation,
        int[] hidden, double dropout, string headName, float entropyCoefficient, LossReduction reduction)
    {
        PolicyHead head = PolicyHead.Create(headName, 2);
        Policy policy = Policy.Create(4, hidden, Activation.Parse(activation), head, new Pcg64(5), dropout: dropout);
        var random = new Pcg64(9);
        var (states, actions, weights, masks) = TestData.PolicyBatch(policy.Network, batch, dropout, random);
        // Gradients accumulate: start both from the same non-zero values.
        float[] initial = Enumerable.Range(0, policy.Parameters.Length).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();

        initial.CopyTo(policy.Parameters.Gradients, 0);
        PolicyLoss expectedLoss = policy.AccumulateGradients(states, actions, weights, entropyCoefficient, reduction, masks);
        float[] expected = [.. policy.Parameters.Gradients];

        var split = new SplitUpdate(policy, workers, chunkRows);
        for (int repeat = 0; repeat < 3; repeat++) // the helpers join passes at different moments
        {
            initial.CopyTo(policy.Parameters.Gradients, 0);
            PolicyLoss loss = split.AccumulateGradients(states, actions, weights, entropyCoefficient, reduction, masks);

            Assert.That(policy.Parameters.Gradients.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(expected.Select(BitConverter.SingleToInt32Bits)).AsCollection);
            Assert.That(BitConverter.DoubleToInt64Bits(loss.Loss), Is.EqualTo(BitConverter.DoubleToInt64Bits(expectedLoss.Loss)));
            Assert.That(BitConverter.DoubleToInt64Bits(loss.PolicyTerm), Is.EqualTo(BitConverter.DoubleToInt64Bits(expectedLoss.PolicyTerm)));
            Assert.That(BitConverter.DoubleToInt64Bits(loss.MeanEntropy), Is.EqualTo(BitConverter.DoubleToInt64Bits(expectedLoss.MeanEntropy)));
        }
    }

    [Test]
    public void AccumulateGradients_RejectsABadActionBeforeTouchingTheGradients()
    {
        Policy policy = Policy.Create(4, [8], Activation.ReLU, new CategoricalHead(2), new Pcg64(1));
        var split = new SplitUpdate(policy, 2);
        int batch = 600;
        int[] actions = new int[batch];
        actions[^1] = 2;
        policy.Parameters.ZeroGradients();
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => split.AccumulateGradients(new float[4 * batch], actions, new float[batch], 0f));
        Assert.That(ex!.Message, Does.Contain($"actions[{batch - 1}] is 2"));
        Assert.That(policy.Parameters.Gradients, Is.All.EqualTo(0f));
    }

    /// <summary>
    /// The helper threads hold their split only weakly between passes: once nothing else refers to it the collector reclaims
    /// it (and the helpers, which look every <see cref="SplitUpdate.IdleCheckMilliseconds"/>, then end).
    /// </summary>
    [Test]
    public void SplitUpdate_OnceAbandoned_IsCollected()
    {
        WeakReference split = UsedAndAbandonedSplit();

        Assert.That(ParallelRolloutTests.CollectedWithin(split, attempts: 100), Is.True);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference UsedAndAbandonedSplit()
    {
        Policy policy = Policy.Create(4, [64], Activation.ReLU, new CategoricalHead(2), new Pcg64(1));
        var split = new SplitUpdate(policy, 3, 64);
        const int rows = 200;
        split.AccumulateGradients(TestData.Uniform(4 * rows, 1), new int[rows], TestData.Uniform(rows, 2), 0f);
        return new WeakReference(split);
    }

    [Test]
    public void Supports_OnlyNetworksWithOneHiddenLayer()
    {
        Assert.That(SplitUpdate.Supports(Policy.Create(4, [128], Activation.ReLU, new CategoricalHead(2), new Pcg64(1))), Is.True);
        Policy deeper = Policy.Create(4, [16, 8], Activation.ReLU, new CategoricalHead(2), new Pcg64(1));
        Assert.That(SplitUpdate.Supports(deeper), Is.False);
        Assert.Throws<ArgumentException>(() => new SplitUpdate(deeper, 2));
    }
}
