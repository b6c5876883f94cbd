using Reinforce.Policies;
using Reinforce.Randomness;
using Reinforce.Tests.TestSupport;

namespace Reinforce.Tests.Policies;

/// <summary>The categorical head: stable log-softmax, entropy, sampling and the loss gradient.</summary>
public class CategoricalHeadTests
{
    /// <summary>
    /// Extreme logits stay finite: log softmax([1000, 0]) = [0, −1000] exactly (e^−1000 vanishes
    /// next to 1), and equal logits give log(1/K) whatever their size. A naive exp overflows to ∞.
    /// Tolerance: 1 ulp of the expected value.
    /// </summary>
    [TestCase(new[] { 1000f, 0f }, new[] { 0f, -1000f })]
    [TestCase(new[] { -1000f, -1000f }, new[] { -0.6931472f, -0.6931472f })]
    [TestCase(new[] { 88.8f, 88.8f, 88.8f, 88.8f }, new[] { -1.3862944f, -1.3862944f, -1.3862944f, -1.3862944f })]
    [TestCase(new[] { 0f, 0f, float.MinValue / 2 }, new[] { -0.6931472f, -0.6931472f, float.MinValue / 2 })]
    public void LogSoftmax_IsFiniteAndExact_ForExtremeLogits(float[] logits, float[] expected)
    {
        float[] logP = new float[logits.Length];
        CategoricalHead.LogSoftmax(logits, logP);
        for (int j = 0; j < logP.Length; j++)
        {
            Assert.That(logP[j], Is.EqualTo(expected[j]).Within(Math.Abs(expected[j]) * 1.2e-7f), $"j = {j}");
        }
    }

    [Test]
    public void Softmax_SumsToOne_AndIsDerivedFromLogSoftmax()
    {
        float[] logits = TestData.Uniform(7, 101, -20f, 20f), p = new float[7], logP = new float[7];
        CategoricalHead.Softmax(logits, p);
        CategoricalHead.LogSoftmax(logits, logP);
        Assert.That(p.Sum(), Is.EqualTo(1f).Within(1e-6f), "7 float terms: a few ulps of 1");
        Assert.That(p, Is.EqualTo(logP.Select(MathF.Exp).ToArray()), "probabilities come from log-probabilities, bit for bit");
    }

    /// <summary>Hand values: uniform over K has H = log K; a near-deterministic policy has H ≈ 0.</summary>
    [TestCase(new[] { 0f, 0f }, 0.6931472f)]
    [TestCase(new[] { 3f, 3f, 3f }, 1.0986123f)]
    [TestCase(new[] { 50f, 0f }, 0f)]
    public void Entropy_MatchesHandValues(float[] logits, float expected)
        => Assert.That(new CategoricalHead(logits.Length).Entropy(logits), Is.EqualTo(expected).Within(1e-6f));

    /// <summary>
    /// Hand calculation for logits (0, 0), action 0, weight 1, one row, β = 0: p = (½, ½) and
    /// dz = w·(p − onehot) = (−½, ½); the loss is −log ½ = 0.693147.
    /// </summary>
    [Test]
    public void LossAndGradient_MatchesHandCalculation()
    {
        var head = new CategoricalHead(2);
        float[] gradient = new float[2];
        var loss = head.LossAndGradient([0f, 0f], [0], [1f], 0f, LossReduction.Mean, gradient);
        Assert.That(gradient, Is.EqualTo(new[] { -0.5f, 0.5f }));
        Assert.That(loss.Loss, Is.EqualTo(0.6931471805599453).Within(1e-7));
        Assert.That(loss.MeanEntropy, Is.EqualTo(0.6931471805599453).Within(1e-7));
    }

    /// <summary>
    /// The entropy term alone (all weights 0, β = 1): dz against central finite differences of the
    /// double-precision −H(softmax(z)), h = 1e-6; tolerance 1e-6·max(1, |expected|).
    /// </summary>
    [Test]
    public void EntropyGradient_MatchesFiniteDifferences()
    {
        const int k = 5;
        float[] logits = TestData.Uniform(k, 102, -3f, 3f), gradient = new float[k];
        new CategoricalHead(k).LossAndGradient(logits, [2], [0f], 1f, LossReduction.Mean, gradient);
        double[] z = [.. logits.Select(v => (double)v)];
        double[] expected = ReferenceModel.FiniteDifferences(z, zz => -ReferenceModel.Categorical(zz, 0).Entropy);
        for (int j = 0; j < k; j++)
        {
            Assert.That(gradient[j], Is.EqualTo(expected[j]).Within(1e-6 * Math.Max(1, Math.Abs(expected[j]))), $"j = {j}");
        }
    }

    [Test]
    public void SumReduction_IsNTimesTheMean()
    {
        var head = new CategoricalHead(3);
        float[] logits = TestData.Uniform(4 * 3, 103), mean = new float[12], sum = new float[12];
        int[] actions = [0, 2, 1, 1];
        float[] weights = [1f, -2f, 0.5f, 3f];
        var lossMean = head.LossAndGradient(logits, actions, weights, 0.01f, LossReduction.Mean, mean);
        var lossSum = head.LossAndGradient(logits, actions, weights, 0.01f, LossReduction.Sum, sum);
        Assert.That(lossSum.Loss, Is.EqualTo(4 * lossMean.Loss).Within(1e-6));
        Assert.That(sum, Is.EqualTo(mean.Select(g => 4 * g).ToArray()).Within(1e-6f));
    }

    /// <summary>
    /// Sampling frequencies over 200 000 draws match softmax(z) within 5 standard errors
    /// (√(p(1−p)/n) ≤ 0.0011): a wrong inversion would be off by whole percents.
    /// </summary>
    [Test]
    public void Sample_FollowsTheDistribution()
    {
        float[] logits = [0.5f, -1f, 2f, 0f];
        float[] p = new float[4];
        CategoricalHead.Softmax(logits, p);
        var head = new CategoricalHead(4);
        var rng = new Pcg64(2024);
        int[] counts = new int[4];
        const int n = 200_000;
        for (int i = 0; i < n; i++)
        {
            counts[head.Sample(logits, rng)]++;
        }
        for (int j = 0; j < 4; j++)
        {
            double standardError = Math.Sqrt(p[j] * (1 - p[j]) / n);
            Assert.That((double)counts[j] / n, Is.EqualTo(p[j]).Within(5 * standardError), $"action {j}");
        }
    }

    [Test]
    public void Sample_NeverPicksAnActionOfProbabilityZero()
    {
        var head = new CategoricalHead(3);
        var rng = new Pcg64(1);
        for (int i = 0; i < 10_000; i++)
        {
            Assert.That(head.Sample([0f, -1e30f, 0f], rng), Is.Not.EqualTo(1));
        }
    }

    [TestCase(new[] { 1f, 3f, 3f }, 1)]
    [TestCase(new[] { 5f, -1f }, 0)]
    public void Greedy_TakesTheFirstLargestLogit(float[] logits, int expected)
        => Assert.That(new CategoricalHead(logits.Length).Greedy(logits), Is.EqualTo(expected));

    [Test]
    public void LossAndGradient_RejectsActionsOutOfRange_NamingTheRow()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() =>
            new CategoricalHead(2).LossAndGradient(new float[4], [0, 2], [1f, 1f], 0f, LossReduction.Mean, new float[4]));
        Assert.That(ex!.Message, Does.Contain("actions[1] is 2"));
    }
}
