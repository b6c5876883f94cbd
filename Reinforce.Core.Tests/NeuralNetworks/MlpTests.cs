using Reinforce.NeuralNetworks;
using Reinforce.Numerics;
using Reinforce.Policies;
using Reinforce.Randomness;
using Reinforce.Tests.TestSupport;

namespace Reinforce.Tests.NeuralNetworks;

/// <summary>Layout, initialisation and the whole network's gradient.</summary>
public class MlpTests
{
    [Test]
    public void Parameters_UsePyTorchSequentialNamesAndShapes()
    {
        var mlp = new Mlp([4, 128, 64, 2], Activation.ReLU);
        var names = mlp.Parameters.Tensors.Select(t => $"{t.Name}{t.ShapeText}@{t.Offset}");
        // nn.Sequential(Linear(4,128), ReLU, Linear(128,64), ReLU, Linear(64,2)).state_dict() order and shapes.
        Assert.That(names, Is.EqualTo(new[]
        {
            "0.weight[128, 4]@0", "0.bias[128]@512", "2.weight[64, 128]@640", "2.bias[64]@8832", "4.weight[2, 64]@8896", "4.bias[2]@9024",
        }));
        Assert.That(mlp.Parameters.Length, Is.EqualTo(9026));
    }

    [Test]
    public void Parameter_UnknownName_ListsTheExistingNames()
    {
        var mlp = new Mlp([4, 3, 2], Activation.Tanh);
        var ex = Assert.Throws<KeyNotFoundException>(() => mlp.Parameters.Value("1.weight"));
        Assert.That(ex!.Message, Does.Contain("0.weight, 0.bias, 2.weight, 2.bias"));
    }

    [TestCase(new[] { 4, 0, 2 })]
    [TestCase(new[] { 4 })]
    public void Constructor_RejectsBadSizes(int[] sizes)
        => Assert.That(() => new Mlp(sizes, Activation.ReLU), Throws.InstanceOf<ArgumentException>());

    /// <summary>
    /// PyTorch init: weight and bias uniform in ±1/√fan_in. Bounds are exact; the empirical
    /// variance of 512 draws from U(−a, a) must be within 20% of a²/3 (its standard error is ~5%).
    /// Glorot: ±√(6/(fan_in + fan_out)), biases exactly zero.
    /// </summary>
    [Test]
    public void Initialize_DrawsWithinTheDocumentedBounds()
    {
        var mlp = new Mlp([4, 128, 2], Activation.ReLU);
        mlp.Initialize(WeightInitialization.PyTorch, new Pcg64(1));
        float[] w0 = mlp.Parameters.Value("0.weight").ToArray();
        Assert.That(w0, Has.All.InRange(-0.5f, 0.5f), "1/√4");
        Assert.That(mlp.Parameters.Value("2.weight").ToArray(), Has.All.InRange(-1 / MathF.Sqrt(128), 1 / MathF.Sqrt(128)));
        Assert.That(mlp.Parameters.Value("2.bias").ToArray(), Has.All.InRange(-1 / MathF.Sqrt(128), 1 / MathF.Sqrt(128)));
        double variance = w0.Select(v => (double)v * v).Average();
        Assert.That(variance, Is.EqualTo(0.25 / 3).Within(0.2 * 0.25 / 3));

        mlp.Initialize(WeightInitialization.Glorot, new Pcg64(1));
        float bound = MathF.Sqrt(6f / 132f);
        Assert.That(mlp.Parameters.Value("0.weight").ToArray(), Has.All.InRange(-bound, bound));
        Assert.That(mlp.Parameters.Value("0.bias").ToArray(), Has.All.EqualTo(0f));
    }

    [Test]
    public void Initialize_IsDeterministicPerSeed()
    {
        var a = new Mlp([4, 16, 2], Activation.Tanh);
        var b = new Mlp([4, 16, 2], Activation.Tanh);
        a.Initialize(WeightInitialization.PyTorch, new Pcg64(7));
        b.Initialize(WeightInitialization.PyTorch, new Pcg64(7));
        Assert.That(a.Parameters.Values, Is.EqualTo(b.Parameters.Values));
        b.Initialize(WeightInitialization.PyTorch, new Pcg64(8));
        Assert.That(a.Parameters.Values, Is.Not.EqualTo(b.Parameters.Values));
    }

    [Test]
    public void SingleStateForward_EqualsTheBatchedForwardRow_BitForBit()
    {
        var mlp = new Mlp([4, 32, 32, 3], Activation.Tanh);
        mlp.Initialize(WeightInitialization.PyTorch, new Pcg64(3));
        float[] states = TestData.Uniform(5 * 4, 81);
        float[] batched = new float[5 * 3];
        mlp.Forward(states, 5, mlp.CreateWorkspace(2), batched);
        float[] single = new float[3];
        for (int t = 0; t < 5; t++)
        {
            mlp.Forward(states.AsSpan(t * 4, 4), single);
            Assert.That(single, Is.EqualTo(batched.AsSpan(t * 3, 3).ToArray()), $"row {t}");
        }
    }

    /// <summary>
    /// With ReLU, Mlp's forward writes z and a in one pass and its backward computes dz = (dz·W) ⊙ [z &gt; 0] in one pass.
    /// Expected numbers: the same network run layer by layer with the unfused kernels (Dense.Forward, then ReluForward;
    /// Dense.Backward, then ReluBackward in place), as Mlp did before the fusion. Tolerance: none, the bits must be equal —
    /// logits, every z and a in the workspace, every gradient. Widths: the default network at T = 500, and hidden layers
    /// that are not multiples of the vector width (the tails of both fused kernels), one wider than 8 outputs (the fused
    /// backward's fallback to the tiles).
    /// </summary>
    [TestCase(new[] { 4, 128, 2 }, 500)]
    [TestCase(new[] { 4, 37, 20, 2 }, 9)]
    [TestCase(new[] { 4, 19, 3 }, 130)]
    [TestCase(new[] { 5, 33, 11, 9 }, 7)]
    public void ReluNetwork_FusedPasses_EqualTheLayerByLayerKernels_BitForBit(int[] sizes, int batch)
    {
        var mlp = new Mlp(sizes, Activation.ReLU);
        mlp.Initialize(WeightInitialization.PyTorch, new Pcg64(17));
        float[] states = TestData.Uniform(batch * sizes[0], 83, -2f, 2f);
        float[] outputGradients = TestData.Uniform(batch * sizes[^1], 84);
        var workspace = mlp.CreateWorkspace(batch);
        float[] logits = new float[batch * sizes[^1]];
        mlp.Parameters.ZeroGradients();
        mlp.Forward(states, batch, workspace, logits);
        mlp.Backward(outputGradients, workspace);

        int layers = sizes.Length - 1;
        float[] values = mlp.Parameters.Values;
        ReadOnlySpan<float> W(int l) => mlp.Parameters.Value(Mlp.WeightName(l));
        ReadOnlySpan<float> B(int l) => mlp.Parameters.Value(Mlp.BiasName(l));
        var z = new float[layers + 1][];
        var a = new float[layers + 1][];
        a[0] = states;
        for (int l = 0; l < layers; l++)
        {
            z[l + 1] = new float[batch * sizes[l + 1]];
            Dense.Forward(a[l], W(l), B(l), batch, z[l + 1]);
            a[l + 1] = new float[z[l + 1].Length];
            SimdKernels.ReluForward(z[l + 1], a[l + 1]);
        }
        float[] gradients = new float[values.Length];
        float[] dz = outputGradients;
        for (int l = layers - 1; l >= 0; l--)
        {
            float[] da = l > 0 ? new float[batch * sizes[l]] : [];
            var weightTensor = mlp.Parameters.Tensors[2 * l];
            var biasTensor = mlp.Parameters.Tensors[2 * l + 1];
            Dense.Backward(a[l], W(l), dz, batch, gradients.AsSpan(weightTensor.Offset, weightTensor.Length),
                gradients.AsSpan(biasTensor.Offset, biasTensor.Length), da);
            if (l > 0)
            {
                SimdKernels.ReluBackward(z[l], da, da);
            }
            dz = da;
        }

        Assert.That(Bits(logits), Is.EqualTo(Bits(z[layers])).AsCollection, "logits");
        for (int l = 1; l < layers; l++)
        {
            Assert.That(Bits(workspace.PreActivations(l).ToArray()), Is.EqualTo(Bits(z[l])).AsCollection, $"z{l}");
            Assert.That(Bits(workspace.Activations(l).ToArray()), Is.EqualTo(Bits(a[l])).AsCollection, $"a{l}");
        }
        Assert.That(Bits(mlp.Parameters.Gradients), Is.EqualTo(Bits(gradients)).AsCollection, "gradients");
    }

    private static int[] Bits(float[] values) => [.. values.Select(BitConverter.SingleToInt32Bits)];

    private static IEnumerable<TestCaseData> GradientCases()
    {
        foreach (string head in new[] { "categorical", "bernoulli" })
        {
            foreach (string activation in new[] { "relu", "tanh", "leaky-relu", "elu" })
            {
                foreach (double beta in new[] { 0.0, 0.1 })
                {
                    yield return new TestCaseData(head, activation, beta);
                }
            }
        }
    }

    /// <summary>
    /// The whole chain — MLP forward, head, loss with entropy bonus, backward — against central
    /// finite differences of <see cref="ReferenceModel"/> (an independent double implementation),
    /// h = 1e-6, for every parameter. Tolerance 1e-4·max(1e-2, |expected|) absolute-or-relative:
    /// float rounding through three layers stays below ~1e-6.
    /// </summary>
    [TestCaseSource(nameof(GradientCases))]
    public void LossGradient_MatchesFiniteDifferences_ForEveryParameter(string headName, string activationName, double beta)
    {
        var activation = Activation.Parse(activationName);
        var head = PolicyHead.Create(headName, 3 - (headName == "bernoulli" ? 1 : 0));
        var policy = Policy.Create(4, [6, 5], activation, head, new Pcg64(11));
        const int batch = 9;
        float[] states = TestData.Uniform(batch * 4, 91, -2f, 2f);
        int[] actions = [.. Enumerable.Range(0, batch).Select(i => i * 7 % head.ActionCount)];
        float[] weights = TestData.Uniform(batch, 92, -1.5f, 1.5f);

        policy.Parameters.ZeroGradients();
        var loss = policy.AccumulateGradients(states, actions, weights, (float)beta);

        var sizes = policy.Network.LayerSizes;
        double Loss(double[] theta) => ReferenceModel.Loss(headName, ReferenceModel.Forward(sizes, activation, theta, states, batch), actions, weights, beta);
        double[] theta = [.. policy.Parameters.Values.Select(v => (double)v)];
        Assert.That(loss.Loss, Is.EqualTo(Loss(theta)).Within(1e-5 * Math.Max(1, Math.Abs(loss.Loss))), "loss value");
        double[] expected = ReferenceModel.FiniteDifferences(theta, Loss);
        float[] actual = policy.Parameters.Gradients;
        foreach (var tensor in policy.Parameters.Tensors)
        {
            for (int k = tensor.Offset; k < tensor.Offset + tensor.Length; k++)
            {
                Assert.That(actual[k], Is.EqualTo(expected[k]).Within(1e-4 * Math.Max(1e-2, Math.Abs(expected[k]))), $"{tensor.Name}[{k - tensor.Offset}]");
            }
        }
    }

    [Test]
    public void Backward_Accumulates_LikeLossBackwardInPyTorch()
    {
        var policy = Policy.Create(4, [8], Activation.ReLU, new CategoricalHead(2), new Pcg64(5));
        float[] states = TestData.Uniform(3 * 4, 95);
        int[] actions = [0, 1, 1];
        float[] weights = [1f, -0.5f, 2f];
        policy.Parameters.ZeroGradients();
        policy.AccumulateGradients(states, actions, weights, 0f);
        float[] once = (float[])policy.Parameters.Gradients.Clone();
        policy.AccumulateGradients(states, actions, weights, 0f);
        // The second pass adds the same terms onto g instead of 0, so it equals 2g up to the
        // rounding of a few float additions: tolerance 1e-6·max(1e-3, |2g|).
        for (int k = 0; k < once.Length; k++)
        {
            Assert.That(policy.Parameters.Gradients[k], Is.EqualTo(2 * once[k]).Within(1e-6 * Math.Max(1e-3, Math.Abs(2 * once[k]))), $"parameter {k}");
        }
    }
}
