using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Reinforce.Numerics;

/// <summary>
/// The register-blocked bodies of the batched kernels (<see cref="MatMulTransposedB"/>, <see cref="MatMul"/>,
/// <see cref="AccumulateWeightGradients"/>). Each computes exactly the numbers of the row-by-row definition kept
/// below (<c>…RowByRow</c>): the same fused multiply-adds, on the same operands, in the same order per output
/// element; only which elements share a load, and so the order in which independent elements are computed,
/// changes. Tests compare the two bit for bit over many shapes.
/// </summary>
/// <remarks>
/// <para><b>Forward</b>, y[t,o] = Dot(W[o,:], X[t,:]) + b[o]. Dot's 32 logical lanes are four 8-float chunks
/// c = 0..3 of every 32-float block; lane accumulators only ever meet in the final fold
/// ((c0 + c2) + (c1 + c3), then strides 4, 2, 1 inside 8 lanes). So a tile of 4 rows of X × 4 rows of W runs one
/// chunk position at a time with one register per (t, o) pair — 16 accumulators fed by 8 loads per 16 FMAs —
/// keeps c0 + c2 and c1 + c3 aside, and folds 8 pairs at once with a transpose of the partial sums. With
/// in = 4 (CartPole's observation: the whole dot is Dot's scalar tail, an FMA chain from 0) the 8 rows
/// W[o..o+7,:] are transposed in registers into 4 column vectors and 8 outputs advance together.</para>
/// <para><b>Backward</b>, dX = dY·W and dW += dYᵀ·X: every output element is one FMA chain (over o for dX, over
/// t for dW, in that order), independent of its neighbours, so a 6 × 2-vector tile of outputs shares one
/// broadcast per row and one load per column vector per step of the chain.</para>
/// </remarks>
public static partial class SimdKernels
{
    // Rows of W a forward pass keeps in L1 while the batch's rows stream by (16 rows of 256 floats = 16 KiB).
    private const int ForwardPanelRows = 16;

    // Steps of a dW chain between two visits of the same dW tile: keeps the X panel of a tile in L1.
    private const int WeightGradientDepthChunk = 256;

    private static bool HasAvx2Fma => Avx2.IsSupported && Fma.IsSupported;

    // ---------------------------------------------------------------- forward: Y = X·Wᵀ + b

    private static void MatMulTransposedBBlocked(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, int batch,
        int inputs, int outputs, Span<float> y)
    {
        if (HasAvx2Fma && inputs == 4)
        {
            ForwardFourInputs(x, w, b, batch, outputs, y);
        }
        else if (HasAvx2Fma && inputs >= ReductionLanes)
        {
            ForwardTiled(x, w, b, batch, inputs, outputs, y);
        }
        else
        {
            MatMulTransposedBRowByRow(x, w, b, batch, inputs, outputs, y);
        }
    }

    /// <summary>The definition: every row is <see cref="MatVec"/> of that row, i.e. y[t,o] = Dot(W[o,:], X[t,:]) + b[o].</summary>
    internal static void MatMulTransposedBRowByRow(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, int batch,
        int inputs, int outputs, Span<float> y)
    {
        for (int t = 0; t < batch; t++)
        {
            MatVec(w, x.Slice(t * inputs, inputs), b, y.Slice(t * outputs, outputs));
        }
    }

    // in = 4: y[t, o..o+7] = fma(W[·,3], x3, fma(W[·,2], x2, fma(W[·,1], x1, fma(W[·,0], x0, 0)))) + b, Dot's tail
    // chain for 8 outputs at once.
    [MethodImpl(MethodImplOptions.NoInlining)] // keeps the callers (Mlp's layer loop) small
    private static void ForwardFourInputs(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, int batch, int outputs,
        Span<float> y)
    {
        ref float px = ref MemoryMarshal.GetReference(x);
        ref float pw = ref MemoryMarshal.GetReference(w);
        ref float pb = ref MemoryMarshal.GetReference(b);
        ref float py = ref MemoryMarshal.GetReference(y);
        int o = 0;
        if (Avx512F.IsSupported)
        {
            o = ForwardFourInputsBy16(ref px, ref pw, ref pb, batch, outputs, ref py);
        }
        int groups = outputs - outputs % 8;
        var interleave = Vector256.Create(0, 4, 1, 5, 2, 6, 3, 7);
        for (; o < groups; o += 8)
        {
            // Rows W[o..o+7, 0..3] are 32 consecutive floats. Interleave each pair of rows, then a 4 × 4
            // transpose of float pairs: c_i = W[o..o+7, i].
            ref float rows = ref Unsafe.Add(ref pw, o * 4);
            Vector256<double> r0 = Avx2.PermuteVar8x32(Vector256.LoadUnsafe(ref rows), interleave).AsDouble();
            Vector256<double> r1 = Avx2.PermuteVar8x32(Vector256.LoadUnsafe(ref rows, 8), interleave).AsDouble();
            Vector256<double> r2 = Avx2.PermuteVar8x32(Vector256.LoadUnsafe(ref rows, 16), interleave).AsDouble();
            Vector256<double> r3 = Avx2.PermuteVar8x32(Vector256.LoadUnsafe(ref rows, 24), interleave).AsDouble();
            Vector256<double> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
            Vector256<double> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
            Vector256<float> c0 = Avx.Permute2x128(t0, t2, 0x20).AsSingle();
            Vector256<float> c1 = Avx.Permute2x128(t1, t3, 0x20).AsSingle();
            Vector256<float> c2 = Avx.Permute2x128(t0, t2, 0x31).AsSingle();
            Vector256<float> c3 = Avx.Permute2x128(t1, t3, 0x31).AsSingle();
            Vector256<float> bias = Vector256.LoadUnsafe(ref pb, (nuint)o);
            for (int t = 0; t < batch; t++)
            {
                ref float row = ref Unsafe.Add(ref px, t * 4);
                Vector256<float> sum = Fma.MultiplyAdd(c0, Vector256.Create(row), Vector256<float>.Zero);
                sum = Fma.MultiplyAdd(c1, Vector256.Create(Unsafe.Add(ref row, 1)), sum);
                sum = Fma.MultiplyAdd(c2, Vector256.Create(Unsafe.Add(ref row, 2)), sum);
                sum = Fma.MultiplyAdd(c3, Vector256.Create(Unsafe.Add(ref row, 3)), sum);
                (sum + bias).StoreUnsafe(ref py, (nuint)(t * outputs + o));
            }
        }
        ForwardPairsByDot(x, w, b, 0, batch, groups, outputs, 4, outputs, y);
    }

    // The same chain for 16 outputs at a time with AVX-512: two-source permutes make the transpose 8 shuffles per
    // 16 outputs instead of 24. Returns the first output it did not compute.
    private static int ForwardFourInputsBy16(ref float px, ref float pw, ref float pb, int batch, int outputs, ref float py)
    {
        int groups = outputs - outputs % 16;
        // v0 = W[o..o+3, 0..3], v1 = W[o+4..o+7, 0..3]; index 16 + j is lane j of the second source.
        Vector512<int> firstColumns = Vector512.Create(0, 4, 8, 12, 16, 20, 24, 28, 1, 5, 9, 13, 17, 21, 25, 29);
        Vector512<int> lastColumns = Vector512.Create(2, 6, 10, 14, 18, 22, 26, 30, 3, 7, 11, 15, 19, 23, 27, 31);
        for (int o = 0; o < groups; o += 16)
        {
            ref float rows = ref Unsafe.Add(ref pw, o * 4);
            Vector512<float> v0 = Vector512.LoadUnsafe(ref rows), v1 = Vector512.LoadUnsafe(ref rows, 16);
            Vector512<float> v2 = Vector512.LoadUnsafe(ref rows, 32), v3 = Vector512.LoadUnsafe(ref rows, 48);
            // u0 = [W[o..o+7, 0], W[o..o+7, 1]], u1 = [W[o..o+7, 2], W[o..o+7, 3]]; u2, u3 the same for o+8..o+15.
            Vector512<float> u0 = Avx512F.PermuteVar16x32x2(v0, firstColumns, v1), u1 = Avx512F.PermuteVar16x32x2(v0, lastColumns, v1);
            Vector512<float> u2 = Avx512F.PermuteVar16x32x2(v2, firstColumns, v3), u3 = Avx512F.PermuteVar16x32x2(v2, lastColumns, v3);
            // c_i = W[o..o+15, i]: the matching 256-bit halves of u0 and u2 (or u1 and u3).
            Vector512<float> c0 = Avx512F.Shuffle4x128(u0, u2, 0x44), c1 = Avx512F.Shuffle4x128(u0, u2, 0xEE);
            Vector512<float> c2 = Avx512F.Shuffle4x128(u1, u3, 0x44), c3 = Avx512F.Shuffle4x128(u1, u3, 0xEE);
            Vector512<float> bias = Vector512.LoadUnsafe(ref pb, (nuint)o);
            for (int t = 0; t < batch; t++)
            {
                ref float row = ref Unsafe.Add(ref px, t * 4);
                Vector512<float> sum = Avx512F.FusedMultiplyAdd(c0, Vector512.Create(row), Vector512<float>.Zero);
                sum = Avx512F.FusedMultiplyAdd(c1, Vector512.Create(Unsafe.Add(ref row, 1)), sum);
                sum = Avx512F.FusedMultiplyAdd(c2, Vector512.Create(Unsafe.Add(ref row, 2)), sum);
                sum = Avx512F.FusedMultiplyAdd(c3, Vector512.Create(Unsafe.Add(ref row, 3)), sum);
                (sum + bias).StoreUnsafe(ref py, (nuint)(t * outputs + o));
            }
        }
        return groups;
    }

    // in ≥ 32: 4 × 4 tiles of (t, o) pairs inside panels of W rows; the edges pair by pair with Dot.
    [MethodImpl(MethodImplOptions.NoInlining)] // keeps the callers (Mlp's layer loop) small
    private static void ForwardTiled(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, int batch, int inputs,
        int outputs, Span<float> y)
    {
        ref float px = ref MemoryMarshal.GetReference(x);
        ref float pw = ref MemoryMarshal.GetReference(w);
        ref float pb = ref MemoryMarshal.GetReference(b);
        ref float py = ref MemoryMarshal.GetReference(y);
        int tiledRows = batch - batch % 4, tiledOutputs = outputs - outputs % 4;
        if (tiledRows > 0 && tiledOutputs > 0)
        {
            ForwardTiles(ref px, ref pw, ref pb, inputs, outputs, tiledRows, tiledOutputs, ref py);
        }
        // The edges, one row of X against up to 4 rows of W at a time: the last batch % 4 rows, then the
        // last outputs % 4 outputs of the tiled rows (all outputs when there were no tiles).
        for (int t = tiledRows; t < batch; t++)
        {
            for (int o = 0; o < outputs; o += 4)
            {
                ForwardRowAgainstFour(ref px, ref pw, ref pb, inputs, outputs, t, o, Math.Min(4, outputs - o), ref py);
            }
        }
        if (tiledOutputs < outputs)
        {
            for (int t = 0; t < tiledRows; t++)
            {
                ForwardRowAgainstFour(ref px, ref pw, ref pb, inputs, outputs, t, tiledOutputs, outputs - tiledOutputs, ref py);
            }
        }
    }

    // Its own method: the scratch is zeroed on entry (locals are initialised), which a single row must not pay for.
    private static void ForwardTiles(ref float px, ref float pw, ref float pb, int inputs, int outputs, int tiledRows, int tiledOutputs,
        ref float py)
    {
        Span<Vector256<float>> partial = stackalloc Vector256<float>[32];
        Span<float> sums = stackalloc float[8];
        for (int panel = 0; panel < tiledOutputs; panel += ForwardPanelRows)
        {
            int panelEnd = Math.Min(panel + ForwardPanelRows, tiledOutputs);
            for (int t = 0; t < tiledRows; t += 4)
            {
                for (int o = panel; o < panelEnd; o += 4)
                {
                    ForwardTile(ref px, ref pw, ref pb, inputs, outputs, t, o, partial, sums, ref py);
                }
            }
        }
    }

    // y[t, o..o+count−1] for count ≤ 4: one row of X against up to four rows of W, each pair with its 32 lanes in
    // four registers as in Dot (a missing W row repeats the last one; its result is not stored).
    private static void ForwardRowAgainstFour(ref float px, ref float pw, ref float pb, int inputs, int outputs, int t, int o, int count,
        ref float py)
    {
        if (count <= 2)
        {
            ForwardRowAgainstTwo(ref px, ref pw, ref pb, inputs, outputs, t, o, count, ref py);
            return;
        }
        int blocked = inputs - inputs % ReductionLanes;
        ref float xr = ref Unsafe.Add(ref px, t * inputs);
        ref float w0 = ref Unsafe.Add(ref pw, o * inputs);
        ref float w1 = ref Unsafe.Add(ref pw, (o + Math.Min(1, count - 1)) * inputs);
        ref float w2 = ref Unsafe.Add(ref pw, (o + Math.Min(2, count - 1)) * inputs);
        ref float w3 = ref Unsafe.Add(ref pw, (o + Math.Min(3, count - 1)) * inputs);
        Vector256<float> a0 = Vector256<float>.Zero, a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        Vector256<float> c0 = a0, c1 = a0, c2 = a0, c3 = a0, d0 = a0, d1 = a0, d2 = a0, d3 = a0;
        for (nuint i = 0; i < (nuint)blocked; i += ReductionLanes)
        {
            Vector256<float> x0 = Vector256.LoadUnsafe(ref xr, i), x1 = Vector256.LoadUnsafe(ref xr, i + 8);
            Vector256<float> x2 = Vector256.LoadUnsafe(ref xr, i + 16), x3 = Vector256.LoadUnsafe(ref xr, i + 24);
            a0 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref w0, i), x0, a0); a1 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref w0, i + 8), x1, a1);
            a2 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref w0, i + 16), x2, a2); a3 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref w0, i + 24), x3, a3);
            b0 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref w1, i), x0, b0); b1 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref w1, i + 8), x1, b1);
            b2 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref w1, i + 16), x2, b2); b3 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref w1, i + 24), x3, b3);
            c0 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref w2, i), x0, c0); c1 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref w2, i + 8), x1, c1);
            c2 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref w2, i + 16), x2, c2); c3 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref w2, i + 24), x3, c3);
            d0 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref w3, i), x0, d0); d1 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref w3, i + 8), x1, d1);
            d2 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref w3, i + 16), x2, d2); d3 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref w3, i + 24), x3, d3);
        }
        // Dot's fold: (c0 + c2) + (c1 + c3), then strides 4, 2, 1 — four pairs in one transpose (the other four
        // inputs of FoldEight are copies whose results land in the upper half and are dropped).
        Vector256<float> sa = (a0 + a2) + (a1 + a3), sb = (b0 + b2) + (b1 + b3), sc = (c0 + c2) + (c1 + c3), sd = (d0 + d2) + (d1 + d3);
        Vector128<float> sums = FoldEight(sa, sb, sc, sd, sa, sb, sc, sd).GetLower();
        for (int k = 0; k < count; k++)
        {
            ref float wk = ref Unsafe.Add(ref pw, (o + k) * inputs);
            float sum = sums.GetElement(k);
            for (int i = blocked; i < inputs; i++)
            {
                sum = MathF.FusedMultiplyAdd(Unsafe.Add(ref wk, i), Unsafe.Add(ref xr, i), sum);
            }
            Unsafe.Add(ref py, t * outputs + o + k) = sum + Unsafe.Add(ref pb, o + k);
        }
    }

    private static void ForwardPairsByDot(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, int rowStart, int rowEnd,
        int outputStart, int outputEnd, int inputs, int outputs, Span<float> y)
    {
        for (int t = rowStart; t < rowEnd; t++)
        {
            for (int o = outputStart; o < outputEnd; o++)
            {
                y[t * outputs + o] = Dot(w.Slice(o * inputs, inputs), x.Slice(t * inputs, inputs)) + b[o];
            }
        }
    }

    // y[t..t+3, o..o+3]. partial holds, per pair k = 4·row + output, chunks 0 + 2 at [k] and 1 + 3 at [16 + k].
    private static void ForwardTile(ref float px, ref float pw, ref float pb, int inputs, int outputs, int t, int o,
        Span<Vector256<float>> partial, Span<float> sums, ref float py)
    {
        int blocked = inputs - inputs % ReductionLanes;
        ref float x0 = ref Unsafe.Add(ref px, t * inputs);
        ref float x1 = ref Unsafe.Add(ref x0, inputs);
        ref float x2 = ref Unsafe.Add(ref x1, inputs);
        ref float x3 = ref Unsafe.Add(ref x2, inputs);
        ref float w0 = ref Unsafe.Add(ref pw, o * inputs);
        ref float w1 = ref Unsafe.Add(ref w0, inputs);
        ref float w2 = ref Unsafe.Add(ref w1, inputs);
        ref float w3 = ref Unsafe.Add(ref w2, inputs);
        ref Vector256<float> p = ref MemoryMarshal.GetReference(partial);
        for (int chunk = 0; chunk < ReductionLanes; chunk += 8)
        {
            Vector256<float> a00 = Vector256<float>.Zero, a01 = a00, a02 = a00, a03 = a00;
            Vector256<float> a10 = a00, a11 = a00, a12 = a00, a13 = a00;
            Vector256<float> a20 = a00, a21 = a00, a22 = a00, a23 = a00;
            Vector256<float> a30 = a00, a31 = a00, a32 = a00, a33 = a00;
            for (int i = chunk; i < blocked; i += ReductionLanes)
            {
                Vector256<float> xa = Vector256.LoadUnsafe(ref x0, (nuint)i), xb = Vector256.LoadUnsafe(ref x1, (nuint)i);
                Vector256<float> xc = Vector256.LoadUnsafe(ref x2, (nuint)i), xd = Vector256.LoadUnsafe(ref x3, (nuint)i);
                Vector256<float> wa = Vector256.LoadUnsafe(ref w0, (nuint)i), wb = Vector256.LoadUnsafe(ref w1, (nuint)i);
                Vector256<float> wc = Vector256.LoadUnsafe(ref w2, (nuint)i), wd = Vector256.LoadUnsafe(ref w3, (nuint)i);
                a00 = Fma.MultiplyAdd(wa, xa, a00); a01 = Fma.MultiplyAdd(wb, xa, a01);
                a02 = Fma.MultiplyAdd(wc, xa, a02); a03 = Fma.MultiplyAdd(wd, xa, a03);
                a10 = Fma.MultiplyAdd(wa, xb, a10); a11 = Fma.MultiplyAdd(wb, xb, a11);
                a12 = Fma.MultiplyAdd(wc, xb, a12); a13 = Fma.MultiplyAdd(wd, xb, a13);
                a20 = Fma.MultiplyAdd(wa, xc, a20); a21 = Fma.MultiplyAdd(wb, xc, a21);
                a22 = Fma.MultiplyAdd(wc, xc, a22); a23 = Fma.MultiplyAdd(wd, xc, a23);
                a30 = Fma.MultiplyAdd(wa, xd, a30); a31 = Fma.MultiplyAdd(wb, xd, a31);
                a32 = Fma.MultiplyAdd(wc, xd, a32); a33 = Fma.MultiplyAdd(wd, xd, a33);
            }
            // Dot's fold starts with a0 += a2 and a1 += a3: chunk 2 joins chunk 0, chunk 3 joins chunk 1.
            ref Vector256<float> slot = ref Unsafe.Add(ref p, chunk == 8 || chunk == 24 ? 16 : 0);
            if (chunk < 16)
            {
                Unsafe.Add(ref slot, 0) = a00; Unsafe.Add(ref slot, 1) = a01; Unsafe.Add(ref slot, 2) = a02; Unsafe.Add(ref slot, 3) = a03;
                Unsafe.Add(ref slot, 4) = a10; Unsafe.Add(ref slot, 5) = a11; Unsafe.Add(ref slot, 6) = a12; Unsafe.Add(ref slot, 7) = a13;
                Unsafe.Add(ref slot, 8) = a20; Unsafe.Add(ref slot, 9) = a21; Unsafe.Add(ref slot, 10) = a22; Unsafe.Add(ref slot, 11) = a23;
                Unsafe.Add(ref slot, 12) = a30; Unsafe.Add(ref slot, 13) = a31; Unsafe.Add(ref slot, 14) = a32; Unsafe.Add(ref slot, 15) = a33;
            }
            else
            {
                Unsafe.Add(ref slot, 0) += a00; Unsafe.Add(ref slot, 1) += a01; Unsafe.Add(ref slot, 2) += a02; Unsafe.Add(ref slot, 3) += a03;
                Unsafe.Add(ref slot, 4) += a10; Unsafe.Add(ref slot, 5) += a11; Unsafe.Add(ref slot, 6) += a12; Unsafe.Add(ref slot, 7) += a13;
                Unsafe.Add(ref slot, 8) += a20; Unsafe.Add(ref slot, 9) += a21; Unsafe.Add(ref slot, 10) += a22; Unsafe.Add(ref slot, 11) += a23;
                Unsafe.Add(ref slot, 12) += a30; Unsafe.Add(ref slot, 13) += a31; Unsafe.Add(ref slot, 14) += a32; Unsafe.Add(ref slot, 15) += a33;
            }
        }
        // Then a0 += a1, and the 8 lanes fold with strides 4, 2, 1: two rows (8 pairs) per transpose.
        for (int row = 0; row < 4; row += 2)
        {
            ref Vector256<float> even = ref Unsafe.Add(ref p, 4 * row);
            ref Vector256<float> odd = ref Unsafe.Add(ref p, 16 + 4 * row);
            Vector256<float> folded = FoldEight(
                Unsafe.Add(ref even, 0) + Unsafe.Add(ref odd, 0), Unsafe.Add(ref even, 1) + Unsafe.Add(ref odd, 1),
                Unsafe.Add(ref even, 2) + Unsafe.Add(ref odd, 2), Unsafe.Add(ref even, 3) + Unsafe.Add(ref odd, 3),
                Unsafe.Add(ref even, 4) + Unsafe.Add(ref odd, 4), Unsafe.Add(ref even, 5) + Unsafe.Add(ref odd, 5),
                Unsafe.Add(ref even, 6) + Unsafe.Add(ref odd, 6), Unsafe.Add(ref even, 7) + Unsafe.Add(ref odd, 7));
            // folded = [Dot(t+row, o..o+3) | Dot(t+row+1, o..o+3)] before the tail and the bias.
            ref float y0 = ref Unsafe.Add(ref py, (t + row) * outputs + o);
            ref float y1 = ref Unsafe.Add(ref y0, outputs);
            if (blocked == inputs)
            {
                Vector128<float> bias = Vector128.LoadUnsafe(ref pb, (nuint)o);
                (folded.GetLower() + bias).StoreUnsafe(ref y0);
                (folded.GetUpper() + bias).StoreUnsafe(ref y1);
                continue;
            }
            folded.StoreUnsafe(ref MemoryMarshal.GetReference(sums));
            for (int k = 0; k < 8; k++)
            {
                int r = t + row + k / 4, oo = o + k % 4;
                ref float xr = ref Unsafe.Add(ref px, r * inputs);
                ref float wr = ref Unsafe.Add(ref pw, oo * inputs);
                float sum = sums[k];
                for (int i = blocked; i < inputs; i++)
                {
                    sum = MathF.FusedMultiplyAdd(Unsafe.Add(ref wr, i), Unsafe.Add(ref xr, i), sum);
                }
                Unsafe.Add(ref py, r * outputs + oo) = sum + Unsafe.Add(ref pb, oo);
            }
        }
    }

    // The same for count ≤ 2 (the logits layer of a two-action policy): two pairs, folded one register at a time.
    private static void ForwardRowAgainstTwo(ref float px, ref float pw, ref float pb, int inputs, int outputs, int t, int o, int count,
        ref float py)
    {
        int blocked = inputs - inputs % ReductionLanes;
        ref float xr = ref Unsafe.Add(ref px, t * inputs);
        ref float w0 = ref Unsafe.Add(ref pw, o * inputs);
        ref float w1 = ref Unsafe.Add(ref pw, (o + count - 1) * inputs);
        Vector256<float> a0 = Vector256<float>.Zero, a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        for (nuint i = 0; i < (nuint)blocked; i += ReductionLanes)
        {
            Vector256<float> x0 = Vector256.LoadUnsafe(ref xr, i), x1 = Vector256.LoadUnsafe(ref xr, i + 8);
            Vector256<float> x2 = Vector256.LoadUnsafe(ref xr, i + 16), x3 = Vector256.LoadUnsafe(ref xr, i + 24);
            a0 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref w0, i), x0, a0); a1 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref w0, i + 8), x1, a1);
            a2 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref w0, i + 16), x2, a2); a3 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref w0, i + 24), x3, a3);
            b0 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref w1, i), x0, b0); b1 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref w1, i + 8), x1, b1);
            b2 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref w1, i + 16), x2, b2); b3 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref w1, i + 24), x3, b3);
        }
        float sum0 = FoldEightLanes((a0 + a2) + (a1 + a3)), sum1 = FoldEightLanes((b0 + b2) + (b1 + b3));
        for (int k = 0; k < count; k++)
        {
            ref float wk = ref Unsafe.Add(ref pw, (o + k) * inputs);
            float sum = k == 0 ? sum0 : sum1;
            for (int i = blocked; i < inputs; i++)
            {
                sum = MathF.FusedMultiplyAdd(Unsafe.Add(ref wk, i), Unsafe.Add(ref xr, i), sum);
            }
            Unsafe.Add(ref py, t * outputs + o + k) = sum + Unsafe.Add(ref pb, o + k);
        }
    }

    // FoldLanes of one 8-lane register: [l0+l4 … l3+l7], then [A0+A2, A1+A3], then their sum.
    private static float FoldEightLanes(Vector256<float> v)
    {
        Vector128<float> a = v.GetLower() + v.GetUpper();
        Vector128<float> b = a + Vector128.Shuffle(a, Vector128.Create(2, 3, 0, 1));
        return b.ToScalar() + b.GetElement(1);
    }

    // Folds 8 registers of 8 lanes each as FoldLanes does (lane j += lane j + 4, then + 2, then + 1) and returns the
    // 8 results in one register, in the order [a, c, e, g, b, d, f, h].
    private static Vector256<float> FoldEight(Vector256<float> a, Vector256<float> c, Vector256<float> e, Vector256<float> g,
        Vector256<float> b, Vector256<float> d, Vector256<float> f, Vector256<float> h)
    {
        // Stride 4: [a0+a4 … a3+a7 | b0+b4 … b3+b7].
        Vector256<float> ab = Avx.Permute2x128(a, b, 0x20) + Avx.Permute2x128(a, b, 0x31);
        Vector256<float> cd = Avx.Permute2x128(c, d, 0x20) + Avx.Permute2x128(c, d, 0x31);
        Vector256<float> ef = Avx.Permute2x128(e, f, 0x20) + Avx.Permute2x128(e, f, 0x31);
        Vector256<float> gh = Avx.Permute2x128(g, h, 0x20) + Avx.Permute2x128(g, h, 0x31);
        // Stride 2: per 128-bit half [A0+A2, A1+A3, C0+C2, C1+C3].
        Vector256<float> abcd = Avx.Shuffle(ab, cd, 0x44) + Avx.Shuffle(ab, cd, 0xEE);
        Vector256<float> efgh = Avx.Shuffle(ef, gh, 0x44) + Avx.Shuffle(ef, gh, 0xEE);
        // Stride 1: adjacent pairs.
        return Avx.HorizontalAdd(abcd, efgh);
    }

    // ---------------------------------------------------------------- backward: dX = dY·W, dW += dYᵀ·X

    private static void MatMulBlocked(ReadOnlySpan<float> dy, ReadOnlySpan<float> w, int batch, int outputs, int inputs, Span<float> dx)
    {
        // dx[t, i] = fma chain over o of dy[t, o]·W[o, i], starting from 0 (MatTransposeVec clears, then Axpy per o).
        ChainedProduct(dy, outputs, 1, w, dx, batch, outputs, inputs, accumulate: false);
    }

    /// <summary>The definition: row t of dX is <see cref="MatTransposeVec"/> of row t of dY.</summary>
    internal static void MatMulRowByRow(ReadOnlySpan<float> dy, ReadOnlySpan<float> w, int batch, int outputs, int inputs, Span<float> dx)
    {
        for (int t = 0; t < batch; t++)
        {
            MatTransposeVec(w, dy.Slice(t * outputs, outputs), dx.Slice(t * inputs, inputs));
        }
    }

    private static void AccumulateWeightGradientsBlocked(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, int batch, int outputs, int inputs,
        Span<float> dw, Span<float> db)
    {
        // dw[o, i] = fma chain over t of dy[t, o]·x[t, i], starting from dw (Rank1Update per t, in time order).
        for (int t0 = 0; t0 < batch; t0 += WeightGradientDepthChunk)
        {
            int depth = Math.Min(WeightGradientDepthChunk, batch - t0);
            ChainedProduct(dy[(t0 * outputs)..], 1, outputs, x[(t0 * inputs)..], dw, outputs, depth, inputs, accumulate: true);
        }
        // db[o] += dy[t, o] in time order.
        for (int t = 0; t < batch; t++)
        {
            Add(dy.Slice(t * outputs, outputs), db);
        }
    }

    /// <summary>The definition: for t = 0, 1, …: <see cref="Rank1Update"/> of row t, then db += row t of dY.</summary>
    internal static void AccumulateWeightGradientsRowByRow(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, int batch, int outputs, int inputs,
        Span<float> dw, Span<float> db)
    {
        for (int t = 0; t < batch; t++)
        {
            ReadOnlySpan<float> dyRow = dy.Slice(t * outputs, outputs);
            Rank1Update(dyRow, x.Slice(t * inputs, inputs), dw);
            Add(dyRow, db);
        }
    }

    /// <summary>
    /// C[m, j] ← chain over k = 0 … depth−1 of C[m, j] = fma(A(m, k), B[k, j], C[m, j]), starting from C (accumulate) or
    /// from +0. A(m, k) = a[m·aRowStride + k·aDepthStride]; B is [depth, cols] and C is [rows, cols], both row-major.
    /// Every element keeps its own chain in k order, so the tiling changes no result.
    /// </summary>
    private static void ChainedProduct(ReadOnlySpan<float> a, int aRowStride, int aDepthStride, ReadOnlySpan<float> b,
        Span<float> c, int rows, int depth, int cols, bool accumulate)
    {
        if (rows == 0 || cols == 0)
        {
            return;
        }
        ref float pa = ref MemoryMarshal.GetReference(a);
        ref float pb = ref MemoryMarshal.GetReference(b);
        ref float pc = ref MemoryMarshal.GetReference(c);
        int width = Vector<float>.Count;
        if (cols < width && aRowStride == 1 && rows >= width)
        {
            // Narrow C (dW of a layer with in = 4): vectors run down the rows instead, where A is contiguous.
            ChainedProductDownRows(ref pa, aDepthStride, ref pb, ref pc, rows, depth, cols, accumulate);
            return;
        }
        int j = 0;
        for (; j <= cols - 2 * width; j += 2 * width)
        {
            int m = 0;
            for (; m <= rows - 6; m += 6)
            {
                ChainTile6x2(ref Unsafe.Add(ref pa, m * aRowStride), aRowStride, aDepthStride, ref Unsafe.Add(ref pb, j), cols,
                    ref Unsafe.Add(ref pc, m * cols + j), depth, accumulate);
            }
            for (; m < rows; m++)
            {
                ChainTile1x2(ref Unsafe.Add(ref pa, m * aRowStride), aDepthStride, ref Unsafe.Add(ref pb, j), cols,
                    ref Unsafe.Add(ref pc, m * cols + j), depth, accumulate);
            }
        }
        for (; j <= cols - width; j += width)
        {
            for (int m = 0; m < rows; m++)
            {
                ChainTile1x1(ref Unsafe.Add(ref pa, m * aRowStride), aDepthStride, ref Unsafe.Add(ref pb, j), cols,
                    ref Unsafe.Add(ref pc, m * cols + j), depth, accumulate);
            }
        }
        if (j < cols)
        {
            ChainedProductLastColumns(ref pa, aRowStride, aDepthStride, ref pb, ref pc, rows, depth, cols, j, accumulate);
        }
    }

    // The last columns (fewer than a vector): eight rows of a column at a time, eight chains side by side in registers,
    // then the remaining rows with the columns' chains side by side.
    private static void ChainedProductLastColumns(ref float pa, int aRowStride, int aDepthStride, ref float pb, ref float pc,
        int rows, int depth, int cols, int firstColumn, bool accumulate)
    {
        int tail = cols - firstColumn, m0 = 0;
        for (; m0 <= rows - 8; m0 += 8)
        {
            for (int j = firstColumn; j < cols; j++)
            {
                ref float c0 = ref Unsafe.Add(ref pc, m0 * cols + j);
                float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f, s4 = 0f, s5 = 0f, s6 = 0f, s7 = 0f;
                if (accumulate)
                {
                    s0 = c0; s1 = Unsafe.Add(ref c0, cols); s2 = Unsafe.Add(ref c0, 2 * cols); s3 = Unsafe.Add(ref c0, 3 * cols);
                    s4 = Unsafe.Add(ref c0, 4 * cols); s5 = Unsafe.Add(ref c0, 5 * cols); s6 = Unsafe.Add(ref c0, 6 * cols); s7 = Unsafe.Add(ref c0, 7 * cols);
                }
                ref float a0 = ref Unsafe.Add(ref pa, m0 * aRowStride);
                for (int k = 0; k < depth; k++)
                {
                    float bk = Unsafe.Add(ref pb, k * cols + j);
                    ref float ak = ref Unsafe.Add(ref a0, k * aDepthStride);
                    s0 = MathF.FusedMultiplyAdd(ak, bk, s0);
                    s1 = MathF.FusedMultiplyAdd(Unsafe.Add(ref ak, aRowStride), bk, s1);
                    s2 = MathF.FusedMultiplyAdd(Unsafe.Add(ref ak, 2 * aRowStride), bk, s2);
                    s3 = MathF.FusedMultiplyAdd(Unsafe.Add(ref ak, 3 * aRowStride), bk, s3);
                    s4 = MathF.FusedMultiplyAdd(Unsafe.Add(ref ak, 4 * aRowStride), bk, s4);
                    s5 = MathF.FusedMultiplyAdd(Unsafe.Add(ref ak, 5 * aRowStride), bk, s5);
                    s6 = MathF.FusedMultiplyAdd(Unsafe.Add(ref ak, 6 * aRowStride), bk, s6);
                    s7 = MathF.FusedMultiplyAdd(Unsafe.Add(ref ak, 7 * aRowStride), bk, s7);
                }
                c0 = s0; Unsafe.Add(ref c0, cols) = s1; Unsafe.Add(ref c0, 2 * cols) = s2; Unsafe.Add(ref c0, 3 * cols) = s3;
                Unsafe.Add(ref c0, 4 * cols) = s4; Unsafe.Add(ref c0, 5 * cols) = s5; Unsafe.Add(ref c0, 6 * cols) = s6; Unsafe.Add(ref c0, 7 * cols) = s7;
            }
        }
        if (m0 < rows)
        {
            int j = firstColumn;
            Span<float> sums = stackalloc float[tail];
            for (int m = m0; m < rows; m++)
            {
                ref float am = ref Unsafe.Add(ref pa, m * aRowStride);
                ref float cm = ref Unsafe.Add(ref pc, m * cols + j);
                for (int jj = 0; jj < tail; jj++)
                {
                    sums[jj] = accumulate ? Unsafe.Add(ref cm, jj) : 0f;
                }
                for (int k = 0; k < depth; k++)
                {
                    float ak = Unsafe.Add(ref am, k * aDepthStride);
                    ref float bk = ref Unsafe.Add(ref pb, k * cols + j);
                    for (int jj = 0; jj < tail; jj++)
                    {
                        sums[jj] = MathF.FusedMultiplyAdd(ak, Unsafe.Add(ref bk, jj), sums[jj]);
                    }
                }
                for (int jj = 0; jj < tail; jj++)
                {
                    Unsafe.Add(ref cm, jj) = sums[jj];
                }
            }
        }
    }

    // C[m..m+4w, j] as four vectors down a column (C is gathered and scattered once per tile); A(m, k) is contiguous in m.
    private static void ChainedProductDownRows(ref float pa, int aDepthStride, ref float pb, ref float pc, int rows, int depth, int cols,
        bool accumulate)
    {
        int width = Vector<float>.Count;
        Span<float> column = stackalloc float[4 * width];
        ref float pcol = ref MemoryMarshal.GetReference(column);
        nuint w1 = (nuint)width, w2 = 2 * w1, w3 = 3 * w1;
        for (int j = 0; j < cols; j++)
        {
            int m = 0;
            for (; m <= rows - width; m += width)
            {
                int vectors = Math.Min(4, (rows - m) / width);
                for (int r = 0; r < vectors * width; r++)
                {
                    column[r] = accumulate ? Unsafe.Add(ref pc, (m + r) * cols + j) : 0f;
                }
                Vector<float> s0 = Vector.LoadUnsafe(ref pcol), s1 = Vector.LoadUnsafe(ref pcol, w1);
                Vector<float> s2 = Vector.LoadUnsafe(ref pcol, w2), s3 = Vector.LoadUnsafe(ref pcol, w3);
                ref float am = ref Unsafe.Add(ref pa, m);
                if (vectors == 4)
                {
                    for (int k = 0; k < depth; k++)
                    {
                        ref float ak = ref Unsafe.Add(ref am, k * aDepthStride);
                        var bv = new Vector<float>(Unsafe.Add(ref pb, k * cols + j));
                        s0 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref ak), bv, s0);
                        s1 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref ak, w1), bv, s1);
                        s2 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref ak, w2), bv, s2);
                        s3 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref ak, w3), bv, s3);
                    }
                }
                else
                {
                    for (int k = 0; k < depth; k++)
                    {
                        s0 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref Unsafe.Add(ref am, k * aDepthStride)),
                            new Vector<float>(Unsafe.Add(ref pb, k * cols + j)), s0);
                    }
                    vectors = 1;
                }
                s0.StoreUnsafe(ref pcol); s1.StoreUnsafe(ref pcol, w1); s2.StoreUnsafe(ref pcol, w2); s3.StoreUnsafe(ref pcol, w3);
                for (int r = 0; r < vectors * width; r++)
                {
                    Unsafe.Add(ref pc, (m + r) * cols + j) = column[r];
                }
                m += (vectors - 1) * width;
            }
            for (; m < rows; m++)
            {
                ref float cmj = ref Unsafe.Add(ref pc, m * cols + j);
                float sum = accumulate ? cmj : 0f;
                for (int k = 0; k < depth; k++)
                {
                    sum = MathF.FusedMultiplyAdd(Unsafe.Add(ref pa, m + k * aDepthStride), Unsafe.Add(ref pb, k * cols + j), sum);
                }
                cmj = sum;
            }
        }
    }

    // Six rows of C × two vectors of columns: 12 accumulators, 2 loads and 6 broadcasts per step.
    private static void ChainTile6x2(ref float a, int aRowStride, int aDepthStride, ref float b, int cols, ref float c, int depth, bool accumulate)
    {
        nuint width = (nuint)Vector<float>.Count, stride = (nuint)cols;
        ref float c0 = ref c;
        ref float c1 = ref Unsafe.Add(ref c0, cols);
        ref float c2 = ref Unsafe.Add(ref c1, cols);
        ref float c3 = ref Unsafe.Add(ref c2, cols);
        ref float c4 = ref Unsafe.Add(ref c3, cols);
        ref float c5 = ref Unsafe.Add(ref c4, cols);
        Vector<float> s00 = Vector<float>.Zero, s01 = s00, s10 = s00, s11 = s00, s20 = s00, s21 = s00;
        Vector<float> s30 = s00, s31 = s00, s40 = s00, s41 = s00, s50 = s00, s51 = s00;
        if (accumulate)
        {
            s00 = Vector.LoadUnsafe(ref c0); s01 = Vector.LoadUnsafe(ref c0, width);
            s10 = Vector.LoadUnsafe(ref c1); s11 = Vector.LoadUnsafe(ref c1, width);
            s20 = Vector.LoadUnsafe(ref c2); s21 = Vector.LoadUnsafe(ref c2, width);
            s30 = Vector.LoadUnsafe(ref c3); s31 = Vector.LoadUnsafe(ref c3, width);
            s40 = Vector.LoadUnsafe(ref c4); s41 = Vector.LoadUnsafe(ref c4, width);
            s50 = Vector.LoadUnsafe(ref c5); s51 = Vector.LoadUnsafe(ref c5, width);
        }
        ref float a0 = ref a;
        ref float a1 = ref Unsafe.Add(ref a0, aRowStride);
        ref float a2 = ref Unsafe.Add(ref a1, aRowStride);
        ref float a3 = ref Unsafe.Add(ref a2, aRowStride);
        ref float a4 = ref Unsafe.Add(ref a3, aRowStride);
        ref float a5 = ref Unsafe.Add(ref a4, aRowStride);
        nuint ak = 0, bk = 0, aStep = (nuint)aDepthStride;
        for (int k = 0; k < depth; k++)
        {
            Vector<float> b0 = Vector.LoadUnsafe(ref b, bk), b1 = Vector.LoadUnsafe(ref b, bk + width);
            var v = new Vector<float>(Unsafe.Add(ref a0, ak));
            s00 = Vector.FusedMultiplyAdd(v, b0, s00); s01 = Vector.FusedMultiplyAdd(v, b1, s01);
            v = new Vector<float>(Unsafe.Add(ref a1, ak));
            s10 = Vector.FusedMultiplyAdd(v, b0, s10); s11 = Vector.FusedMultiplyAdd(v, b1, s11);
            v = new Vector<float>(Unsafe.Add(ref a2, ak));
            s20 = Vector.FusedMultiplyAdd(v, b0, s20); s21 = Vector.FusedMultiplyAdd(v, b1, s21);
            v = new Vector<float>(Unsafe.Add(ref a3, ak));
            s30 = Vector.FusedMultiplyAdd(v, b0, s30); s31 = Vector.FusedMultiplyAdd(v, b1, s31);
            v = new Vector<float>(Unsafe.Add(ref a4, ak));
            s40 = Vector.FusedMultiplyAdd(v, b0, s40); s41 = Vector.FusedMultiplyAdd(v, b1, s41);
            v = new Vector<float>(Unsafe.Add(ref a5, ak));
            s50 = Vector.FusedMultiplyAdd(v, b0, s50); s51 = Vector.FusedMultiplyAdd(v, b1, s51);
            ak += aStep;
            bk += stride;
        }
        s00.StoreUnsafe(ref c0); s01.StoreUnsafe(ref c0, width);
        s10.StoreUnsafe(ref c1); s11.StoreUnsafe(ref c1, width);
        s20.StoreUnsafe(ref c2); s21.StoreUnsafe(ref c2, width);
        s30.StoreUnsafe(ref c3); s31.StoreUnsafe(ref c3, width);
        s40.StoreUnsafe(ref c4); s41.StoreUnsafe(ref c4, width);
        s50.StoreUnsafe(ref c5); s51.StoreUnsafe(ref c5, width);
    }

    private static void ChainTile1x2(ref float a, int aDepthStride, ref float b, int cols, ref float c, int depth, bool accumulate)
    {
        nuint width = (nuint)Vector<float>.Count;
        Vector<float> s0 = accumulate ? Vector.LoadUnsafe(ref c) : Vector<float>.Zero;
        Vector<float> s1 = accumulate ? Vector.LoadUnsafe(ref c, width) : Vector<float>.Zero;
        for (int k = 0; k < depth; k++)
        {
            var v = new Vector<float>(Unsafe.Add(ref a, k * aDepthStride));
            s0 = Vector.FusedMultiplyAdd(v, Vector.LoadUnsafe(ref b, (nuint)(k * cols)), s0);
            s1 = Vector.FusedMultiplyAdd(v, Vector.LoadUnsafe(ref b, (nuint)(k * cols) + width), s1);
        }
        s0.StoreUnsafe(ref c);
        s1.StoreUnsafe(ref c, width);
    }

    private static void ChainTile1x1(ref float a, int aDepthStride, ref float b, int cols, ref float c, int depth, bool accumulate)
    {
        Vector<float> s = accumulate ? Vector.LoadUnsafe(ref c) : Vector<float>.Zero;
        for (int k = 0; k < depth; k++)
        {
            s = Vector.FusedMultiplyAdd(new Vector<float>(Unsafe.Add(ref a, k * aDepthStride)), Vector.LoadUnsafe(ref b, (nuint)(k * cols)), s);
        }
        s.StoreUnsafe(ref c);
    }
}
