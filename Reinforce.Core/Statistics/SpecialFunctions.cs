namespace Reinforce.Statistics;

/// <summary>
/// The special functions the intervals need, written on the base library: the standard normal quantile, ln Γ, and the
/// regularised incomplete beta function with its inverse. Accuracy is stated on each member and checked against
/// values computed to 50 digits with mpmath (<c>tools/reference/statistics_reference.py</c>).
/// </summary>
public static class SpecialFunctions
{
    // Lanczos approximation with g = 7 and 9 coefficients (the widely published set): Γ(z + 1) ≈
    // √(2π)·(z + g + ½)^(z + ½)·e^−(z + g + ½)·(c₀ + Σₖ cₖ/(z + k)), relative error about 1e-15 for z ≥ ½.
    private const double LanczosG = 7;
    private static readonly double[] Lanczos =
    [
        0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
        12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
    ];

    private static readonly double HalfLogTwoPi = 0.5 * Math.Log(2 * Math.PI);

    // Wichura's AS 241 (PPND16, Applied Statistics 37(3), 477–484, 1988): rational approximations of Φ⁻¹ with relative
    // error about 1e-16, in three regions. Coefficients lowest degree first.
    private static readonly double[] CentralNumerator =
    [
        3.3871328727963666080e0, 1.3314166789178437745e+2, 1.9715909503065514427e+3, 1.3731693765509461125e+4,
        4.5921953931549871457e+4, 6.7265770927008700853e+4, 3.3430575583588128105e+4, 2.5090809287301226727e+3,
    ];
    private static readonly double[] CentralDenominator =
    [
        1.0, 4.2313330701600911252e+1, 6.8718700749205790830e+2, 5.3941960214247511077e+3,
        2.1213794301586595867e+4, 3.9307895800092710610e+4, 2.8729085735721942674e+4, 5.2264952788528545610e+3,
    ];
    private static readonly double[] IntermediateNumerator =
    [
        1.42343711074968357734e0, 4.63033784615654529590e0, 5.76949722146069140550e0, 3.64784832476320460504e0,
        1.27045825245236838258e0, 2.41780725177450611770e-1, 2.27238449892691845833e-2, 7.74545014278341407640e-4,
    ];
    private static readonly double[] IntermediateDenominator =
    [
        1.0, 2.05319162663775882187e0, 1.67638483018380384940e0, 6.89767334985100004550e-1,
        1.48103976427480074590e-1, 1.51986665636164571966e-2, 5.47593808499534494600e-4, 1.05075007164441684324e-9,
    ];
    private static readonly double[] TailNumerator =
    [
        6.65790464350110377720e0, 5.46378491116411436990e0, 1.78482653991729133580e0, 2.96560571828504891230e-1,
        2.65321895265761230930e-2, 1.24266094738807843860e-3, 2.71155556874348757815e-5, 2.01033439929228813265e-7,
    ];
    private static readonly double[] TailDenominator =
    [
        1.0, 5.99832206555887937690e-1, 1.36929880922735805310e-1, 1.48753612908506148525e-2,
        7.86869131145613259100e-4, 1.84631831751005468180e-5, 1.42151175831644588870e-7, 2.04426310338993978564e-15,
    ];

    /// <summary>
    /// Φ⁻¹(p), the quantile of the standard normal distribution (SciPy's <c>norm.ppf</c>), by Wichura's algorithm AS 241:
    /// relative error about 1e-16. Φ⁻¹(0) = −∞ and Φ⁻¹(1) = +∞.
    /// </summary>
    /// <param name="probability">p in [0, 1].</param>
    /// <returns>z with Φ(z) = p.</returns>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="probability"/> is not in [0, 1].</exception>
    public static double NormalQuantile(double probability)
    {
        if (!(probability >= 0 && probability <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "A probability must be in [0, 1].");
        }
        if (probability == 0)
        {
            return double.NegativeInfinity;
        }
        if (probability == 1)
        {
            return double.PositiveInfinity;
        }
        double q = probability - 0.5;
        if (Math.Abs(q) <= 0.425)
        {
            double r = 0.180625 - (q * q);
            return q * Horner(CentralNumerator, r) / Horner(CentralDenominator, r);
        }
        double tail = q < 0 ? probability : 1 - probability;
        double s = Math.Sqrt(-Math.Log(tail));
        double z = s <= 5
            ? Horner(IntermediateNumerator, s - 1.6) / Horner(IntermediateDenominator, s - 1.6)
            : Horner(TailNumerator, s - 5) / Horner(TailDenominator, s - 5);
        return q < 0 ? -z : z;
    }

    /// <summary>
    /// ln Γ(x) for x &gt; 0 by the Lanczos approximation (g = 7, 9 terms), with the reflection formula below ½: absolute
    /// error about 1e-15 near the zeros at 1 and 2, relative error about 1e-15 elsewhere.
    /// </summary>
    /// <param name="x">x &gt; 0.</param>
    /// <returns>ln Γ(x).</returns>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="x"/> is not a finite positive number.</exception>
    public static double LogGamma(double x)
    {
        if (!(x > 0 && double.IsFinite(x)))
        {
            throw new ArgumentOutOfRangeException(nameof(x), x, "ln Γ is computed for finite x > 0.");
        }
        if (x < 0.5)
        {
            // Γ(x)·Γ(1 − x) = π / sin(πx).
            return Math.Log(Math.PI / Math.Sin(Math.PI * x)) - LogGamma(1 - x);
        }
        double z = x - 1;
        double series = Lanczos[0];
        for (int k = 1; k < Lanczos.Length; k++)
        {
            series += Lanczos[k] / (z + k);
        }
        double t = z + LanczosG + 0.5;
        return HalfLogTwoPi + ((z + 0.5) * Math.Log(t)) - t + Math.Log(series);
    }

    /// <summary>
    /// ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b). When a shape is 10 or more the three terms are large and nearly
    /// cancel, so Stirling's series is used instead and the large parts are combined analytically first (the approach of
    /// R's <c>lbeta</c>): with p = min(a, b), q = max(a, b) and δ(x) = ln Γ(x) − ((x − ½)ln x − x + ½ln 2π),
    /// <code>
    /// p, q ≥ 10:  ln B = ½ln 2π − ½ln q + (p − ½)·ln(p/(p + q)) + q·ln(1 − p/(p + q)) + δ(p) + δ(q) − δ(p + q)
    /// p &lt; 10 ≤ q: ln B = ln Γ(p) − (q − ½)·ln(1 + p/q) − p·ln(p + q) + p + δ(q) − δ(p + q)
    /// </code>
    /// </summary>
    /// <param name="a">a &gt; 0.</param>
    /// <param name="b">b &gt; 0.</param>
    /// <returns>ln B(a, b).</returns>
    public static double LogBeta(double a, double b)
    {
        RequireShape(a, nameof(a));
        RequireShape(b, nameof(b));
        double p = Math.Min(a, b), q = Math.Max(a, b);
        if (q < StirlingFrom)
        {
            return LogGamma(p) + LogGamma(q) - LogGamma(p + q);
        }
        double correction = StirlingCorrection(q) - StirlingCorrection(p + q);
        if (p < StirlingFrom)
        {
            return LogGamma(p) - ((q - 0.5) * LogOnePlus(p / q)) - (p * Math.Log(p + q)) + p + correction;
        }
        double share = p / (p + q);
        return HalfLogTwoPi - (0.5 * Math.Log(q)) + ((p - 0.5) * Math.Log(share)) + (q * LogOnePlus(-share))
            + StirlingCorrection(p) + correction;
    }

    // Where LogBeta switches to Stirling's series.
    private const double StirlingFrom = 10;

    // δ(x) = ln Γ(x) − ((x − ½)ln x − x + ½ln 2π) = 1/(12x) − 1/(360x³) + 1/(1260x⁵) − 1/(1680x⁷) + 1/(1188x⁹)
    // − 691/(360360x¹¹) + 1/(156x¹³) − …, the Bernoulli-number series; for x ≥ 10 the next term is below 3e-17.
    private static double StirlingCorrection(double x)
    {
        double inverse = 1 / x, inverseSquared = inverse * inverse;
        double series = 1.0 / 156;
        series = (series * inverseSquared) - (691.0 / 360360);
        series = (series * inverseSquared) + (1.0 / 1188);
        series = (series * inverseSquared) - (1.0 / 1680);
        series = (series * inverseSquared) + (1.0 / 1260);
        series = (series * inverseSquared) - (1.0 / 360);
        series = (series * inverseSquared) + (1.0 / 12);
        return series * inverse;
    }

    /// <summary>
    /// The regularised incomplete beta function I_x(a, b) = B(x; a, b) / B(a, b), the CDF of the Beta(a, b) distribution
    /// at x (SciPy's <c>betainc(a, b, x)</c>), by the continued fraction of the incomplete beta integral (evaluated with
    /// Lentz's method) where it converges fast, x &lt; (a + 1)/(a + b + 2), and the symmetry I_x(a, b) = 1 − I_{1−x}(b, a)
    /// elsewhere. Relative error below 2e-12 for a, b up to 10⁴ (the prefactor xᵃ(1 − x)ᵇ/B(a, b) is the exponential of
    /// terms that reach 10⁴ and cancel, and their rounding goes into the exponent).
    /// </summary>
    /// <param name="a">a &gt; 0.</param>
    /// <param name="b">b &gt; 0.</param>
    /// <param name="x">x in [0, 1].</param>
    /// <returns>I_x(a, b) in [0, 1].</returns>
    /// <exception cref="ArgumentOutOfRangeException">When a parameter is out of its range.</exception>
    public static double RegularizedIncompleteBeta(double a, double b, double x)
    {
        RequireShape(a, nameof(a));
        RequireShape(b, nameof(b));
        if (!(x >= 0 && x <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(x), x, "x must be in [0, 1].");
        }
        if (x == 0 || x == 1)
        {
            return x;
        }
        return x < (a + 1) / (a + b + 2)
            ? IncompleteBetaByContinuedFraction(a, b, x)
            : 1 - IncompleteBetaByContinuedFraction(b, a, 1 - x);
    }

    /// <summary>
    /// The inverse of <see cref="RegularizedIncompleteBeta"/> in x: the x with I_x(a, b) = <paramref name="probability"/>,
    /// i.e. the quantile of Beta(a, b) (SciPy's <c>beta.ppf(p, a, b)</c>, <c>betaincinv(a, b, p)</c>). Newton's method on
    /// I_x(a, b) − p, whose derivative is the Beta density x^(a−1)(1 − x)^(b−1)/B(a, b), kept inside a bracket that
    /// every step shrinks; when a Newton step would leave the bracket (or the density is 0 or infinite) the step bisects
    /// instead. It stops when a Newton step changes x by less than 1e-15 of min(x, 1 − x), or when the bracket is two
    /// adjacent doubles. Relative error below 2e-12 for a, b up to 10⁴.
    /// </summary>
    /// <param name="a">a &gt; 0.</param>
    /// <param name="b">b &gt; 0.</param>
    /// <param name="probability">p in [0, 1].</param>
    /// <returns>x in [0, 1].</returns>
    /// <exception cref="ArgumentOutOfRangeException">When a parameter is out of its range.</exception>
    public static double InverseRegularizedIncompleteBeta(double a, double b, double probability)
    {
        RequireShape(a, nameof(a));
        RequireShape(b, nameof(b));
        if (!(probability >= 0 && probability <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "A probability must be in [0, 1].");
        }
        if (probability == 0 || probability == 1)
        {
            return probability;
        }
        double logBeta = LogBeta(a, b);
        double low = 0, high = 1;
        double x = a / (a + b); // the mean: a start inside (0, 1) that is close for large a, b
        for (int iteration = 0; iteration < 2000; iteration++)
        {
            double residual = RegularizedIncompleteBeta(a, b, x) - probability;
            if (residual == 0)
            {
                return x;
            }
            if (residual < 0)
            {
                low = x;
            }
            else
            {
                high = x;
            }
            double density = Math.Exp(((a - 1) * Math.Log(x)) + ((b - 1) * LogOnePlus(-x)) - logBeta);
            double newton = x - (residual / density);
            bool newtonUsable = double.IsFinite(density) && density > 0;
            // Converged when a Newton step moves x by less than 1e-15 of its distance to the nearer end: near 1 (a shape
            // below 1 makes the density blow up there) a step that is tiny next to x can still be large next to 1 − x.
            if (newtonUsable && Math.Abs(newton - x) <= 1e-15 * Math.Min(x, 1 - x))
            {
                return Math.Clamp(newton, low, high);
            }
            double next = newtonUsable && newton > low && newton < high ? newton : low + ((high - low) / 2);
            if (next <= low || next >= high)
            {
                return x; // the bracket is two adjacent doubles
            }
            x = next;
        }
        return x;
    }

    // I_x(a, b) = x^a (1 − x)^b / (a·B(a, b)) · 1/(1 + d₁/(1 + d₂/(1 + …))) with
    // d₂ₘ₊₁ = −(a + m)(a + b + m)x / ((a + 2m)(a + 2m + 1)) and d₂ₘ = m(b − m)x / ((a + 2m − 1)(a + 2m)),
    // evaluated by the modified Lentz method; converges quickly for x < (a + 1)/(a + b + 2).
    private static double IncompleteBetaByContinuedFraction(double a, double b, double x)
    {
        const double tiny = 1e-300;
        const int maxTerms = 100_000;
        double front = Math.Exp((a * Math.Log(x)) + (b * LogOnePlus(-x)) - LogBeta(a, b)) / a;

        double c = 1;
        double d = 1 - ((a + b) * x / (a + 1));
        d = 1 / (Math.Abs(d) < tiny ? tiny : d);
        double fraction = d;
        for (int m = 1; m <= maxTerms; m++)
        {
            // Even term d₂ₘ.
            double numerator = m * (b - m) * x / ((a + (2 * m) - 1) * (a + (2 * m)));
            d = 1 + (numerator * d);
            d = 1 / (Math.Abs(d) < tiny ? tiny : d);
            c = 1 + (numerator / c);
            c = Math.Abs(c) < tiny ? tiny : c;
            fraction *= d * c;

            // Odd term d₂ₘ₊₁.
            numerator = -(a + m) * (a + b + m) * x / ((a + (2 * m)) * (a + (2 * m) + 1));
            d = 1 + (numerator * d);
            d = 1 / (Math.Abs(d) < tiny ? tiny : d);
            c = 1 + (numerator / c);
            c = Math.Abs(c) < tiny ? tiny : c;
            double step = d * c;
            fraction *= step;
            if (Math.Abs(step - 1) <= 1e-15)
            {
                return front * fraction;
            }
        }
        throw new ArithmeticException($"The incomplete beta continued fraction did not converge for a = {a}, b = {b}, x = {x}.");
    }

    /// <summary>ln(1 + u) without losing the digits of a small u (Goldberg's correction of the rounded 1 + u).</summary>
    private static double LogOnePlus(double u)
    {
        double onePlus = 1 + u;
        if (onePlus == 1)
        {
            return u;
        }
        return Math.Log(onePlus) * u / (onePlus - 1);
    }

    private static double Horner(double[] coefficients, double x)
    {
        double value = coefficients[^1];
        for (int k = coefficients.Length - 2; k >= 0; k--)
        {
            value = (value * x) + coefficients[k];
        }
        return value;
    }

    private static void RequireShape(double value, string name)
    {
        if (!(value > 0 && double.IsFinite(value)))
        {
            throw new ArgumentOutOfRangeException(name, value, "A Beta shape parameter must be a finite number > 0.");
        }
    }
}
