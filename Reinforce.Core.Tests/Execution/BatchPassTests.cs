using Reinforce.Execution.Fast;
using Reinforce.NeuralNetworks;
using Reinforce.Policies;
using Reinforce.Randomness;
using Reinforce.Tests.TestSupport;

namespace Reinforce.Tests.Execution;

/// <summary>
/// <see cref="BatchPass"/> (behind <see cref="Policy.AccumulateGradients"/>) runs a long batch a chunk of rows at a time
/// (forward, loss, backward per chunk, in row order), and with the rollout's kept logits runs only the hidden layers'
/// forward. Tolerance: none — the gradients and the loss must be the bits of one pass over the whole
/// batch, computed here independently with the public pieces: <see cref="Mlp.Forward(ReadOnlySpan{float}, int, MlpWorkspace, Span{float}, ReadOnlySpan{float})"/>,
/// <see cref="PolicyHead.LossAndGradient"/> and <see cref="Mlp.Backward"/>, each over all rows at once.
/// </summary>
public class BatchPassTests
{
    private static readonly int Chunk = BatchPass.ChunkRows;

    public static IEnumerable<TestCaseData> Cases()
    {
        foreach (int batch in new[] { Chunk - 1, Chunk, Chunk + 1, 2 * Chunk + 3 })
        {
            yield return new TestCaseData(batch, "relu", new[] { 128 }, 0.0, "categorical", 0f, LossReduction.Mean);
        }
        yield return new TestCaseData(2 * Chunk + 7, "tanh", new[] { 16, 8 }, 0.6, "categorical", 0.01f, LossReduction.Sum);
        yield return new TestCaseData(Chunk + 100, "elu", new[] { 32 }, 0.0, "bernoulli", 0.01f, LossReduction.Mean);
        yield return new TestCaseData(3 * Chunk, "leaky-relu", new[] { 24 }, 0.3, "bernoulli", 0f, LossReduction.Sum);
    }

    [TestCaseSource(nameof(Cases))]
    public void AccumulateGradients_ByChunks_GivesTheWholeBatchPass_BitForBit(int batch, string activation, int[] hidden, double dropout,
        string headName, float entropyCoefficient, LossReduction reduction)
    {
        PolicyHead head = PolicyHead.Create(headName, 2);
        Policy policy = Policy.Create(4, hidden, Activation.Parse(activation), head, new Pcg64(5), dropout: dropout);
        var random = new Pcg64(9);
        var (states, actions, weights, masks) = TestData.PolicyBatch(policy.Network, batch, dropout, random);
        var (expected, expectedLoss, _) = WholeBatchPass(policy, states, actions, weights, masks, entropyCoefficient, reduction);

        policy.Parameters.ZeroGradients();
        PolicyLoss loss = policy.AccumulateGradients(states, actions, weights, entropyCoefficient, reduction, masks);

        Assert.That(policy.Parameters.Gradients.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(expected.Select(BitConverter.SingleToInt32Bits)).AsCollection);
        Assert.That(BitConverter.DoubleToInt64Bits(loss.Loss), Is.EqualTo(BitConverter.DoubleToInt64Bits(expectedLoss.Loss)));
        Assert.That(BitConverter.DoubleToInt64Bits(loss.MeanEntropy), Is.EqualTo(BitConverter.DoubleToInt64Bits(expectedLoss.MeanEntropy)));
    }

    /// <summary>The logits the rollout kept are those of the whole-batch forward here, so the pass must give its bits.</summary>
    [TestCaseSource(nameof(Cases))]
    public void Run_WithKeptLogits_GivesTheWholeBatchPass_BitForBit(int batch, string activation, int[] hidden, double dropout,
        string headName, float entropyCoefficient, LossReduction reduction)
    {
        PolicyHead head = PolicyHead.Create(headName, 2);
        Policy policy = Policy.Create(4, hidden, Activation.Parse(activation), head, new Pcg64(5), dropout: dropout);
        var (states, actions, weights, masks) = TestData.PolicyBatch(policy.Network, batch, dropout, new Pcg64(9));
        var (expected, expectedLoss, logits) = WholeBatchPass(policy, states, actions, weights, masks, entropyCoefficient, reduction);

        policy.Parameters.ZeroGradients();
        PolicyLoss loss = BatchPass.Run(policy, states, actions, weights, entropyCoefficient, reduction, masks, keptLogits: logits);

        Assert.That(policy.Parameters.Gradients.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(expected.Select(BitConverter.SingleToInt32Bits)).AsCollection);
        Assert.That(BitConverter.DoubleToInt64Bits(loss.Loss), Is.EqualTo(BitConverter.DoubleToInt64Bits(expectedLoss.Loss)));
    }

    /// <summary>
    /// The rollout's kept hidden activations (a tanh hidden layer) are the whole-batch forward's a₁, so the pass, which then
    /// runs no forward, must give its bits; batches across the chunk boundaries, both heads, an entropy bonus and both reductions.
    /// </summary>
    [TestCase(BatchPass.ChunkRows - 1, 32, "categorical", 0.02f, LossReduction.Mean)]
    [TestCase(BatchPass.ChunkRows, 32, "categorical", 0f, LossReduction.Sum)]
    [TestCase(2 * BatchPass.ChunkRows + 3, 37, "bernoulli", 0.01f, LossReduction.Mean)]
    [TestCase(3 * BatchPass.ChunkRows + 1, 128, "categorical", 0.02f, LossReduction.Mean)]
    public void Run_WithKeptActivations_GivesTheWholeBatchPass_BitForBit(int batch, int hidden, string headName, float entropyCoefficient,
        LossReduction reduction)
    {
        Policy policy = Policy.Create(4, [hidden], Activation.Tanh, PolicyHead.Create(headName, 2), new Pcg64(5));
        var (states, actions, weights, masks) = TestData.PolicyBatch(policy.Network, batch, 0, new Pcg64(9));
        var (expected, expectedLoss, logits) = WholeBatchPass(policy, states, actions, weights, masks, entropyCoefficient, reduction);
        MlpWorkspace forward = policy.Network.CreateWorkspace(batch);
        policy.Network.Forward(states, batch, forward, new float[logits.Length]);
        float[] activations = forward.Activations(1).ToArray();

        policy.Parameters.ZeroGradients();
        PolicyLoss loss = BatchPass.Run(policy, states, actions, weights, entropyCoefficient, reduction, masks, keptLogits: logits,
            keptActivations: activations);

        Assert.That(policy.Parameters.Gradients.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(expected.Select(BitConverter.SingleToInt32Bits)).AsCollection);
        Assert.That(BitConverter.DoubleToInt64Bits(loss.Loss), Is.EqualTo(BitConverter.DoubleToInt64Bits(expectedLoss.Loss)));
    }

    /// <summary>Kept activations are only for one tanh hidden layer without dropout: any other network is refused, not miscomputed.</summary>
    [TestCase("relu", new[] { 16 }, 0.0)]
    [TestCase("elu", new[] { 16 }, 0.0)]
    [TestCase("tanh", new[] { 16, 8 }, 0.0)]
    [TestCase("tanh", new[] { 16 }, 0.5)]
    public void Run_WithKeptActivations_RefusesANetworkThatCannotRecordThem(string activation, int[] hidden, double dropout)
    {
        Policy policy = Policy.Create(4, hidden, Activation.Parse(activation), new CategoricalHead(2), new Pcg64(5), dropout: dropout);
        var (states, actions, weights, masks) = TestData.PolicyBatch(policy.Network, 10, dropout, new Pcg64(9));
        Assert.Throws<ArgumentException>(() => BatchPass.Run(policy, states, actions, weights, 0f, LossReduction.Mean, masks,
            keptLogits: new float[20], keptActivations: new float[10 * hidden[0]]));
    }

    // One pass over the whole batch from the public pieces (forward of all rows, the head's loss, backward): the gradients,
    // the loss and the logits.
    private static (float[] Gradients, PolicyLoss Loss, float[] Logits) WholeBatchPass(Policy policy, float[] states, int[] actions,
        float[] weights, float[] masks, float entropyCoefficient, LossReduction reduction)
    {
        int batch = actions.Length;
        MlpWorkspace workspace = policy.Network.CreateWorkspace(batch);
        var logits = new float[batch * policy.Head.OutputSize];
        var logitGradients = new float[logits.Length];
        policy.Network.Forward(states, batch, workspace, logits, masks);
        PolicyLoss loss = policy.Head.LossAndGradient(logits, actions, weights, entropyCoefficient, reduction, logitGradients);
        policy.Parameters.ZeroGradients();
        policy.Network.Backward(logitGradients, workspace);
        return ([.. policy.Parameters.Gradients], loss, logits);
    }

    [Test]
    public void AccumulateGradients_ByChunks_RejectsABadActionBeforeTouchingTheGradients()
    {
        Policy policy = Policy.Create(4, [8], Activation.ReLU, new CategoricalHead(2), new Pcg64(1));
        int batch = 3 * Chunk;
        int[] actions = new int[batch];
        actions[^1] = 2;
        policy.Parameters.ZeroGradients();
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => policy.AccumulateGradients(new float[4 * batch], actions, new float[batch], 0f));
        Assert.That(ex!.Message, Does.Contain($"actions[{batch - 1}] is 2"));
        Assert.That(policy.Parameters.Gradients, Is.All.EqualTo(0f));
    }
}
