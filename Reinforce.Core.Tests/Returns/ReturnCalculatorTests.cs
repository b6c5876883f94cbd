using Reinforce.Returns;

namespace Reinforce.Tests.Returns;

/// <summary>The return computations.</summary>
public class ReturnCalculatorTests
{
    /// <summary>
    /// The three asserts of the practical-RL notebook (the Practical RL course's REINFORCE notebook): its
    /// <c>get_cumulative_rewards</c> must give these vectors (np.allclose: rtol 1e-5, atol 1e-8).
    /// </summary>
    [TestCase(new[] { 0f, 0f, 1f, 0f, 0f, 1f, 0f }, 0.9, new[] { 1.40049f, 1.5561f, 1.729f, 0.81f, 0.9f, 1.0f, 0.0f })]
    [TestCase(new[] { 0f, 0f, 1f, -2f, 3f, -4f, 0f }, 0.5, new[] { 0.0625f, 0.125f, 0.25f, -1.5f, 1.0f, -4.0f, 0.0f })]
    [TestCase(new[] { 0f, 0f, 1f, 2f, 3f, 4f, 0f }, 0.0, new[] { 0f, 0f, 1f, 2f, 3f, 4f, 0f })]
    public void Discounted_PassesThePracticalRlNotebookAsserts(float[] rewards, double gamma, float[] expected)
    {
        float[] returns = new float[rewards.Length];
        ReturnCalculator.Discounted(rewards, gamma, returns);
        for (int t = 0; t < returns.Length; t++)
        {
            Assert.That(returns[t], Is.EqualTo(expected[t]).Within(1e-8 + 1e-5 * Math.Abs(expected[t])), $"t = {t}");
        }
    }

    [Test]
    public void Discounted_HasOneEntryPerReward_ForAHundredSteps()
    {
        // The notebook's first assert: len(get_cumulative_rewards(range(100))) == 100.
        float[] rewards = [.. Enumerable.Range(0, 100).Select(i => (float)i)];
        float[] returns = new float[100];
        ReturnCalculator.Discounted(rewards, 0.99, returns);
        Assert.That(returns[99], Is.EqualTo(99f));
    }

    /// <summary>Reward-to-go of (1, 1, 1, 1) is (4, 3, 2, 1); the episode return puts 4 everywhere. Exact.</summary>
    [Test]
    public void RewardToGoAndEpisodeReturn_MatchHandValues()
    {
        float[] rewards = [1f, 1f, 1f, 1f], rtg = new float[4], episode = new float[4];
        ReturnCalculator.RewardToGo(rewards, rtg);
        ReturnCalculator.EpisodeReturn(rewards, episode);
        Assert.That(rtg, Is.EqualTo(new[] { 4f, 3f, 2f, 1f }));
        Assert.That(episode, Is.EqualTo(new[] { 4f, 4f, 4f, 4f }));
    }

    /// <summary>
    /// (1, 2, 3): mean 2, unbiased std 1 (torch.std), so (x − 2)/(1 + ε) = (−1, 0, 1)/(1 + 2⁻²³);
    /// with the population std √(2/3) (np.std) it is (x − 2)/0.8164966. Tolerance 1 ulp.
    /// </summary>
    [Test]
    public void Normalize_MatchesHandValues_ForBothStdConventions()
    {
        float[] unbiased = [1f, 2f, 3f], population = [1f, 2f, 3f];
        ReturnCalculator.Normalize(unbiased);
        ReturnCalculator.Normalize(population, unbiased: false);
        float scale = (float)(1 / (1 + ReturnCalculator.DefaultEpsilon));
        Assert.That(unbiased, Is.EqualTo(new[] { -scale, 0f, scale }).Within(1.2e-7f));
        float p = (float)(1 / (Math.Sqrt(2.0 / 3) + ReturnCalculator.DefaultEpsilon));
        Assert.That(population, Is.EqualTo(new[] { -p, 0f, p }).Within(1.5e-7f));
    }

    /// <summary>
    /// One-step episodes (where torch's unbiased std of one element is NaN) and constant returns
    /// (std 0) both give exactly 0 — finite, never NaN.
    /// </summary>
    [TestCase(new[] { 1f })]
    [TestCase(new[] { 5f, 5f, 5f, 5f })]
    [TestCase(new[] { 0.1f, 0.1f, 0.1f })]
    public void Normalize_IsZero_ForOneStepAndConstantEpisodes(float[] values)
    {
        ReturnCalculator.Normalize(values);
        Assert.That(values, Has.All.EqualTo(0f));
    }

    [Test]
    public void Normalize_GivesMeanZeroAndUnitStd()
    {
        float[] values = [.. Enumerable.Range(0, 500).Select(i => (float)Math.Sqrt(i))];
        ReturnCalculator.Normalize(values);
        var (mean, std) = ReturnCalculator.MeanAndStd(values, unbiased: true);
        Assert.That(mean, Is.EqualTo(0).Within(1e-6));
        Assert.That(std, Is.EqualTo(1).Within(1e-6));
    }

    [TestCase(-0.1)]
    [TestCase(1.01)]
    [TestCase(double.NaN)]
    public void Discounted_RejectsGammaOutsideTheUnitInterval(double gamma)
        => Assert.That(() => ReturnCalculator.Discounted([1f], gamma, new float[1]),
            Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("[0, 1]"));

    [Test]
    public void Parse_ListsAcceptedNames()
    {
        Assert.That(ReturnCalculator.ParseKind("reward-to-go"), Is.EqualTo(ReturnKind.RewardToGo));
        Assert.That(() => ReturnCalculator.ParseNormalization("global"), Throws.ArgumentException.With.Message.Contains("none, episode, batch"));
    }
}
