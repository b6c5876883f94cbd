using System.Text.Json;
using Reinforce.Statistics;
using static Reinforce.Tests.Statistics.StatisticsReference;

namespace Reinforce.Tests.Statistics;

/// <summary>
/// Wilson and Clopper–Pearson intervals: closed forms worked out by hand at the edges (k = 0, k = n, n = 2), then SciPy
/// (<c>binomtest(k, n).proportion_ci</c> and <c>beta.ppf</c>) and the Wilson formula evaluated in Python, from
/// Reference/statistics_reference.json, for n from 1 to 10⁴. Tolerances: Wilson 1e-14 absolute (the same formula in
/// another algebraic order); Clopper–Pearson 2e-12 relative to the Beta quantiles computed to 50 digits with mpmath
/// (what <see cref="SpecialFunctions.InverseRegularizedIncompleteBeta"/> promises), 1e-10 relative to <c>beta.ppf</c> and
/// 1e-7 relative to <c>binomtest</c>, which finds the ends by a root search that stops at about 1e-8 (it differs from
/// <c>beta.ppf</c> by 1.2e-8 at k = 1, n = 10⁴).
/// </summary>
public class ProportionIntervalTests
{
    private const double Z975 = 1.959963984540054; // scipy.special.ndtri(0.975)

    [Test]
    public void Wilson_AtTheEdges_HasClosedForms()
    {
        // k = 0: center = half-width = (z²/2)/(n + z²), so the interval is [0, z²/(n + z²)]; k = n mirrors it.
        ConfidenceInterval none = ProportionInterval.Wilson(0, 10);
        ConfidenceInterval all = ProportionInterval.Wilson(10, 10);
        double upper = Z975 * Z975 / (10 + Z975 * Z975); // 0.27753…

        Assert.Multiple(() =>
        {
            Assert.That((none.Estimate, none.Lower), Is.EqualTo((0.0, 0.0)));
            Assert.That(none.Upper, Is.EqualTo(upper).Within(1e-15));
            Assert.That((all.Estimate, all.Upper), Is.EqualTo((1.0, 1.0)));
            Assert.That(all.Lower, Is.EqualTo(1 - upper).Within(1e-15));
        });
    }

    [Test]
    public void ClopperPearson_AtTheEdgesAndForTwoTrials_HasClosedForms()
    {
        // k = 0: P(X = 0) = (1 − p)ⁿ = α/2 gives upper = 1 − (α/2)^(1/n); k = n: lower = (α/2)^(1/n).
        // n = 2, k = 1: lower solves I_p(1, 2) = 1 − (1 − p)² = 0.025, p = 1 − √0.975; upper = √0.975 by symmetry.
        Assert.Multiple(() =>
        {
            Assert.That(ProportionInterval.ClopperPearson(0, 1).Upper, Is.EqualTo(0.975).Within(1e-15));
            Assert.That(ProportionInterval.ClopperPearson(0, 20).Upper, Is.EqualTo(1 - Math.Pow(0.025, 1.0 / 20)).Within(1e-14));
            Assert.That(ProportionInterval.ClopperPearson(20, 20).Lower, Is.EqualTo(Math.Pow(0.025, 1.0 / 20)).Within(1e-14));
            ConfidenceInterval half = ProportionInterval.ClopperPearson(1, 2);
            Assert.That(half.Lower, Is.EqualTo(1 - Math.Sqrt(0.975)).Within(1e-15));
            Assert.That(half.Upper, Is.EqualTo(Math.Sqrt(0.975)).Within(1e-15));
            Assert.That(half.Estimate, Is.EqualTo(0.5));
        });
    }

    private static IEnumerable<TestCaseData> ReferenceCases() =>
        Root.GetProperty("proportions").EnumerateArray().Select((c, i) => new TestCaseData(i).SetArgDisplayNames(
            $"k={c.GetProperty("k").GetInt32()}, n={c.GetProperty("n").GetInt32()}, {c.GetProperty("confidence").GetDouble()}"));

    [TestCaseSource(nameof(ReferenceCases))]
    public void Wilson_EqualsTheFormulaAndScipy(int index)
    {
        JsonElement c = Root.GetProperty("proportions")[index];
        ConfidenceInterval wilson = ProportionInterval.Wilson(c.GetProperty("k").GetInt32(), c.GetProperty("n").GetInt32(), c.GetProperty("confidence").GetDouble());
        double[] formula = Doubles(c.GetProperty("wilson_formula")), scipy = Doubles(c.GetProperty("wilson_scipy"));

        Assert.Multiple(() =>
        {
            Assert.That(wilson.Lower, Is.EqualTo(formula[0]).Within(1e-14), "formula, lower");
            Assert.That(wilson.Upper, Is.EqualTo(formula[1]).Within(1e-14), "formula, upper");
            Assert.That(wilson.Lower, Is.EqualTo(scipy[0]).Within(1e-14), "scipy, lower");
            Assert.That(wilson.Upper, Is.EqualTo(scipy[1]).Within(1e-14), "scipy, upper");
        });
    }

    [TestCaseSource(nameof(ReferenceCases))]
    public void ClopperPearson_EqualsTheExactValue_ScipyBetaPpf_AndBinomtest(int index)
    {
        JsonElement c = Root.GetProperty("proportions")[index];
        ConfidenceInterval exact = ProportionInterval.ClopperPearson(c.GetProperty("k").GetInt32(), c.GetProperty("n").GetInt32(), c.GetProperty("confidence").GetDouble());
        double[] betaPpf = Doubles(c.GetProperty("clopper_pearson_beta_ppf")), scipy = Doubles(c.GetProperty("clopper_pearson_scipy"));
        double[] exactValue = Doubles(c.GetProperty("clopper_pearson_mpmath"));

        Assert.Multiple(() =>
        {
            Assert.That(exact.Lower, Is.EqualTo(exactValue[0]).Within(2e-12 * exactValue[0]), "mpmath, lower");
            Assert.That(exact.Upper, Is.EqualTo(exactValue[1]).Within(2e-12 * exactValue[1]), "mpmath, upper");
            Assert.That(exact.Lower, Is.EqualTo(betaPpf[0]).Within(1e-10 * betaPpf[0]), "beta.ppf, lower");
            Assert.That(exact.Upper, Is.EqualTo(betaPpf[1]).Within(1e-10 * betaPpf[1]), "beta.ppf, upper");
            Assert.That(exact.Lower, Is.EqualTo(scipy[0]).Within(1e-7 * scipy[0]), "binomtest, lower");
            Assert.That(exact.Upper, Is.EqualTo(scipy[1]).Within(1e-7 * scipy[1]), "binomtest, upper");
        });
    }

    /// <summary>
    /// Coverage computed exactly, independently of any reference: for n = 20 and p on a grid of 199 points in (0, 1),
    /// P(p ∈ interval) = Σₖ C(n, k)·pᵏ(1 − p)ⁿ⁻ᵏ·[p ∈ interval(k)]. Clopper–Pearson guarantees at least 95 % for every p
    /// (a theorem; tolerance 1e-12 for rounding); Wilson's coverage oscillates around 95 %, its mean over the grid
    /// within [0.94, 0.96] (Brown, Cai &amp; DasGupta 2001 show about 0.95 for n = 20).
    /// </summary>
    [Test]
    public void Coverage_ClopperPearsonNeverBelowTheLevel_WilsonAboutTheLevelOnAverage()
    {
        const int n = 20;
        var wilson = Enumerable.Range(0, n + 1).Select(k => ProportionInterval.Wilson(k, n)).ToArray();
        var exact = Enumerable.Range(0, n + 1).Select(k => ProportionInterval.ClopperPearson(k, n)).ToArray();
        double worstExact = 1, wilsonSum = 0;
        int points = 0;
        for (int i = 1; i < 200; i++, points++)
        {
            double p = i / 200.0, coveredExact = 0, coveredWilson = 0;
            for (int k = 0; k <= n; k++)
            {
                double probability = Choose(n, k) * Math.Pow(p, k) * Math.Pow(1 - p, n - k);
                coveredExact += exact[k].Contains(p) ? probability : 0;
                coveredWilson += wilson[k].Contains(p) ? probability : 0;
            }
            worstExact = Math.Min(worstExact, coveredExact);
            wilsonSum += coveredWilson;
        }
        TestContext.Out.WriteLine($"n = {n}: Clopper–Pearson's lowest coverage {worstExact:F4}, Wilson's mean coverage {wilsonSum / points:F4}");

        Assert.That(worstExact, Is.GreaterThanOrEqualTo(0.95 - 1e-12));
        Assert.That(wilsonSum / points, Is.InRange(0.94, 0.96));
    }

    private static double Choose(int n, int k)
    {
        double value = 1;
        for (int i = 1; i <= k; i++)
        {
            value = value * (n - k + i) / i;
        }
        return value;
    }

    [Test]
    public void BadCounts_AreRefused()
    {
        Assert.That(() => ProportionInterval.Wilson(1, 0), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => ProportionInterval.Wilson(-1, 5), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => ProportionInterval.ClopperPearson(6, 5), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => ProportionInterval.ClopperPearson(1, 5, confidence: 0), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }
}
