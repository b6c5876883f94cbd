using Reinforce.Randomness;
using Reinforce.Statistics;

namespace Reinforce.Tests.Statistics;

/// <summary>
/// <see cref="Comparison"/>: the probability of improvement against cases worked by hand and against a brute-force
/// count; its interval and the paired IQM difference against tools/reference/comparison_reference.py (plain Python:
/// NumPy's generator re-implemented and checked against NumPy's outputs, the statistics by their definitions); the
/// counting shortcut against the literal resampling of <see cref="Bootstrap"/>; and the paired bootstrap on cases whose
/// answer is known (identical samples, a constant shift).
/// </summary>
public sealed class ComparisonTests
{
    private const double Unsolved = double.NegativeInfinity;

    // Generators as the sweep builds them: default_rng(SeedSequence(0, spawn_key=(j, a, b))).
    private static Pcg64 Stream(params ulong[] key) => Pcg64.FromSeedSequence(new SeedSequence(0UL, key));

    // Episodes-to-solve scores (higher is better): −episodes, −∞ for an unsolved run.
    private static double[] Scores(params long?[] episodes) => [.. episodes.Select(e => e is long v ? -(double)v : Unsolved)];

    [Test]
    public void ProbabilityOfImprovement_ThreeRunsAgainstThree_WithTiesAndUnsolvedRuns_IsWorkedByHand()
    {
        // Episodes to solve, fewer is better, unsolved (u) worse than every solved run and tied with another unsolved:
        // X = {120, u, 200}, Y = {200, u, u}. Pair by pair, [X's run better] + ½ [tie]:
        //   120 vs 200, u, u: 1 + 1 + 1       = 3
        //   u   vs 200, u, u: 0 + ½ + ½       = 1
        //   200 vs 200, u, u: ½ + 1 + 1       = 2.5
        // P(X better) = 6.5 / 9 = 13/18. The reverse, Y's runs against X's 120, u, 200: 200 scores 0 + 1 + ½ = 1.5, each
        // u scores 0 + ½ + 0 = ½, so 2.5 / 9 = 5/18 = 1 − 13/18. Tolerance: exact (2U = 13 over 2·9 = 18, one rounding).
        double[] x = Scores(120, null, 200), y = Scores(200, null, null);
        Assert.That(Comparison.ProbabilityOfImprovement(x, y), Is.EqualTo(13.0 / 18));
        Assert.That(Comparison.ProbabilityOfImprovement(y, x), Is.EqualTo(5.0 / 18));

        // Final returns, higher is better: X = {500, 500, 480}, Y = {500, 450, 500}:
        //   500 vs 500, 450, 500: ½ + 1 + ½ = 2 (twice);  480 vs them: 0 + 1 + 0 = 1;  P = 5/9. Exact.
        Assert.That(Comparison.ProbabilityOfImprovement([500.0, 500.0, 480.0], [500.0, 450.0, 500.0]), Is.EqualTo(5.0 / 9));

        // The plain-Python reference prints the same two values ("hand": poi_3x3_episodes, poi_3x3_returns).
        Assert.That(Comparison.ProbabilityOfImprovement(x, y), Is.EqualTo(0.7222222222222222));
        Assert.That(Comparison.ProbabilityOfImprovement([500.0, 500.0, 480.0], [500.0, 450.0, 500.0]), Is.EqualTo(0.5555555555555556));
    }

    [Test]
    public void ProbabilityOfImprovement_IsTheCountOverEveryPair_AHalfForIdenticalSamples_AndOneMinusTheReverse()
    {
        var random = new Random(7);
        for (int trial = 0; trial < 200; trial++)
        {
            // Few distinct values, so ties are common; −∞ among them.
            double[] x = [.. Enumerable.Range(0, random.Next(1, 30)).Select(_ => random.Next(6) is 0 ? Unsolved : random.Next(5))];
            double[] y = [.. Enumerable.Range(0, random.Next(1, 30)).Select(_ => random.Next(6) is 0 ? Unsolved : random.Next(5))];

            // Expected: the definition, pair by pair, as the integer 2U over 2nm. Tolerance: exact (the same rational, rounded once).
            long twice = x.Sum(a => y.Sum(b => a > b ? 2L : a == b ? 1L : 0L));
            double p = Comparison.ProbabilityOfImprovement(x, y);
            Assert.That(p, Is.EqualTo(twice / (2.0 * x.Length * y.Length)), $"trial {trial}");
            // P(X > Y) + P(Y > X) = 1, each rounded once: within 1 ulp of 1.
            Assert.That(p + Comparison.ProbabilityOfImprovement(y, x), Is.EqualTo(1).Within(2.3e-16), $"trial {trial}");
            // Identical samples, in any order: exactly ½ (each unordered pair counts 1 in 2U, each self-pair 1).
            Assert.That(Comparison.ProbabilityOfImprovement(x, [.. x.Reverse()]), Is.EqualTo(0.5), $"trial {trial}");
        }
    }

    // python3 tools/reference/comparison_reference.py, "poi": B = 2000, bootstrap seed 0, spawn keys (5, 0, 1) and (6, 0, 1).
    // Episodes X = its EPISODES_X (12 runs), Y = the first 10 of EPISODES_Y; returns X = RETURNS_X, Y = RETURNS_Y.
    private static readonly long?[] EpisodesX = [150, 210, null, 180, 150, 330, null, 240, 200, 175, 150, 400];
    private static readonly long?[] EpisodesY = [200, 260, 150, null, null, 300, 220, 500, 190, null, 160, 210];
    private static readonly double[] ReturnsX = [500.0, 487.5, 500.0, 312.25, 500.0, 499.0];
    private static readonly double[] ReturnsY = [500.0, 500.0, 455.5, 500.0, 120.0, 480.0];

    [Test]
    public void ProbabilityOfImprovementInterval_IsThePlainPythonReference()
    {
        // Printed by the script (estimate, lower, upper); NumPy's own default_rng and np.quantile give the same numbers.
        // Tolerance: exact (the same draws, exact probabilities, the same quantile arithmetic).
        ConfidenceInterval episodes = Comparison.ProbabilityOfImprovementInterval(Scores(EpisodesX), Scores(EpisodesY[..10]), Stream(5, 0, 1), 2000);
        Assert.That((episodes.Estimate, episodes.Lower, episodes.Upper), Is.EqualTo((0.65, 0.4041666666666667, 0.8666666666666667)));

        ConfidenceInterval returns = Comparison.ProbabilityOfImprovementInterval(ReturnsX, ReturnsY, Stream(6, 0, 1), 2000);
        Assert.That((returns.Estimate, returns.Lower, returns.Upper), Is.EqualTo((0.5694444444444444, 0.25, 0.8888888888888888)));
        Assert.That(returns.Confidence, Is.EqualTo(0.95));
    }

    [Test]
    public void ProbabilityOfImprovementInterval_DrawsAsTheBootstrapOfTheGroupsXAndY()
    {
        // The counting shortcut against Bootstrap's literal resampling (X's indices, then Y's, per replicate) with the
        // probability counted pair by pair on each resample. Tolerance: exact, for two generators and B = 1000.
        double[] x = Scores(EpisodesX), y = Scores(EpisodesY);
        int n = x.Length;
        SampleStatistic literal = resample =>
        {
            Span<double> a = resample[..n], b = resample[n..];
            long twice = 0;
            foreach (double u in a)
            {
                foreach (double v in b)
                {
                    twice += u > v ? 2 : u == v ? 1 : 0;
                }
            }
            return twice / (2.0 * a.Length * b.Length);
        };
        foreach (ulong seed in new ulong[] { 3, 99 })
        {
            ConfidenceInterval expected = Bootstrap.StratifiedPercentileInterval([x, y], literal, new Pcg64(seed), 1000);
            ConfidenceInterval actual = Comparison.ProbabilityOfImprovementInterval(x, y, new Pcg64(seed), 1000);
            Assert.That(actual, Is.EqualTo(expected), $"seed {seed}");
        }
    }

    [Test]
    public void PairedInterquartileMeanDifference_IsThePlainPythonReference()
    {
        // python3 tools/reference/comparison_reference.py, "paired": B = 2000, bootstrap seed 0.
        // 12 seeds, EpisodesX against EpisodesY, spawn key (7, 0, 1). By hand: X's 10 solved sorted 150 150 150 175 180
        // 200 210 240 330 400, cut 2 each end, IQM = 1155 / 6 = 192.5; Y's 9 solved 150 160 190 200 210 220 260 300 500,
        // cut 2, IQM = 1080 / 5 = 216; difference −23.5. Every replicate is defined (defined = 2000). Tolerance: exact.
        PairedDifference? both = Comparison.PairedInterquartileMeanDifference(Values(EpisodesX), Values(EpisodesY), Stream(7, 0, 1), 2000);
        Assert.That(both, Is.Not.Null);
        Assert.That((both!.Value.Interval.Estimate, both.Value.Interval.Lower, both.Value.Interval.Upper, both.Value.DefinedReplicates),
            Is.EqualTo((-23.5, -94.44285714285711, 41.0, 2000)));

        // One solved run of 8 (seed 2, 300 episodes) against six: a resample misses seed 2 with probability (7/8)^8, about
        // a third, and those replicates are left out (defined = 1251 of 2000 in this stream). By hand: 300 − IQM(100 110 120 130 150 200, cut 1)
        // = 300 − 510 / 4 = 172.5. Spawn key (7, 0, 2). Tolerance: exact.
        PairedDifference? rare = Comparison.PairedInterquartileMeanDifference(
            Values([null, null, 300, null, null, null, null, null]), Values([100, 200, null, 150, 120, null, 110, 130]), Stream(7, 0, 2), 2000);
        Assert.That(rare, Is.Not.Null);
        Assert.That((rare!.Value.Interval.Estimate, rare.Value.Interval.Lower, rare.Value.Interval.Upper, rare.Value.DefinedReplicates),
            Is.EqualTo((172.5, 125.0, 193.33333333333331, 1251)));
    }

    [Test]
    public void PairedInterquartileMeanDifference_OfIdenticalSamples_IsExactlyZero_WithTheInterval00()
    {
        // X = Y at every seed (unsolved seeds included): every resample draws the same values on both sides, so every
        // replicate is exactly 0. Tolerance: exact.
        double?[] x = Values(EpisodesX);
        PairedDifference? d = Comparison.PairedInterquartileMeanDifference(x, x, new Pcg64(5), 1000);
        Assert.That(d, Is.Not.Null);
        Assert.That((d!.Value.Interval.Estimate, d.Value.Interval.Lower, d.Value.Interval.Upper, d.Value.DefinedReplicates), Is.EqualTo((0.0, 0.0, 0.0, 1000)));
    }

    [Test]
    public void PairedInterquartileMeanDifference_OfAConstantShift_IsTheShift()
    {
        // X = Y + 37 at every solved seed, unsolved at the same seeds: each replicate's IQMs are means of the same drawn
        // values, X's each 37 more, so the difference is 37 up to the rounding of the two means (values below 600:
        // an ulp is 1.1e-13). Tolerance: 1e-12 absolute on the estimate and both ends.
        double?[] y = Values(EpisodesY), x = [.. y.Select(v => v + 37)];
        PairedDifference? d = Comparison.PairedInterquartileMeanDifference(x, y, new Pcg64(11), 1000);
        Assert.That(d, Is.Not.Null);
        Assert.That(d!.Value.Interval.Estimate, Is.EqualTo(37).Within(1e-12));
        Assert.That(d.Value.Interval.Lower, Is.EqualTo(37).Within(1e-12));
        Assert.That(d.Value.Interval.Upper, Is.EqualTo(37).Within(1e-12));

        // Not vacuous: unpaired, the same samples' IQMs vary independently, so the probability interval is wide.
        ConfidenceInterval unpaired = Comparison.ProbabilityOfImprovementInterval(Scores(EpisodesY), Scores(EpisodesY), new Pcg64(11), 1000);
        Assert.That(unpaired.Upper - unpaired.Lower, Is.GreaterThan(0.2));
    }

    [Test]
    public void PairedInterquartileMeanDifference_IsDeterministic_GivenTheGenerator()
    {
        double?[] x = Values(EpisodesX), y = Values(EpisodesY);
        PairedDifference? first = Comparison.PairedInterquartileMeanDifference(x, y, Stream(7, 0, 1), 1000);
        PairedDifference? again = Comparison.PairedInterquartileMeanDifference(x, y, Stream(7, 0, 1), 1000);
        PairedDifference? other = Comparison.PairedInterquartileMeanDifference(x, y, Stream(7, 0, 2), 1000);

        // Expected: the same generator gives the same interval bit for bit; another stream the same estimate and other ends.
        Assert.That(again, Is.EqualTo(first));
        Assert.That(other!.Value.Interval.Estimate, Is.EqualTo(first!.Value.Interval.Estimate));
        Assert.That((other.Value.Interval.Lower, other.Value.Interval.Upper), Is.Not.EqualTo((first.Value.Interval.Lower, first.Value.Interval.Upper)));
    }

    [Test]
    public void BadInput_IsRefused_AndNoValueOnASide_GivesNoDifference()
    {
        Assert.Throws<ArgumentException>(() => Comparison.ProbabilityOfImprovement([], [1.0]));
        Assert.Throws<ArgumentException>(() => Comparison.ProbabilityOfImprovement([1.0], [double.NaN]));
        Assert.Throws<ArgumentException>(() => Comparison.PairedInterquartileMeanDifference([1.0, 2.0], [1.0], new Pcg64(0), 100));
        Assert.Throws<ArgumentException>(() => Comparison.PairedInterquartileMeanDifference([double.NaN], [1.0], new Pcg64(0), 100));
        Assert.Throws<ArgumentOutOfRangeException>(() => Comparison.ProbabilityOfImprovementInterval([1.0], [2.0], new Pcg64(0), 0));
        Assert.That(Comparison.PairedInterquartileMeanDifference([null, null], [1.0, 2.0], new Pcg64(0), 100), Is.Null, "X solved no run");
    }

    private static double?[] Values(long?[] episodes) => [.. episodes.Select(e => e is long v ? (double?)v : null)];
}
