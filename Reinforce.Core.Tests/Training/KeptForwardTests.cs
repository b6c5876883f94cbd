using Reinforce.NeuralNetworks;
using Reinforce.Numerics;
using Reinforce.Policies;
using Reinforce.Randomness;
using Reinforce.Training;
using Reinforce.Tests.TestSupport;

namespace Reinforce.Tests.Training;

/// <summary>
/// The update from the rollout's kept forward (the lockstep groups keep each step's hidden activations and logits; the
/// update reads them instead of running the forward over the batch again) is the recomputing update bit for bit.
/// Tolerance: none — every float is compared as a bit pattern. The expected numbers come from the recomputing path
/// itself: the same trainer built without <c>keepRolloutForward</c> (against both kept forms: the logits only, and the
/// logits with every hidden activation), or <see cref="Policy.AccumulateGradients"/> over
/// the same rows, or <see cref="Mlp.Forward(ReadOnlySpan{float}, int, MlpWorkspace, Span{float}, ReadOnlySpan{float})"/>
/// of the batch.
/// </summary>
[TestFixture]
public sealed class KeptForwardTests
{
    private const int Updates = 6;

    private static TrainerOptions Options(string activation) => new()
    {
        Seed = 13,
        HiddenSizes = [24],
        HiddenActivation = Activation.Parse(activation),
        BatchEpisodes = 5,
        MaxUpdates = Updates,
        StopWhenSolved = false,
    };

    [TestCase("relu")]
    [TestCase("tanh")]
    [TestCase("leaky-relu")]
    [TestCase("identity")]
    public void Update_ByEpisodes_GivesTheRecomputingUpdateBitForBit(string activation) => AssertSameRun(Options(activation));

    [TestCase(1)]
    [TestCase(37)]
    [TestCase(700)]
    public void Update_BySteps_GivesTheRecomputingUpdateBitForBit(int batchSteps)
        => AssertSameRun(Options("relu") with { BatchSteps = batchSteps });

    /// <summary>Dropout with two hidden layers (the masks' columns of each layer), tanh, an entropy bonus and a summed loss.</summary>
    [TestCase(false)]
    [TestCase(true)]
    public void Update_WithDropoutAndTanh_GivesTheRecomputingUpdateBitForBit(bool bySteps)
    {
        TrainerOptions options = Options("tanh") with
        {
            Dropout = 0.4, HiddenSizes = [16, 8], EntropyCoefficient = 0.01, LossReduction = LossReduction.Sum,
        };
        AssertSameRun(bySteps ? options with { BatchSteps = 250 } : options);
    }

    [Test]
    public void Update_WithDropoutAndTheDefaultNetwork_GivesTheRecomputingUpdateBitForBit()
        => AssertSameRun(new TrainerOptions { Seed = 4, Dropout = 0.6, BatchEpisodes = 4, MaxUpdates = Updates, StopWhenSolved = false });

    [Test]
    public void Update_WithTheBernoulliHeadAndMoreEpisodesThanLanes_GivesTheRecomputingUpdateBitForBit()
        => AssertSameRun(Options("relu") with { Head = "bernoulli", BatchEpisodes = 23 });

    [TestCase(2, false)]
    [TestCase(3, true)]
    public void Update_OnSeveralWorkers_ReadsEachEpisodeWhereItsGroupWroteIt(int threads, bool bySteps)
    {
        TrainerOptions options = Options("relu") with { Threads = threads, BatchEpisodes = 16, Dropout = bySteps ? 0.3 : 0 };
        AssertSameRun(bySteps ? options with { BatchSteps = 333 } : options);
    }

    /// <summary>
    /// ELU's derivative needs its input, which is not kept: asked to keep everything, the trainer recomputes the forward;
    /// keeping the logits only needs no derivative from the output, so that stays (and gives the same run, below).
    /// </summary>
    [Test]
    public void Trainer_WithElu_KeepsTheLogitsOnly()
    {
        var everything = new ReinforceTrainer(Options("elu"), null, lockstep: true, RolloutForwardKept.Everything);
        var logits = new ReinforceTrainer(Options("elu"), null, lockstep: true, RolloutForwardKept.Logits);

        Assert.That((everything.UsesLockstep, everything.KeepsRolloutForward), Is.EqualTo((true, RolloutForwardKept.Nothing)));
        Assert.That(logits.KeepsRolloutForward, Is.EqualTo(RolloutForwardKept.Logits));
    }

    [Test]
    public void Update_WithElu_GivesTheRecomputingUpdateBitForBit() => AssertSameRun(Options("elu"));

    /// <summary>One episode per batch is not collected in lockstep: nothing is kept.</summary>
    [Test]
    public void Trainer_WithOneEpisodePerBatch_KeepsNothing()
    {
        var trainer = new ReinforceTrainer(Options("relu") with { BatchEpisodes = 1 }, null, lockstep: true, RolloutForwardKept.Logits);

        Assert.That((trainer.UsesLockstep, trainer.KeepsRolloutForward), Is.EqualTo((false, RolloutForwardKept.Nothing)));
    }

    /// <summary>
    /// The premise: every kept row is the row the update's own forward computes, bit for bit — the logits and each hidden
    /// layer's activation of every step of every kept episode against <see cref="Mlp.Forward(ReadOnlySpan{float}, int, MlpWorkspace, Span{float}, ReadOnlySpan{float})"/>
    /// of the whole batch with its dropout masks.
    /// </summary>
    [TestCase(0.0, 1)]
    [TestCase(0.5, 2)]
    public void KeptRows_AreTheBatchForwardsRows_BitForBit(double dropout, int threads)
    {
        TrainerOptions options = Options("relu") with { HiddenSizes = [20, 12], Dropout = dropout, Threads = threads, BatchEpisodes = 7 };
        var trainer = new ReinforceTrainer(options, null, lockstep: true, RolloutForwardKept.Everything);
        var logitsOnly = new ReinforceTrainer(options, null, lockstep: true, RolloutForwardKept.Logits);
        trainer.Update(); // weights that are no longer the initial ones
        logitsOnly.Update();
        logitsOnly.CollectBatch();
        trainer.CollectBatch();
        EpisodeBatch batch = trainer.LastBatch;
        Mlp network = trainer.Policy.Network;
        MlpWorkspace workspace = network.CreateWorkspace(batch.Steps);
        var logits = new float[batch.Steps * network.OutputSize];
        network.Forward(batch.Observations, batch.Steps, workspace, logits, batch.DropoutMasks);

        ParallelRollouts rollouts = trainer.Rollouts!;
        Assert.That(rollouts.KeptEpisodes, Is.EqualTo(batch.Episodes));
        int row = 0;
        for (int k = 0; k < rollouts.KeptEpisodes; k++)
        {
            (EpisodeBatch source, int episode) = rollouts.KeptEpisode(k);
            Range range = source.EpisodeRange(episode);
            int start = range.Start.Value, length = range.End.Value - start;
            Assert.That(Bits(source.KeptLogits(start, length)),
                Is.EqualTo(Bits(logits.AsSpan(row * network.OutputSize, length * network.OutputSize))).AsCollection, $"episode {k}: logits");
            for (int l = 1; l < network.LayerCount; l++)
            {
                int width = network.LayerSizes[l];
                Assert.That(Bits(source.KeptActivations[l].AsSpan(start * width, length * width)),
                    Is.EqualTo(Bits(workspace.Activations(l).Slice(row * width, length * width))).AsCollection, $"episode {k}: a{l}");
            }
            row += length;
        }
        Assert.That(row, Is.EqualTo(batch.Steps));
        Assert.That(Bits(logitsOnly.LastBatch.KeptLogits()), Is.EqualTo(Bits(logits)).AsCollection, "the logits kept in the batch");
    }

    /// <summary>
    /// Any row ranges: the policy's kept-forward pass over [0, 37), [37, 200), [200, 300) of a batch gives
    /// <see cref="Policy.AccumulateGradients"/> over all 300 rows (chunks of 128) bit for bit, gradients and loss.
    /// </summary>
    [TestCase("relu", 0.0, LossReduction.Mean)]
    [TestCase("tanh", 0.5, LossReduction.Sum)]
    public void PolicyPass_OverAnyRowRanges_GivesAccumulateGradientsBitForBit(string activation, double dropout, LossReduction reduction)
    {
        const int batch = 300;
        int[] bounds = [0, 37, 200, batch];
        Policy policy = Policy.Create(4, [24, 16], Activation.Parse(activation), new CategoricalHead(2), new Pcg64(5), dropout: dropout);
        Mlp network = policy.Network;
        var random = new Pcg64(9);
        var (states, actions, weights, masks) = TestData.PolicyBatch(network, batch, dropout, random);
        int maskWidth = network.DropoutMaskWidth;
        policy.Parameters.ZeroGradients();
        PolicyLoss expectedLoss = policy.AccumulateGradients(states, actions, weights, 0.01f, reduction, masks);
        float[] expected = [.. policy.Parameters.Gradients];

        // The "rollout": one forward of all rows, kept as the trainer keeps it (a_l per hidden layer, the logits).
        MlpWorkspace workspace = network.CreateWorkspace(batch);
        var logits = new float[batch * 2];
        network.Forward(states, batch, workspace, logits, masks);
        var kept = new float[network.LayerCount][];
        kept[0] = [];
        for (int l = 1; l < network.LayerCount; l++)
        {
            kept[l] = workspace.Activations(l).ToArray();
        }
        policy.Parameters.ZeroGradients();
        float inverseN = reduction == LossReduction.Mean ? 1f / batch : 1f;
        double policySum = 0, entropySum = 0;
        for (int r = 0; r + 1 < bounds.Length; r++)
        {
            int start = bounds[r], rows = bounds[r + 1] - start;
            policy.AccumulateGradientsFromKeptForward(logits.AsSpan(start * 2, rows * 2), states.AsSpan(start * 4, rows * 4), kept, start,
                dropout > 0 ? masks.AsSpan(start * maskWidth, rows * maskWidth) : default, actions.AsSpan(start, rows), weights.AsSpan(start, rows),
                0.01f, inverseN, ref policySum, ref entropySum);
        }
        PolicyLoss loss = PolicyHead.Loss(policySum, entropySum, 0.01f, inverseN, batch);

        Assert.That(Bits(policy.Parameters.Gradients), Is.EqualTo(Bits(expected)).AsCollection);
        Assert.That(BitConverter.DoubleToInt64Bits(loss.Loss), Is.EqualTo(BitConverter.DoubleToInt64Bits(expectedLoss.Loss)));
        Assert.That(BitConverter.DoubleToInt64Bits(loss.MeanEntropy), Is.EqualTo(BitConverter.DoubleToInt64Bits(expectedLoss.MeanEntropy)));
    }

    /// <summary>
    /// The identity <see cref="Mlp.BackwardNeedsOnlyActivations"/> rests on: ReLU's and LeakyReLU's backward give the
    /// same bits from a = f(z) as from z, for every kind of float z (signed zeros, subnormals, the extremes, ±∞, NaN),
    /// through the SIMD kernels and their scalar twins, with dy of both signs.
    /// </summary>
    [TestCase("relu")]
    [TestCase("leaky-relu")]
    public void ActivationBackward_FromTheOutput_IsTheBackwardFromTheInput(string name)
    {
        Activation activation = Activation.Parse(name);
        float[] special = [0f, -0f, float.Epsilon, -float.Epsilon, 1e-38f, -1e-38f, float.MaxValue, float.MinValue,
            float.PositiveInfinity, float.NegativeInfinity, float.NaN, -float.NaN, 1f, -1f, 3.5f, -3.5f, 1e-45f * 7, -1e30f];
        var random = new Pcg64(21);
        float[] z = [.. special, .. Enumerable.Range(0, 61).Select(_ => (float)(random.NextDouble() * 8 - 4))];
        float[] dy = z.Select((_, i) => i % 2 == 0 ? 0.75f : -1.5f).ToArray();
        var a = new float[z.Length];
        activation.Forward(z, a);
        var fromInput = new float[z.Length];
        var fromOutput = new float[z.Length];
        activation.Backward(z, a, dy, fromInput);
        activation.Backward(a, a, dy, fromOutput);
        Assert.That(Bits(fromOutput), Is.EqualTo(Bits(fromInput)).AsCollection, "SIMD kernels");

        float slope = activation.Parameter;
        var scalarInput = new float[z.Length];
        var scalarOutput = new float[z.Length];
        var scalarA = new float[z.Length];
        if (name == "relu")
        {
            ScalarKernels.ReluForward(z, scalarA);
            ScalarKernels.ReluBackward(z, dy, scalarInput);
            ScalarKernels.ReluBackward(scalarA, dy, scalarOutput);
        }
        else
        {
            ScalarKernels.LeakyReluForward(z, slope, scalarA);
            ScalarKernels.LeakyReluBackward(z, dy, slope, scalarInput);
            ScalarKernels.LeakyReluBackward(scalarA, dy, slope, scalarOutput);
        }
        Assert.That(Bits(scalarOutput), Is.EqualTo(Bits(scalarInput)).AsCollection, "scalar twins");
    }

    private static void AssertSameRun(TrainerOptions options)
    {
        AssertSameRun(options, RolloutForwardKept.Logits);
        if (options.HiddenActivation.Kind != ActivationKind.ELU)
        {
            AssertSameRun(options, RolloutForwardKept.Everything);
        }
    }

    private static void AssertSameRun(TrainerOptions options, RolloutForwardKept kept)
    {
        var recomputing = new ReinforceTrainer(options, null, lockstep: true);
        var keeping = new ReinforceTrainer(options, null, lockstep: true, kept);
        Assert.That((recomputing.KeepsRolloutForward, keeping.KeepsRolloutForward), Is.EqualTo((RolloutForwardKept.Nothing, kept)), "the two paths under comparison");
        for (int update = 1; update <= Updates; update++)
        {
            UpdateStatistics expected = recomputing.Update();
            UpdateStatistics actual = keeping.Update();
            string at = $"{kept}, update {update}";
            Assert.That(actual.EpisodeLengths.ToArray(), Is.EqualTo(expected.EpisodeLengths.ToArray()).AsCollection, at);
            Assert.That(BitConverter.DoubleToInt64Bits(actual.Loss), Is.EqualTo(BitConverter.DoubleToInt64Bits(expected.Loss)), at);
            Assert.That(BitConverter.DoubleToInt64Bits(actual.Entropy), Is.EqualTo(BitConverter.DoubleToInt64Bits(expected.Entropy)), at);
            Assert.That(Bits(keeping.Policy.Parameters.Gradients), Is.EqualTo(Bits(recomputing.Policy.Parameters.Gradients)).AsCollection, $"{at}: gradients");
            Assert.That(Bits(keeping.Policy.Parameters.Values), Is.EqualTo(Bits(recomputing.Policy.Parameters.Values)).AsCollection, $"{at}: weights");
            for (int b = 0; b < recomputing.Optimizer.StateBuffers.Count; b++)
            {
                Assert.That(Bits(keeping.Optimizer.StateBuffers[b].Buffer), Is.EqualTo(Bits(recomputing.Optimizer.StateBuffers[b].Buffer)).AsCollection, at);
            }
        }
        Assert.That(keeping.StepsCompleted, Is.EqualTo(recomputing.StepsCompleted));
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
