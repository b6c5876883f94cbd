using Reinforce.Returns;

namespace Reinforce.Tests.Docs;

/// <summary>
/// The worked example of docs/policy-gradient.md#per-episode-or-per-batch: two episodes of 3 and 2 steps, every
/// reward +1, reward-to-go normalised per episode and over the batch. Every printed number is recomputed with
/// <see cref="ReturnCalculator"/> as ReinforceTrainer.ComputeWeights uses it and must match to one unit in its last
/// printed digit (the numbers were rounded from these float results, half a unit; the other half is margin). The
/// hand values of the text (μ = 1.8, σ = √0.7) are the expected values of the batch statistics, to 1e-12.
/// </summary>
[TestFixture]
public sealed class NormalisationExampleTests
{
    private static readonly float[] Rewards = [1, 1, 1, 1, 1];
    private static readonly Range[] Episodes = [0..3, 3..5];

    private Dictionary<string, string[]> printed = null!;
    private readonly Dictionary<string, double[]> computed = new(StringComparer.Ordinal);

    [OneTimeSetUp]
    public void ReadThePageAndCompute()
    {
        printed = WorkedExampleDocument.Read(Path.Combine(Repository.Root, "docs", "policy-gradient.md"));
        float[] returns = new float[Rewards.Length];
        foreach (Range episode in Episodes)
        {
            ReturnCalculator.RewardToGo(Rewards.AsSpan(episode), returns.AsSpan(episode));
        }
        float[] perEpisode = (float[])returns.Clone(), perBatch = (float[])returns.Clone();
        var means = new List<double>();
        var stds = new List<double>();
        foreach (Range episode in Episodes)
        {
            var (mean, std) = ReturnCalculator.MeanAndStd(returns.AsSpan(episode), unbiased: true);
            means.Add(mean);
            stds.Add(std);
            ReturnCalculator.Normalize(perEpisode.AsSpan(episode));
        }
        var (batchMean, batchStd) = ReturnCalculator.MeanAndStd(returns, unbiased: true);
        ReturnCalculator.Normalize(perBatch);
        computed["G"] = [.. returns.Select(v => (double)v)];
        computed["G.mean"] = [.. means];
        computed["G.std"] = [.. stds];
        computed["w.episode"] = [.. perEpisode.Select(v => (double)v)];
        computed["G.mean.batch"] = [batchMean];
        computed["G.std.batch"] = [batchStd];
        computed["w.batch"] = [.. perBatch.Select(v => (double)v)];
    }

    [Test]
    public void EveryPrintedNumber_IsWhatTheLibraryComputes()
    {
        Assert.That(printed.Keys.Order(StringComparer.Ordinal), Is.EqualTo(computed.Keys.Order(StringComparer.Ordinal)));
        Assert.Multiple(() =>
        {
            foreach (var (label, values) in computed)
            {
                string[] texts = printed[label];
                Assert.That(texts, Has.Length.EqualTo(values.Length), label);
                for (int i = 0; i < Math.Min(texts.Length, values.Length); i++)
                {
                    Assert.That(values[i], Is.EqualTo(WorkedExampleDocument.Parse(texts[i])).Within(WorkedExampleDocument.UnitInLastDigit(texts[i])), $"{label} #{i}");
                }
            }
        });
    }

    [Test]
    public void TheClaimsOfTheText_Hold()
    {
        double[] perEpisode = computed["w.episode"], perBatch = computed["w.batch"];
        Assert.Multiple(() =>
        {
            Assert.That(computed["G.mean.batch"][0], Is.EqualTo(1.8).Within(1e-12), "μ = 9/5");
            Assert.That(computed["G.std.batch"][0], Is.EqualTo(Math.Sqrt(0.7)).Within(1e-12), "σ = √(2.8/4)");
            Assert.That(perEpisode[..3].Sum(), Is.EqualTo(0).Within(1e-6), "per episode, each episode's weights sum to zero");
            Assert.That(perEpisode[3..].Sum(), Is.EqualTo(0).Within(1e-6));
            Assert.That(perBatch[3], Is.EqualTo(perBatch[1]), "same reward-to-go, same weight across the batch");
            Assert.That(perBatch[3..].Sum(), Is.EqualTo(-0.717).Within(1e-3), "the short episode's weights sum to −0.72");
            Assert.That(perBatch[3], Is.LessThan(perEpisode[3] / 2), "its first step is encouraged far less than per episode");
        });
    }
}
