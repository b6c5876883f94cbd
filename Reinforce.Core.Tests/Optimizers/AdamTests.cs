using Reinforce.Numerics;
using Reinforce.Optimizers;
using Reinforce.Tests.TestSupport;

namespace Reinforce.Tests.Optimizers;

/// <summary>Adam against its formula worked by hand, and against PyTorch bit for bit.</summary>
public class AdamTests
{
    /// <summary>
    /// Hand calculation, lr = 0.1, β = (0.9, 0.999), ε = 1e-8, θ₀ = 1, gradients g₁ = 2, g₂ = −1:
    /// step 1: m = 0.1·2 = 0.2, v = 0.001·4 = 0.004, m̂ = 0.2/0.1 = 2, v̂ = 0.004/0.001 = 4,
    ///         θ = 1 − 0.1·2/(2 + 1e-8) = 0.9 (to 5e-9);
    /// step 2: m = 0.9·0.2 + 0.1·(−1) = 0.08, v = 0.999·0.004 + 0.001·1 = 0.004996,
    ///         m̂ = 0.08/0.19 = 0.42105263, v̂ = 0.004996/0.001999 = 2.4992496,
    ///         θ = 0.9 − 0.1·0.42105263/(1.5808999 + 1e-8) = 0.87336628.
    /// Tolerance 3 ulps of float (2e-7 relative): the library rounds to float at each operation.
    /// </summary>
    [Test]
    public void FirstSteps_MatchTheFormulaWorkedByHand()
    {
        var adam = new Adam(1, learningRate: 0.1);
        float[] theta = [1f];
        adam.Step(theta, [2f]);
        Assert.Multiple(() =>
        {
            Assert.That(adam.StepCount, Is.EqualTo(1));
            Assert.That(adam.FirstMoment[0], Is.EqualTo(0.2f).Within(2e-7f * 0.2f));
            Assert.That(adam.SecondMoment[0], Is.EqualTo(0.004f).Within(2e-7f * 0.004f));
            Assert.That(theta[0], Is.EqualTo(0.9f).Within(2e-7f));
        });
        adam.Step(theta, [-1f]);
        Assert.Multiple(() =>
        {
            Assert.That(adam.FirstMoment[0], Is.EqualTo(0.08f).Within(3e-7f * 0.08f));
            Assert.That(adam.SecondMoment[0], Is.EqualTo(0.004996f).Within(3e-7f * 0.004996f));
            Assert.That(theta[0], Is.EqualTo(0.87336628f).Within(3e-7f));
        });
    }

    /// <summary>With ε after the square root, a tiny gradient still moves θ by about lr: g = 1e-10 gives step lr·1e-10/(1e-10 + 1e-8) ≈ lr/101.</summary>
    [Test]
    public void Epsilon_IsAddedAfterTheSquareRoot()
    {
        var adam = new Adam(1, learningRate: 1.0);
        float[] theta = [0f];
        adam.Step(theta, [1e-10f]);
        Assert.That(theta[0], Is.EqualTo(-1.0 / 101).Within(1e-6));
    }

    private static Dictionary<string, float[]> TorchReference()
    {
        // Lines "key: 0xHHHHHHHH, …" printed by tools/reference/torch_adam.py (float32 bit patterns).
        return File.ReadLines(TestData.ReferencePath("torch_adam.txt"))
            .Where(line => line.Contains(':'))
            .ToDictionary(
                line => line[..line.IndexOf(':')],
                line => line[(line.IndexOf(':') + 1)..].Split(',').Select(h => BitConverter.Int32BitsToSingle(Convert.ToInt32(h.Trim(), 16))).ToArray());
    }

    /// <summary>
    /// PyTorch (Debian's torch 1.13, CPU) ran three Adam steps (lr 1e-2) on 19 parameters. The
    /// second moment and everything downstream of the moments are PyTorch's to the bit; the
    /// library's first moment is PyTorch ≥ 2.0's lerp form, which differs from 1.13's
    /// fma(g, 1 − β₁, β₁·m) by a few ulps of m, so m is compared within 8 ulps and θ within 2.
    /// </summary>
    [Test]
    public void ThreeSteps_MatchPyTorch()
    {
        var reference = TorchReference();
        float[] theta = reference["params0"];
        var adam = new Adam(theta.Length, 1e-2);
        for (int step = 1; step <= 3; step++)
        {
            adam.Step(theta, reference[$"grad{step}"]);
            float[] expectedTheta = reference[$"step{step} params"], expectedM = reference[$"step{step} exp_avg"], expectedV = reference[$"step{step} exp_avg_sq"];
            for (int i = 0; i < theta.Length; i++)
            {
                Assert.That(TestData.UlpDistance(adam.SecondMoment[i], expectedV[i]), Is.LessThanOrEqualTo(1), $"v, step {step}, element {i}");
                Assert.That(TestData.UlpDistance(adam.FirstMoment[i], expectedM[i]), Is.LessThanOrEqualTo(8), $"m, step {step}, element {i}");
                Assert.That(TestData.UlpDistance(theta[i], expectedTheta[i]), Is.LessThanOrEqualTo(2), $"θ, step {step}, element {i}");
            }
        }
    }

    /// <summary>
    /// The step's scalars and float operation order are PyTorch's exactly: fed the 1.x first-moment
    /// form (the only line that changed between versions), the rest of the library's step
    /// reproduces torch 1.13's parameters and both moments bit for bit over all three steps.
    /// </summary>
    [Test]
    public void CoefficientsAndOperationOrder_ReproducePyTorchBitForBit()
    {
        var reference = TorchReference();
        float[] theta = reference["params0"];
        var adam = new Adam(theta.Length, 1e-2);
        float[] m = new float[theta.Length], v = new float[theta.Length];
        for (int step = 1; step <= 3; step++)
        {
            float[] g = reference[$"grad{step}"];
            AdamCoefficients c = adam.Coefficients(step);
            float beta1 = (float)adam.Beta1;
            // torch 1.x: exp_avg.mul_(β₁).add_(g, alpha = 1 − β₁), vectorised as one fma.
            float[] previousM = (float[])m.Clone();
            for (int i = 0; i < m.Length; i++)
            {
                previousM[i] = MathF.FusedMultiplyAdd(g[i], c.Weight1, m[i] * beta1);
            }
            // Run the library's kernel with weight 0 on the first moment (m ← fma(0, g − m, m) = m) after installing 1.x's m.
            previousM.CopyTo(m, 0);
            SimdKernels.AdamUpdate(g, c with { Weight1 = 0f }, theta, m, v);
            Assert.That(m, Is.EqualTo(reference[$"step{step} exp_avg"]), $"m, step {step}");
            Assert.That(v, Is.EqualTo(reference[$"step{step} exp_avg_sq"]), $"v, step {step}");
            Assert.That(theta, Is.EqualTo(reference[$"step{step} params"]), $"θ, step {step}");
        }
    }

    [TestCase(0.0)]
    [TestCase(-1e-3)]
    [TestCase(double.NaN)]
    [TestCase(double.PositiveInfinity)]
    public void Constructor_RejectsBadLearningRates(double learningRate)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(3, learningRate));
        Assert.That(ex!.ParamName, Is.EqualTo("learningRate"));
    }

    [Test]
    public void Step_RejectsBuffersOfAnotherSize()
        => Assert.That(() => new Adam(3).Step(new float[4], new float[4]), Throws.ArgumentException.With.Message.Contains("3 parameters"));
}

/// <summary>SGD: θ ← θ − lr·g, by hand.</summary>
public class SgdTests
{
    /// <summary>θ = (1, −2), g = (0.5, 4), lr = 0.1 → (0.95, −2.4), to 1 ulp.</summary>
    [Test]
    public void Step_SubtractsLearningRateTimesGradient()
    {
        var sgd = new Sgd(2, 0.1);
        float[] theta = [1f, -2f];
        sgd.Step(theta, [0.5f, 4f]);
        Assert.That(theta, Is.EqualTo(new[] { 0.95f, -2.4f }).Within(2.4e-7f));
        Assert.That(sgd.StepCount, Is.EqualTo(1));
    }
}
