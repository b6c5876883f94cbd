using Reinforce.Execution.Fast;
using Reinforce.NeuralNetworks;
using Reinforce.Numerics;
using Reinforce.Randomness;

namespace Reinforce.Tests.Execution;

/// <summary>
/// The rollout's forward (the first layer's W₁ kept as columns, its ReLU in the same registers) against
/// <see cref="Mlp.Forward(ReadOnlySpan{float}, int, MlpWorkspace, Span{float})"/> in evaluation mode, bit for bit
/// (tolerance: none; the float bit patterns must be equal): the trainer's one-episode-at-a-time rollout samples its
/// actions from these logits, so any difference would change a seeded run. Widths cover the vector edges (1 … 17, 31 … 33,
/// 127 … 130) and the default network; every activation; one and two hidden layers; both x64 kernels of the 4-input layer;
/// the fused 4 → H ReLU → 2 kernel on and off. The fused kernel is also compared with its plain-loop twin and with Mlp over
/// every row count 0 … 3·16 + 1 (the two-row blocks and the odd row).
/// </summary>
[TestFixture]
public sealed class RolloutForwardTests
{
    private static readonly int[] HiddenWidths = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 64, 100, 127, 128, 129, 130, 256];

    private static readonly Activation[] Activations =
        [Activation.ReLU, Activation.Tanh, Activation.LeakyReLU(0.01f), Activation.Elu(1f), Activation.Identity];

    [TestCase(true, true)]
    [TestCase(false, true)]
    [TestCase(true, false)]
    [TestCase(false, false)]
    public void Forward_EqualsMlpForward_BitForBit(bool x86Forward, bool fused)
    {
        SimdKernels.X86ForwardEnabled = x86Forward;
        RolloutForward.FusedEnabled = fused;
        try
        {
            var random = new Random(20261130);
            int compared = 0;
            foreach (Activation activation in Activations)
            {
                foreach (int width in HiddenWidths)
                {
                    foreach (int[] hidden in new[] { new[] { width }, new[] { width, 24 } })
                    {
                        var network = new Mlp([4, .. hidden, 2], activation);
                        network.Initialize(WeightInitialization.PyTorch, new Pcg64((ulong)(width * 31 + hidden.Length)));
                        var forward = RolloutForward.TryCreate(network)!;
                        forward.Refresh();
                        foreach (int rows in new[] { 1, 3, 16 })
                        {
                            float[] states = States(random, rows);
                            var expected = new float[2 * rows];
                            var actual = new float[2 * rows];
                            network.Forward(states, rows, network.CreateWorkspace(rows), expected);
                            forward.Forward(states, rows, network.CreateWorkspace(1), actual);
                            AssertBitsEqual(actual, expected, $"{activation} 4→{string.Join("→", hidden)}→2, {rows} rows, x86 {x86Forward}, fused {fused}");
                            compared++;
                        }
                    }
                }
            }
            Assert.That(compared, Is.EqualTo(Activations.Length * HiddenWidths.Length * 2 * 3));
        }
        finally
        {
            SimdKernels.X86ForwardEnabled = true;
            RolloutForward.FusedEnabled = true;
        }
    }

    [Test]
    public void ForwardTwoLogits_EqualsMlpForwardAndItsScalarTwin_BitForBit()
    {
        var random = new Random(20261201);
        foreach (int width in HiddenWidths)
        {
            var network = new Mlp([4, width, 2], Activation.ReLU);
            network.Initialize(WeightInitialization.PyTorch, new Pcg64((ulong)(width * 17 + 5)));
            var forward = RolloutForward.TryCreate(network)!;
            Assert.That(forward.FusesTwoLogits, Is.True);
            forward.Refresh();
            for (int rows = 0; rows <= 3 * 16 + 1; rows++)
            {
                float[] states = States(random, rows);
                var expected = new float[2 * rows];
                network.Forward(states, rows, network.CreateWorkspace(Math.Max(rows, 1)), expected);
                var vector0 = new float[rows];
                var vector1 = new float[rows];
                var scalar0 = new float[rows];
                var scalar1 = new float[rows];
                forward.ForwardTwoLogits(states, rows, vector0, vector1);
                forward.ForwardTwoLogitsScalar(states, rows, scalar0, scalar1);
                float[] columns = [.. Enumerable.Range(0, rows).SelectMany(t => new[] { vector0[t], vector1[t] })];
                float[] twin = [.. Enumerable.Range(0, rows).SelectMany(t => new[] { scalar0[t], scalar1[t] })];
                AssertBitsEqual(columns, expected, $"4→{width}→2, {rows} rows, against Mlp");
                AssertBitsEqual(twin, expected, $"4→{width}→2, {rows} rows, the scalar twin against Mlp");
            }
        }
    }

    [Test]
    public void FusesTwoLogits_OnlyFor4HReluTo2()
    {
        Assert.That(RolloutForward.TryCreate(new Mlp([4, 8, 2], Activation.ReLU))!.FusesTwoLogits, Is.True);
        Assert.That(RolloutForward.TryCreate(new Mlp([4, 8, 2], Activation.Tanh))!.FusesTwoLogits, Is.False, "tanh");
        Assert.That(RolloutForward.TryCreate(new Mlp([4, 8, 8, 2], Activation.ReLU))!.FusesTwoLogits, Is.False, "two hidden layers");
        Assert.That(RolloutForward.TryCreate(new Mlp([4, 8, 3], Activation.ReLU))!.FusesTwoLogits, Is.False, "three outputs");
    }

    [Test]
    public void Forward_UsesTheWeightsOfTheLastRefresh()
    {
        var network = new Mlp([4, 128, 2], Activation.ReLU);
        network.Initialize(WeightInitialization.PyTorch, new Pcg64(3));
        var forward = RolloutForward.TryCreate(network)!;
        forward.Refresh();
        float[] state = [0.01f, -0.2f, 0.03f, 0.4f];
        var before = new float[2];
        forward.Forward(state, 1, network.CreateWorkspace(1), before);

        // A step changes W₁: until Refresh, the columns are the old ones (and the logits, through W₁, the old first layer's).
        float[] values = network.Parameters.Values;
        for (int i = 0; i < 4 * 128; i++)
        {
            values[i] *= -1f;
        }
        var expected = new float[2];
        network.Forward(state, 1, network.CreateWorkspace(1), expected);
        var stale = new float[2];
        forward.Forward(state, 1, network.CreateWorkspace(1), stale);
        Assert.That(stale, Is.Not.EqualTo(expected), "the columns are a copy, refreshed only by Refresh");

        forward.Refresh();
        var fresh = new float[2];
        forward.Forward(state, 1, network.CreateWorkspace(1), fresh);
        AssertBitsEqual(fresh, expected, "after Refresh");
    }

    [Test]
    public void TryCreate_OnlyForFourInputsAndAHiddenLayer()
    {
        Assert.That(RolloutForward.TryCreate(new Mlp([4, 8, 2], Activation.ReLU)), Is.Not.Null);
        Assert.That(RolloutForward.TryCreate(new Mlp([3, 8, 2], Activation.ReLU)), Is.Null, "input width 3");
        Assert.That(RolloutForward.TryCreate(new Mlp([4, 2], Activation.ReLU)), Is.Null, "no hidden layer");
    }

    // CartPole-like states, with zeros, signed zeros and a few large values so that ReLU sees −0, 0 and both signs.
    private static float[] States(Random random, int rows)
    {
        var states = new float[4 * rows];
        for (int i = 0; i < states.Length; i++)
        {
            states[i] = (i % 11) switch
            {
                0 => 0f,
                1 => -0f,
                2 => (float)(random.NextDouble() * 200 - 100),
                _ => (float)(random.NextDouble() * 4 - 2),
            };
        }
        return states;
    }

    private static void AssertBitsEqual(float[] actual, float[] expected, string what) =>
        Assert.That(actual.Select(BitConverter.SingleToInt32Bits).ToArray(),
            Is.EqualTo(expected.Select(BitConverter.SingleToInt32Bits).ToArray()).AsCollection, what);
}
