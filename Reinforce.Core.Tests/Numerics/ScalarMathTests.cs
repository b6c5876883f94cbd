using Reinforce.Numerics;

namespace Reinforce.Tests.Numerics;

/// <summary>
/// Accuracy of the Bernoulli head's double functions. Expected values are the Taylor series
/// log1p(x) = x − x²/2 + x³/3 (exact to double precision for |x| ≤ 1e-6), and closed forms
/// elsewhere; tolerance 2 ulps relative (4.4e-16).
/// </summary>
public class ScalarMathTests
{
    [TestCase(1e-10)]
    [TestCase(-3e-9)]
    [TestCase(1e-6)]
    public void Log1P_KeepsFullPrecision_ForTinyArguments(double x)
    {
        double log1p = x - x * x / 2 + x * x * x / 3;
        Assert.That(ScalarMath.Log1P(x), Is.EqualTo(log1p).Within(4.4e-16 * Math.Abs(log1p)));
    }

    [TestCase(0.5)]
    [TestCase(-0.75)]
    [TestCase(20.0)]
    public void Log1P_AgreesWithTheClosedForm_AwayFromZero(double x)
        => Assert.That(ScalarMath.Log1P(x), Is.EqualTo(Math.Log(1 + x)).Within(4.4e-16 * Math.Abs(Math.Log(1 + x))));

    [TestCase(-800.0, 0.0)]
    [TestCase(800.0, 800.0)]
    [TestCase(0.0, 0.69314718055994531)]
    public void Softplus_IsFinite_ForExtremeArguments(double x, double expected)
        => Assert.That(ScalarMath.Softplus(x), Is.EqualTo(expected).Within(1e-15 * Math.Max(1, Math.Abs(expected))));

    [TestCase(-800.0)]
    [TestCase(800.0)]
    [TestCase(0.3)]
    public void Sigmoid_IsInUnitInterval_AndSymmetric(double x)
    {
        double s = ScalarMath.Sigmoid(x);
        Assert.That(s, Is.InRange(0.0, 1.0));
        Assert.That(s + ScalarMath.Sigmoid(-x), Is.EqualTo(1.0).Within(1e-15));
    }
}
