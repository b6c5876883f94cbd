namespace Reinforce.Numerics;

/// <summary>
/// The double-precision functions of the Bernoulli head, on the library's own <see cref="ElementaryFunctions.Exp(double)"/>
/// and <see cref="ElementaryFunctions.Log(double)"/> (not the C library's), so they give the same bits on every machine.
/// </summary>
public static class ScalarMath
{
    /// <summary>log(1 + x), accurate for tiny |x| (Goldberg's correction: log(u)·x / (u − 1) with u = 1 + x).</summary>
    public static double Log1P(double x)
    {
        double u = 1.0 + x;
        if (u == 1.0)
        {
            return x;
        }
        double logU = ElementaryFunctions.Log(u);
        return double.IsInfinity(u) ? logU : logU * x / (u - 1.0);
    }

    /// <summary>softplus(x) = log(1 + eˣ), stable for large |x|: max(x, 0) + log1p(e^−|x|).</summary>
    public static double Softplus(double x) => Math.Max(x, 0.0) + Log1P(ElementaryFunctions.Exp(-Math.Abs(x)));

    /// <summary>σ(x) = 1 / (1 + e^−x), evaluated without overflow for either sign.</summary>
    public static double Sigmoid(double x)
    {
        if (x >= 0)
        {
            return 1.0 / (1.0 + ElementaryFunctions.Exp(-x));
        }
        double e = ElementaryFunctions.Exp(x);
        return e / (1.0 + e);
    }
}
