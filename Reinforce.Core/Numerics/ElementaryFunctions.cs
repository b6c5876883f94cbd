using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Reinforce.Numerics;

/// <summary>
/// The exponential, logarithm and hyperbolic tangent the policy uses, written here so that they give the same
/// bits on every machine: .NET's <c>MathF.Exp</c>, <c>MathF.Tanh</c>, … call the platform's C library, whose
/// results differ in the last bit between glibc on x64 and on ARM64, musl, macOS and Windows.
/// </summary>
/// <remarks>
/// <para><b>Same bits everywhere.</b> Every function is a fixed sequence of IEEE-754 operations that are exactly
/// specified on every platform (+, −, ×, ÷, fused multiply-add, float ↔ double conversion, comparisons and bit
/// manipulation), with no table lookup and no call into the C library. The scalar form and the
/// <see cref="Vector{T}"/> form of a function perform the same operations on every element, so they agree bit for
/// bit on every input, whatever <see cref="Vector{T}.Count"/> is, and the span forms (through the element-wise
/// loop driver) too. A NaN input is returned unchanged, so even NaN payloads do not depend on the hardware.</para>
/// <para><b>Accuracy.</b> The float functions evaluate in double: the argument is reduced with one rounding, a Taylor
/// polynomial of the reduced argument is accurate to about 2⁻⁵¹, and the double result is rounded once to float. The
/// result is therefore the correctly rounded value except when the exact value lies within about 2⁻²⁵ ulp of a
/// rounding boundary; over all 2³² inputs exp, expm1 and tanh are correctly rounded everywhere and log everywhere
/// but five inputs (checked over every input, see each function and <c>ElementaryFunctionsTests</c>). The double functions, for the Bernoulli head, stay below one ulp of double.
/// See docs/elementary-functions.md.</para>
/// </remarks>
public static partial class ElementaryFunctions
{
    // ln 2 and 1/ln 2 rounded to double, and the part of ln 2 that Ln2 misses.
    private const double Ln2 = 0.6931471805599453;           // 0x3FE62E42FEFA39EF
    private const double Ln2Low = 2.3190468138462996e-17;    // ln 2 − Ln2
    private const double InverseLn2 = 1.4426950408889634;    // 0x3FF71547652B82FE

    // 1.5·2⁵²: adding it rounds a double of magnitude < 2⁵¹ to an integer n (ties to even) and leaves n in the low
    // bits of the sum, so the sum's bits + 1023, shifted left by 52, are the bits of the double 2ⁿ.
    private const double RoundingShifter = 6755399441055744.0;

    // Float arguments are clamped into [−104, 89] before the reduction: e^−104 is below half the smallest float
    // subnormal (2⁻¹⁵⁰ = e^−103.97…), so it rounds to 0, and e^89 is above float.MaxValue, so it rounds to ∞; in
    // between the exponent n stays in [−151, 129], where 2ⁿ is a normal double.
    private const double FloatExpLowest = -104.0;
    private const double FloatExpHighest = 89.0;

    // tanh(x) rounds to ±1 in float for |x| > 9.011 (1 − tanh x < 2⁻²⁵); clamping |x| at 10 keeps e^2|x| finite.
    private const double TanhSaturation = 10.0;

    // Taylor coefficients 1/k! of eʳ − 1 = r + r²/2! + … + r¹²/12!. For |r| ≤ ln2/2 the first omitted term is
    // below 2⁻⁵¹·|r|, as small as the rounding errors of the evaluation in double: the float result is within
    // 2⁻²⁵ ulp of the exact value before its final rounding.
    private const double C2 = 1.0 / 2, C3 = 1.0 / 6, C4 = 1.0 / 24, C5 = 1.0 / 120, C6 = 1.0 / 720, C7 = 1.0 / 5040;
    private const double C8 = 1.0 / 40320, C9 = 1.0 / 362880, C10 = 1.0 / 3628800, C11 = 1.0 / 39916800, C12 = 1.0 / 479001600;

    // ---------------------------------------------------------------- the shared double-precision core

    // eʸ = 2ⁿ·eʳ with n = round(y / ln 2) and r = y − n·ln 2, |r| ≤ ln2/2. For |n| ≤ 151 and y a float (or twice
    // one) y − n·Ln2 is a multiple of 2⁻⁵³ below ½, so the first fused multiply-add is exact; the second takes off
    // n·Ln2Low, the part of n·ln 2 that Ln2 misses, with one rounding of r. Returns eʳ − 1 and 2ⁿ.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double ReduceExp(double y, out double scale)
    {
        double shifted = Math.FusedMultiplyAdd(y, InverseLn2, RoundingShifter);
        double n = shifted - RoundingShifter;
        double r = Math.FusedMultiplyAdd(-n, Ln2Low, Math.FusedMultiplyAdd(-n, Ln2, y));
        scale = BitConverter.Int64BitsToDouble((BitConverter.DoubleToInt64Bits(shifted) + 1023) << 52);
        return ExpM1Polynomial(r);
    }

    // The vector form in two parts, so that no vector passes through an out parameter (which keeps it in memory):
    // ExpShifted(y) is the rounding sum, ReducedExpM1(y, shifted) is eʳ − 1 and ExpScale(shifted) is 2ⁿ.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<double> ExpShifted(Vector<double> y)
        => Vector.FusedMultiplyAdd(y, new Vector<double>(InverseLn2), new Vector<double>(RoundingShifter));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<double> ReducedExpM1(Vector<double> y, Vector<double> shifted)
    {
        Vector<double> n = shifted - new Vector<double>(RoundingShifter);
        Vector<double> r = Vector.FusedMultiplyAdd(-n, new Vector<double>(Ln2Low), Vector.FusedMultiplyAdd(-n, new Vector<double>(Ln2), y));
        return ExpM1Polynomial(r);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<double> ExpScale(Vector<double> shifted)
        => Vector.AsVectorDouble(Vector.ShiftLeft(Vector.AsVectorInt64(shifted) + new Vector<long>(1023), 52));

    // eʳ − 1 for |r| ≤ ln2/2: r + r²·q(r) with q(r) = 1/2! + r/3! + … + r¹⁰/12!, q evaluated by Estrin's scheme
    // (pairs, then pairs of pairs with r², r⁴, r⁸): four dependent fused multiply-adds instead of Horner's ten.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double ExpM1Polynomial(double r)
    {
        double r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
        double q01 = Math.FusedMultiplyAdd(C3, r, C2), q23 = Math.FusedMultiplyAdd(C5, r, C4), q45 = Math.FusedMultiplyAdd(C7, r, C6);
        double q67 = Math.FusedMultiplyAdd(C9, r, C8), q89 = Math.FusedMultiplyAdd(C11, r, C10);
        double q03 = Math.FusedMultiplyAdd(q23, r2, q01), q47 = Math.FusedMultiplyAdd(q67, r2, q45);
        double q810 = Math.FusedMultiplyAdd(C12, r2, q89);
        double q = Math.FusedMultiplyAdd(q810, r8, Math.FusedMultiplyAdd(q47, r4, q03));
        return Math.FusedMultiplyAdd(q, r2, r);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<double> ExpM1Polynomial(Vector<double> r)
    {
        Vector<double> r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
        Vector<double> q01 = Vector.FusedMultiplyAdd(new Vector<double>(C3), r, new Vector<double>(C2));
        Vector<double> q23 = Vector.FusedMultiplyAdd(new Vector<double>(C5), r, new Vector<double>(C4));
        Vector<double> q45 = Vector.FusedMultiplyAdd(new Vector<double>(C7), r, new Vector<double>(C6));
        Vector<double> q67 = Vector.FusedMultiplyAdd(new Vector<double>(C9), r, new Vector<double>(C8));
        Vector<double> q89 = Vector.FusedMultiplyAdd(new Vector<double>(C11), r, new Vector<double>(C10));
        Vector<double> q03 = Vector.FusedMultiplyAdd(q23, r2, q01), q47 = Vector.FusedMultiplyAdd(q67, r2, q45);
        Vector<double> q810 = Vector.FusedMultiplyAdd(new Vector<double>(C12), r2, q89);
        Vector<double> q = Vector.FusedMultiplyAdd(q810, r8, Vector.FusedMultiplyAdd(q47, r4, q03));
        return Vector.FusedMultiplyAdd(q, r2, r);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double ClampExpArgument(double y)
    {
        if (y > FloatExpHighest)
        {
            y = FloatExpHighest;
        }
        if (y < FloatExpLowest)
        {
            y = FloatExpLowest;
        }
        return y;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<double> ClampExpArgument(Vector<double> y)
    {
        var highest = new Vector<double>(FloatExpHighest);
        var lowest = new Vector<double>(FloatExpLowest);
        y = Vector.ConditionalSelect(Vector.GreaterThan(y, highest), highest, y);
        return Vector.ConditionalSelect(Vector.LessThan(y, lowest), lowest, y);
    }

    // A NaN input comes back unchanged, payload and sign included, in the scalar and the vector form alike.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> KeepNaN(Vector<float> x, Vector<float> result)
        => Vector.ConditionalSelect(Vector.Equals(x, x), result, x);

    // ---------------------------------------------------------------- exp

    /// <summary>
    /// eˣ in float, the same bits on every machine, correctly rounded on all 2³² inputs (checked over every input, with the
    /// boundary cases checked at 120 digits; <c>ElementaryFunctionsTests</c>). Overflows to +∞ above 88.72283,
    /// underflows to +0 below −103.97208.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Exp(float x)
    {
        if (float.IsNaN(x))
        {
            return x;
        }
        double p = ReduceExp(ClampExpArgument(x), out double scale);
        return (float)Math.FusedMultiplyAdd(scale, p, scale); // 2ⁿ·(1 + p), one rounding in double, one to float
    }

    /// <summary>eˣ on every lane, bit for bit <see cref="Exp(float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Exp(Vector<float> x)
    {
        // Widening is exact; Narrow rounds once.
        return KeepNaN(x, Vector.Narrow(ExpOfDoubles(Vector.WidenLower(x)), ExpOfDoubles(Vector.WidenUpper(x))));
    }

    /// <summary>y[i] = eˣ⁽ⁱ⁾, bit for bit <see cref="Exp(float)"/>. <paramref name="y"/> may be <paramref name="x"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)] // Map and the operator inline here (see ElementWise)
    public static void Exp(ReadOnlySpan<float> x, Span<float> y) => ElementWise.Map(x, new ExpOperator(), y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<double> ExpOfDoubles(Vector<double> y)
    {
        y = ClampExpArgument(y);
        Vector<double> shifted = ExpShifted(y);
        Vector<double> p = ReducedExpM1(y, shifted), scale = ExpScale(shifted);
        return Vector.FusedMultiplyAdd(scale, p, scale);
    }

    // ---------------------------------------------------------------- expm1

    /// <summary>
    /// eˣ − 1 in float, accurate near 0 (where eˣ − 1 would cancel), the same bits on every machine, correctly
    /// rounded on all 2³² inputs (checked over every input; <c>ElementaryFunctionsTests</c>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ExpM1(float x)
    {
        if (float.IsNaN(x))
        {
            return x;
        }
        if (x == 0f)
        {
            return x; // −0 stays −0 (the sum below would give +0)
        }
        double p = ReduceExp(ClampExpArgument(x), out double scale);
        return (float)Math.FusedMultiplyAdd(scale, p, scale - 1.0); // 2ⁿ·p + (2ⁿ − 1); p itself when n = 0
    }

    /// <summary>eˣ − 1 on every lane, bit for bit <see cref="ExpM1(float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> ExpM1(Vector<float> x)
    {
        Vector<float> result = Vector.Narrow(ExpM1OfDoubles(Vector.WidenLower(x)), ExpM1OfDoubles(Vector.WidenUpper(x)));
        return KeepNaN(x, Vector.ConditionalSelect(Vector.Equals(x, Vector<float>.Zero), x, result));
    }

    /// <summary>y[i] = eˣ⁽ⁱ⁾ − 1, bit for bit <see cref="ExpM1(float)"/>. <paramref name="y"/> may be <paramref name="x"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)] // Map and the operator inline here (see ElementWise)
    public static void ExpM1(ReadOnlySpan<float> x, Span<float> y) => ElementWise.Map(x, new ExpM1Operator(), y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<double> ExpM1OfDoubles(Vector<double> y)
    {
        y = ClampExpArgument(y);
        Vector<double> shifted = ExpShifted(y);
        Vector<double> p = ReducedExpM1(y, shifted), scale = ExpScale(shifted);
        return Vector.FusedMultiplyAdd(scale, p, scale - Vector<double>.One);
    }

    // ---------------------------------------------------------------- tanh

    /// <summary>
    /// tanh x in float, the same bits on every machine: (e^2|x| − 1)/(e^2|x| + 1) with the sign of x, from the
    /// accurate e^2|x| − 1, so small arguments keep their precision; correctly rounded on all 2³² inputs
    /// (checked over every input; <c>ElementaryFunctionsTests</c>). tanh(−0) = −0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Tanh(float x)
    {
        if (float.IsNaN(x))
        {
            return x;
        }
        double a = Math.Abs((double)x);
        if (a > TanhSaturation)
        {
            a = TanhSaturation;
        }
        double p = ReduceExp(a + a, out double scale);
        double expm1 = Math.FusedMultiplyAdd(scale, p, scale - 1.0);
        float magnitude = (float)(expm1 / (expm1 + 2.0));
        return BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(magnitude) | (BitConverter.SingleToInt32Bits(x) & int.MinValue));
    }

    /// <summary>tanh on every lane, bit for bit <see cref="Tanh(float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Tanh(Vector<float> x)
    {
        Vector<float> magnitude = Vector.Narrow(TanhOfDoubles(Vector.WidenLower(x)), TanhOfDoubles(Vector.WidenUpper(x)));
        return KeepNaN(x, magnitude | (x & new Vector<float>(-0f))); // the sign bit of x on tanh |x| ≥ +0
    }

    /// <summary>
    /// y[i] = tanh x[i], bit for bit <see cref="Tanh(float)"/>. <paramref name="y"/> may be <paramref name="x"/>. With
    /// AVX-512 and a narrower <see cref="Vector{T}"/>, 16 elements at a time in 512-bit registers (<see cref="Tanh(Vector512{float})"/>), the rest as below.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)] // Map and the operator inline here (see ElementWise)
    public static void Tanh(ReadOnlySpan<float> x, Span<float> y)
    {
        Guard.SameLength(x.Length, y.Length, nameof(y));
        int done = Vector512.IsHardwareAccelerated && Vector<float>.Count < Vector512<float>.Count ? TanhBy512(x, y) : 0;
        ElementWise.Map(x[done..], new TanhOperator(), y[done..]);
    }

    // tanh |x| (the sign is applied in float).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<double> TanhOfDoubles(Vector<double> x)
    {
        var saturation = new Vector<double>(TanhSaturation);
        Vector<double> a = Vector.Abs(x);
        a = Vector.ConditionalSelect(Vector.GreaterThan(a, saturation), saturation, a);
        Vector<double> twice = a + a, shifted = ExpShifted(twice);
        Vector<double> p = ReducedExpM1(twice, shifted), scale = ExpScale(shifted);
        Vector<double> expm1 = Vector.FusedMultiplyAdd(scale, p, scale - Vector<double>.One);
        return expm1 / (expm1 + new Vector<double>(2.0));
    }

    // ---------------------------------------------------------------- log

    // log x = e·ln 2 + log m with x = 2ᵉ·m, m in [√½, √2): subtracting the bits of √½ and keeping the exponent field
    // gives e; m − 1 = f is exact. With s = f/(2 + f), log m = 2·atanh s = s·(2 + z·(2/3 + z·(2/5 + …))), z = s².
    // |s| ≤ 0.1716, z ≤ 0.0295: the first omitted term, 2·s·z⁹/19, is below 2⁻⁵⁰ relative. e·ln 2 is added in two
    // parts, e·Ln2 exactly inside a fused multiply-add and e·Ln2Low with log m.
    private const long SqrtHalfBits = 0x3FE6A09E667F3BCD;
    // 2⁵² + 1024 as a double: or-ing a small integer k into its low mantissa bits gives the double 2⁵² + 1024 + k − 1024.
    private const long ExponentBiasBits = 0x4330000000000000;
    private const double ExponentBias = 4503599627371520.0; // 2⁵² + 1024
    private const double L1 = 2.0 / 3, L2 = 2.0 / 5, L3 = 2.0 / 7, L4 = 2.0 / 9, L5 = 2.0 / 11, L6 = 2.0 / 13, L7 = 2.0 / 15, L8 = 2.0 / 17;

    /// <summary>
    /// The natural logarithm in float, the same bits on every machine, correctly rounded on all 2³² inputs but five
    /// (checked over every input; <c>ElementaryFunctionsTests</c>), where the exact value lies within 10⁻⁹ ulp of the midpoint between two floats and the result is
    /// the other one: at most 0.500000001 ulp. log(±0) = −∞, log(+∞) = +∞, log of a negative number is NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Log(float x)
    {
        if (float.IsNaN(x))
        {
            return x;
        }
        if (!(x > 0f) || x == float.PositiveInfinity)
        {
            return x == 0f ? float.NegativeInfinity : x == float.PositiveInfinity ? float.PositiveInfinity : float.NaN;
        }
        // Every positive float, subnormals included, is a normal double: its exponent field is e + 1023.
        long bits = BitConverter.DoubleToInt64Bits(x);
        // (bits − bits(√½) + 1024·2⁵²) ≫ 52 = e + 1024, a positive field whatever the sign of e.
        long biasedExponent = (long)((ulong)(bits - SqrtHalfBits + (1024L << 52)) >> 52);
        double m = BitConverter.Int64BitsToDouble(bits - (biasedExponent << 52) + (1024L << 52));
        double e = BitConverter.Int64BitsToDouble(biasedExponent | ExponentBiasBits) - ExponentBias;
        double f = m - 1.0;
        double s = f / (f + 2.0);
        double z = s * s;
        double z2 = z * z, z4 = z2 * z2;
        double q01 = Math.FusedMultiplyAdd(L1, z, 2.0), q23 = Math.FusedMultiplyAdd(L3, z, L2);
        double q45 = Math.FusedMultiplyAdd(L5, z, L4), q67 = Math.FusedMultiplyAdd(L7, z, L6);
        double q48 = Math.FusedMultiplyAdd(Math.FusedMultiplyAdd(L8, z2, q67), z2, q45);
        double q = Math.FusedMultiplyAdd(q48, z4, Math.FusedMultiplyAdd(q23, z2, q01));
        return (float)Math.FusedMultiplyAdd(e, Ln2, Math.FusedMultiplyAdd(e, Ln2Low, s * q));
    }

    /// <summary>The natural logarithm on every lane, bit for bit <see cref="Log(float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Log(Vector<float> x)
    {
        Vector<float> regular = Vector.Narrow(LogOfPositiveDoubles(Vector.WidenLower(x)), LogOfPositiveDoubles(Vector.WidenUpper(x)));
        Vector<float> special = Vector.ConditionalSelect(Vector.Equals(x, Vector<float>.Zero), new Vector<float>(float.NegativeInfinity),
            Vector.ConditionalSelect(Vector.Equals(x, new Vector<float>(float.PositiveInfinity)), x, new Vector<float>(float.NaN)));
        Vector<int> isRegular = Vector.GreaterThan(x, Vector<float>.Zero) & Vector.LessThan(x, new Vector<float>(float.PositiveInfinity));
        return KeepNaN(x, Vector.ConditionalSelect(isRegular, regular, special));
    }

    /// <summary>y[i] = log x[i], bit for bit <see cref="Log(float)"/>. <paramref name="y"/> may be <paramref name="x"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)] // Map and the operator inline here (see ElementWise)
    public static void Log(ReadOnlySpan<float> x, Span<float> y) => ElementWise.Map(x, new LogOperator(), y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<double> LogOfPositiveDoubles(Vector<double> x)
    {
        Vector<long> bits = Vector.AsVectorInt64(x);
        Vector<long> biasedExponent = Vector.AsVectorInt64(Vector.ShiftRightLogical(
            Vector.AsVectorUInt64(bits - new Vector<long>(SqrtHalfBits) + new Vector<long>(1024L << 52)), 52));
        Vector<double> m = Vector.AsVectorDouble(bits - Vector.ShiftLeft(biasedExponent, 52) + new Vector<long>(1024L << 52));
        Vector<double> e = Vector.AsVectorDouble(biasedExponent | new Vector<long>(ExponentBiasBits)) - new Vector<double>(ExponentBias);
        Vector<double> f = m - Vector<double>.One;
        Vector<double> s = f / (f + new Vector<double>(2.0));
        Vector<double> z = s * s;
        Vector<double> z2 = z * z, z4 = z2 * z2;
        Vector<double> q01 = Vector.FusedMultiplyAdd(new Vector<double>(L1), z, new Vector<double>(2.0));
        Vector<double> q23 = Vector.FusedMultiplyAdd(new Vector<double>(L3), z, new Vector<double>(L2));
        Vector<double> q45 = Vector.FusedMultiplyAdd(new Vector<double>(L5), z, new Vector<double>(L4));
        Vector<double> q67 = Vector.FusedMultiplyAdd(new Vector<double>(L7), z, new Vector<double>(L6));
        Vector<double> q48 = Vector.FusedMultiplyAdd(Vector.FusedMultiplyAdd(new Vector<double>(L8), z2, q67), z2, q45);
        Vector<double> q = Vector.FusedMultiplyAdd(q48, z4, Vector.FusedMultiplyAdd(q23, z2, q01));
        return Vector.FusedMultiplyAdd(e, new Vector<double>(Ln2), Vector.FusedMultiplyAdd(e, new Vector<double>(Ln2Low), s * q));
    }

    // ---------------------------------------------------------------- double: exp and log for the Bernoulli head

    // Taylor coefficients 1/k! of eᵗ − 1 − t = t²/2! + … + t¹⁴/14!: for |t| ≤ 0.3466 the first omitted term is
    // below 2⁻⁶³, far under the rounding errors of the evaluation.
    private const double D2 = 1.0 / 2, D3 = 1.0 / 6, D4 = 1.0 / 24, D5 = 1.0 / 120, D6 = 1.0 / 720, D7 = 1.0 / 5040,
        D8 = 1.0 / 40320, D9 = 1.0 / 362880, D10 = 1.0 / 3628800, D11 = 1.0 / 39916800, D12 = 1.0 / 479001600,
        D13 = 1.0 / 6227020800, D14 = 1.0 / 87178291200;

    /// <summary>
    /// eˣ in double, the same bits on every machine, within one ulp: at most 0.56 ulp for normal results and 0.75 ulp
    /// for subnormal ones (which take a second rounding) over the correctly rounded reference inputs of
    /// <c>ElementaryFunctionsTests</c>.
    /// </summary>
    public static double Exp(double x)
    {
        if (!(x > -746.0))
        {
            return double.IsNaN(x) ? x : 0.0; // e^−746 < 2⁻¹⁰⁷⁵: rounds to +0
        }
        if (x > 710.0)
        {
            return double.PositiveInfinity;
        }
        // x = n·ln 2 + t exactly up to t's last rounding, which tError keeps: hi is exact (the product n·Ln2 is exact
        // inside the fused multiply-add and the difference needs fewer than 53 bits), lo = n·(ln 2 − Ln2).
        double shifted = Math.FusedMultiplyAdd(x, InverseLn2, RoundingShifter);
        double n = shifted - RoundingShifter;
        double hi = Math.FusedMultiplyAdd(-n, Ln2, x);
        double lo = n * Ln2Low;
        double t = hi - lo;
        double tError = (hi - t) - lo;
        // eᵗ⁺ᵗᴱʳʳᵒʳ ≈ 1 + t + q + tError·(1 + t), with q = eᵗ − 1 − t by Estrin's scheme; 1 + t is split exactly into
        // s + sError (|t| < 1), and the small terms are added to sError before the one rounding to s.
        double t2 = t * t, t4 = t2 * t2, t8 = t4 * t4;
        double q01 = Math.FusedMultiplyAdd(D3, t, D2), q23 = Math.FusedMultiplyAdd(D5, t, D4), q45 = Math.FusedMultiplyAdd(D7, t, D6);
        double q67 = Math.FusedMultiplyAdd(D9, t, D8), q89 = Math.FusedMultiplyAdd(D11, t, D10), q1011 = Math.FusedMultiplyAdd(D13, t, D12);
        double q03 = Math.FusedMultiplyAdd(q23, t2, q01), q47 = Math.FusedMultiplyAdd(q67, t2, q45);
        double q811 = Math.FusedMultiplyAdd(q1011, t2, q89);
        double q07 = Math.FusedMultiplyAdd(q47, t4, q03), q812 = Math.FusedMultiplyAdd(D14, t4, q811);
        double q = t2 * Math.FusedMultiplyAdd(q812, t8, q07);
        double s = 1.0 + t;
        double sError = (1.0 - s) + t;
        double y = s + (sError + (q + Math.FusedMultiplyAdd(tError, t, tError)));
        // y·2ⁿ, n in [−1077, 1024]: in two exact steps where 2ⁿ itself is not a normal double.
        long k = (long)n;
        if (k > 1023)
        {
            return y * 2.0 * 8.98846567431158e307; // 2¹⁰²³; overflows to ∞ exactly when y·2ⁿ does
        }
        if (k < -1022)
        {
            return y * PowerOfTwo(k + 600) * PowerOfTwo(-600); // the second product rounds once to the subnormal
        }
        return y * PowerOfTwo(k);
    }

    /// <summary>
    /// The natural logarithm in double, the same bits on every machine, within one ulp (at most 0.66 ulp over the
    /// correctly rounded reference inputs of <c>ElementaryFunctionsTests</c>). log(±0) = −∞, log(+∞) = +∞, log of a
    /// negative number is NaN.
    /// </summary>
    public static double Log(double x)
    {
        if (!(x > 0.0) || x == double.PositiveInfinity)
        {
            return double.IsNaN(x) ? x : x == 0.0 ? double.NegativeInfinity : x > 0.0 ? x : double.NaN;
        }
        long bits = BitConverter.DoubleToInt64Bits(x);
        long exponentShift = 0;
        if (bits < 0x0010000000000000)
        {
            bits = BitConverter.DoubleToInt64Bits(x * 18014398509481984.0); // subnormal: ×2⁵⁴ makes it normal
            exponentShift = -54;
        }
        long e = (bits - SqrtHalfBits) >> 52;
        double f = BitConverter.Int64BitsToDouble(bits - (e << 52)) - 1.0; // m − 1, exact for m in [√½, √2)
        // log(1 + f) = f − (f²/2 − s·(f²/2 + R)) with s = f/(2 + f), z = s², R = 2z/3 + 2z²/5 + … + 2z¹¹/23 — the
        // same series as the float log, arranged so that the largest rounding errors fall on the small correction.
        double s = f / (2.0 + f);
        double z = s * s, z2 = z * z, z4 = z2 * z2, z8 = z4 * z4;
        double r01 = Math.FusedMultiplyAdd(2.0 / 5, z, 2.0 / 3), r23 = Math.FusedMultiplyAdd(2.0 / 9, z, 2.0 / 7);
        double r45 = Math.FusedMultiplyAdd(2.0 / 13, z, 2.0 / 11), r67 = Math.FusedMultiplyAdd(2.0 / 17, z, 2.0 / 15);
        double r89 = Math.FusedMultiplyAdd(2.0 / 21, z, 2.0 / 19);
        double r03 = Math.FusedMultiplyAdd(r23, z2, r01), r47 = Math.FusedMultiplyAdd(r67, z2, r45);
        double r810 = Math.FusedMultiplyAdd(2.0 / 23, z2, r89);
        double r = z * Math.FusedMultiplyAdd(r810, z8, Math.FusedMultiplyAdd(r47, z4, r03));
        double halfSquare = 0.5 * f * f;
        double exponent = e + exponentShift;
        // e·ln 2 with ln 2 in two parts: Ln2High has 40 significant bits, so e·Ln2High is exact for |e| < 2¹³.
        return exponent * Ln2High + (f - (halfSquare - (s * (halfSquare + r) + exponent * Ln2HighLow)));
    }

    /// <summary>
    /// xⁿ in double for an integer n ≥ 0 (Adam's bias corrections β₁ᵗ and β₂ᵗ), correctly rounded: exponentiation by
    /// squaring in double-double arithmetic (about 104 bits, so the one final rounding is correct unless the exact
    /// value lies within 2⁻⁹⁰ of a rounding boundary), the same bits on every machine. It agrees with a correctly
    /// rounded C library <c>pow</c>, which is what Python's <c>beta ** step</c> (and so PyTorch's Adam) calls.
    /// </summary>
    public static double Pow(double x, long n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        double resultHigh = 1.0, resultLow = 0.0, powerHigh = x, powerLow = 0.0;
        while (n > 0)
        {
            if ((n & 1) != 0)
            {
                (resultHigh, resultLow) = MultiplyDoubleDouble(resultHigh, resultLow, powerHigh, powerLow);
            }
            n >>= 1;
            if (n > 0)
            {
                (powerHigh, powerLow) = MultiplyDoubleDouble(powerHigh, powerLow, powerHigh, powerLow);
            }
        }
        return resultHigh + resultLow;
    }

    // (ah + al)·(bh + bl) as a normalised double-double: the product ah·bh split exactly by a fused multiply-add, the
    // cross terms added to its error, al·bl (below 2⁻¹⁰⁶ relative) dropped.
    private static (double High, double Low) MultiplyDoubleDouble(double ah, double al, double bh, double bl)
    {
        double product = ah * bh;
        double error = Math.FusedMultiplyAdd(ah, bh, -product);
        error = Math.FusedMultiplyAdd(ah, bl, Math.FusedMultiplyAdd(al, bh, error));
        double high = product + error;
        return (high, error - (high - product));
    }

    private const double Ln2High = 0.6931471805592082;        // 0x3FE62E42FEFA2000: ln 2 to 40 bits
    private const double Ln2HighLow = 7.371002565167799e-13;   // ln 2 − Ln2High

    private static double PowerOfTwo(long k) => BitConverter.Int64BitsToDouble((k + 1023) << 52);

    // ---------------------------------------------------------------- the operators of the span forms

    private readonly struct ExpOperator : IUnaryOperator
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Invoke(float x) => Exp(x);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector<float> Invoke(Vector<float> x) => Exp(x);
    }

    private readonly struct ExpM1Operator : IUnaryOperator
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Invoke(float x) => ExpM1(x);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector<float> Invoke(Vector<float> x) => ExpM1(x);
    }

    private readonly struct TanhOperator : IUnaryOperator
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Invoke(float x) => Tanh(x);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector<float> Invoke(Vector<float> x) => Tanh(x);
    }

    private readonly struct LogOperator : IUnaryOperator
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Invoke(float x) => Log(x);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector<float> Invoke(Vector<float> x) => Log(x);
    }
}
