using System.Numerics;

namespace Reinforce.Numerics;

/// <summary>
/// The exact path of <see cref="ElementaryFunctions.Sin(double)"/> and <see cref="ElementaryFunctions.Cos(double)"/>:
/// sin x and cos x correctly rounded for every finite double with |x| ≥ 2⁻²⁷ (smaller arguments are answered before),
/// by integer arithmetic (Ziv's strategy: evaluate with a proven error bound, widen the precision until the bound
/// decides the rounding). Slow (tens of microseconds) and allocating; taken for |x| > 2²⁸ and when the fast path's
/// rounding test cannot decide.
/// </summary>
/// <remarks>
/// With w fractional bits: x = m·2ᵉ is exact as an integer multiple of 2^−(w+g), g = max(0, e + 53) + 10 covering the
/// bits of k; k = round(x / (π/2)) and r = x − k·π/2 use π/2 to w + g bits (an error of at most 2 units of
/// 2^−(w+g), so |k|·2 units of r, below 2^−(w+8)); r truncated to w bits adds one unit of 2⁻ʷ. sin r and cos r by
/// their Taylor series in w-bit fixed point: each term truncates twice (|error| ≤ 2 units, and an error carried into
/// the next term shrinks by r²/((2n)(2n+1)) &lt; ⅙), the series stops when a term truncates to 0 (the rest, a series
/// with ratio below ⅙, is below one unit). sin and cos are 1-Lipschitz, so r's error adds at most 2 units. The result
/// V·2⁻ʷ is within E = 2·terms + 8 units; when V − E and V + E round to the same double, so does the exact value
/// (rounding is monotonic). sin x and cos x are transcendental for x ≠ 0 (Lindemann–Weierstrass), so never a
/// double or a midpoint, and some precision always decides.
/// </remarks>
internal static class ExactTrigonometry
{
    private const int FirstPrecision = 192;
    private const int LastPrecision = 1 << 16; // never reached: hard cases of double sin and cos need about 2⁻¹²⁰

    // floor-ish π·2^bits (within 2 units) for the largest precision computed so far; shifted down for smaller ones.
    private sealed record PiBits(int Bits, BigInteger Value);

    private static PiBits pi = ComputePi(2048);

    /// <summary>(sin x, cos x), correctly rounded; x finite with |x| ≥ 2⁻²⁷.</summary>
    public static (double Sin, double Cos) SinCos(double x)
    {
        if (!double.IsFinite(x) || Math.Abs(x) < 7.450580596923828e-09)
        {
            throw new ArgumentOutOfRangeException(nameof(x), x, "The exact path takes finite arguments with |x| ≥ 2^-27.");
        }
        for (int w = FirstPrecision; w <= LastPrecision; w *= 2)
        {
            if (TryEvaluate(x, w, out double sin, out double cos))
            {
                return (sin, cos);
            }
        }
        throw new InvalidOperationException($"sin/cos({x:R}) undecided at {LastPrecision} bits.");
    }

    private static bool TryEvaluate(double x, int w, out double sin, out double cos)
    {
        long bits = BitConverter.DoubleToInt64Bits(x);
        bool negative = bits < 0;
        int biased = (int)((bits >> 52) & 0x7FF);
        long mantissa = bits & 0xFFFFFFFFFFFFF;
        int exponent;
        if (biased == 0)
        {
            exponent = -1074;
        }
        else
        {
            mantissa |= 1L << 52;
            exponent = biased - 1075;
        }
        // |x| = mantissa·2^exponent; k < 2^(exponent + 53) + 1.
        int guard = Math.Max(0, exponent + 53) + 10;
        int precision = w + guard;
        BigInteger scaledX = (BigInteger)mantissa << (exponent + precision); // exponent + precision ≥ 192 − 27 − 52 > 0
        BigInteger halfPi = Pi(precision + 1) >> 2;                           // π/2·2^precision, within 2 units
        BigInteger k = ((scaledX << 1) + halfPi) / (halfPi << 1);            // round(x / (π/2)), ties up
        BigInteger remainder = scaledX - k * halfPi;                          // r·2^precision
        BigInteger r = remainder >> guard;                                     // r·2^w, floor
        BigInteger one = BigInteger.One << w;
        BigInteger z = (r * r) >> w;

        // Taylor series: sin r = Σ (−1)ⁿ r^(2n+1)/(2n+1)!, cos r = Σ (−1)ⁿ r^(2n)/(2n)!.
        BigInteger sinSum = r, cosSum = one, sinTerm = r, cosTerm = one;
        int terms = 1;
        for (int n = 1; !sinTerm.IsZero || !cosTerm.IsZero; n++, terms++)
        {
            cosTerm = -((cosTerm * z) >> w) / ((2 * n - 1) * (2 * n));
            sinTerm = -((sinTerm * z) >> w) / ((2 * n) * (2 * n + 1));
            cosSum += cosTerm;
            sinSum += sinTerm;
        }
        BigInteger error = 2 * terms + 8;

        int quadrant = (int)(k & 3);
        (BigInteger sinValue, BigInteger cosValue) = quadrant switch
        {
            0 => (sinSum, cosSum),
            1 => (cosSum, -sinSum),
            2 => (-sinSum, -cosSum),
            _ => (-cosSum, sinSum),
        };
        if (negative)
        {
            sinValue = -sinValue; // sin is odd, cos even
        }
        sin = RoundScaled(sinValue - error, w);
        cos = RoundScaled(cosValue - error, w);
        return !double.IsNaN(sin) && !double.IsNaN(cos)
            && sin.Equals(RoundScaled(sinValue + error, w)) && cos.Equals(RoundScaled(cosValue + error, w));
    }

    // v·2⁻ʷ rounded to the nearest double (ties to even), or NaN when v has fewer than 55 significant bits (too little
    // precision to decide) — the results here are normal doubles of magnitude above 2⁻⁶⁴.
    private static double RoundScaled(BigInteger v, int w)
    {
        int sign = v.Sign;
        BigInteger a = BigInteger.Abs(v);
        int length = (int)a.GetBitLength();
        int shift = length - 53;
        if (shift < 2)
        {
            return double.NaN;
        }
        BigInteger mantissa = a >> shift;
        BigInteger rest = a - (mantissa << shift);
        BigInteger half = BigInteger.One << (shift - 1);
        if (rest > half || (rest == half && !mantissa.IsEven))
        {
            mantissa += 1; // may reach 2⁵³, still exact in a double
        }
        return sign * Math.ScaleB((double)(long)mantissa, shift - w);
    }

    // π·2^bits within 2 units.
    private static BigInteger Pi(int bits)
    {
        PiBits current = pi;
        if (current.Bits < bits)
        {
            current = ComputePi(Math.Max(bits, 2 * current.Bits));
            pi = current;
        }
        return current.Value >> (current.Bits - bits);
    }

    // Machin's formula π = 16·atan(1/5) − 4·atan(1/239) with 32 guard bits: each series term truncates at most twice,
    // so the sum is within far less than 2³² units before the guard bits are dropped.
    private static PiBits ComputePi(int bits)
    {
        int scaled = bits + 32;
        BigInteger value = (16 * ArcTanInverse(5, scaled) - 4 * ArcTanInverse(239, scaled)) >> 32;
        return new PiBits(bits, value);
    }

    private static BigInteger ArcTanInverse(int m, int bits)
    {
        BigInteger power = (BigInteger.One << bits) / m, sum = power, square = m * m;
        for (int n = 1; !power.IsZero; n++)
        {
            power /= square;
            BigInteger term = power / (2 * n + 1);
            sum += (n & 1) == 1 ? -term : term;
        }
        return sum;
    }
}
