using Reinforce.NeuralNetworks;
using Reinforce.Numerics;
using Reinforce.Policies;
using Reinforce.Randomness;
using Reinforce.Tests.TestSupport;

namespace Reinforce.Tests.NeuralNetworks;

/// <summary>
/// Dropout: the scale and the mask draws (nn.Dropout's semantics, the documented use of the stream),
/// the backward against finite differences with a fixed mask, and a network with dropout: its
/// parameter names, evaluation mode, and the whole chain against finite differences.
/// </summary>
public class DropoutTests
{
    /// <summary>1/(1 − p) rounded as PyTorch's <c>noise.div_(1 - p)</c> rounds it: 1 − p in double, to float, then a float division.</summary>
    [TestCase(0.6, 2.5f)]
    [TestCase(0.5, 2f)]
    [TestCase(0.2, 1.25f)]
    [TestCase(0.0, 1f)]
    public void Scale_IsOneOverOneMinusP_InFloat(double p, float expected)
    {
        Assert.That(Dropout.Scale(p), Is.EqualTo(expected));
        Assert.That(Dropout.Scale(p), Is.EqualTo(1f / (float)(1.0 - p)));
    }

    [TestCase(1.0)]
    [TestCase(-0.1)]
    [TestCase(double.NaN)]
    [TestCase(1.5)]
    public void Probability_OutsideZeroToOne_IsRejected(double p)
    {
        Assert.That(() => Dropout.Scale(p), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => new Mlp([4, 3, 2], Activation.ReLU, p), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    /// <summary>
    /// The documented draw: one NextDouble per entry in index order, kept (scale) when u &lt; 1 − p. The expected
    /// mask is rebuilt here from a second generator in the same state; afterwards both generators are in the same
    /// state (exactly n draws were taken).
    /// </summary>
    [Test]
    public void DrawMask_TakesOneUniformPerEntry_AndKeepsWhenBelowOneMinusP()
    {
        var rng = Pcg64.Derive(543, 7);
        var replay = Pcg64.Derive(543, 7);
        float[] mask = new float[37];
        Dropout.DrawMask(0.6, rng, mask);
        for (int i = 0; i < mask.Length; i++)
        {
            float expected = replay.NextDouble() < 0.4 ? 2.5f : 0f;
            Assert.That(mask[i], Is.EqualTo(expected), $"entry {i}");
        }
        Assert.That(rng.NextUInt64(), Is.EqualTo(replay.NextUInt64()), "exactly one draw per entry");
    }

    /// <summary>
    /// Over 200,000 entries the kept fraction is 1 − p = 0.4 within 5 standard errors (√(0.24/200000) ≈ 0.0011;
    /// the seed is fixed, so the test is deterministic), and the mean of the mask is 1 within the same relative error:
    /// E[m] = (1 − p)·1/(1 − p) = 1.
    /// </summary>
    [Test]
    public void DrawMask_KeepsAFractionOneMinusP_AndHasMeanOne()
    {
        float[] mask = new float[200_000];
        Dropout.DrawMask(0.6, new Pcg64(11), mask);
        double kept = mask.Count(m => m != 0) / (double)mask.Length;
        double mean = mask.Average(m => (double)m);
        Assert.That(mask, Is.All.EqualTo(0f).Or.EqualTo(2.5f));
        Assert.That(kept, Is.EqualTo(0.4).Within(5 * Math.Sqrt(0.24 / mask.Length)));
        Assert.That(mean, Is.EqualTo(1.0).Within(2.5 * 5 * Math.Sqrt(0.24 / mask.Length)));
    }

    /// <summary>
    /// Forward y = x ⊙ m and backward dx = dy ⊙ m with a fixed mask, against central differences (h = 1e-3, in double)
    /// of f(x) = Σ cᵢ·yᵢ; f is linear in x, so the differences are exact up to double rounding, and dx = c·m is one
    /// float product: tolerance one float ulp, 1.2e-7·max(1, |expected|).
    /// </summary>
    [Test]
    public void Backward_MatchesFiniteDifferences_WithAFixedMask()
    {
        float[] x = TestData.Uniform(29, 71, -2f, 2f), c = TestData.Uniform(29, 72);
        float[] mask = new float[29];
        Dropout.DrawMask(0.3, new Pcg64(5), mask);
        float[] y = new float[29], dx = new float[29];
        Dropout.Forward(x, mask, y);
        Dropout.Backward(c, mask, dx);
        double F(double[] input) => input.Select((v, i) => c[i] * v * mask[i]).Sum();
        double[] expected = ReferenceModel.FiniteDifferences([.. x.Select(v => (double)v)], F, 1e-3);
        Assert.Multiple(() =>
        {
            for (int i = 0; i < x.Length; i++)
            {
                Assert.That(y[i], Is.EqualTo(x[i] * mask[i]), $"y[{i}]");
                Assert.That(dx[i], Is.EqualTo(expected[i]).Within(1.2e-7 * Math.Max(1, Math.Abs(expected[i]))), $"dx[{i}]");
            }
            Assert.That(dx.Where((_, i) => mask[i] == 0), Is.All.EqualTo(0f), "a dropped unit passes no gradient");
        });
    }

    [TestCaseSource(typeof(TestData), nameof(TestData.SweepLengths))]
    public void Multiply_MatchesScalarTwin_Exactly(int n)
    {
        float[] x = TestData.Uniform(n, 73), y = TestData.Uniform(n, 74);
        float[] simd = new float[n], scalar = new float[n];
        SimdKernels.Multiply(x, y, simd);
        ScalarKernels.Multiply(x, y, scalar);
        Assert.That(simd, Is.EqualTo(scalar), "one IEEE multiplication per element in both");
        SimdKernels.Multiply(x, y, x);
        Assert.That(x, Is.EqualTo(scalar), "in place");
    }

    /// <summary>nn.Sequential(Linear, Dropout, ReLU, Linear, Dropout, ReLU, Linear): the dense layers are modules 0, 3 and 6.</summary>
    [Test]
    public void Parameters_WithDropout_UseTheIndicesOfASequentialWithDropoutModules()
    {
        var mlp = new Mlp([4, 128, 64, 2], Activation.ReLU, dropout: 0.6);
        Assert.That(mlp.Parameters.Tensors.Select(t => $"{t.Name}{t.ShapeText}"),
            Is.EqualTo(new[] { "0.weight[128, 4]", "0.bias[128]", "3.weight[64, 128]", "3.bias[64]", "6.weight[2, 64]", "6.bias[2]" }));
        Assert.That(mlp.DropoutMaskWidth, Is.EqualTo(192));
        Assert.That(new Mlp([4, 128, 2], Activation.ReLU, dropout: 0).Parameters.Tensors.Select(t => t.Name),
            Is.EqualTo(new[] { "0.weight", "0.bias", "2.weight", "2.bias" }), "p = 0: no dropout module, today's names");
    }

    /// <summary>Without masks the forward is evaluation mode, the identity dropout: bit for bit the network without dropout.</summary>
    [Test]
    public void ForwardWithoutMasks_IsEvaluationMode_EqualToTheNetworkWithoutDropout()
    {
        var withDropout = new Mlp([4, 16, 8, 2], Activation.Tanh, dropout: 0.6);
        var without = new Mlp([4, 16, 8, 2], Activation.Tanh);
        withDropout.Initialize(WeightInitialization.PyTorch, new Pcg64(3));
        without.Initialize(WeightInitialization.PyTorch, new Pcg64(3));
        Assert.That(withDropout.Parameters.Values, Is.EqualTo(without.Parameters.Values), "dropout has no parameters and draws nothing at init");
        float[] states = TestData.Uniform(6 * 4, 75);
        float[] a = new float[12], b = new float[12];
        withDropout.Forward(states, 6, withDropout.CreateWorkspace(6), a);
        without.Forward(states, 6, without.CreateWorkspace(6), b);
        Assert.That(a, Is.EqualTo(b));
    }

    /// <summary>A mask of ones (p = 0's scale) in training mode gives exactly the evaluation forward: the multiply by 1 is exact.</summary>
    [Test]
    public void ForwardWithMasksOfOne_EqualsEvaluationMode()
    {
        var mlp = new Mlp([4, 16, 8, 2], Activation.ReLU, dropout: 0.5);
        mlp.Initialize(WeightInitialization.PyTorch, new Pcg64(4));
        float[] states = TestData.Uniform(5 * 4, 76);
        float[] masks = Enumerable.Repeat(1f, 5 * mlp.DropoutMaskWidth).ToArray();
        float[] training = new float[10], evaluation = new float[10];
        mlp.Forward(states, 5, mlp.CreateWorkspace(5), training, masks);
        mlp.Forward(states, 5, mlp.CreateWorkspace(5), evaluation);
        Assert.That(training, Is.EqualTo(evaluation));
    }

    /// <summary>The one-row forward with a step's masks equals that row of the batched forward with all the masks, bit for bit (the rollout and the update see the same logits).</summary>
    [Test]
    public void SingleRowForwardWithItsMasks_EqualsTheBatchedForwardRow_BitForBit()
    {
        var mlp = new Mlp([4, 32, 16, 2], Activation.ReLU, dropout: 0.6);
        mlp.Initialize(WeightInitialization.PyTorch, new Pcg64(9));
        const int rows = 7;
        float[] states = TestData.Uniform(rows * 4, 77);
        float[] masks = new float[rows * mlp.DropoutMaskWidth];
        Dropout.DrawMask(0.6, new Pcg64(10), masks);
        float[] batched = new float[rows * 2], single = new float[2];
        mlp.Forward(states, rows, mlp.CreateWorkspace(rows), batched, masks);
        MlpWorkspace one = mlp.CreateWorkspace(1);
        for (int t = 0; t < rows; t++)
        {
            mlp.Forward(states.AsSpan(t * 4, 4), 1, one, single, masks.AsSpan(t * mlp.DropoutMaskWidth, mlp.DropoutMaskWidth));
            Assert.That(single, Is.EqualTo(batched.AsSpan(t * 2, 2).ToArray()), $"row {t}");
        }
    }

    [Test]
    public void Forward_RejectsMasksOfTheWrongShape_OrForANetworkWithoutDropout()
    {
        var mlp = new Mlp([4, 8, 2], Activation.ReLU, dropout: 0.5);
        float[] output = new float[4];
        Assert.That(() => mlp.Forward(new float[8], 2, mlp.CreateWorkspace(2), output, new float[15]), Throws.ArgumentException);
        var plain = new Mlp([4, 8, 2], Activation.ReLU);
        Assert.That(() => plain.Forward(new float[8], 2, plain.CreateWorkspace(2), output, new float[16]), Throws.ArgumentException);
    }

    private static IEnumerable<TestCaseData> GradientCases()
    {
        foreach (string head in new[] { "categorical", "bernoulli" })
        {
            foreach (string activation in new[] { "relu", "tanh", "elu" })
            {
                yield return new TestCaseData(head, activation);
            }
        }
    }

    /// <summary>
    /// Network (two hidden layers, dropout p = 0.5 on both), head, loss with entropy bonus, backward — with a fixed
    /// mask drawn once — against central finite differences (h = 1e-6) of <see cref="ReferenceModel"/> with the same
    /// mask. Tolerance 1e-4·max(1e-2, |expected|), as for the network without dropout. A second check: the gradient
    /// with the masks differs from the evaluation-mode gradient, so the masks are really used.
    /// </summary>
    [TestCaseSource(nameof(GradientCases))]
    public void LossGradient_WithAFixedMask_MatchesFiniteDifferences_ForEveryParameter(string headName, string activationName)
    {
        var activation = Activation.Parse(activationName);
        var head = PolicyHead.Create(headName, headName == "bernoulli" ? 2 : 3);
        var policy = Policy.Create(4, [6, 5], activation, head, new Pcg64(11), dropout: 0.5);
        const int batch = 9;
        float[] states = TestData.Uniform(batch * 4, 91, -2f, 2f);
        int[] actions = [.. Enumerable.Range(0, batch).Select(i => i * 7 % head.ActionCount)];
        float[] weights = TestData.Uniform(batch, 92, -1.5f, 1.5f);
        float[] masks = new float[batch * policy.Network.DropoutMaskWidth];
        Dropout.DrawMask(0.5, new Pcg64(93), masks);
        const double beta = 0.1;

        policy.Parameters.ZeroGradients();
        var loss = policy.AccumulateGradients(states, actions, weights, (float)beta, LossReduction.Mean, masks);
        float[] actual = (float[])policy.Parameters.Gradients.Clone();

        var sizes = policy.Network.LayerSizes;
        double Loss(double[] theta) => ReferenceModel.Loss(headName, ReferenceModel.Forward(sizes, activation, theta, states, batch, masks), actions, weights, beta);
        double[] theta = [.. policy.Parameters.Values.Select(v => (double)v)];
        Assert.That(loss.Loss, Is.EqualTo(Loss(theta)).Within(1e-5 * Math.Max(1, Math.Abs(loss.Loss))), "loss value");
        double[] expected = ReferenceModel.FiniteDifferences(theta, Loss);
        Assert.Multiple(() =>
        {
            foreach (var tensor in policy.Parameters.Tensors)
            {
                for (int k = tensor.Offset; k < tensor.Offset + tensor.Length; k++)
                {
                    Assert.That(actual[k], Is.EqualTo(expected[k]).Within(1e-4 * Math.Max(1e-2, Math.Abs(expected[k]))), $"{tensor.Name}[{k - tensor.Offset}]");
                }
            }
        });

        policy.Parameters.ZeroGradients();
        policy.AccumulateGradients(states, actions, weights, (float)beta);
        Assert.That(policy.Parameters.Gradients, Is.Not.EqualTo(actual), "evaluation mode gives another gradient");
    }
}
