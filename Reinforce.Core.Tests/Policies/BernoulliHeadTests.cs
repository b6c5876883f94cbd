using Reinforce.Policies;
using Reinforce.Randomness;
using Reinforce.Tests.TestSupport;

namespace Reinforce.Tests.Policies;

/// <summary>The Bernoulli head: one sigmoid logit, two actions.</summary>
public class BernoulliHeadTests
{
    /// <summary>
    /// log π from softplus stays finite and exact where log(σ(z)) would give −∞:
    /// log π(0 | z = 100) = −softplus(100) = −100 (to 1e-13), log π(1 | z = 100) = −e^−100 ≈ −3.7e-44.
    /// </summary>
    [Test]
    public void LogProbability_IsFinite_ForExtremeLogits()
    {
        Assert.That(BernoulliHead.LogProbability(100, 0), Is.EqualTo(-100.0).Within(1e-13));
        Assert.That(BernoulliHead.LogProbability(100, 1), Is.EqualTo(-Math.Exp(-100)).Within(1e-50));
        Assert.That(BernoulliHead.LogProbability(-800, 1), Is.EqualTo(-800.0));
    }

    /// <summary>H(½) = log 2; H is symmetric in z; hand values to 1e-15.</summary>
    [Test]
    public void Entropy_MatchesHandValues()
    {
        Assert.That(BernoulliHead.Entropy(0), Is.EqualTo(Math.Log(2)).Within(1e-15));
        Assert.That(BernoulliHead.Entropy(1.7), Is.EqualTo(BernoulliHead.Entropy(-1.7)).Within(1e-15));
        double p = 1 / (1 + Math.Exp(-1.7));
        Assert.That(BernoulliHead.Entropy(1.7), Is.EqualTo(-(p * Math.Log(p) + (1 - p) * Math.Log(1 - p))).Within(1e-15));
    }

    /// <summary>
    /// dz = (w·(σ(z) − a) + β·z·σ(z)(1 − σ(z))) / N against central finite differences of the
    /// double-precision loss from p directly (h = 1e-6), for several z, both actions and β.
    /// Tolerance 1e-6·max(1, |expected|).
    /// </summary>
    [TestCase(0.3f, 1, 0f)]
    [TestCase(-2.2f, 0, 0f)]
    [TestCase(1.1f, 0, 0.5f)]
    [TestCase(-0.4f, 1, 2f)]
    public void Gradient_MatchesFiniteDifferences(float z, int action, float beta)
    {
        const float weight = 1.3f;
        float[] gradient = new float[1];
        new BernoulliHead().LossAndGradient([z], [action], [weight], beta, LossReduction.Mean, gradient);
        double[] expected = ReferenceModel.FiniteDifferences([z], zz =>
        {
            var (logP, h) = ReferenceModel.Bernoulli(zz[0], action);
            return -weight * logP - beta * h;
        });
        Assert.That(gradient[0], Is.EqualTo(expected[0]).Within(1e-6 * Math.Max(1, Math.Abs(expected[0]))));
    }

    [Test]
    public void Sample_FollowsTheSigmoid()
    {
        var head = new BernoulliHead();
        var rng = new Pcg64(77);
        int ones = 0;
        const int n = 200_000;
        for (int i = 0; i < n; i++)
        {
            ones += head.Sample([0.8f], rng);
        }
        double p = 1 / (1 + Math.Exp(-0.8));
        // 5 standard errors of a binomial proportion.
        Assert.That((double)ones / n, Is.EqualTo(p).Within(5 * Math.Sqrt(p * (1 - p) / n)));
    }

    [Test]
    public void Create_RejectsBernoulliForMoreThanTwoActions()
    {
        var ex = Assert.Throws<ArgumentException>(() => PolicyHead.Create("bernoulli", 3));
        Assert.That(ex!.Message, Does.Contain("exactly 2 actions"));
    }
}
