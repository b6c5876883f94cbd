using System.Numerics;
using System.Runtime.CompilerServices;

namespace Reinforce.Numerics;

// Correctly rounded double-precision sine and cosine (docs/elementary-functions.md#sine-and-cosine).
//
// Fast path, |x| ≤ 2²⁸: x = k·π/2 + r with k = round(x·2/π) and r = rh + rl a double-double, |r| ≤ 0.786; sin r and
// cos r as double-doubles yh + yl (Taylor series, the first terms in double-double, the small tail in double); the
// quadrant k mod 4 picks ±sin r or ±cos r. Every result carries a bound B on |exact − (yh + yl)|; when
// |yl| + B is below half the spacing of doubles at yh, the exact value rounds to yh (the rounding test). Otherwise,
// and for |x| > 2²⁸, ExactTrigonometry evaluates with integers to whatever precision decides the rounding. Every
// returned value is therefore the exact sin x or cos x rounded to nearest, so the scalar and the vector forms agree
// bit for bit on every machine.
public static partial class ElementaryFunctions
{
    // 2/π rounded to double; π/2 = PiHalf1 + PiHalf2 + PiHalf3 + τ with |τ| < 2⁻¹⁶³ (each part the double nearest
    // to what the previous ones miss).
    private const double TwoOverPi = 0.6366197723675814;
    private const double PiHalf1 = 1.5707963267948966;      // 0x3FF921FB54442D18
    private const double PiHalf2 = 6.123233995736766e-17;   // 0x3C91A62633145C07
    private const double PiHalf3 = -1.4973849048591698e-33; // 0xB91F1976B7ED8FBC

    // The fast path's domain |x| ≤ 2²⁸; beyond it the exact path (correct everywhere, slower, allocates).
    private const double FastTrigLimit = 268435456.0;
    // sin x rounds to x for |x| < 2⁻²⁶ (|x³/6| < 2⁻⁵⁴·|x|, below half the spacing on either side of x), cos x rounds to
    // 1 for |x| < 2⁻²⁷ (x²/2 < 2⁻⁵⁵, below half the spacing 2⁻⁵³ under 1).
    private const double SinTinyLimit = 1.4901161193847656e-08; // 2⁻²⁶
    private const double CosTinyLimit = 7.450580596923828e-09;  // 2⁻²⁷

    // Error bounds of the fast path (docs/elementary-functions.md#sine-and-cosine, step 3), relative to |yh|: the double-double
    // operations and the truncated series, 2⁻⁹⁰ (each below 2⁻¹⁰⁰); the tail evaluated in double, z⁴·2⁻⁶⁸ for sin
    // and z⁴·2⁻⁶⁵ for cos (z = r², at least four times the derived bounds); and the absolute error of the
    // reduction, |k|·2⁻¹⁵⁰ (derived: |k|·2⁻¹⁵⁷).
    private const double TrigRelativeBound = 8.077935669463161e-28;  // 2⁻⁹⁰
    private const double SinTailBound = 3.3881317890172014e-21;      // 2⁻⁶⁸
    private const double CosTailBound = 2.710505431213761e-20;       // 2⁻⁶⁵
    private const double ReductionBound = 7.006492321624085e-46;     // 2⁻¹⁵⁰

    // 1/n! as double-doubles (high, low) for the terms evaluated in double-double, and as doubles for the tail.
    private const double InvF3 = 0.16666666666666666, InvF3Low = 9.25185853854297e-18;
    private const double InvF4 = 0.041666666666666664, InvF4Low = 2.3129646346357427e-18;
    private const double InvF5 = 0.008333333333333333, InvF5Low = 1.1564823173178714e-19;
    private const double InvF6 = 0.001388888888888889, InvF6Low = -5.300543954373577e-20;
    private const double InvF7 = 0.0001984126984126984, InvF7Low = 1.7209558293420705e-22;
    private const double InvF8 = 2.48015873015873e-05, InvF9 = 2.7557319223985893e-06, InvF10 = 2.755731922398589e-07;
    private const double InvF11 = 2.505210838544172e-08, InvF12 = 2.08767569878681e-09, InvF13 = 1.6059043836821613e-10;
    private const double InvF14 = 1.1470745597729725e-11, InvF15 = 7.647163731819816e-13, InvF16 = 4.779477332387385e-14;
    private const double InvF17 = 2.8114572543455206e-15, InvF18 = 1.5619206968586225e-16, InvF19 = 8.22063524662433e-18;
    private const double InvF20 = 4.110317623312165e-19, InvF21 = 1.9572941063391263e-20, InvF22 = 8.896791392450574e-22;
    private const double InvF23 = 3.868170170630684e-23, InvF24 = 1.6117375710961184e-24, InvF25 = 6.446950284384474e-26;
    private const double InvF26 = 2.4795962632247976e-27;

    private static long exactTrigEvaluations;

    /// <summary>How many sine or cosine evaluations the rounding test has sent to the exact path (for tests and measurements).</summary>
    internal static long ExactTrigEvaluations => Interlocked.Read(ref exactTrigEvaluations);

    /// <summary>
    /// sin x, correctly rounded (the exact sine rounded to the nearest double) for every double, so the same bits on every
    /// machine. |x| ≤ 2²⁸ takes the fast path (no allocation; about one call in 10⁵ near the ends of the reduced range,
    /// far fewer in CartPole's |x| &lt; ¼, needs the exact path); beyond 2²⁸ the exact path (integer arithmetic,
    /// allocates). sin(±0) = ±0, sin(±∞) = NaN, a NaN comes back unchanged.
    /// </summary>
    public static double Sin(double x)
    {
        double a = Math.Abs(x);
        if (a < SinTinyLimit)
        {
            return x;
        }
        if (!(a <= FastTrigLimit))
        {
            return double.IsNaN(x) ? x : double.IsInfinity(x) ? double.NaN : ExactSinCos(x).Sin;
        }
        ReduceQuadrant(x, out double k, out long quadrant, out double rh, out double rl, out double zh, out double zl);
        double yh, yl, bound;
        if ((quadrant & 1) == 0)
        {
            SinPolynomial(rh, rl, zh, zl, out yh, out yl);
            bound = SinBound(yh, zh, k);
        }
        else
        {
            CosPolynomial(zh, zl, out yh, out yl);
            bound = CosBound(yh, zh, k);
        }
        if (!RoundsToHigh(yh, yl, bound))
        {
            return ExactSinCos(x).Sin;
        }
        return (quadrant & 2) == 0 ? yh : -yh;
    }

    /// <summary>
    /// cos x, correctly rounded for every double (see <see cref="Sin(double)"/> for the paths). cos(±0) = 1,
    /// cos(±∞) = NaN, a NaN comes back unchanged.
    /// </summary>
    public static double Cos(double x)
    {
        double a = Math.Abs(x);
        if (a < CosTinyLimit)
        {
            return 1.0;
        }
        if (!(a <= FastTrigLimit))
        {
            return double.IsNaN(x) ? x : double.IsInfinity(x) ? double.NaN : ExactSinCos(x).Cos;
        }
        ReduceQuadrant(x, out double k, out long quadrant, out double rh, out double rl, out double zh, out double zl);
        double yh, yl, bound;
        if ((quadrant & 1) == 0)
        {
            CosPolynomial(zh, zl, out yh, out yl);
            bound = CosBound(yh, zh, k);
        }
        else
        {
            SinPolynomial(rh, rl, zh, zl, out yh, out yl);
            bound = SinBound(yh, zh, k);
        }
        if (!RoundsToHigh(yh, yl, bound))
        {
            return ExactSinCos(x).Cos;
        }
        return ((quadrant + 1) & 2) == 0 ? yh : -yh;
    }

    /// <summary>
    /// (sin x, cos x), both correctly rounded, bit for bit <see cref="Sin(double)"/> and <see cref="Cos(double)"/>,
    /// with one argument reduction for the two.
    /// </summary>
    public static (double Sin, double Cos) SinCos(double x)
    {
        double a = Math.Abs(x);
        if (a < CosTinyLimit)
        {
            return (x, 1.0);
        }
        if (!(a <= FastTrigLimit))
        {
            return double.IsNaN(x) ? (x, x) : double.IsInfinity(x) ? (double.NaN, double.NaN) : ExactSinCos(x);
        }
        ReduceQuadrant(x, out double k, out long quadrant, out double rh, out double rl, out double zh, out double zl);
        SinPolynomial(rh, rl, zh, zl, out double sh, out double sl);
        CosPolynomial(zh, zl, out double ch, out double cl);
        bool sinDecided = a < SinTinyLimit || RoundsToHigh(sh, sl, SinBound(sh, zh, k));
        if (!sinDecided || !RoundsToHigh(ch, cl, CosBound(ch, zh, k)))
        {
            return ExactSinCos(x);
        }
        if (a < SinTinyLimit)
        {
            sh = x; // quadrant 0 here
        }
        double sin = (quadrant & 1) == 0 ? sh : ch, cos = (quadrant & 1) == 0 ? ch : sh;
        return ((quadrant & 2) == 0 ? sin : -sin, ((quadrant + 1) & 2) == 0 ? cos : -cos);
    }

    /// <summary>
    /// sin and cos of every lane, bit for bit <see cref="SinCos(double)"/> (both are correctly rounded). The lanes are
    /// evaluated together; a lane whose rounding test fails, or outside |x| ≤ 2²⁸, or not finite, is recomputed by the
    /// scalar form.
    /// </summary>
    public static void SinCos(Vector<double> x, out Vector<double> sin, out Vector<double> cos)
    {
        Vector<double> a = Vector.Abs(x);
        Vector<long> fast = Vector.LessThanOrEqual(a, new Vector<double>(FastTrigLimit));

        // The reduction (ReduceQuadrant on every lane).
        Vector<double> shifted = Vector.FusedMultiplyAdd(x, new Vector<double>(TwoOverPi), new Vector<double>(RoundingShifter));
        Vector<double> k = shifted - new Vector<double>(RoundingShifter);
        Vector<long> quadrant = Vector.AsVectorInt64(shifted) & new Vector<long>(3);
        Vector<double> s = Vector.FusedMultiplyAdd(-k, new Vector<double>(PiHalf1), x);
        Vector<double> p2 = k * new Vector<double>(PiHalf2);
        Vector<double> e2 = Vector.FusedMultiplyAdd(k, new Vector<double>(PiHalf2), -p2);
        Vector<double> th = s - p2;
        Vector<double> bb = th - s;
        Vector<double> tl = (s - (th - bb)) + (-p2 - bb);
        Vector<double> n = Vector.FusedMultiplyAdd(-k, new Vector<double>(PiHalf3), tl - e2);
        Vector<double> rh = th + n;
        bb = rh - th;
        Vector<double> rl = (th - (rh - bb)) + (n - bb);
        Vector<double> zh = rh * rh;
        Vector<double> zl = Vector.FusedMultiplyAdd(rh + rh, rl, Vector.FusedMultiplyAdd(rh, rh, -zh));

        SinPolynomial(rh, rl, zh, zl, out Vector<double> sh, out Vector<double> sl);
        CosPolynomial(zh, zl, out Vector<double> ch, out Vector<double> cl);
        Vector<double> z4 = (zh * zh) * (zh * zh);
        Vector<double> reduction = Vector.Abs(k) * new Vector<double>(ReductionBound);
        Vector<double> sinBound = Vector.FusedMultiplyAdd(Vector.Abs(sh),
            Vector.FusedMultiplyAdd(z4, new Vector<double>(SinTailBound), new Vector<double>(TrigRelativeBound)), reduction);
        Vector<double> cosBound = Vector.FusedMultiplyAdd(Vector.Abs(ch),
            Vector.FusedMultiplyAdd(z4, new Vector<double>(CosTailBound), new Vector<double>(TrigRelativeBound)), reduction);
        Vector<long> decided = RoundsToHigh(sh, sl, sinBound) & RoundsToHigh(ch, cl, cosBound);

        Vector<long> swap = Vector.Equals(quadrant & Vector<long>.One, Vector<long>.One);
        Vector<double> sinValue = Vector.ConditionalSelect(swap, ch, sh), cosValue = Vector.ConditionalSelect(swap, sh, ch);
        Vector<long> signBit = new(long.MinValue);
        Vector<long> sinSign = Vector.ShiftLeft(quadrant & new Vector<long>(2), 62);                       // quadrants 2, 3
        Vector<long> cosSign = Vector.ShiftLeft((quadrant + Vector<long>.One) & new Vector<long>(2), 62);  // quadrants 1, 2
        sinValue = Vector.AsVectorDouble(Vector.AsVectorInt64(sinValue) ^ (sinSign & signBit));
        cosValue = Vector.AsVectorDouble(Vector.AsVectorInt64(cosValue) ^ (cosSign & signBit));

        // |x| < 2⁻²⁷: x and 1 (quadrant 0, no rounding test needed).
        Vector<long> tiny = Vector.LessThan(a, new Vector<double>(CosTinyLimit));
        sin = Vector.ConditionalSelect(tiny, x, sinValue);
        cos = Vector.ConditionalSelect(tiny, Vector<double>.One, cosValue);
        Vector<long> done = fast & (decided | tiny);
        if (Vector.EqualsAll(done, new Vector<long>(-1L)))
        {
            return;
        }
        for (int lane = 0; lane < Vector<double>.Count; lane++)
        {
            if (done[lane] == 0)
            {
                (double laneSin, double laneCos) = SinCos(x[lane]);
                sin = sin.WithElement(lane, laneSin);
                cos = cos.WithElement(lane, laneCos);
            }
        }
    }

    /// <summary>sin of every lane, bit for bit <see cref="Sin(double)"/>.</summary>
    public static Vector<double> Sin(Vector<double> x)
    {
        SinCos(x, out Vector<double> sin, out _);
        return sin;
    }

    /// <summary>cos of every lane, bit for bit <see cref="Cos(double)"/>.</summary>
    public static Vector<double> Cos(Vector<double> x)
    {
        SinCos(x, out _, out Vector<double> cos);
        return cos;
    }

    private static (double Sin, double Cos) ExactSinCos(double x)
    {
        Interlocked.Increment(ref exactTrigEvaluations);
        return ExactTrigonometry.SinCos(x);
    }

    // x = k·π/2 + r for |x| ≤ 2²⁸, r = rh + rl with |r| ≤ 0.786 and |error| ≤ 2⁻¹⁰⁵·|r| + |k|·2⁻¹⁵⁷; z = zh + zl = r².
    // k is the integer nearest to RN(x·2/π) (|x·2/π − k| ≤ ½ + 2⁻²³). s = x − k·PiHalf1 is exact: x and k·PiHalf1 are
    // multiples of 2⁻⁵³ (k ≠ 0 only when |x| > ½) and |s| < 1. k·PiHalf2 = p2 + e2 exactly; s − p2 = th + tl exactly
    // (TwoSum); the small remainder tl − e2 − k·PiHalf3 takes two roundings of at most 2⁻⁵³ of its size; rh + rl
    // holds th + that remainder exactly.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ReduceQuadrant(double x, out double k, out long quadrant, out double rh, out double rl, out double zh, out double zl)
    {
        double shifted = Math.FusedMultiplyAdd(x, TwoOverPi, RoundingShifter);
        k = shifted - RoundingShifter;
        quadrant = BitConverter.DoubleToInt64Bits(shifted) & 3; // k mod 4, two's complement in the low bits
        double s = Math.FusedMultiplyAdd(-k, PiHalf1, x);
        double p2 = k * PiHalf2;
        double e2 = Math.FusedMultiplyAdd(k, PiHalf2, -p2);
        double th = s - p2;
        double bb = th - s;
        double tl = (s - (th - bb)) + (-p2 - bb);
        double n = Math.FusedMultiplyAdd(-k, PiHalf3, tl - e2);
        rh = th + n;
        bb = rh - th;
        rl = (th - (rh - bb)) + (n - bb);
        zh = rh * rh;
        zl = Math.FusedMultiplyAdd(rh + rh, rl, Math.FusedMultiplyAdd(rh, rh, -zh));
    }

    // sin r = r + r·z·S(z), S(z) = −1/3! + z/5! − z²/7! + z³·T(z), T(z) = 1/9! − z/11! + … + z⁸/25! in double (Horner),
    // the rest in double-double. |r| ≤ 0.786: the first omitted term, r²⁷/27!, is below 2⁻¹⁰²·|sin r|; |T| ≤ 1/9!
    // and T's rounding errors stay below 2⁻⁵²·|T| (each term at most z/110 of the one before), which enters sin r
    // as r·z⁴·2⁻⁵²/9! ≤ 2⁻⁷⁰·z⁴·|sin r|.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SinPolynomial(double rh, double rl, double zh, double zl, out double yh, out double yl)
    {
        double t = Math.FusedMultiplyAdd(InvF25, zh, -InvF23);
        t = Math.FusedMultiplyAdd(t, zh, InvF21);
        t = Math.FusedMultiplyAdd(t, zh, -InvF19);
        t = Math.FusedMultiplyAdd(t, zh, InvF17);
        t = Math.FusedMultiplyAdd(t, zh, -InvF15);
        t = Math.FusedMultiplyAdd(t, zh, InvF13);
        t = Math.FusedMultiplyAdd(t, zh, -InvF11);
        t = Math.FusedMultiplyAdd(t, zh, InvF9);
        // u = t·z − 1/7!, then u·z + 1/5!, then u·z − 1/3!: each product of a double-double by z, added to a constant
        // at least 40 times larger (so the quick two-sum is exact).
        double ph = t * zh;
        double pl = Math.FusedMultiplyAdd(t, zl, Math.FusedMultiplyAdd(t, zh, -ph));
        AddConstant(-InvF7, -InvF7Low, ph, pl, out double uh, out double ul);
        MultiplyDoubleDouble(uh, ul, zh, zl, out ph, out pl);
        AddConstant(InvF5, InvF5Low, ph, pl, out uh, out ul);
        MultiplyDoubleDouble(uh, ul, zh, zl, out ph, out pl);
        AddConstant(-InvF3, -InvF3Low, ph, pl, out uh, out ul);
        // v = r·(z·S), |v| ≤ 0.11·|r|; y = r + v.
        MultiplyDoubleDouble(uh, ul, zh, zl, out double wh, out double wl);
        MultiplyDoubleDouble(rh, rl, wh, wl, out double vh, out double vl);
        double sum = rh + vh;
        double error = (vh - (sum - rh)) + (rl + vl);
        yh = sum + error;
        yl = error - (yh - sum);
    }

    // cos r = 1 + z·C(z), C(z) = −1/2 + z/4! − z²/6! + z³·T(z), T(z) = 1/8! − z/10! + … − z⁹/26! in double. The first
    // omitted term, r²⁸/28!, is below 2⁻¹⁰⁷; T's rounding errors enter cos r as z⁴·2⁻⁵²/8! ≤ 2⁻⁶⁷·z⁴ ≤ 2⁻⁶⁶·z⁴·|cos r|.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CosPolynomial(double zh, double zl, out double yh, out double yl)
    {
        double t = Math.FusedMultiplyAdd(-InvF26, zh, InvF24);
        t = Math.FusedMultiplyAdd(t, zh, -InvF22);
        t = Math.FusedMultiplyAdd(t, zh, InvF20);
        t = Math.FusedMultiplyAdd(t, zh, -InvF18);
        t = Math.FusedMultiplyAdd(t, zh, InvF16);
        t = Math.FusedMultiplyAdd(t, zh, -InvF14);
        t = Math.FusedMultiplyAdd(t, zh, InvF12);
        t = Math.FusedMultiplyAdd(t, zh, -InvF10);
        t = Math.FusedMultiplyAdd(t, zh, InvF8);
        double ph = t * zh;
        double pl = Math.FusedMultiplyAdd(t, zl, Math.FusedMultiplyAdd(t, zh, -ph));
        AddConstant(-InvF6, -InvF6Low, ph, pl, out double uh, out double ul);
        MultiplyDoubleDouble(uh, ul, zh, zl, out ph, out pl);
        AddConstant(InvF4, InvF4Low, ph, pl, out uh, out ul);
        MultiplyDoubleDouble(uh, ul, zh, zl, out ph, out pl);
        AddConstant(-0.5, 0.0, ph, pl, out uh, out ul);
        // w = z·C, |w| ≤ 0.31; y = 1 + w.
        MultiplyDoubleDouble(uh, ul, zh, zl, out double wh, out double wl);
        double sum = 1.0 + wh;
        double error = (wh - (sum - 1.0)) + wl;
        yh = sum + error;
        yl = error - (yh - sum);
    }

    // (ah + al)·(bh + bl) = ph + pl with the product ah·bh split exactly, the cross terms added, al·bl dropped
    // (relative error below 2⁻¹⁰³; pl is not renormalised, |pl| ≤ 2⁻⁵¹·|ph|).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyDoubleDouble(double ah, double al, double bh, double bl, out double ph, out double pl)
    {
        ph = ah * bh;
        pl = Math.FusedMultiplyAdd(ah, bl, Math.FusedMultiplyAdd(al, bh, Math.FusedMultiplyAdd(ah, bh, -ph)));
    }

    // (ch + cl) + (ph + pl) for |ch| ≥ |ph| (quick two-sum of the high parts, exact), renormalised.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddConstant(double ch, double cl, double ph, double pl, out double uh, out double ul)
    {
        double sum = ch + ph;
        double error = (ph - (sum - ch)) + (cl + pl);
        uh = sum + error;
        ul = error - (uh - sum);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double SinBound(double yh, double zh, double k)
        => Math.FusedMultiplyAdd(Math.Abs(yh), Math.FusedMultiplyAdd((zh * zh) * (zh * zh), SinTailBound, TrigRelativeBound), Math.Abs(k) * ReductionBound);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double CosBound(double yh, double zh, double k)
        => Math.FusedMultiplyAdd(Math.Abs(yh), Math.FusedMultiplyAdd((zh * zh) * (zh * zh), CosTailBound, TrigRelativeBound), Math.Abs(k) * ReductionBound);

    // The rounding test: with |exact − (yh + yl)| ≤ bound and |yl| at most half an ulp of yh, the exact value rounds to
    // yh when |yl| + bound is below half the spacing of doubles next to yh: 2^(E−53) for 2^E ≤ |yh| < 2^(E+1), or
    // 2^(E−54) when |yh| = 2^E (the spacing below is half; taken on both sides, conservatively). The half-spacing is a
    // power of two, so the rounded sum |yl| + bound is below it only if the exact sum is. Needs |yh| ≥ 2⁻⁹⁶⁸ (here
    // |yh| > 2⁻⁶⁴).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool RoundsToHigh(double yh, double yl, double bound)
    {
        long bits = BitConverter.DoubleToInt64Bits(yh) & long.MaxValue;
        long exponentBits = bits & 0x7FF0000000000000;
        double half = BitConverter.Int64BitsToDouble(exponentBits - ((bits == exponentBits ? 54L : 53L) << 52));
        return Math.Abs(yl) + bound < half;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<long> RoundsToHigh(Vector<double> yh, Vector<double> yl, Vector<double> bound)
    {
        Vector<long> bits = Vector.AsVectorInt64(yh) & new Vector<long>(long.MaxValue);
        Vector<long> exponentBits = bits & new Vector<long>(0x7FF0000000000000);
        Vector<long> powerOfTwo = Vector.Equals(bits, exponentBits);
        Vector<long> halfBits = exponentBits - new Vector<long>(53L << 52) - (powerOfTwo & new Vector<long>(1L << 52));
        return Vector.LessThan(Vector.Abs(yl) + bound, Vector.AsVectorDouble(halfBits));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SinPolynomial(Vector<double> rh, Vector<double> rl, Vector<double> zh, Vector<double> zl, out Vector<double> yh, out Vector<double> yl)
    {
        Vector<double> t = Vector.FusedMultiplyAdd(new Vector<double>(InvF25), zh, new Vector<double>(-InvF23));
        t = Vector.FusedMultiplyAdd(t, zh, new Vector<double>(InvF21));
        t = Vector.FusedMultiplyAdd(t, zh, new Vector<double>(-InvF19));
        t = Vector.FusedMultiplyAdd(t, zh, new Vector<double>(InvF17));
        t = Vector.FusedMultiplyAdd(t, zh, new Vector<double>(-InvF15));
        t = Vector.FusedMultiplyAdd(t, zh, new Vector<double>(InvF13));
        t = Vector.FusedMultiplyAdd(t, zh, new Vector<double>(-InvF11));
        t = Vector.FusedMultiplyAdd(t, zh, new Vector<double>(InvF9));
        Vector<double> ph = t * zh;
        Vector<double> pl = Vector.FusedMultiplyAdd(t, zl, Vector.FusedMultiplyAdd(t, zh, -ph));
        AddConstant(-InvF7, -InvF7Low, ph, pl, out Vector<double> uh, out Vector<double> ul);
        MultiplyDoubleDouble(uh, ul, zh, zl, out ph, out pl);
        AddConstant(InvF5, InvF5Low, ph, pl, out uh, out ul);
        MultiplyDoubleDouble(uh, ul, zh, zl, out ph, out pl);
        AddConstant(-InvF3, -InvF3Low, ph, pl, out uh, out ul);
        MultiplyDoubleDouble(uh, ul, zh, zl, out Vector<double> wh, out Vector<double> wl);
        MultiplyDoubleDouble(rh, rl, wh, wl, out Vector<double> vh, out Vector<double> vl);
        Vector<double> sum = rh + vh;
        Vector<double> error = (vh - (sum - rh)) + (rl + vl);
        yh = sum + error;
        yl = error - (yh - sum);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CosPolynomial(Vector<double> zh, Vector<double> zl, out Vector<double> yh, out Vector<double> yl)
    {
        Vector<double> t = Vector.FusedMultiplyAdd(new Vector<double>(-InvF26), zh, new Vector<double>(InvF24));
        t = Vector.FusedMultiplyAdd(t, zh, new Vector<double>(-InvF22));
        t = Vector.FusedMultiplyAdd(t, zh, new Vector<double>(InvF20));
        t = Vector.FusedMultiplyAdd(t, zh, new Vector<double>(-InvF18));
        t = Vector.FusedMultiplyAdd(t, zh, new Vector<double>(InvF16));
        t = Vector.FusedMultiplyAdd(t, zh, new Vector<double>(-InvF14));
        t = Vector.FusedMultiplyAdd(t, zh, new Vector<double>(InvF12));
        t = Vector.FusedMultiplyAdd(t, zh, new Vector<double>(-InvF10));
        t = Vector.FusedMultiplyAdd(t, zh, new Vector<double>(InvF8));
        Vector<double> ph = t * zh;
        Vector<double> pl = Vector.FusedMultiplyAdd(t, zl, Vector.FusedMultiplyAdd(t, zh, -ph));
        AddConstant(-InvF6, -InvF6Low, ph, pl, out Vector<double> uh, out Vector<double> ul);
        MultiplyDoubleDouble(uh, ul, zh, zl, out ph, out pl);
        AddConstant(InvF4, InvF4Low, ph, pl, out uh, out ul);
        MultiplyDoubleDouble(uh, ul, zh, zl, out ph, out pl);
        AddConstant(-0.5, 0.0, ph, pl, out uh, out ul);
        MultiplyDoubleDouble(uh, ul, zh, zl, out Vector<double> wh, out Vector<double> wl);
        Vector<double> sum = Vector<double>.One + wh;
        Vector<double> error = (wh - (sum - Vector<double>.One)) + wl;
        yh = sum + error;
        yl = error - (yh - sum);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyDoubleDouble(Vector<double> ah, Vector<double> al, Vector<double> bh, Vector<double> bl, out Vector<double> ph, out Vector<double> pl)
    {
        ph = ah * bh;
        pl = Vector.FusedMultiplyAdd(ah, bl, Vector.FusedMultiplyAdd(al, bh, Vector.FusedMultiplyAdd(ah, bh, -ph)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddConstant(double ch, double cl, Vector<double> ph, Vector<double> pl, out Vector<double> uh, out Vector<double> ul)
    {
        var c = new Vector<double>(ch);
        Vector<double> sum = c + ph;
        Vector<double> error = (ph - (sum - c)) + (new Vector<double>(cl) + pl);
        uh = sum + error;
        ul = error - (uh - sum);
    }
}
