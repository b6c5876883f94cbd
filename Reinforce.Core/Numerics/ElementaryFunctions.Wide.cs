using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Reinforce.Numerics;

// tanh on 512-bit registers, for machines with AVX-512 where Vector<float> stays at 256 bits (.NET's default on x64): the
// same operations as Tanh(Vector<float>) on every lane, eight doubles per instruction instead of four. tanh is the cost of
// the default network's hidden layer (benchmarks/notes.md#wide-tanh).
public static partial class ElementaryFunctions
{
    /// <summary>tanh on every lane, bit for bit <see cref="Tanh(float)"/> (the operations of <see cref="Tanh(Vector{float})"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Tanh(Vector512<float> x)
    {
        Vector512<float> magnitude = Vector512.Narrow(TanhOfDoubles(Vector512.WidenLower(x)), TanhOfDoubles(Vector512.WidenUpper(x)));
        Vector512<float> signed = magnitude | (x & Vector512.Create(-0f)); // the sign bit of x on tanh |x| ≥ +0
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), signed, x); // a NaN comes back unchanged
    }

    // tanh |x| in double: e^2|x| − 1 = 2ⁿ·(eʳ − 1) + (2ⁿ − 1) from the shared reduction, then (e^2|x| − 1)/(e^2|x| + 1).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> TanhOfDoubles(Vector512<double> x)
    {
        Vector512<double> saturation = Vector512.Create(TanhSaturation);
        Vector512<double> a = Vector512.Abs(x);
        a = Vector512.ConditionalSelect(Vector512.GreaterThan(a, saturation), saturation, a);
        Vector512<double> twice = a + a;
        Vector512<double> shifted = Vector512.FusedMultiplyAdd(twice, Vector512.Create(InverseLn2), Vector512.Create(RoundingShifter));
        Vector512<double> n = shifted - Vector512.Create(RoundingShifter);
        Vector512<double> r = Vector512.FusedMultiplyAdd(-n, Vector512.Create(Ln2Low), Vector512.FusedMultiplyAdd(-n, Vector512.Create(Ln2), twice));
        Vector512<double> p = ExpM1Polynomial(r);
        Vector512<double> scale = (Vector512.ShiftLeft(shifted.AsInt64() + Vector512.Create(1023L), 52)).AsDouble();
        Vector512<double> expm1 = Vector512.FusedMultiplyAdd(scale, p, scale - Vector512<double>.One);
        return expm1 / (expm1 + Vector512.Create(2.0));
    }

    // eʳ − 1 = r + r²·q(r), q by Estrin's scheme: ExpM1Polynomial(double)'s operations.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> ExpM1Polynomial(Vector512<double> r)
    {
        Vector512<double> r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
        Vector512<double> q01 = Vector512.FusedMultiplyAdd(Vector512.Create(C3), r, Vector512.Create(C2));
        Vector512<double> q23 = Vector512.FusedMultiplyAdd(Vector512.Create(C5), r, Vector512.Create(C4));
        Vector512<double> q45 = Vector512.FusedMultiplyAdd(Vector512.Create(C7), r, Vector512.Create(C6));
        Vector512<double> q67 = Vector512.FusedMultiplyAdd(Vector512.Create(C9), r, Vector512.Create(C8));
        Vector512<double> q89 = Vector512.FusedMultiplyAdd(Vector512.Create(C11), r, Vector512.Create(C10));
        Vector512<double> q03 = Vector512.FusedMultiplyAdd(q23, r2, q01), q47 = Vector512.FusedMultiplyAdd(q67, r2, q45);
        Vector512<double> q810 = Vector512.FusedMultiplyAdd(Vector512.Create(C12), r2, q89);
        Vector512<double> q = Vector512.FusedMultiplyAdd(q810, r8, Vector512.FusedMultiplyAdd(q47, r4, q03));
        return Vector512.FusedMultiplyAdd(q, r2, r);
    }

    // y[i] = tanh x[i] for the whole 512-bit vectors of x; returns how many elements it wrote (a multiple of 16).
    private static int TanhBy512(ReadOnlySpan<float> x, Span<float> y)
    {
        ref float px = ref MemoryMarshal.GetReference(x);
        ref float py = ref MemoryMarshal.GetReference(y);
        int i = 0;
        for (; i <= x.Length - Vector512<float>.Count; i += Vector512<float>.Count)
        {
            Tanh(Vector512.LoadUnsafe(ref px, (nuint)i)).StoreUnsafe(ref py, (nuint)i);
        }
        return i;
    }
}
