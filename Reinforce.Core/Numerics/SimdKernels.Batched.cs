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
/// <para><b>Forward</b>, y[t,o] = Dot(W[o,:], X[t,:]) + b[o]. Dot's 32 logical lanes are 32 / Count register-wide
/// chunks of every 32-float block; lane accumulators only ever meet in the final fold (stride 16 joins the second
/// half's chunks to the first half's, then the remaining register strides, then strides 4, 2, 1 inside a register).
/// So a tile of 4 rows of X × 4 rows of W runs one chunk position at a time with one register per (t, o) pair — 16
/// accumulators fed by 8 loads per 16 FMAs — keeps each chunk's partial sums aside, and folds four (or, with 8-lane
/// registers, eight) pairs at once in-register. All of it is written with the cross-platform API (Vector&lt;T&gt;,
/// Vector128/256/512), so ARM64 runs it too. With in = 4 (CartPole's observation: the whole dot is Dot's scalar tail,
/// an FMA chain from 0) W's columns are gathered into Vector128s and four outputs advance together; x64 with AVX2
/// keeps its own transpose in registers (why: benchmarks/notes.md#four-input-forward).</para>
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

    // ---------------------------------------------------------------- forward: Y = X·Wᵀ + b

    /// <summary>Selects the x86-specific forward for in = 4 on machines with AVX2 and FMA instead of the portable one (see
    /// <c>ForwardFourInputsAvx2</c>); tests and benchmarks turn it off to run the portable path on x64 too.</summary>
    internal static bool X86ForwardEnabled { get; set; } = true;

    private static void MatMulTransposedBBlocked(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, int batch,
        int inputs, int outputs, Span<float> y)
    {
        if (inputs == 4 && X86ForwardEnabled && Avx2.IsSupported && Fma.IsSupported)
        {
            ForwardFourInputsAvx2<PreActivationOnly>(x, w, b, batch, outputs, y, y);
        }
        else if (inputs == 4)
        {
            ForwardFourInputs<PreActivationOnly>(x, w, b, batch, outputs, y, y);
        }
        else if (inputs >= ReductionLanes && outputs == 2)
        {
            ForwardTiledTwoOutputs(x, w, b, batch, inputs, y);
        }
        else if (inputs >= ReductionLanes)
        {
            ForwardTiled(x, w, b, batch, inputs, outputs, y);
        }
        else
        {
            MatMulTransposedBRowByRow(x, w, b, batch, inputs, outputs, y);
        }
    }

    // Y = X·Wᵀ + b and A = ReLU(Y) (x > 0 ? x : 0, the select of ReluForward): for in = 4 in the same pass, the kernel
    // storing each vector of y and its ReLU side by side (the separate ReLU pass re-read all of Y); other widths run
    // the forward, then ReluForward. Either way every element of y and a is the unfused pair's, bit for bit.
    private static void MatMulTransposedBReluBlocked(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, int batch,
        int inputs, int outputs, Span<float> y, Span<float> a)
    {
        if (inputs == 4 && X86ForwardEnabled && Avx2.IsSupported && Fma.IsSupported)
        {
            ForwardFourInputsAvx2<WithRelu>(x, w, b, batch, outputs, y, a);
        }
        else if (inputs == 4)
        {
            ForwardFourInputs<WithRelu>(x, w, b, batch, outputs, y, a);
        }
        else
        {
            MatMulTransposedBBlocked(x, w, b, batch, inputs, outputs, y);
            ReluForward(y, a);
        }
    }

    // Rows the x86 in = 4 kernels run through before moving to the next group of outputs (the columns are transposed
    // again per block): 16 rows of z and a, 16 KiB for 128 outputs, stay in L1 until every group has written them.
    private const int FourInputsRowBlock = 16;

    // What a forward kernel stores: z only, or z and a = ReLU(z). A type argument, so the JIT compiles each kernel twice
    // with the test folded away.
    private interface IForwardOutput
    {
        static abstract bool Relu { get; }
    }

    private readonly struct PreActivationOnly : IForwardOutput
    {
        public static bool Relu => false;
    }

    private readonly struct WithRelu : IForwardOutput
    {
        public static bool Relu => true;
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

    // in = 4: y[t, o..o+3] = fma(W[·,3], x3, fma(W[·,2], x2, fma(W[·,1], x1, fma(W[·,0], x0, 0)))) + b, Dot's tail chain
    // for four outputs at once, on Vector128 (every platform's vector unit has it). The columns c_i = W[o..o+3, i] are
    // gathered element by element.
    [MethodImpl(MethodImplOptions.NoInlining)] // keeps the callers (Mlp's layer loop) small
    private static void ForwardFourInputs<TOutput>(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, int batch, int outputs,
        Span<float> y, Span<float> a)
        where TOutput : struct, IForwardOutput
    {
        ref float px = ref MemoryMarshal.GetReference(x);
        ref float pw = ref MemoryMarshal.GetReference(w);
        ref float pb = ref MemoryMarshal.GetReference(b);
        ref float py = ref MemoryMarshal.GetReference(y);
        ref float pa = ref MemoryMarshal.GetReference(a);
        int groups = outputs - outputs % 4;
        for (int o = 0; o < groups; o += 4)
        {
            ref float rows = ref Unsafe.Add(ref pw, o * 4);
            Vector128<float> c0 = Vector128.Create(rows, Unsafe.Add(ref rows, 4), Unsafe.Add(ref rows, 8), Unsafe.Add(ref rows, 12));
            Vector128<float> c1 = Vector128.Create(Unsafe.Add(ref rows, 1), Unsafe.Add(ref rows, 5), Unsafe.Add(ref rows, 9), Unsafe.Add(ref rows, 13));
            Vector128<float> c2 = Vector128.Create(Unsafe.Add(ref rows, 2), Unsafe.Add(ref rows, 6), Unsafe.Add(ref rows, 10), Unsafe.Add(ref rows, 14));
            Vector128<float> c3 = Vector128.Create(Unsafe.Add(ref rows, 3), Unsafe.Add(ref rows, 7), Unsafe.Add(ref rows, 11), Unsafe.Add(ref rows, 15));
            Vector128<float> bias = Vector128.LoadUnsafe(ref pb, (nuint)o);
            for (int t = 0; t < batch; t++)
            {
                ref float row = ref Unsafe.Add(ref px, t * 4);
                Vector128<float> sum = Vector128.FusedMultiplyAdd(c0, Vector128.Create(row), Vector128<float>.Zero);
                sum = Vector128.FusedMultiplyAdd(c1, Vector128.Create(Unsafe.Add(ref row, 1)), sum);
                sum = Vector128.FusedMultiplyAdd(c2, Vector128.Create(Unsafe.Add(ref row, 2)), sum);
                sum = Vector128.FusedMultiplyAdd(c3, Vector128.Create(Unsafe.Add(ref row, 3)), sum);
                Vector128<float> z = sum + bias;
                z.StoreUnsafe(ref py, (nuint)(t * outputs + o));
                if (TOutput.Relu)
                {
                    Vector128.ConditionalSelect(Vector128.GreaterThan(z, Vector128<float>.Zero), z, Vector128<float>.Zero)
                        .StoreUnsafe(ref pa, (nuint)(t * outputs + o));
                }
            }
        }
        ForwardPairsByDot(x, w, b, 0, batch, groups, outputs, 4, outputs, y);
        if (TOutput.Relu)
        {
            ReluOfColumns(y, batch, groups, outputs, a);
        }
    }

    // The same chain for 8 outputs at once with AVX2 and FMA, 16 with AVX-512: W's columns come from an in-register
    // transpose (permutes of two sources, which the cross-platform API lacks), 12 shuffles per 8 outputs (8 per 16
    // with AVX-512) instead of 16 element loads per 4; PortableKernelBenchmarks runs it against the portable path.
    // The rows run in blocks of FourInputsRowBlock, every group of outputs over one block before the next block, so
    // with the ReLU fused (TOutput = WithRelu) only a block's rows of z and a are open at a time.
    // Why this shape: benchmarks/notes.md#four-input-forward, benchmarks/notes.md#four-input-row-blocks
    [MethodImpl(MethodImplOptions.NoInlining)] // keeps the callers (Mlp's layer loop) small
    private static void ForwardFourInputsAvx2<TOutput>(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, int batch, int outputs,
        Span<float> y, Span<float> a)
        where TOutput : struct, IForwardOutput
    {
        ref float px = ref MemoryMarshal.GetReference(x);
        ref float pw = ref MemoryMarshal.GetReference(w);
        ref float pb = ref MemoryMarshal.GetReference(b);
        ref float py = ref MemoryMarshal.GetReference(y);
        ref float pa = ref MemoryMarshal.GetReference(a);
        int o = 0;
        if (Avx512F.IsSupported)
        {
            o = ForwardFourInputsBy16Avx512<TOutput>(ref px, ref pw, ref pb, batch, outputs, ref py, ref pa);
        }
        int groups = outputs - outputs % 8;
        var interleave = Vector256.Create(0, 4, 1, 5, 2, 6, 3, 7);
        int first = o;
        for (int rowStart = 0; rowStart < batch; rowStart += FourInputsRowBlock)
        {
        int rowEnd = Math.Min(batch, rowStart + FourInputsRowBlock);
        for (o = first; o < groups; o += 8)
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
            for (int t = rowStart; t < rowEnd; t++)
            {
                ref float row = ref Unsafe.Add(ref px, t * 4);
                Vector256<float> sum = Fma.MultiplyAdd(c0, Vector256.Create(row), Vector256<float>.Zero);
                sum = Fma.MultiplyAdd(c1, Vector256.Create(Unsafe.Add(ref row, 1)), sum);
                sum = Fma.MultiplyAdd(c2, Vector256.Create(Unsafe.Add(ref row, 2)), sum);
                sum = Fma.MultiplyAdd(c3, Vector256.Create(Unsafe.Add(ref row, 3)), sum);
                Vector256<float> z = sum + bias;
                z.StoreUnsafe(ref py, (nuint)(t * outputs + o));
                if (TOutput.Relu)
                {
                    Vector256.ConditionalSelect(Vector256.GreaterThan(z, Vector256<float>.Zero), z, Vector256<float>.Zero)
                        .StoreUnsafe(ref pa, (nuint)(t * outputs + o));
                }
            }
        }
        }
        ForwardPairsByDot(x, w, b, 0, batch, groups, outputs, 4, outputs, y);
        if (TOutput.Relu)
        {
            ReluOfColumns(y, batch, groups, outputs, a);
        }
    }

    // The same chain for 16 outputs at a time with AVX-512: two-source permutes make the transpose 8 shuffles per
    // 16 outputs instead of 24. Returns the first output it did not compute.
    private static int ForwardFourInputsBy16Avx512<TOutput>(ref float px, ref float pw, ref float pb, int batch, int outputs, ref float py,
        ref float pa)
        where TOutput : struct, IForwardOutput
    {
        int groups = outputs - outputs % 16;
        // v0 = W[o..o+3, 0..3], v1 = W[o+4..o+7, 0..3]; index 16 + j is lane j of the second source.
        Vector512<int> firstColumns = Vector512.Create(0, 4, 8, 12, 16, 20, 24, 28, 1, 5, 9, 13, 17, 21, 25, 29);
        Vector512<int> lastColumns = Vector512.Create(2, 6, 10, 14, 18, 22, 26, 30, 3, 7, 11, 15, 19, 23, 27, 31);
        for (int rowStart = 0; rowStart < batch; rowStart += FourInputsRowBlock)
        {
        int rowEnd = Math.Min(batch, rowStart + FourInputsRowBlock);
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
            for (int t = rowStart; t < rowEnd; t++)
            {
                ref float row = ref Unsafe.Add(ref px, t * 4);
                Vector512<float> sum = Avx512F.FusedMultiplyAdd(c0, Vector512.Create(row), Vector512<float>.Zero);
                sum = Avx512F.FusedMultiplyAdd(c1, Vector512.Create(Unsafe.Add(ref row, 1)), sum);
                sum = Avx512F.FusedMultiplyAdd(c2, Vector512.Create(Unsafe.Add(ref row, 2)), sum);
                sum = Avx512F.FusedMultiplyAdd(c3, Vector512.Create(Unsafe.Add(ref row, 3)), sum);
                Vector512<float> z = sum + bias;
                z.StoreUnsafe(ref py, (nuint)(t * outputs + o));
                if (TOutput.Relu)
                {
                    Vector512.ConditionalSelect(Vector512.GreaterThan(z, Vector512<float>.Zero), z, Vector512<float>.Zero)
                        .StoreUnsafe(ref pa, (nuint)(t * outputs + o));
                }
            }
        }
        }
        return groups;
    }

    // in ≥ 32: 4 × 4 tiles of (t, o) pairs inside panels of W rows; the edges one row at a time against up to 4 rows of W.
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

    // out = 2 (a two-action policy's logits): 4 × 2 tiles of (t, o) pairs, one register-wide chunk of Dot's 32 lanes at a
    // time as in ForwardTile — 8 accumulators fed by 6 loads per 8 FMAs instead of one row's 2 pairs and their fold at a
    // time — and the 8 pairs folded together; the last batch mod 4 rows one at a time.
    [MethodImpl(MethodImplOptions.NoInlining)] // keeps the callers (Mlp's layer loop) small
    private static void ForwardTiledTwoOutputs(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, int batch, int inputs,
        Span<float> y)
    {
        ref float px = ref MemoryMarshal.GetReference(x);
        ref float pw = ref MemoryMarshal.GetReference(w);
        ref float pb = ref MemoryMarshal.GetReference(b);
        ref float py = ref MemoryMarshal.GetReference(y);
        int tiledRows = batch - batch % 4;
        if (tiledRows > 0)
        {
            if (Vector<float>.Count < 16 && Vector512.IsHardwareAccelerated)
            {
                for (int t = 0; t < tiledRows; t += 4)
                {
                    ForwardTileFourByTwo512(ref px, ref pw, ref pb, inputs, t, ref py);
                }
            }
            else
            {
                Span<Vector<float>> partial = stackalloc Vector<float>[16 * PartialSlots];
                for (int t = 0; t < tiledRows; t += 4)
                {
                    ForwardTileFourByTwo(ref px, ref pw, ref pb, inputs, t, partial, ref py);
                }
            }
        }
        for (int t = tiledRows; t < batch; t++)
        {
            ForwardRowAgainstFour(ref px, ref pw, ref pb, inputs, 2, t, 0, 2, ref py);
        }
    }

    // y[t..t+3, 0..1]: ForwardTile's chunks for 8 pairs, pair (row r, output o) in partial[slot · 16 + 2·r + o], so that
    // the fold's four-pair groups are rows (t, t + 1) and (t + 2, t + 3) — 4 consecutive floats of y each.
    private static void ForwardTileFourByTwo(ref float px, ref float pw, ref float pb, int inputs, int t, Span<Vector<float>> partial,
        ref float py)
    {
        int width = Vector<float>.Count, chunks = ReductionLanes / width, slots = PartialSlots;
        int blocked = inputs - inputs % ReductionLanes;
        ref float x0 = ref Unsafe.Add(ref px, t * inputs);
        ref float x1 = ref Unsafe.Add(ref x0, inputs);
        ref float x2 = ref Unsafe.Add(ref x1, inputs);
        ref float x3 = ref Unsafe.Add(ref x2, inputs);
        ref float w0 = ref pw;
        ref float w1 = ref Unsafe.Add(ref w0, inputs);
        ref Vector<float> p = ref MemoryMarshal.GetReference(partial);
        for (int chunk = 0; chunk < chunks; chunk++)
        {
            Vector<float> a00 = Vector<float>.Zero, a01 = a00, a10 = a00, a11 = a00;
            Vector<float> a20 = a00, a21 = a00, a30 = a00, a31 = a00;
            for (nuint i = (nuint)(chunk * width); i < (nuint)blocked; i += ReductionLanes)
            {
                Vector<float> wa = Vector.LoadUnsafe(ref w0, i), wb = Vector.LoadUnsafe(ref w1, i);
                Vector<float> xa = Vector.LoadUnsafe(ref x0, i), xb = Vector.LoadUnsafe(ref x1, i);
                Vector<float> xc = Vector.LoadUnsafe(ref x2, i), xd = Vector.LoadUnsafe(ref x3, i);
                a00 = Vector.FusedMultiplyAdd(wa, xa, a00); a01 = Vector.FusedMultiplyAdd(wb, xa, a01);
                a10 = Vector.FusedMultiplyAdd(wa, xb, a10); a11 = Vector.FusedMultiplyAdd(wb, xb, a11);
                a20 = Vector.FusedMultiplyAdd(wa, xc, a20); a21 = Vector.FusedMultiplyAdd(wb, xc, a21);
                a30 = Vector.FusedMultiplyAdd(wa, xd, a30); a31 = Vector.FusedMultiplyAdd(wb, xd, a31);
            }
            ref Vector<float> slot = ref Unsafe.Add(ref p, chunk % slots * 16);
            if (chunk < slots)
            {
                Unsafe.Add(ref slot, 0) = a00; Unsafe.Add(ref slot, 1) = a01; Unsafe.Add(ref slot, 2) = a10; Unsafe.Add(ref slot, 3) = a11;
                Unsafe.Add(ref slot, 4) = a20; Unsafe.Add(ref slot, 5) = a21; Unsafe.Add(ref slot, 6) = a30; Unsafe.Add(ref slot, 7) = a31;
            }
            else
            {
                Unsafe.Add(ref slot, 0) += a00; Unsafe.Add(ref slot, 1) += a01; Unsafe.Add(ref slot, 2) += a10; Unsafe.Add(ref slot, 3) += a11;
                Unsafe.Add(ref slot, 4) += a20; Unsafe.Add(ref slot, 5) += a21; Unsafe.Add(ref slot, 6) += a30; Unsafe.Add(ref slot, 7) += a31;
            }
        }
        Vector128<float> sums01, sums23;
        if (Vector<float>.Count == 8)
        {
            Vector256<float> sums = FoldEightPairs(ref p);
            (sums01, sums23) = (sums.GetLower(), sums.GetUpper());
        }
        else
        {
            sums01 = FoldFourPairs(FoldToFour(SumSlots(ref p)), FoldToFour(SumSlots(ref Unsafe.Add(ref p, 1))),
                FoldToFour(SumSlots(ref Unsafe.Add(ref p, 2))), FoldToFour(SumSlots(ref Unsafe.Add(ref p, 3))));
            sums23 = FoldFourPairs(FoldToFour(SumSlots(ref Unsafe.Add(ref p, 4))), FoldToFour(SumSlots(ref Unsafe.Add(ref p, 5))),
                FoldToFour(SumSlots(ref Unsafe.Add(ref p, 6))), FoldToFour(SumSlots(ref Unsafe.Add(ref p, 7))));
        }
        StoreTwoRowsOfTwo(ref px, ref pw, ref pb, inputs, blocked, t, sums01, ref py);
        StoreTwoRowsOfTwo(ref px, ref pw, ref pb, inputs, blocked, t + 2, sums23, ref py);
    }

    // ForwardTileFourByTwo in 512-bit registers where the machine has them but Vector<float> is narrower: Dot's 32 lanes
    // of a pair are two registers (lanes 0–15, 16–31), all 8 pairs' in registers at once (16 accumulators, 12 loads per
    // 16 FMAs); the fold is Dot's with 16-lane registers — stride 16 the sum of the two, strides 8 and 4 the halves — then
    // FoldFourPairs, the same additions in the same order as every width's.
    private static void ForwardTileFourByTwo512(ref float px, ref float pw, ref float pb, int inputs, int t, ref float py)
    {
        int blocked = inputs - inputs % ReductionLanes;
        ref float x0 = ref Unsafe.Add(ref px, t * inputs);
        ref float x1 = ref Unsafe.Add(ref x0, inputs);
        ref float x2 = ref Unsafe.Add(ref x1, inputs);
        ref float x3 = ref Unsafe.Add(ref x2, inputs);
        ref float w1 = ref Unsafe.Add(ref pw, inputs);
        Vector512<float> a00 = Vector512<float>.Zero, b00 = a00, a01 = a00, b01 = a00, a10 = a00, b10 = a00, a11 = a00, b11 = a00;
        Vector512<float> a20 = a00, b20 = a00, a21 = a00, b21 = a00, a30 = a00, b30 = a00, a31 = a00, b31 = a00;
        for (nuint i = 0; i < (nuint)blocked; i += ReductionLanes)
        {
            Vector512<float> wa = Vector512.LoadUnsafe(ref pw, i), wb = Vector512.LoadUnsafe(ref pw, i + 16);
            Vector512<float> va = Vector512.LoadUnsafe(ref w1, i), vb = Vector512.LoadUnsafe(ref w1, i + 16);
            Vector512<float> xa = Vector512.LoadUnsafe(ref x0, i), xb = Vector512.LoadUnsafe(ref x0, i + 16);
            a00 = Vector512.FusedMultiplyAdd(wa, xa, a00); b00 = Vector512.FusedMultiplyAdd(wb, xb, b00);
            a01 = Vector512.FusedMultiplyAdd(va, xa, a01); b01 = Vector512.FusedMultiplyAdd(vb, xb, b01);
            xa = Vector512.LoadUnsafe(ref x1, i); xb = Vector512.LoadUnsafe(ref x1, i + 16);
            a10 = Vector512.FusedMultiplyAdd(wa, xa, a10); b10 = Vector512.FusedMultiplyAdd(wb, xb, b10);
            a11 = Vector512.FusedMultiplyAdd(va, xa, a11); b11 = Vector512.FusedMultiplyAdd(vb, xb, b11);
            xa = Vector512.LoadUnsafe(ref x2, i); xb = Vector512.LoadUnsafe(ref x2, i + 16);
            a20 = Vector512.FusedMultiplyAdd(wa, xa, a20); b20 = Vector512.FusedMultiplyAdd(wb, xb, b20);
            a21 = Vector512.FusedMultiplyAdd(va, xa, a21); b21 = Vector512.FusedMultiplyAdd(vb, xb, b21);
            xa = Vector512.LoadUnsafe(ref x3, i); xb = Vector512.LoadUnsafe(ref x3, i + 16);
            a30 = Vector512.FusedMultiplyAdd(wa, xa, a30); b30 = Vector512.FusedMultiplyAdd(wb, xb, b30);
            a31 = Vector512.FusedMultiplyAdd(va, xa, a31); b31 = Vector512.FusedMultiplyAdd(vb, xb, b31);
        }
        Vector128<float> sums01 = FoldFourPairs(FoldToFour512(a00 + b00), FoldToFour512(a01 + b01), FoldToFour512(a10 + b10), FoldToFour512(a11 + b11));
        Vector128<float> sums23 = FoldFourPairs(FoldToFour512(a20 + b20), FoldToFour512(a21 + b21), FoldToFour512(a30 + b30), FoldToFour512(a31 + b31));
        StoreTwoRowsOfTwo(ref px, ref pw, ref pb, inputs, blocked, t, sums01, ref py);
        StoreTwoRowsOfTwo(ref px, ref pw, ref pb, inputs, blocked, t + 2, sums23, ref py);
    }

    // Strides 8 and 4 of Dot's fold inside a 16-lane register (FoldToFour's 16-lane case).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> FoldToFour512(Vector512<float> v)
    {
        Vector256<float> half = v.GetLower() + v.GetUpper();
        return half.GetLower() + half.GetUpper();
    }

    // y[t, 0..1] and y[t + 1, 0..1] = the four folded block sums [(t, 0), (t, 1), (t + 1, 0), (t + 1, 1)], then Dot's tail
    // and the bias.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreTwoRowsOfTwo(ref float px, ref float pw, ref float pb, int inputs, int blocked, int t, Vector128<float> sums,
        ref float py)
    {
        ref float yRows = ref Unsafe.Add(ref py, 2 * t);
        if (blocked == inputs)
        {
            Vector64<float> bias = Vector64.LoadUnsafe(ref pb);
            (sums + Vector128.Create(bias, bias)).StoreUnsafe(ref yRows);
            return;
        }
        for (int k = 0; k < 4; k++)
        {
            ref float xr = ref Unsafe.Add(ref px, (t + k / 2) * inputs);
            ref float wr = ref Unsafe.Add(ref pw, k % 2 * inputs);
            float sum = sums.GetElement(k);
            for (int i = blocked; i < inputs; i++)
            {
                sum = MathF.FusedMultiplyAdd(Unsafe.Add(ref wr, i), Unsafe.Add(ref xr, i), sum);
            }
            Unsafe.Add(ref yRows, k) = sum + Unsafe.Add(ref pb, k % 2);
        }
    }

    // Registers of Dot's 32 lanes that still hold separate partial sums after the stride-16 fold: 4, 2 or 1.
    private static int PartialSlots => Math.Max(1, ReductionLanes / Vector<float>.Count / 2);

    // Its own method: the scratch is zeroed on entry (locals are initialised), which a single row must not pay for.
    private static void ForwardTiles(ref float px, ref float pw, ref float pb, int inputs, int outputs, int tiledRows, int tiledOutputs,
        ref float py)
    {
        Span<Vector<float>> partial = stackalloc Vector<float>[16 * PartialSlots];
        for (int panel = 0; panel < tiledOutputs; panel += ForwardPanelRows)
        {
            int panelEnd = Math.Min(panel + ForwardPanelRows, tiledOutputs);
            for (int t = 0; t < tiledRows; t += 4)
            {
                for (int o = panel; o < panelEnd; o += 4)
                {
                    ForwardTile(ref px, ref pw, ref pb, inputs, outputs, t, o, partial, ref py);
                }
            }
        }
    }

    // y[t..t+3, o..o+3], one register-wide chunk of Dot's 32 lanes at a time: 16 accumulators, one per (row, output)
    // pair, fed by 8 loads per 16 fused multiply-adds. Chunk c of a pair lands in slot c mod PartialSlots of partial
    // ([slot · 16 + 4·row + output]): the chunks of the second half join the first half's (stride 16); the slots then
    // fold as the remaining register strides of Dot, each register down to four lanes, and four pairs at a time
    // in-register (strides 2 and 1).
    private static void ForwardTile(ref float px, ref float pw, ref float pb, int inputs, int outputs, int t, int o,
        Span<Vector<float>> partial, ref float py)
    {
        int width = Vector<float>.Count, chunks = ReductionLanes / width, slots = PartialSlots;
        int blocked = inputs - inputs % ReductionLanes;
        ref float x0 = ref Unsafe.Add(ref px, t * inputs);
        ref float x1 = ref Unsafe.Add(ref x0, inputs);
        ref float x2 = ref Unsafe.Add(ref x1, inputs);
        ref float x3 = ref Unsafe.Add(ref x2, inputs);
        ref float w0 = ref Unsafe.Add(ref pw, o * inputs);
        ref float w1 = ref Unsafe.Add(ref w0, inputs);
        ref float w2 = ref Unsafe.Add(ref w1, inputs);
        ref float w3 = ref Unsafe.Add(ref w2, inputs);
        ref Vector<float> p = ref MemoryMarshal.GetReference(partial);
        for (int chunk = 0; chunk < chunks; chunk++)
        {
            Vector<float> a00 = Vector<float>.Zero, a01 = a00, a02 = a00, a03 = a00;
            Vector<float> a10 = a00, a11 = a00, a12 = a00, a13 = a00;
            Vector<float> a20 = a00, a21 = a00, a22 = a00, a23 = a00;
            Vector<float> a30 = a00, a31 = a00, a32 = a00, a33 = a00;
            for (nuint i = (nuint)(chunk * width); i < (nuint)blocked; i += ReductionLanes)
            {
                Vector<float> xa = Vector.LoadUnsafe(ref x0, i), xb = Vector.LoadUnsafe(ref x1, i);
                Vector<float> xc = Vector.LoadUnsafe(ref x2, i), xd = Vector.LoadUnsafe(ref x3, i);
                Vector<float> wa = Vector.LoadUnsafe(ref w0, i), wb = Vector.LoadUnsafe(ref w1, i);
                Vector<float> wc = Vector.LoadUnsafe(ref w2, i), wd = Vector.LoadUnsafe(ref w3, i);
                a00 = Vector.FusedMultiplyAdd(wa, xa, a00); a01 = Vector.FusedMultiplyAdd(wb, xa, a01);
                a02 = Vector.FusedMultiplyAdd(wc, xa, a02); a03 = Vector.FusedMultiplyAdd(wd, xa, a03);
                a10 = Vector.FusedMultiplyAdd(wa, xb, a10); a11 = Vector.FusedMultiplyAdd(wb, xb, a11);
                a12 = Vector.FusedMultiplyAdd(wc, xb, a12); a13 = Vector.FusedMultiplyAdd(wd, xb, a13);
                a20 = Vector.FusedMultiplyAdd(wa, xc, a20); a21 = Vector.FusedMultiplyAdd(wb, xc, a21);
                a22 = Vector.FusedMultiplyAdd(wc, xc, a22); a23 = Vector.FusedMultiplyAdd(wd, xc, a23);
                a30 = Vector.FusedMultiplyAdd(wa, xd, a30); a31 = Vector.FusedMultiplyAdd(wb, xd, a31);
                a32 = Vector.FusedMultiplyAdd(wc, xd, a32); a33 = Vector.FusedMultiplyAdd(wd, xd, a33);
            }
            ref Vector<float> slot = ref Unsafe.Add(ref p, chunk % slots * 16);
            if (chunk < slots)
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
        if (Vector<float>.Count == 8)
        {
            // Two rows (8 pairs) per fold, one row in each 128-bit half.
            for (int row = 0; row < 4; row += 2)
            {
                Vector256<float> sums = FoldEightPairs(ref Unsafe.Add(ref p, 4 * row));
                StoreRow(ref px, ref pw, ref pb, inputs, outputs, blocked, t + row, o, 4, sums.GetLower(), ref py);
                StoreRow(ref px, ref pw, ref pb, inputs, outputs, blocked, t + row + 1, o, 4, sums.GetUpper(), ref py);
            }
            return;
        }
        for (int row = 0; row < 4; row++)
        {
            ref Vector<float> pairs = ref Unsafe.Add(ref p, 4 * row);
            Vector128<float> sums = FoldFourPairs(FoldToFour(SumSlots(ref pairs)), FoldToFour(SumSlots(ref Unsafe.Add(ref pairs, 1))),
                FoldToFour(SumSlots(ref Unsafe.Add(ref pairs, 2))), FoldToFour(SumSlots(ref Unsafe.Add(ref pairs, 3))));
            StoreRow(ref px, ref pw, ref pb, inputs, outputs, blocked, t + row, o, 4, sums, ref py);
        }
    }

    // With 8-lane registers: the fold of the 8 pairs from pairs (row r: pairs[0..3], row r + 1: pairs[4..7]) —
    // slot 0 + slot 1 (stride 8), then stride 4 for a row-r pair and its row-(r + 1) partner in one register
    // ([a0 + a4 … a3 + a7 | b0 + b4 … b3 + b7]), then FoldFourPairs in each 128-bit half.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> FoldEightPairs(ref Vector<float> pairs)
    {
        Vector256<float> StrideFour(ref Vector<float> pair)
        {
            Vector256<float> a = SumSlots(ref pair).AsVector256(), b = SumSlots(ref Unsafe.Add(ref pair, 4)).AsVector256();
            return Vector256.Create(a.GetLower(), b.GetLower()) + Vector256.Create(a.GetUpper(), b.GetUpper());
        }
        Vector256<float> q0 = StrideFour(ref pairs), q1 = StrideFour(ref Unsafe.Add(ref pairs, 1));
        Vector256<float> q2 = StrideFour(ref Unsafe.Add(ref pairs, 2)), q3 = StrideFour(ref Unsafe.Add(ref pairs, 3));
        Vector256<float> low = Vector256.Create(-1, -1, 0, 0, -1, -1, 0, 0).AsSingle();
        Vector256<int> swapHalves = Vector256.Create(2, 3, 0, 1, 6, 7, 4, 5);
        Vector256<float> q01 = Vector256.ConditionalSelect(low, q0, q1) + Vector256.Shuffle(Vector256.ConditionalSelect(low, q1, q0), swapHalves);
        Vector256<float> q23 = Vector256.ConditionalSelect(low, q2, q3) + Vector256.Shuffle(Vector256.ConditionalSelect(low, q3, q2), swapHalves);
        Vector256<float> q01Sorted = Vector256.Shuffle(q01, Vector256.Create(0, 2, 1, 3, 4, 6, 5, 7));
        Vector256<float> q23Sorted = Vector256.Shuffle(q23, Vector256.Create(1, 3, 0, 2, 5, 7, 4, 6));
        Vector256<float> evens = Vector256.ConditionalSelect(low, q01Sorted, q23Sorted);
        Vector256<float> odds = Vector256.Shuffle(Vector256.ConditionalSelect(low, q23Sorted, q01Sorted), swapHalves);
        return evens + odds;
    }

    // Dot's register strides after the stride-16 fold, for the pair whose slot 0 is at pair: none with 16-lane
    // registers, stride 8 with 8-lane ones (slot 0 + slot 1), strides 8 and 4 with 4-lane ones.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> SumSlots(ref Vector<float> pair)
    {
        if (Vector<float>.Count == 4)
        {
            return (pair + Unsafe.Add(ref pair, 32)) + (Unsafe.Add(ref pair, 16) + Unsafe.Add(ref pair, 48));
        }
        return Vector<float>.Count == 8 ? pair + Unsafe.Add(ref pair, 16) : pair;
    }

    // y[t, o..o+count−1] for count ≤ 4: one row of X against up to four rows of W, two pairs at a time as in Dot
    // (a missing W row repeats the last one; its result is not stored).
    private static void ForwardRowAgainstFour(ref float px, ref float pw, ref float pb, int inputs, int outputs, int t, int o, int count,
        ref float py)
    {
        int blocked = inputs - inputs % ReductionLanes;
        ref float xr = ref Unsafe.Add(ref px, t * inputs);
        ref float w0 = ref Unsafe.Add(ref pw, o * inputs);
        ref float w1 = ref Unsafe.Add(ref pw, (o + Math.Min(1, count - 1)) * inputs);
        DotBlocksTwo(ref xr, ref w0, ref w1, blocked, out Vector128<float> s0, out Vector128<float> s1);
        if (count <= 2)
        {
            // The logits layer of a two-action policy: two pairs, folded one register at a time.
            StoreOne(ref xr, ref w0, ref pb, inputs, blocked, o, FoldFour(s0), ref Unsafe.Add(ref py, t * outputs + o));
            if (count == 2)
            {
                StoreOne(ref xr, ref w1, ref pb, inputs, blocked, o + 1, FoldFour(s1), ref Unsafe.Add(ref py, t * outputs + o + 1));
            }
            return;
        }
        ref float w2 = ref Unsafe.Add(ref pw, (o + 2) * inputs);
        ref float w3 = ref Unsafe.Add(ref pw, (o + Math.Min(3, count - 1)) * inputs);
        DotBlocksTwo(ref xr, ref w2, ref w3, blocked, out Vector128<float> s2, out Vector128<float> s3);
        StoreRow(ref px, ref pw, ref pb, inputs, outputs, blocked, t, o, count, FoldFourPairs(s0, s1, s2, s3), ref py);
    }

    // y = Dot's block sum, then its tail and the bias, for one (row, output) pair.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreOne(ref float xr, ref float wr, ref float pb, int inputs, int blocked, int o, float sum, ref float y)
    {
        for (int i = blocked; i < inputs; i++)
        {
            sum = MathF.FusedMultiplyAdd(Unsafe.Add(ref wr, i), Unsafe.Add(ref xr, i), sum);
        }
        y = sum + Unsafe.Add(ref pb, o);
    }

    // y[t, o..o+count−1] = the four folded block sums, then Dot's tail (inputs after the last full block, one fused
    // multiply-add each), then the bias.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(ref float px, ref float pw, ref float pb, int inputs, int outputs, int blocked, int t, int o, int count,
        Vector128<float> sums, ref float py)
    {
        ref float yRow = ref Unsafe.Add(ref py, t * outputs + o);
        if (blocked == inputs && count == 4)
        {
            (sums + Vector128.LoadUnsafe(ref pb, (nuint)o)).StoreUnsafe(ref yRow);
            return;
        }
        ref float xr = ref Unsafe.Add(ref px, t * inputs);
        for (int k = 0; k < count; k++)
        {
            ref float wk = ref Unsafe.Add(ref pw, (o + k) * inputs);
            float sum = sums.GetElement(k);
            for (int i = blocked; i < inputs; i++)
            {
                sum = MathF.FusedMultiplyAdd(Unsafe.Add(ref wk, i), Unsafe.Add(ref xr, i), sum);
            }
            Unsafe.Add(ref yRow, k) = sum + Unsafe.Add(ref pb, o + k);
        }
    }

    // Two dot products over the full blocks that share x (as DotBlocks does one): 2 · 32 / Count accumulators.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DotBlocksTwo(ref float px, ref float py0, ref float py1, int blocked, out Vector128<float> s0, out Vector128<float> s1)
    {
        if (Vector<float>.Count == 8)
        {
            Vector<float> a0 = Vector<float>.Zero, a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            for (nuint i = 0; i < (nuint)blocked; i += ReductionLanes)
            {
                Vector<float> x0 = Vector.LoadUnsafe(ref px, i), x1 = Vector.LoadUnsafe(ref px, i + 8);
                Vector<float> x2 = Vector.LoadUnsafe(ref px, i + 16), x3 = Vector.LoadUnsafe(ref px, i + 24);
                a0 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref py0, i), x0, a0); a1 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref py0, i + 8), x1, a1);
                a2 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref py0, i + 16), x2, a2); a3 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref py0, i + 24), x3, a3);
                b0 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref py1, i), x0, b0); b1 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref py1, i + 8), x1, b1);
                b2 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref py1, i + 16), x2, b2); b3 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref py1, i + 24), x3, b3);
            }
            s0 = FoldToFour((a0 + a2) + (a1 + a3));
            s1 = FoldToFour((b0 + b2) + (b1 + b3));
            return;
        }
        if (Vector<float>.Count == 4)
        {
            Vector<float> a0 = Vector<float>.Zero, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            Vector<float> b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0, b5 = a0, b6 = a0, b7 = a0;
            for (nuint i = 0; i < (nuint)blocked; i += ReductionLanes)
            {
                Vector<float> x = Vector.LoadUnsafe(ref px, i);
                a0 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref py0, i), x, a0); b0 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref py1, i), x, b0);
                x = Vector.LoadUnsafe(ref px, i + 4);
                a1 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref py0, i + 4), x, a1); b1 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref py1, i + 4), x, b1);
                x = Vector.LoadUnsafe(ref px, i + 8);
                a2 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref py0, i + 8), x, a2); b2 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref py1, i + 8), x, b2);
                x = Vector.LoadUnsafe(ref px, i + 12);
                a3 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref py0, i + 12), x, a3); b3 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref py1, i + 12), x, b3);
                x = Vector.LoadUnsafe(ref px, i + 16);
                a4 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref py0, i + 16), x, a4); b4 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref py1, i + 16), x, b4);
                x = Vector.LoadUnsafe(ref px, i + 20);
                a5 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref py0, i + 20), x, a5); b5 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref py1, i + 20), x, b5);
                x = Vector.LoadUnsafe(ref px, i + 24);
                a6 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref py0, i + 24), x, a6); b6 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref py1, i + 24), x, b6);
                x = Vector.LoadUnsafe(ref px, i + 28);
                a7 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref py0, i + 28), x, a7); b7 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref py1, i + 28), x, b7);
            }
            s0 = (((a0 + a4) + (a2 + a6)) + ((a1 + a5) + (a3 + a7))).AsVector128();
            s1 = (((b0 + b4) + (b2 + b6)) + ((b1 + b5) + (b3 + b7))).AsVector128();
            return;
        }
        s0 = DotBlocks(ref px, ref py0, blocked); // 16 lanes: two registers per product already
        s1 = DotBlocks(ref px, ref py1, blocked);
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

    // a[t, o] = ReLU(y[t, o]) for the outputs from firstOutput on (the ones the vector loops of a fused forward left to
    // ForwardPairsByDot), with ReluForward's select.
    private static void ReluOfColumns(ReadOnlySpan<float> y, int batch, int firstOutput, int outputs, Span<float> a)
    {
        for (int t = 0; t < batch; t++)
        {
            for (int o = firstOutput; o < outputs; o++)
            {
                float z = y[t * outputs + o];
                a[t * outputs + o] = z > 0f ? z : 0f;
            }
        }
    }

    // The last two strides of Dot's fold for four pairs at once: a, b, c, d hold four lanes each; returns
    // [(a0 + a2) + (a1 + a3), (b0 + b2) + (b1 + b3), …] — FoldFour of each — with selects and single-register shuffles.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> FoldFourPairs(Vector128<float> a, Vector128<float> b, Vector128<float> c, Vector128<float> d)
    {
        Vector128<float> low = Vector128.Create(-1, -1, 0, 0).AsSingle(); // select lanes 0, 1 from the first operand
        Vector128<int> swapHalves = Vector128.Create(2, 3, 0, 1);
        // Stride 2: ab = [a0 + a2, a1 + a3, b2 + b0, b3 + b1] from [a0, a1, b2, b3] + [a2, a3, b0, b1]; cd likewise.
        Vector128<float> ab = Vector128.ConditionalSelect(low, a, b) + Vector128.Shuffle(Vector128.ConditionalSelect(low, b, a), swapHalves);
        Vector128<float> cd = Vector128.ConditionalSelect(low, c, d) + Vector128.Shuffle(Vector128.ConditionalSelect(low, d, c), swapHalves);
        // Stride 1: the even lanes [ab0, ab2, cd0, cd2] plus the odd lanes [ab1, ab3, cd1, cd3].
        Vector128<float> abSorted = Vector128.Shuffle(ab, Vector128.Create(0, 2, 1, 3)); // [ab0, ab2, ab1, ab3]
        Vector128<float> cdSorted = Vector128.Shuffle(cd, Vector128.Create(1, 3, 0, 2)); // [cd1, cd3, cd0, cd2]
        Vector128<float> evens = Vector128.ConditionalSelect(low, abSorted, cdSorted);
        Vector128<float> odds = Vector128.Shuffle(Vector128.ConditionalSelect(low, cdSorted, abSorted), swapHalves);
        return evens + odds;
    }

    // ---------------------------------------------------------------- backward: dX = dY·W, dW += dYᵀ·X

    private static void MatMulBlocked(ReadOnlySpan<float> dy, ReadOnlySpan<float> w, int batch, int outputs, int inputs, Span<float> dx)
    {
        // dx[t, i] = fma chain over o of dy[t, o]·W[o, i], starting from 0 (MatTransposeVec clears, then Axpy per o).
        ChainedProduct(dy, outputs, 1, w, dx, batch, outputs, inputs, accumulate: false);
    }

    // Outputs up to which the fused dX = (dY·W) ⊙ [z > 0] runs row by row with W's rows re-read from L1 (2 for a two-action
    // policy's logits layer); wider layers keep ChainedProduct's register tiles, then the separate ReluBackward.
    private const int FusedBackwardMaxOutputs = 8;

    // dx[t, i] = z[t, i] > 0 ? (fma chain over o of dy[t, o]·W[o, i], from +0) : 0 — MatMulBlocked's chain, then
    // ReluBackward's select, without writing dA and reading it back. For few outputs: each row of dX a vector of columns at
    // a time, the chain over the outputs in order, the select, one store; the columns after the last full vector one
    // element at a time (ChainedProductLastColumns' scalar chain).
    private static void MatMulReluBackwardBlocked(ReadOnlySpan<float> dy, ReadOnlySpan<float> w, ReadOnlySpan<float> z, int batch, int outputs,
        int inputs, Span<float> dx)
    {
        if (outputs > FusedBackwardMaxOutputs)
        {
            MatMulBlocked(dy, w, batch, outputs, inputs, dx);
            ReluBackward(z, dx, dx);
            return;
        }
        ref float pdy = ref MemoryMarshal.GetReference(dy);
        ref float pw = ref MemoryMarshal.GetReference(w);
        ref float pz = ref MemoryMarshal.GetReference(z);
        ref float pdx = ref MemoryMarshal.GetReference(dx);
        int width = Vector<float>.Count, vectorColumns = inputs - inputs % width;
        nuint stride = (nuint)inputs;
        for (int t = 0; t < batch; t++)
        {
            ref float dyRow = ref Unsafe.Add(ref pdy, t * outputs);
            ref float zRow = ref Unsafe.Add(ref pz, t * inputs);
            ref float dxRow = ref Unsafe.Add(ref pdx, t * inputs);
            if (outputs == 2)
            {
                var d0 = new Vector<float>(dyRow);
                var d1 = new Vector<float>(Unsafe.Add(ref dyRow, 1));
                for (nuint j = 0; j < (nuint)vectorColumns; j += (nuint)width)
                {
                    Vector<float> s = Vector.FusedMultiplyAdd(d0, Vector.LoadUnsafe(ref pw, j), Vector<float>.Zero);
                    s = Vector.FusedMultiplyAdd(d1, Vector.LoadUnsafe(ref pw, stride + j), s);
                    Vector.ConditionalSelect(Vector.GreaterThan(Vector.LoadUnsafe(ref zRow, j), Vector<float>.Zero), s, Vector<float>.Zero)
                        .StoreUnsafe(ref dxRow, j);
                }
            }
            else
            {
                for (nuint j = 0; j < (nuint)vectorColumns; j += (nuint)width)
                {
                    Vector<float> s = Vector<float>.Zero;
                    for (int o = 0; o < outputs; o++)
                    {
                        s = Vector.FusedMultiplyAdd(new Vector<float>(Unsafe.Add(ref dyRow, o)), Vector.LoadUnsafe(ref pw, (nuint)o * stride + j), s);
                    }
                    Vector.ConditionalSelect(Vector.GreaterThan(Vector.LoadUnsafe(ref zRow, j), Vector<float>.Zero), s, Vector<float>.Zero)
                        .StoreUnsafe(ref dxRow, j);
                }
            }
            for (int i = vectorColumns; i < inputs; i++)
            {
                float s = 0f;
                for (int o = 0; o < outputs; o++)
                {
                    s = MathF.FusedMultiplyAdd(Unsafe.Add(ref dyRow, o), Unsafe.Add(ref pw, o * inputs + i), s);
                }
                Unsafe.Add(ref dxRow, i) = Unsafe.Add(ref zRow, i) > 0f ? s : 0f;
            }
        }
    }

    /// <summary>
    /// The definition of <see cref="TwoLayerReluBackward"/>: the three kernels in turn, dZ₁ through <paramref name="dz"/>
    /// ([T, H] scratch).
    /// </summary>
    internal static void TwoLayerReluBackwardUnfused(ReadOnlySpan<float> dy, ReadOnlySpan<float> w2, ReadOnlySpan<float> a1, ReadOnlySpan<float> x,
        int batch, Span<float> dw2, Span<float> db2, Span<float> dw1, Span<float> db1, Span<float> dz)
    {
        AccumulateWeightGradients(dy, a1, batch, dw2, db2);
        MatMulReluBackward(dy, w2, a1, batch, dz);
        AccumulateWeightGradients(dz, x, batch, dw1, db1);
    }

    // dW₂ and db₂ by their kernel, then one pass per block of 2·Count hidden units o (the last H mod 2·Count units one at
    // a time) down all the rows: per row, dZ₁ = [a > 0] ? fma(dy[t, 1], W₂[1, o], fma(dy[t, 0], W₂[0, o], 0)) : 0 in
    // registers, db₁ += dZ₁ and dW₁'s chains fma(dZ₁, x[t, i], ·) for i = 0 … 3 (the tile of dW₁ gathered and scattered
    // once per block, as in ChainedProductDownRowsFourColumns). Every element keeps the chain of the unfused kernels, in
    // row order. 10 accumulators and 12 FMAs per row and block; with dW₂'s four chains in the same loop too, the JIT
    // passed two of them through the stack every row (benchmarks/notes.md#two-layer-backward).
    private static void TwoLayerReluBackwardBlocked(ReadOnlySpan<float> dy, ReadOnlySpan<float> w2, ReadOnlySpan<float> a1, ReadOnlySpan<float> x,
        int batch, int hidden, Span<float> dw2, Span<float> db2, Span<float> dw1, Span<float> db1)
    {
        if (Vector<float>.Count < 16 && Vector512.IsHardwareAccelerated)
        {
            TwoOutputWeightGradients512(dy, a1, batch, hidden, dw2, db2);
        }
        else
        {
            AccumulateWeightGradientsBlocked(dy, a1, batch, 2, hidden, dw2, db2);
        }
        ref float pdy = ref MemoryMarshal.GetReference(dy);
        ref float pw = ref MemoryMarshal.GetReference(w2);
        ref float pa = ref MemoryMarshal.GetReference(a1);
        ref float px = ref MemoryMarshal.GetReference(x);
        ref float pdw1 = ref MemoryMarshal.GetReference(dw1);
        ref float pdb1 = ref MemoryMarshal.GetReference(db1);
        int width = Vector<float>.Count, block = 2 * width;
        nuint w = (nuint)width, h = (nuint)hidden;
        Span<float> tile = stackalloc float[4 * block];
        ref float pt = ref MemoryMarshal.GetReference(tile);
        Vector<float> zero = Vector<float>.Zero;
        int o = Vector<float>.Count < 16 && Vector512.IsHardwareAccelerated
            ? TwoLayerReluBackwardBlocks512(ref pdy, ref pw, ref pa, ref px, batch, hidden, ref pdw1, ref pdb1)
            : 0;
        for (; o <= hidden - block; o += block)
        {
            // tile[c·block + r] = dW₁[o + r, c]
            for (int r = 0; r < block; r++)
            {
                for (int c = 0; c < 4; c++)
                {
                    tile[c * block + r] = Unsafe.Add(ref pdw1, (o + r) * 4 + c);
                }
            }
            Vector<float> s00 = Vector.LoadUnsafe(ref pt), s01 = Vector.LoadUnsafe(ref pt, w);
            Vector<float> s10 = Vector.LoadUnsafe(ref pt, 2 * w), s11 = Vector.LoadUnsafe(ref pt, 3 * w);
            Vector<float> s20 = Vector.LoadUnsafe(ref pt, 4 * w), s21 = Vector.LoadUnsafe(ref pt, 5 * w);
            Vector<float> s30 = Vector.LoadUnsafe(ref pt, 6 * w), s31 = Vector.LoadUnsafe(ref pt, 7 * w);
            nuint at = (nuint)o;
            Vector<float> b0 = Vector.LoadUnsafe(ref pdb1, at), b1 = Vector.LoadUnsafe(ref pdb1, at + w);
            Vector<float> w00 = Vector.LoadUnsafe(ref pw, at), w01 = Vector.LoadUnsafe(ref pw, at + w);
            Vector<float> w10 = Vector.LoadUnsafe(ref pw, h + at), w11 = Vector.LoadUnsafe(ref pw, h + at + w);
            ref float aRow = ref Unsafe.Add(ref pa, o);
            for (int t = 0; t < batch; t++, aRow = ref Unsafe.Add(ref aRow, hidden))
            {
                ref float dyRow = ref Unsafe.Add(ref pdy, 2 * t);
                var d0 = new Vector<float>(dyRow);
                var d1 = new Vector<float>(Unsafe.Add(ref dyRow, 1));
                Vector<float> a0 = Vector.LoadUnsafe(ref aRow), a1v = Vector.LoadUnsafe(ref aRow, w);
                Vector<float> dz0 = Vector.ConditionalSelect(Vector.GreaterThan(a0, zero),
                    Vector.FusedMultiplyAdd(d1, w10, Vector.FusedMultiplyAdd(d0, w00, zero)), zero);
                Vector<float> dz1 = Vector.ConditionalSelect(Vector.GreaterThan(a1v, zero),
                    Vector.FusedMultiplyAdd(d1, w11, Vector.FusedMultiplyAdd(d0, w01, zero)), zero);
                b0 += dz0;
                b1 += dz1;
                ref float xRow = ref Unsafe.Add(ref px, 4 * t);
                var x0 = new Vector<float>(xRow);
                var x1 = new Vector<float>(Unsafe.Add(ref xRow, 1));
                var x2 = new Vector<float>(Unsafe.Add(ref xRow, 2));
                var x3 = new Vector<float>(Unsafe.Add(ref xRow, 3));
                s00 = Vector.FusedMultiplyAdd(dz0, x0, s00); s01 = Vector.FusedMultiplyAdd(dz1, x0, s01);
                s10 = Vector.FusedMultiplyAdd(dz0, x1, s10); s11 = Vector.FusedMultiplyAdd(dz1, x1, s11);
                s20 = Vector.FusedMultiplyAdd(dz0, x2, s20); s21 = Vector.FusedMultiplyAdd(dz1, x2, s21);
                s30 = Vector.FusedMultiplyAdd(dz0, x3, s30); s31 = Vector.FusedMultiplyAdd(dz1, x3, s31);
            }
            b0.StoreUnsafe(ref pdb1, at); b1.StoreUnsafe(ref pdb1, at + w);
            s00.StoreUnsafe(ref pt); s01.StoreUnsafe(ref pt, w); s10.StoreUnsafe(ref pt, 2 * w); s11.StoreUnsafe(ref pt, 3 * w);
            s20.StoreUnsafe(ref pt, 4 * w); s21.StoreUnsafe(ref pt, 5 * w); s30.StoreUnsafe(ref pt, 6 * w); s31.StoreUnsafe(ref pt, 7 * w);
            for (int r = 0; r < block; r++)
            {
                for (int c = 0; c < 4; c++)
                {
                    Unsafe.Add(ref pdw1, (o + r) * 4 + c) = tile[c * block + r];
                }
            }
        }
        for (; o < hidden; o++)
        {
            float b = Unsafe.Add(ref pdb1, o);
            float w0 = Unsafe.Add(ref pw, o), w1 = Unsafe.Add(ref pw, hidden + o);
            ref float dw = ref Unsafe.Add(ref pdw1, 4 * o);
            float s0 = dw, s1 = Unsafe.Add(ref dw, 1), s2 = Unsafe.Add(ref dw, 2), s3 = Unsafe.Add(ref dw, 3);
            for (int t = 0; t < batch; t++)
            {
                float d0 = Unsafe.Add(ref pdy, 2 * t), d1 = Unsafe.Add(ref pdy, 2 * t + 1), a = Unsafe.Add(ref pa, t * hidden + o);
                float dz = a > 0f ? MathF.FusedMultiplyAdd(d1, w1, MathF.FusedMultiplyAdd(d0, w0, 0f)) : 0f;
                b += dz;
                ref float xRow = ref Unsafe.Add(ref px, 4 * t);
                s0 = MathF.FusedMultiplyAdd(dz, xRow, s0);
                s1 = MathF.FusedMultiplyAdd(dz, Unsafe.Add(ref xRow, 1), s1);
                s2 = MathF.FusedMultiplyAdd(dz, Unsafe.Add(ref xRow, 2), s2);
                s3 = MathF.FusedMultiplyAdd(dz, Unsafe.Add(ref xRow, 3), s3);
            }
            Unsafe.Add(ref pdb1, o) = b;
            dw = s0; Unsafe.Add(ref dw, 1) = s1; Unsafe.Add(ref dw, 2) = s2; Unsafe.Add(ref dw, 3) = s3;
        }
    }

    // dW₂ += dYᵀ·A₁ and db₂ += Σ_t dY for 2 outputs, AccumulateWeightGradients' chains (fma(dy[t, m], a[t, o], ·) and
    // db₂ + dy[t, m], in row order) with 512-bit registers: 2 rows × 4 vectors of dW₂ (8 chains) per block of 64 units,
    // then 2 × 1 vectors, then the last units one chain at a time.
    private static void TwoOutputWeightGradients512(ReadOnlySpan<float> dy, ReadOnlySpan<float> a1, int batch, int hidden, Span<float> dw2,
        Span<float> db2)
    {
        const int Width = 16;
        ref float pdy = ref MemoryMarshal.GetReference(dy);
        ref float pa = ref MemoryMarshal.GetReference(a1);
        ref float pq = ref MemoryMarshal.GetReference(dw2);
        nuint h = (nuint)hidden;
        int o = 0;
        for (; o <= hidden - 4 * Width; o += 4 * Width)
        {
            nuint at = (nuint)o;
            Vector512<float> q00 = Vector512.LoadUnsafe(ref pq, at), q01 = Vector512.LoadUnsafe(ref pq, at + Width);
            Vector512<float> q02 = Vector512.LoadUnsafe(ref pq, at + 2 * Width), q03 = Vector512.LoadUnsafe(ref pq, at + 3 * Width);
            Vector512<float> q10 = Vector512.LoadUnsafe(ref pq, h + at), q11 = Vector512.LoadUnsafe(ref pq, h + at + Width);
            Vector512<float> q12 = Vector512.LoadUnsafe(ref pq, h + at + 2 * Width), q13 = Vector512.LoadUnsafe(ref pq, h + at + 3 * Width);
            ref float aRow = ref Unsafe.Add(ref pa, o);
            for (int t = 0; t < batch; t++, aRow = ref Unsafe.Add(ref aRow, hidden))
            {
                Vector512<float> d0 = Vector512.Create(Unsafe.Add(ref pdy, 2 * t)), d1 = Vector512.Create(Unsafe.Add(ref pdy, 2 * t + 1));
                Vector512<float> v0 = Vector512.LoadUnsafe(ref aRow), v1 = Vector512.LoadUnsafe(ref aRow, Width);
                Vector512<float> v2 = Vector512.LoadUnsafe(ref aRow, 2 * Width), v3 = Vector512.LoadUnsafe(ref aRow, 3 * Width);
                q00 = Vector512.FusedMultiplyAdd(d0, v0, q00); q01 = Vector512.FusedMultiplyAdd(d0, v1, q01);
                q02 = Vector512.FusedMultiplyAdd(d0, v2, q02); q03 = Vector512.FusedMultiplyAdd(d0, v3, q03);
                q10 = Vector512.FusedMultiplyAdd(d1, v0, q10); q11 = Vector512.FusedMultiplyAdd(d1, v1, q11);
                q12 = Vector512.FusedMultiplyAdd(d1, v2, q12); q13 = Vector512.FusedMultiplyAdd(d1, v3, q13);
            }
            q00.StoreUnsafe(ref pq, at); q01.StoreUnsafe(ref pq, at + Width); q02.StoreUnsafe(ref pq, at + 2 * Width); q03.StoreUnsafe(ref pq, at + 3 * Width);
            q10.StoreUnsafe(ref pq, h + at); q11.StoreUnsafe(ref pq, h + at + Width);
            q12.StoreUnsafe(ref pq, h + at + 2 * Width); q13.StoreUnsafe(ref pq, h + at + 3 * Width);
        }
        for (; o <= hidden - Width; o += Width)
        {
            nuint at = (nuint)o;
            Vector512<float> q0 = Vector512.LoadUnsafe(ref pq, at), q1 = Vector512.LoadUnsafe(ref pq, h + at);
            for (int t = 0; t < batch; t++)
            {
                Vector512<float> v = Vector512.LoadUnsafe(ref pa, (nuint)(t * hidden) + at);
                q0 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref pdy, 2 * t)), v, q0);
                q1 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref pdy, 2 * t + 1)), v, q1);
            }
            q0.StoreUnsafe(ref pq, at);
            q1.StoreUnsafe(ref pq, h + at);
        }
        for (; o < hidden; o++)
        {
            float q0 = Unsafe.Add(ref pq, o), q1 = Unsafe.Add(ref pq, hidden + o);
            for (int t = 0; t < batch; t++)
            {
                float a = Unsafe.Add(ref pa, t * hidden + o);
                q0 = MathF.FusedMultiplyAdd(Unsafe.Add(ref pdy, 2 * t), a, q0);
                q1 = MathF.FusedMultiplyAdd(Unsafe.Add(ref pdy, 2 * t + 1), a, q1);
            }
            Unsafe.Add(ref pq, o) = q0;
            Unsafe.Add(ref pq, hidden + o) = q1;
        }
        float e0 = db2[0], e1 = db2[1];
        for (int t = 0; t < batch; t++)
        {
            e0 += Unsafe.Add(ref pdy, 2 * t);
            e1 += Unsafe.Add(ref pdy, 2 * t + 1);
        }
        db2[0] = e0;
        db2[1] = e1;
    }

    // The blocks of TwoLayerReluBackwardBlocked in 512-bit registers where the machine has them but Vector<float> is
    // narrower (AVX-512 by default): 32 hidden units per block, the same operations per lane. Returns the first unit it
    // did not cover. Why: benchmarks/notes.md#two-layer-backward
    private static int TwoLayerReluBackwardBlocks512(ref float pdy, ref float pw, ref float pa, ref float px, int batch, int hidden,
        ref float pdw1, ref float pdb1)
    {
        const int Width = 16, Block = 2 * Width;
        Span<float> tile = stackalloc float[4 * Block];
        ref float pt = ref MemoryMarshal.GetReference(tile);
        nuint h = (nuint)hidden;
        Vector512<float> zero = Vector512<float>.Zero;
        int o = 0;
        for (; o <= hidden - Block; o += Block)
        {
            for (int r = 0; r < Block; r++)
            {
                for (int c = 0; c < 4; c++)
                {
                    tile[c * Block + r] = Unsafe.Add(ref pdw1, (o + r) * 4 + c);
                }
            }
            Vector512<float> s00 = Vector512.LoadUnsafe(ref pt), s01 = Vector512.LoadUnsafe(ref pt, Width);
            Vector512<float> s10 = Vector512.LoadUnsafe(ref pt, 2 * Width), s11 = Vector512.LoadUnsafe(ref pt, 3 * Width);
            Vector512<float> s20 = Vector512.LoadUnsafe(ref pt, 4 * Width), s21 = Vector512.LoadUnsafe(ref pt, 5 * Width);
            Vector512<float> s30 = Vector512.LoadUnsafe(ref pt, 6 * Width), s31 = Vector512.LoadUnsafe(ref pt, 7 * Width);
            nuint at = (nuint)o;
            Vector512<float> b0 = Vector512.LoadUnsafe(ref pdb1, at), b1 = Vector512.LoadUnsafe(ref pdb1, at + Width);
            Vector512<float> w00 = Vector512.LoadUnsafe(ref pw, at), w01 = Vector512.LoadUnsafe(ref pw, at + Width);
            Vector512<float> w10 = Vector512.LoadUnsafe(ref pw, h + at), w11 = Vector512.LoadUnsafe(ref pw, h + at + Width);
            ref float aRow = ref Unsafe.Add(ref pa, o);
            for (int t = 0; t < batch; t++, aRow = ref Unsafe.Add(ref aRow, hidden))
            {
                ref float dyRow = ref Unsafe.Add(ref pdy, 2 * t);
                Vector512<float> d0 = Vector512.Create(dyRow), d1 = Vector512.Create(Unsafe.Add(ref dyRow, 1));
                Vector512<float> a0 = Vector512.LoadUnsafe(ref aRow), a1v = Vector512.LoadUnsafe(ref aRow, Width);
                Vector512<float> dz0 = Vector512.ConditionalSelect(Vector512.GreaterThan(a0, zero),
                    Vector512.FusedMultiplyAdd(d1, w10, Vector512.FusedMultiplyAdd(d0, w00, zero)), zero);
                Vector512<float> dz1 = Vector512.ConditionalSelect(Vector512.GreaterThan(a1v, zero),
                    Vector512.FusedMultiplyAdd(d1, w11, Vector512.FusedMultiplyAdd(d0, w01, zero)), zero);
                b0 += dz0;
                b1 += dz1;
                ref float xRow = ref Unsafe.Add(ref px, 4 * t);
                Vector512<float> x0 = Vector512.Create(xRow), x1 = Vector512.Create(Unsafe.Add(ref xRow, 1));
                Vector512<float> x2 = Vector512.Create(Unsafe.Add(ref xRow, 2)), x3 = Vector512.Create(Unsafe.Add(ref xRow, 3));
                s00 = Vector512.FusedMultiplyAdd(dz0, x0, s00); s01 = Vector512.FusedMultiplyAdd(dz1, x0, s01);
                s10 = Vector512.FusedMultiplyAdd(dz0, x1, s10); s11 = Vector512.FusedMultiplyAdd(dz1, x1, s11);
                s20 = Vector512.FusedMultiplyAdd(dz0, x2, s20); s21 = Vector512.FusedMultiplyAdd(dz1, x2, s21);
                s30 = Vector512.FusedMultiplyAdd(dz0, x3, s30); s31 = Vector512.FusedMultiplyAdd(dz1, x3, s31);
            }
            b0.StoreUnsafe(ref pdb1, at); b1.StoreUnsafe(ref pdb1, at + Width);
            s00.StoreUnsafe(ref pt); s01.StoreUnsafe(ref pt, Width); s10.StoreUnsafe(ref pt, 2 * Width); s11.StoreUnsafe(ref pt, 3 * Width);
            s20.StoreUnsafe(ref pt, 4 * Width); s21.StoreUnsafe(ref pt, 5 * Width); s30.StoreUnsafe(ref pt, 6 * Width); s31.StoreUnsafe(ref pt, 7 * Width);
            for (int r = 0; r < Block; r++)
            {
                for (int c = 0; c < 4; c++)
                {
                    Unsafe.Add(ref pdw1, (o + r) * 4 + c) = tile[c * Block + r];
                }
            }
        }
        return o;
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
        AccumulateColumns(dy, batch, outputs, db);
    }

    // c[j] ← (((c[j] + a[0, j]) + a[1, j]) + …): Add of every row in turn, with up to eight column vectors side by side
    // in registers over all rows instead of one call per row (500 calls per layer and update, at the logits layer for
    // two columns). Each column keeps its own chain of additions in row order, so the sums are Add's, bit for bit.
    private static void AccumulateColumns(ReadOnlySpan<float> a, int rows, int cols, Span<float> c)
    {
        ref float pa = ref MemoryMarshal.GetReference(a);
        ref float pc = ref MemoryMarshal.GetReference(c);
        nuint width = (nuint)Vector<float>.Count, stride = (nuint)cols, j = 0;
        for (; j + 8 * width <= stride; j += 8 * width)
        {
            ref float cj = ref Unsafe.Add(ref pc, j);
            Vector<float> s0 = Vector.LoadUnsafe(ref cj), s1 = Vector.LoadUnsafe(ref cj, width), s2 = Vector.LoadUnsafe(ref cj, 2 * width);
            Vector<float> s3 = Vector.LoadUnsafe(ref cj, 3 * width), s4 = Vector.LoadUnsafe(ref cj, 4 * width), s5 = Vector.LoadUnsafe(ref cj, 5 * width);
            Vector<float> s6 = Vector.LoadUnsafe(ref cj, 6 * width), s7 = Vector.LoadUnsafe(ref cj, 7 * width);
            ref float row = ref Unsafe.Add(ref pa, j);
            for (int t = 0; t < rows; t++, row = ref Unsafe.Add(ref row, stride))
            {
                s0 += Vector.LoadUnsafe(ref row); s1 += Vector.LoadUnsafe(ref row, width);
                s2 += Vector.LoadUnsafe(ref row, 2 * width); s3 += Vector.LoadUnsafe(ref row, 3 * width);
                s4 += Vector.LoadUnsafe(ref row, 4 * width); s5 += Vector.LoadUnsafe(ref row, 5 * width);
                s6 += Vector.LoadUnsafe(ref row, 6 * width); s7 += Vector.LoadUnsafe(ref row, 7 * width);
            }
            s0.StoreUnsafe(ref cj); s1.StoreUnsafe(ref cj, width); s2.StoreUnsafe(ref cj, 2 * width); s3.StoreUnsafe(ref cj, 3 * width);
            s4.StoreUnsafe(ref cj, 4 * width); s5.StoreUnsafe(ref cj, 5 * width); s6.StoreUnsafe(ref cj, 6 * width); s7.StoreUnsafe(ref cj, 7 * width);
        }
        for (; j + width <= stride; j += width)
        {
            Vector<float> s = Vector.LoadUnsafe(ref pc, j);
            for (int t = 0; t < rows; t++)
            {
                s += Vector.LoadUnsafe(ref pa, (nuint)t * stride + j);
            }
            s.StoreUnsafe(ref pc, j);
        }
        for (; j < stride; j++)
        {
            float s = Unsafe.Add(ref pc, j);
            for (int t = 0; t < rows; t++)
            {
                s += Unsafe.Add(ref pa, (nuint)t * stride + j);
            }
            Unsafe.Add(ref pc, j) = s;
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
            int firstRow = cols == 4 ? ChainedProductDownRowsFourColumns(ref pa, aDepthStride, ref pb, ref pc, rows, depth, accumulate) : 0;
            ChainedProductDownRows(ref pa, aDepthStride, ref pb, ref pc, rows, depth, cols, accumulate, firstRow);
            return;
        }
        int j = 0;
        if (rows < 6)
        {
            // Few rows of C (dW of a layer with 2 outputs): pairs of rows × four vectors of columns, 8 independent chains.
            for (; j <= cols - 4 * width; j += 4 * width)
            {
                int m = 0;
                for (; m <= rows - 2; m += 2)
                {
                    ChainTile2x4(ref Unsafe.Add(ref pa, m * aRowStride), aRowStride, aDepthStride, ref Unsafe.Add(ref pb, j), cols,
                        ref Unsafe.Add(ref pc, m * cols + j), depth, accumulate);
                }
                for (; m < rows; m++)
                {
                    ChainTile1x2(ref Unsafe.Add(ref pa, m * aRowStride), aDepthStride, ref Unsafe.Add(ref pb, j), cols,
                        ref Unsafe.Add(ref pc, m * cols + j), depth, accumulate);
                    ChainTile1x2(ref Unsafe.Add(ref pa, m * aRowStride), aDepthStride, ref Unsafe.Add(ref pb, j + 2 * width), cols,
                        ref Unsafe.Add(ref pc, m * cols + j + 2 * width), depth, accumulate);
                }
            }
        }
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
    // C with exactly four columns (dW of in = 4), rows m … m + 2w − 1 at a time: two vectors down each of the four columns,
    // 8 independent chains fed per step by 2 loads of A and 4 broadcasts of B's row (one chain per column of a vector
    // left the FMA latency exposed). C's tile is gathered and scattered once. Returns the first row it did not cover.
    private static int ChainedProductDownRowsFourColumns(ref float pa, int aDepthStride, ref float pb, ref float pc, int rows, int depth,
        bool accumulate)
    {
        int width = Vector<float>.Count, block = 2 * width;
        Span<float> tile = stackalloc float[4 * block];
        ref float pt = ref MemoryMarshal.GetReference(tile);
        nuint w = (nuint)width;
        int m = 0;
        for (; m <= rows - block; m += block)
        {
            // tile[c·block + r] = C[m + r, c]
            for (int r = 0; r < block; r++)
            {
                for (int c = 0; c < 4; c++)
                {
                    tile[c * block + r] = accumulate ? Unsafe.Add(ref pc, (m + r) * 4 + c) : 0f;
                }
            }
            Vector<float> s00 = Vector.LoadUnsafe(ref pt), s01 = Vector.LoadUnsafe(ref pt, w);
            Vector<float> s10 = Vector.LoadUnsafe(ref pt, 2 * w), s11 = Vector.LoadUnsafe(ref pt, 3 * w);
            Vector<float> s20 = Vector.LoadUnsafe(ref pt, 4 * w), s21 = Vector.LoadUnsafe(ref pt, 5 * w);
            Vector<float> s30 = Vector.LoadUnsafe(ref pt, 6 * w), s31 = Vector.LoadUnsafe(ref pt, 7 * w);
            ref float am = ref Unsafe.Add(ref pa, m);
            for (int k = 0; k < depth; k++)
            {
                ref float ak = ref Unsafe.Add(ref am, k * aDepthStride);
                Vector<float> a0 = Vector.LoadUnsafe(ref ak), a1 = Vector.LoadUnsafe(ref ak, w);
                ref float bk = ref Unsafe.Add(ref pb, k * 4);
                var b0 = new Vector<float>(bk);
                var b1 = new Vector<float>(Unsafe.Add(ref bk, 1));
                var b2 = new Vector<float>(Unsafe.Add(ref bk, 2));
                var b3 = new Vector<float>(Unsafe.Add(ref bk, 3));
                s00 = Vector.FusedMultiplyAdd(a0, b0, s00); s01 = Vector.FusedMultiplyAdd(a1, b0, s01);
                s10 = Vector.FusedMultiplyAdd(a0, b1, s10); s11 = Vector.FusedMultiplyAdd(a1, b1, s11);
                s20 = Vector.FusedMultiplyAdd(a0, b2, s20); s21 = Vector.FusedMultiplyAdd(a1, b2, s21);
                s30 = Vector.FusedMultiplyAdd(a0, b3, s30); s31 = Vector.FusedMultiplyAdd(a1, b3, s31);
            }
            s00.StoreUnsafe(ref pt); s01.StoreUnsafe(ref pt, w); s10.StoreUnsafe(ref pt, 2 * w); s11.StoreUnsafe(ref pt, 3 * w);
            s20.StoreUnsafe(ref pt, 4 * w); s21.StoreUnsafe(ref pt, 5 * w); s30.StoreUnsafe(ref pt, 6 * w); s31.StoreUnsafe(ref pt, 7 * w);
            for (int r = 0; r < block; r++)
            {
                for (int c = 0; c < 4; c++)
                {
                    Unsafe.Add(ref pc, (m + r) * 4 + c) = tile[c * block + r];
                }
            }
        }
        return m;
    }

    private static void ChainedProductDownRows(ref float pa, int aDepthStride, ref float pb, ref float pc, int rows, int depth, int cols,
        bool accumulate, int firstRow)
    {
        int width = Vector<float>.Count;
        Span<float> column = stackalloc float[4 * width];
        ref float pcol = ref MemoryMarshal.GetReference(column);
        nuint w1 = (nuint)width, w2 = 2 * w1, w3 = 3 * w1;
        for (int j = 0; j < cols; j++)
        {
            int m = firstRow;
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

    // Two rows of C × four vectors of columns: 8 independent chains, 4 loads and 2 broadcasts per step.
    private static void ChainTile2x4(ref float a, int aRowStride, int aDepthStride, ref float b, int cols, ref float c, int depth, bool accumulate)
    {
        nuint width = (nuint)Vector<float>.Count;
        ref float c1 = ref Unsafe.Add(ref c, cols);
        Vector<float> s00 = Vector<float>.Zero, s01 = s00, s02 = s00, s03 = s00, s10 = s00, s11 = s00, s12 = s00, s13 = s00;
        if (accumulate)
        {
            s00 = Vector.LoadUnsafe(ref c); s01 = Vector.LoadUnsafe(ref c, width);
            s02 = Vector.LoadUnsafe(ref c, 2 * width); s03 = Vector.LoadUnsafe(ref c, 3 * width);
            s10 = Vector.LoadUnsafe(ref c1); s11 = Vector.LoadUnsafe(ref c1, width);
            s12 = Vector.LoadUnsafe(ref c1, 2 * width); s13 = Vector.LoadUnsafe(ref c1, 3 * width);
        }
        for (int k = 0; k < depth; k++)
        {
            ref float ak = ref Unsafe.Add(ref a, k * aDepthStride);
            var v0 = new Vector<float>(ak);
            var v1 = new Vector<float>(Unsafe.Add(ref ak, aRowStride));
            ref float bk = ref Unsafe.Add(ref b, k * cols);
            Vector<float> b0 = Vector.LoadUnsafe(ref bk), b1 = Vector.LoadUnsafe(ref bk, width);
            Vector<float> b2 = Vector.LoadUnsafe(ref bk, 2 * width), b3 = Vector.LoadUnsafe(ref bk, 3 * width);
            s00 = Vector.FusedMultiplyAdd(v0, b0, s00); s01 = Vector.FusedMultiplyAdd(v0, b1, s01);
            s02 = Vector.FusedMultiplyAdd(v0, b2, s02); s03 = Vector.FusedMultiplyAdd(v0, b3, s03);
            s10 = Vector.FusedMultiplyAdd(v1, b0, s10); s11 = Vector.FusedMultiplyAdd(v1, b1, s11);
            s12 = Vector.FusedMultiplyAdd(v1, b2, s12); s13 = Vector.FusedMultiplyAdd(v1, b3, s13);
        }
        s00.StoreUnsafe(ref c); s01.StoreUnsafe(ref c, width); s02.StoreUnsafe(ref c, 2 * width); s03.StoreUnsafe(ref c, 3 * width);
        s10.StoreUnsafe(ref c1); s11.StoreUnsafe(ref c1, width); s12.StoreUnsafe(ref c1, 2 * width); s13.StoreUnsafe(ref c1, 3 * width);
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
