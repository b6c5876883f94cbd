using System.Text.Json;
using Reinforce.Statistics;
using static Reinforce.Tests.Statistics.StatisticsReference;

namespace Reinforce.Tests.Statistics;

/// <summary>
/// Sums, means, standard deviations, quantiles, medians and trimmed means: small cases worked out by hand (stated in each
/// test), then every sample of Reference/statistics_reference.json against NumPy and SciPy. Sum, mean, std, quantiles
/// and the median are compared bit for bit (the definitions copy NumPy's arithmetic); the trimmed means to 4 ulps
/// (SciPy sums the kept values in <c>np.partition</c>'s order, the library in sorted order).
/// </summary>
public class DescriptiveTests
{
    [Test]
    public void Sum_IsPairwise_NotLeftToRight()
    {
        // 2⁵³ followed by seven 1s and −2⁵³ (n = 9). Left to right, each 2⁵³ + 1 rounds back to 2⁵³ (a tie, to even) and
        // the sum is 0. NumPy's pairwise sum puts the first 8 values in 8 partial sums, combines them as
        // ((2⁵³ + 1) + (1 + 1)) + ((1 + 1) + (1 + 1)) = (2⁵³ + 2) + 4 = 2⁵³ + 6 (exact), then adds −2⁵³: 6. Exact: 7.
        double big = 9007199254740992.0;
        double[] values = [big, 1, 1, 1, 1, 1, 1, 1, -big];

        Assert.That(Descriptive.Sum(values), Is.EqualTo(6.0));
        Assert.That(Descriptive.Sum([]), Is.EqualTo(0.0));
    }

    [Test]
    public void MeanAndStandardDeviation_OfTheTextbookSample()
    {
        // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, squared deviations 9+1+1+1+0+0+4+16 = 32, population std √(32/8) = 2,
        // sample std √(32/7). All exact in binary but the last (compared to 1e-15).
        double[] values = [2, 4, 4, 4, 5, 5, 7, 9];

        Assert.That(Descriptive.Mean(values), Is.EqualTo(5.0));
        Assert.That(Descriptive.StandardDeviation(values), Is.EqualTo(2.0));
        Assert.That(Descriptive.StandardDeviation(values, deltaDegreesOfFreedom: 1), Is.EqualTo(Math.Sqrt(32.0 / 7)).Within(1e-15));
    }

    [TestCase(0.0, 1.0)]      // h = 0: the minimum
    [TestCase(0.25, 1.75)]    // h = 3·0.25 = 0.75: 1 + 0.75·(2 − 1)
    [TestCase(0.5, 2.5)]      // h = 1.5: 2 + 0.5·(3 − 2)
    [TestCase(0.9, 3.7)]      // h = 2.7: 3 + 0.7·(4 − 3), computed from above as 4 − 0.3·1 (NumPy's lerp for t ≥ ½)
    [TestCase(1.0, 4.0)]      // h = 3: the maximum
    public void Quantile_InterpolatesLinearlyBetweenOrderStatistics(double q, double expected)
    {
        // Type 7 on {1, 2, 3, 4} given unsorted: h = (n − 1)·q, then x₍⌊h⌋₎ + (h − ⌊h⌋)·(x₍⌊h⌋+1₎ − x₍⌊h⌋₎). Tolerance 1e-15.
        Assert.That(Descriptive.Quantile([3.0, 1.0, 4.0, 2.0], q), Is.EqualTo(expected).Within(1e-15));
    }

    [Test]
    public void Median_IsTheMiddleValue_OrTheMeanOfTheTwoMiddleValues()
    {
        Assert.That(Descriptive.Median([5.0, 1.0, 4.0, 2.0, 3.0]), Is.EqualTo(3.0));
        Assert.That(Descriptive.Median([4.0, 1.0, 3.0, 2.0]), Is.EqualTo(2.5));
        Assert.That(Descriptive.Median([7.0]), Is.EqualTo(7.0));
    }

    // ⌊n/4⌋ values are dropped at each end (scipy.stats.trim_mean(x, 0.25)), so n not a multiple of 4 keeps more than half.
    [TestCase(new double[] { 7 }, 7.0)]                                     // n = 1: cut 0
    [TestCase(new double[] { 1, 2, 100 }, 103.0 / 3)]                       // n = 3: cut 0, mean of all
    [TestCase(new double[] { 100, 1, 3, 2 }, 2.5)]                          // n = 4: cut 1, mean(2, 3)
    [TestCase(new double[] { 1, 2, 3, 4, 100 }, 3.0)]                       // n = 5: cut 1, mean(2, 3, 4)
    [TestCase(new double[] { 1, 2, 3, 4, 5, 100 }, 3.5)]                    // n = 6: cut 1, mean(2, 3, 4, 5)
    [TestCase(new double[] { -50, 1, 2, 3, 4, 5, 100 }, 3.0)]               // n = 7: cut 1, mean(1..5)
    [TestCase(new double[] { 1, 2, 3, 4, 5, 6, 7, 100 }, 4.5)]              // n = 8: cut 2, mean(3, 4, 5, 6)
    public void InterquartileMean_DropsTheFloorOfAQuarterAtEachEnd(double[] values, double expected)
    {
        Assert.That(Descriptive.InterquartileMean(values), Is.EqualTo(expected).Within(1e-15));
    }

    [Test]
    public void FractionAbove_CountsStrictlyGreaterValues()
    {
        // {1, 2, 2, 3}: above 2 is only 3 → 1/4; above 1.5 → 3/4; above 3 → 0.
        double[] values = [1, 2, 2, 3];
        Assert.That(Descriptive.FractionAbove(values, 2), Is.EqualTo(0.25));
        Assert.That(Descriptive.FractionAbove(values, 1.5), Is.EqualTo(0.75));
        Assert.That(Descriptive.FractionAbove(values, 3), Is.Zero);
    }

    [Test]
    public void EmptySamplesAndNaNs_AreRefused()
    {
        Assert.That(() => Descriptive.Mean([]), Throws.ArgumentException);
        Assert.That(() => Descriptive.Quantile([], 0.5), Throws.ArgumentException);
        Assert.That(() => Descriptive.Median([1.0, double.NaN]), Throws.ArgumentException.With.Message.Contains("NaN"));
        Assert.That(() => Descriptive.Quantile([1.0], 1.5), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => Descriptive.TrimmedMean([1.0], 0.5), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => Descriptive.StandardDeviation([1.0], deltaDegreesOfFreedom: 1), Throws.ArgumentException);
    }

    private static IEnumerable<TestCaseData> ReferenceSamples() =>
        Root.GetProperty("descriptive").EnumerateObject().Select(p => new TestCaseData(p.Name).SetArgDisplayNames(p.Name));

    [TestCaseSource(nameof(ReferenceSamples))]
    public void SumMeanStdQuantilesAndMedian_EqualNumPy_BitForBit(string sample)
    {
        JsonElement reference = Root.GetProperty("descriptive").GetProperty(sample);
        double[] values = Doubles(reference.GetProperty("values"));

        Assert.Multiple(() =>
        {
            Assert.That(Bits(Descriptive.Sum(values)), Is.EqualTo(Bits(reference.GetProperty("sum").GetDouble())), "np.sum");
            Assert.That(Bits(Descriptive.Mean(values)), Is.EqualTo(Bits(reference.GetProperty("mean").GetDouble())), "np.mean");
            Assert.That(Bits(Descriptive.StandardDeviation(values)), Is.EqualTo(Bits(reference.GetProperty("std0").GetDouble())), "np.std");
            if (reference.GetProperty("std1").ValueKind == JsonValueKind.Number)
            {
                Assert.That(Bits(Descriptive.StandardDeviation(values, 1)), Is.EqualTo(Bits(reference.GetProperty("std1").GetDouble())), "np.std(ddof=1)");
            }
            Assert.That(Bits(Descriptive.Median(values)), Is.EqualTo(Bits(reference.GetProperty("median").GetDouble())), "np.median");
            foreach (JsonProperty quantile in reference.GetProperty("quantiles").EnumerateObject())
            {
                double q = double.Parse(quantile.Name, System.Globalization.CultureInfo.InvariantCulture);
                Assert.That(Bits(Descriptive.Quantile(values, q)), Is.EqualTo(Bits(quantile.Value.GetDouble())), $"np.quantile(x, {q})");
            }
        });
    }

    [TestCaseSource(nameof(ReferenceSamples))]
    public void TrimmedMeans_EqualScipyTrimMean_ToFourUlps(string sample)
    {
        JsonElement reference = Root.GetProperty("descriptive").GetProperty(sample);
        double[] values = Doubles(reference.GetProperty("values"));
        double iqm = reference.GetProperty("iqm").GetDouble(), trim10 = reference.GetProperty("trim10").GetDouble();

        Assert.Multiple(() =>
        {
            Assert.That(Descriptive.InterquartileMean(values), Is.EqualTo(iqm).Within(FourUlps(iqm)), "trim_mean(x, 0.25)");
            Assert.That(Descriptive.TrimmedMean(values, 0.1), Is.EqualTo(trim10).Within(FourUlps(trim10)), "trim_mean(x, 0.1)");
        });
    }

    private static double FourUlps(double value) => 4 * (Math.BitIncrement(Math.Abs(value)) - Math.Abs(value));
}
