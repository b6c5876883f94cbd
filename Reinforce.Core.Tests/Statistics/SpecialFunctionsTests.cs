using System.Text.Json;
using Reinforce.Statistics;
using static Reinforce.Tests.Statistics.StatisticsReference;

namespace Reinforce.Tests.Statistics;

/// <summary>
/// Φ⁻¹, ln Γ and the regularised incomplete beta function with its inverse: identities worked out by hand, then values
/// computed with 50 significant digits by mpmath (Reference/statistics_reference.json) over shapes 0.5 … 10⁴, x from
/// 1e-6 to 0.99 and p from 1e-10 to 0.975. Each test prints its largest error; the tolerances are what the members'
/// documentation promises. (SciPy 1.10 itself is further off in places: its betaincinv by up to 2e-4 in the far tails.)
/// </summary>
public class SpecialFunctionsTests
{
    [Test]
    public void HandValues()
    {
        Assert.Multiple(() =>
        {
            // Φ⁻¹(½) = 0 exactly (q = 0 in AS 241's central region); the ends are infinite.
            Assert.That(SpecialFunctions.NormalQuantile(0.5), Is.EqualTo(0.0));
            Assert.That(SpecialFunctions.NormalQuantile(0), Is.EqualTo(double.NegativeInfinity));
            Assert.That(SpecialFunctions.NormalQuantile(1), Is.EqualTo(double.PositiveInfinity));
            // Γ(1) = Γ(2) = 1, Γ(5) = 24, Γ(½) = √π; tolerance 1e-15 absolute.
            Assert.That(SpecialFunctions.LogGamma(1), Is.EqualTo(0).Within(1e-15));
            Assert.That(SpecialFunctions.LogGamma(2), Is.EqualTo(0).Within(1e-15));
            Assert.That(SpecialFunctions.LogGamma(5), Is.EqualTo(Math.Log(24)).Within(1e-14));
            Assert.That(SpecialFunctions.LogGamma(0.5), Is.EqualTo(0.5 * Math.Log(Math.PI)).Within(1e-15));
            // Beta(1, 1) is uniform: I_x = x. Beta(a, 1): I_x = xᵃ. Beta(1, b): I_x = 1 − (1 − x)ᵇ. Beta(a, a) is symmetric:
            // I_½ = ½. Tolerance 1e-14.
            Assert.That(SpecialFunctions.RegularizedIncompleteBeta(1, 1, 0.3), Is.EqualTo(0.3).Within(1e-14));
            Assert.That(SpecialFunctions.RegularizedIncompleteBeta(3, 1, 0.7), Is.EqualTo(0.343).Within(1e-14));
            Assert.That(SpecialFunctions.RegularizedIncompleteBeta(1, 4, 0.5), Is.EqualTo(1 - 0.0625).Within(1e-14));
            Assert.That(SpecialFunctions.RegularizedIncompleteBeta(7.5, 7.5, 0.5), Is.EqualTo(0.5).Within(1e-14));
            // Inverses of the same: x = p^(1/a) for Beta(a, 1); 1 − (1 − p)^(1/b) for Beta(1, b).
            Assert.That(SpecialFunctions.InverseRegularizedIncompleteBeta(2, 1, 0.25), Is.EqualTo(0.5).Within(1e-14));
            Assert.That(SpecialFunctions.InverseRegularizedIncompleteBeta(1, 2, 0.75), Is.EqualTo(0.5).Within(1e-14));
            Assert.That(SpecialFunctions.InverseRegularizedIncompleteBeta(30, 30, 0.5), Is.EqualTo(0.5).Within(1e-14));
        });
    }

    [Test]
    public void NormalQuantile_EqualsTheExactValue_To1e15Relative()
    {
        double worst = WorstRelativeError("ndtri", row => SpecialFunctions.NormalQuantile(row[0]));
        Assert.That(worst, Is.LessThanOrEqualTo(1e-15));
    }

    [Test]
    public void LogGamma_EqualsTheExactValue_To1e14AbsoluteNearItsZeros_AndRelativeElsewhere()
    {
        // ln Γ vanishes at 1 and 2, where only an absolute error makes sense: error / max(1, |expected|).
        double worst = 0;
        foreach (JsonElement row in Root.GetProperty("special").GetProperty("gammaln").EnumerateArray())
        {
            double x = row[0].GetDouble(), expected = row[1].GetDouble();
            worst = Math.Max(worst, Math.Abs(SpecialFunctions.LogGamma(x) - expected) / Math.Max(1, Math.Abs(expected)));
        }
        TestContext.Out.WriteLine($"gammaln: largest error / max(1, |value|) = {worst:E2}");
        Assert.That(worst, Is.LessThanOrEqualTo(1e-14));
    }

    [Test]
    public void RegularizedIncompleteBeta_EqualsTheExactValue_To2e12Relative()
    {
        // For shapes near 10⁴ the exponent of the prefactor xᵃ(1 − x)ᵇ/B(a, b) is a sum of terms near 10⁴ that cancel;
        // their rounding is why this is 2e-12 and not machine precision (measured: 8.6e-13 at a = b = 10⁴, x = ½).
        double worst = WorstRelativeError("betainc", row => SpecialFunctions.RegularizedIncompleteBeta(row[0], row[1], row[2]));
        Assert.That(worst, Is.LessThanOrEqualTo(2e-12));
    }

    [Test]
    public void InverseRegularizedIncompleteBeta_EqualsTheExactValue_To2e12Relative()
    {
        double worst = WorstRelativeError("betaincinv", row => SpecialFunctions.InverseRegularizedIncompleteBeta(row[0], row[1], row[2]));
        Assert.That(worst, Is.LessThanOrEqualTo(2e-12));
    }

    // The largest |actual − expected| / |expected| over a table whose rows end with the expected value (printed).
    private static double WorstRelativeError(string table, Func<double[], double> compute)
    {
        double worst = 0;
        string where = "";
        foreach (JsonElement row in Root.GetProperty("special").GetProperty(table).EnumerateArray())
        {
            double[] values = Doubles(row);
            double expected = values[^1];
            double error = expected == 0 ? Math.Abs(compute(values)) : Math.Abs(compute(values) - expected) / Math.Abs(expected);
            if (error >= worst)
            {
                (worst, where) = (error, string.Join(", ", values[..^1]));
            }
        }
        TestContext.Out.WriteLine($"{table}: largest relative error {worst:E2} at ({where})");
        return worst;
    }

    [Test]
    public void OutOfDomainArguments_AreRefused()
    {
        Assert.That(() => SpecialFunctions.NormalQuantile(1.5), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => SpecialFunctions.LogGamma(0), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => SpecialFunctions.RegularizedIncompleteBeta(0, 1, 0.5), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => SpecialFunctions.RegularizedIncompleteBeta(1, 1, -0.1), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => SpecialFunctions.InverseRegularizedIncompleteBeta(1, 1, double.NaN), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }
}
