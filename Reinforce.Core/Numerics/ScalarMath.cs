namespace Reinforce.Numerics;

/// <summary>
/// Accurate scalar functions the base library lacks (.NET's <c>double.LogP1</c> and
/// <c>double.ExpM1</c> are computed as <c>Log(1 + x)</c> and <c>Exp(x) − 1</c>, which lose all
/// relative precision for tiny x).
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
        double logU = Math.Log(u);
        return double.IsInfinity(u) ? logU : logU * x / (u - 1.0);
    }

    /// <summary>eˣ − 1, accurate for tiny |x| (Kahan's correction: (u − 1)·x / log(u) with u = eˣ).</summary>
    public static double ExpM1(double x)
    {
        double u = Math.Exp(x);
        if (u == 1.0)
        {
            return x;
        }
        double um1 = u - 1.0;
        if (um1 == -1.0 || double.IsInfinity(u))
        {
            return um1;
        }
        return um1 * x / Math.Log(u);
    }

    /// <summary>softplus(x) = log(1 + eˣ), stable for large |x|: max(x, 0) + log1p(e^−|x|).</summary>
    public static double Softplus(double x) => Math.Max(x, 0.0) + Log1P(Math.Exp(-Math.Abs(x)));

    /// <summary>σ(x) = 1 / (1 + e^−x), evaluated without overflow for either sign.</summary>
    public static double Sigmoid(double x)
    {
        if (x >= 0)
        {
            return 1.0 / (1.0 + Math.Exp(-x));
        }
        double e = Math.Exp(x);
        return e / (1.0 + e);
    }
}
