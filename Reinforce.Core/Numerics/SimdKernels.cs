using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Reinforce.Numerics;

/// <summary>
/// The <see cref="Vector{T}"/> kernels of the hot path. Every method has a twin with the same
/// signature in <see cref="ScalarKernels"/>; tests compare the two over a sweep of lengths and the
/// benchmarks use the scalar twin as their baseline.
/// </summary>
/// <remarks>
/// <para><b>Same result on every machine.</b> <see cref="Vector{T}.Count"/> is 4 floats on ARM
/// and with the JIT's hardware intrinsics off, 8 on x64 with AVX2 (AVX-512 machines included, by
/// default), and 16 with <c>DOTNET_MaxVectorTBitWidth=512</c> on AVX-512. A reduction
/// that kept one accumulator per hardware lane would round differently on each, and a policy
/// gradient run amplifies a one-ulp difference into a different run. So reductions
/// (<see cref="Dot"/>) use a fixed <em>logical</em> layout of <see cref="ReductionLanes"/> = 32
/// lanes: element <c>i</c> of every full 32-element block goes to lane <c>i mod 32</c>, each lane
/// accumulates with fused multiply-add in block order, the 32 lanes are folded in a fixed tree
/// (stride 16, 8, 4, 2, 1), and the elements after the last full block are added one by one.
/// 4, 8 or 16 hardware lanes only change how many registers hold those 32 logical lanes, never
/// the order of the additions. Element-wise kernels (<see cref="Axpy"/>, <see cref="Add"/>, …)
/// use the same fused operation on every element, vector body and tail alike, so they too are
/// independent of the vector width.</para>
/// <para><b>Conventions</b> (as in Llm.cs): arguments are ordered inputs → scalars → outputs;
/// loops run while <c>i &lt;= n - Vector&lt;float&gt;.Count</c>; constant vectors are hoisted;
/// nothing is allocated. Matrices are row-major; <c>W</c> of a layer is [out, in] as in PyTorch's
/// <c>nn.Linear</c>. See docs/simd.md#reductions-the-fixed-32-lane-layout.</para>
/// </remarks>
public static partial class SimdKernels
{
    /// <summary>Number of logical lanes of every reduction; a multiple of every hardware vector width.</summary>
    public const int ReductionLanes = 32;

    /// <summary>Dot product Σᵢ xᵢ·yᵢ with the fixed 32-lane reduction layout described on the class.</summary>
    public static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        Guard.SameLength(x.Length, y.Length, nameof(y));
        ref float px = ref MemoryMarshal.GetReference(x);
        ref float py = ref MemoryMarshal.GetReference(y);
        int n = x.Length;
        int blocked = n - n % ReductionLanes;
        float sum = blocked == 0 ? 0f : Vector<float>.Count == 8
            ? DotBlocks8(ref px, ref py, blocked)
            : DotBlocksAnyWidth(ref px, ref py, blocked);
        for (int i = blocked; i < n; i++)
        {
            sum = MathF.FusedMultiplyAdd(Unsafe.Add(ref px, i), Unsafe.Add(ref py, i), sum);
        }
        return sum;
    }

    // The common case (AVX2, Vector<float>.Count == 8): the 32 logical lanes in four registers.
    private static float DotBlocks8(ref float px, ref float py, int blocked)
    {
        Vector<float> a0 = Vector<float>.Zero, a1 = a0, a2 = a0, a3 = a0;
        for (int i = 0; i < blocked; i += ReductionLanes)
        {
            a0 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref px, (nuint)i), Vector.LoadUnsafe(ref py, (nuint)i), a0);
            a1 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref px, (nuint)(i + 8)), Vector.LoadUnsafe(ref py, (nuint)(i + 8)), a1);
            a2 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref px, (nuint)(i + 16)), Vector.LoadUnsafe(ref py, (nuint)(i + 16)), a2);
            a3 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref px, (nuint)(i + 24)), Vector.LoadUnsafe(ref py, (nuint)(i + 24)), a3);
        }
        // Tree fold: stride 16 (lanes 0..15 += lanes 16..31), then stride 8, then within 8 lanes.
        a0 += a2;
        a1 += a3;
        a0 += a1;
        return FoldLanes(a0);
    }

    // Any other width (4 or 16 lanes): the same logical lanes in 32 / Count registers.
    private static float DotBlocksAnyWidth(ref float px, ref float py, int blocked)
    {
        int width = Vector<float>.Count;
        int registers = ReductionLanes / width;
        Span<Vector<float>> acc = stackalloc Vector<float>[registers];
        acc.Clear();
        for (int i = 0; i < blocked; i += ReductionLanes)
        {
            for (int r = 0; r < registers; r++)
            {
                int offset = i + r * width;
                acc[r] = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref px, (nuint)offset), Vector.LoadUnsafe(ref py, (nuint)offset), acc[r]);
            }
        }
        // Fold register halves until one register is left: stride 16, 8, … down to the width.
        for (int live = registers; live > 1; live /= 2)
        {
            for (int r = 0; r < live / 2; r++)
            {
                acc[r] += acc[r + live / 2];
            }
        }
        return FoldLanes(acc[0]);
    }

    // Folds one register's lanes with strides Count/2, …, 2, 1: lane j += lane j + stride.
    private static float FoldLanes(Vector<float> v)
    {
        if (Vector<float>.Count == 8)
        {
            // The same three steps in registers: [l0+l4 … l3+l7], then [A0+A2, A1+A3], then their sum.
            Vector128<float> a = v.AsVector256().GetLower() + v.AsVector256().GetUpper();
            Vector128<float> b = a + Vector128.Shuffle(a, Vector128.Create(2, 3, 0, 1));
            return b.ToScalar() + b.GetElement(1);
        }
        Span<float> lanes = stackalloc float[Vector<float>.Count];
        v.CopyTo(lanes);
        for (int stride = lanes.Length / 2; stride >= 1; stride /= 2)
        {
            for (int j = 0; j < stride; j++)
            {
                lanes[j] += lanes[j + stride];
            }
        }
        return lanes[0];
    }

    /// <summary>y ← a·x + y (fused multiply-add on every element).</summary>
    public static void Axpy(ReadOnlySpan<float> x, float a, Span<float> y)
    {
        Guard.SameLength(x.Length, y.Length, nameof(y));
        ref float px = ref MemoryMarshal.GetReference(x);
        ref float py = ref MemoryMarshal.GetReference(y);
        int n = x.Length, i = 0;
        var va = new Vector<float>(a);
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
        {
            Vector.FusedMultiplyAdd(va, Vector.LoadUnsafe(ref px, (nuint)i), Vector.LoadUnsafe(ref py, (nuint)i))
                .StoreUnsafe(ref py, (nuint)i);
        }
        for (; i < n; i++)
        {
            Unsafe.Add(ref py, i) = MathF.FusedMultiplyAdd(a, Unsafe.Add(ref px, i), Unsafe.Add(ref py, i));
        }
    }

    /// <summary>y ← y + x.</summary>
    public static void Add(ReadOnlySpan<float> x, Span<float> y)
    {
        Guard.SameLength(x.Length, y.Length, nameof(y));
        ref float px = ref MemoryMarshal.GetReference(x);
        ref float py = ref MemoryMarshal.GetReference(y);
        int n = x.Length, i = 0;
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
        {
            (Vector.LoadUnsafe(ref py, (nuint)i) + Vector.LoadUnsafe(ref px, (nuint)i)).StoreUnsafe(ref py, (nuint)i);
        }
        for (; i < n; i++)
        {
            Unsafe.Add(ref py, i) += Unsafe.Add(ref px, i);
        }
    }

    /// <summary>z = x ⊙ y, element by element (one IEEE multiplication each). <paramref name="z"/> may be <paramref name="x"/> or <paramref name="y"/>.</summary>
    public static void Multiply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> z)
    {
        Guard.SameLength(x.Length, y.Length, nameof(y));
        Guard.SameLength(x.Length, z.Length, nameof(z));
        ref float px = ref MemoryMarshal.GetReference(x);
        ref float py = ref MemoryMarshal.GetReference(y);
        ref float pz = ref MemoryMarshal.GetReference(z);
        int n = x.Length, i = 0;
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
        {
            (Vector.LoadUnsafe(ref px, (nuint)i) * Vector.LoadUnsafe(ref py, (nuint)i)).StoreUnsafe(ref pz, (nuint)i);
        }
        for (; i < n; i++)
        {
            Unsafe.Add(ref pz, i) = Unsafe.Add(ref px, i) * Unsafe.Add(ref py, i);
        }
    }

    /// <summary>x ← a·x.</summary>
    public static void Scale(float a, Span<float> x)
    {
        ref float px = ref MemoryMarshal.GetReference(x);
        int n = x.Length, i = 0;
        var va = new Vector<float>(a);
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
        {
            (va * Vector.LoadUnsafe(ref px, (nuint)i)).StoreUnsafe(ref px, (nuint)i);
        }
        for (; i < n; i++)
        {
            Unsafe.Add(ref px, i) *= a;
        }
    }

    /// <summary>
    /// Matrix·vector with bias: y = W·x + b, W is [rows, cols] row-major, x has cols entries,
    /// b and y have rows entries. Row r is <c>Dot(W[r,:], x) + b[r]</c>.
    /// </summary>
    public static void MatVec(ReadOnlySpan<float> w, ReadOnlySpan<float> x, ReadOnlySpan<float> b, Span<float> y)
    {
        int rows = y.Length, cols = x.Length;
        Guard.MatrixShape(w.Length, rows, cols, nameof(w));
        Guard.SameLength(b.Length, rows, nameof(b));
        for (int r = 0; r < rows; r++)
        {
            y[r] = Dot(w.Slice(r * cols, cols), x) + b[r];
        }
    }

    /// <summary>
    /// Transposed matrix·vector: dx = Wᵀ·dy, W is [rows, cols], dy has rows entries, dx has cols.
    /// Computed as dx = Σ_r dy[r]·W[r,:] (one <see cref="Axpy"/> per row, in row order).
    /// See docs/backprop.md#dense-layer.
    /// </summary>
    public static void MatTransposeVec(ReadOnlySpan<float> w, ReadOnlySpan<float> dy, Span<float> dx)
    {
        int rows = dy.Length, cols = dx.Length;
        Guard.MatrixShape(w.Length, rows, cols, nameof(w));
        dx.Clear();
        for (int r = 0; r < rows; r++)
        {
            Axpy(w.Slice(r * cols, cols), dy[r], dx);
        }
    }

    /// <summary>Rank-1 accumulate: dW += dy·xᵀ, i.e. dW[r,:] += dy[r]·x for every row r. See docs/backprop.md#dense-layer.</summary>
    public static void Rank1Update(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, Span<float> dw)
    {
        int rows = dy.Length, cols = x.Length;
        Guard.MatrixShape(dw.Length, rows, cols, nameof(dw));
        for (int r = 0; r < rows; r++)
        {
            Axpy(x, dy[r], dw.Slice(r * cols, cols));
        }
    }

    /// <summary>
    /// Batched dense forward: Y = X·Wᵀ + b for a batch of T rows. X is [T, in], W is [out, in],
    /// b is [out], Y is [T, out]. Every row is exactly <see cref="MatVec"/> of that row, so a batch
    /// gives the same numbers as the rows one at a time.
    /// </summary>
    public static void MatMulTransposedB(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, int batch, Span<float> y)
    {
        if (batch == 0)
        {
            return;
        }
        int outputs = b.Length;
        int inputs = Guard.BatchWidth(x.Length, batch, nameof(x));
        Guard.MatrixShape(w.Length, outputs, inputs, nameof(w));
        Guard.MatrixShape(y.Length, batch, outputs, nameof(y));
        MatMulTransposedBBlocked(x, w, b, batch, inputs, outputs, y);
    }

    /// <summary>
    /// Batched input gradient: dX = dY·W. dY is [T, out], W is [out, in], dX is [T, in]
    /// (overwritten). Row t is <see cref="MatTransposeVec"/> of row t of dY. See docs/backprop.md#dense-layer.
    /// </summary>
    public static void MatMul(ReadOnlySpan<float> dy, ReadOnlySpan<float> w, int batch, Span<float> dx)
    {
        if (batch == 0)
        {
            return;
        }
        int outputs = Guard.BatchWidth(dy.Length, batch, nameof(dy));
        int inputs = Guard.BatchWidth(dx.Length, batch, nameof(dx));
        Guard.MatrixShape(w.Length, outputs, inputs, nameof(w));
        MatMulBlocked(dy, w, batch, outputs, inputs, dx);
    }

    /// <summary>
    /// Batched weight and bias gradients: dW += dYᵀ·X and db += Σ_t dY[t,:]. dY is [T, out],
    /// X is [T, in], dW is [out, in], db is [out]. Accumulates in time order t = 0, 1, ….
    /// See docs/backprop.md#dense-layer.
    /// </summary>
    public static void AccumulateWeightGradients(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, int batch, Span<float> dw, Span<float> db)
    {
        if (batch == 0)
        {
            return;
        }
        int outputs = db.Length;
        Guard.MatrixShape(dy.Length, batch, outputs, nameof(dy));
        int inputs = Guard.BatchWidth(x.Length, batch, nameof(x));
        Guard.MatrixShape(dw.Length, outputs, inputs, nameof(dw));
        AccumulateWeightGradientsBlocked(dy, x, batch, outputs, inputs, dw, db);
    }

    /// <summary>True when every element is finite (no NaN, no ±∞).</summary>
    public static bool AllFinite(ReadOnlySpan<float> x)
    {
        ref float px = ref MemoryMarshal.GetReference(x);
        int n = x.Length, i = 0;
        // x - x is 0 for finite x and NaN for NaN or ±∞; NaN never equals itself.
        var acc = Vector<float>.Zero;
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
        {
            var v = Vector.LoadUnsafe(ref px, (nuint)i);
            acc += v - v;
        }
        if (!Vector.EqualsAll(acc, acc))
        {
            return false;
        }
        for (; i < n; i++)
        {
            if (!float.IsFinite(Unsafe.Add(ref px, i)))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>ReLU forward: y = max(x, 0). <paramref name="y"/> may be <paramref name="x"/>.</summary>
    public static void ReluForward(ReadOnlySpan<float> x, Span<float> y)
    {
        Guard.SameLength(x.Length, y.Length, nameof(y));
        ref float px = ref MemoryMarshal.GetReference(x);
        ref float py = ref MemoryMarshal.GetReference(y);
        int n = x.Length, i = 0;
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
        {
            // A select rather than Vector.Max: the same answer as the scalar tail for every input, NaN included.
            var v = Vector.LoadUnsafe(ref px, (nuint)i);
            Vector.ConditionalSelect(Vector.GreaterThan(v, Vector<float>.Zero), v, Vector<float>.Zero).StoreUnsafe(ref py, (nuint)i);
        }
        for (; i < n; i++)
        {
            float v = Unsafe.Add(ref px, i);
            Unsafe.Add(ref py, i) = v > 0f ? v : 0f;
        }
    }

    /// <summary>ReLU backward: dx = dy·[x &gt; 0] (the derivative at 0 is 0, as in PyTorch). See docs/backprop.md#activations.</summary>
    public static void ReluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        Guard.SameLength(x.Length, dy.Length, nameof(dy));
        Guard.SameLength(x.Length, dx.Length, nameof(dx));
        ref float px = ref MemoryMarshal.GetReference(x);
        ref float pdy = ref MemoryMarshal.GetReference(dy);
        ref float pdx = ref MemoryMarshal.GetReference(dx);
        int n = x.Length, i = 0;
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
        {
            var positive = Vector.GreaterThan(Vector.LoadUnsafe(ref px, (nuint)i), Vector<float>.Zero);
            Vector.ConditionalSelect(positive, Vector.LoadUnsafe(ref pdy, (nuint)i), Vector<float>.Zero).StoreUnsafe(ref pdx, (nuint)i);
        }
        for (; i < n; i++)
        {
            Unsafe.Add(ref pdx, i) = Unsafe.Add(ref px, i) > 0f ? Unsafe.Add(ref pdy, i) : 0f;
        }
    }

    /// <summary>LeakyReLU forward: y = x for x &gt; 0, slope·x otherwise.</summary>
    public static void LeakyReluForward(ReadOnlySpan<float> x, float slope, Span<float> y)
    {
        Guard.SameLength(x.Length, y.Length, nameof(y));
        ref float px = ref MemoryMarshal.GetReference(x);
        ref float py = ref MemoryMarshal.GetReference(y);
        int n = x.Length, i = 0;
        var vslope = new Vector<float>(slope);
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
        {
            var v = Vector.LoadUnsafe(ref px, (nuint)i);
            Vector.ConditionalSelect(Vector.GreaterThan(v, Vector<float>.Zero), v, v * vslope).StoreUnsafe(ref py, (nuint)i);
        }
        for (; i < n; i++)
        {
            float v = Unsafe.Add(ref px, i);
            Unsafe.Add(ref py, i) = v > 0f ? v : v * slope;
        }
    }

    /// <summary>LeakyReLU backward: dx = dy for x &gt; 0, slope·dy otherwise (slope at 0, as in PyTorch). See docs/backprop.md#activations.</summary>
    public static void LeakyReluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, float slope, Span<float> dx)
    {
        Guard.SameLength(x.Length, dy.Length, nameof(dy));
        Guard.SameLength(x.Length, dx.Length, nameof(dx));
        ref float px = ref MemoryMarshal.GetReference(x);
        ref float pdy = ref MemoryMarshal.GetReference(dy);
        ref float pdx = ref MemoryMarshal.GetReference(dx);
        int n = x.Length, i = 0;
        var vslope = new Vector<float>(slope);
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
        {
            var g = Vector.LoadUnsafe(ref pdy, (nuint)i);
            var positive = Vector.GreaterThan(Vector.LoadUnsafe(ref px, (nuint)i), Vector<float>.Zero);
            Vector.ConditionalSelect(positive, g, g * vslope).StoreUnsafe(ref pdx, (nuint)i);
        }
        for (; i < n; i++)
        {
            float g = Unsafe.Add(ref pdy, i);
            Unsafe.Add(ref pdx, i) = Unsafe.Add(ref px, i) > 0f ? g : g * slope;
        }
    }

    /// <summary>
    /// One Adam step over flat buffers, in the float operations of PyTorch's CPU kernels (see
    /// <see cref="Optimizers.Adam"/>): m ← fma(w₁, g − m, m) (<c>lerp_</c>),
    /// v ← fma(w₂·g, g, β₂·v) (<c>mul_</c> then <c>addcmul_</c>),
    /// θ ← θ + (−step·m) / (√v / √(1 − β₂ᵗ) + ε) (<c>addcdiv_</c>).
    /// Every element takes the same operations in the vector body and the tail, and the scalar
    /// twin takes them too: the two agree bit for bit. See docs/backprop.md#adam.
    /// </summary>
    public static void AdamUpdate(ReadOnlySpan<float> g, Optimizers.AdamCoefficients c, Span<float> p, Span<float> m, Span<float> v)
    {
        Guard.SameLength(g.Length, p.Length, nameof(p));
        Guard.SameLength(g.Length, m.Length, nameof(m));
        Guard.SameLength(g.Length, v.Length, nameof(v));
        ref float pg = ref MemoryMarshal.GetReference(g);
        ref float pp = ref MemoryMarshal.GetReference(p);
        ref float pm = ref MemoryMarshal.GetReference(m);
        ref float pv = ref MemoryMarshal.GetReference(v);
        int n = g.Length, i = 0;
        var w1 = new Vector<float>(c.Weight1);
        var beta2 = new Vector<float>(c.Beta2);
        var w2 = new Vector<float>(c.Weight2);
        var bc2 = new Vector<float>(c.BiasCorrection2Sqrt);
        var eps = new Vector<float>(c.Epsilon);
        var step = new Vector<float>(c.NegativeStepSize);
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
        {
            var gi = Vector.LoadUnsafe(ref pg, (nuint)i);
            var mi = Vector.LoadUnsafe(ref pm, (nuint)i);
            var vi = Vector.LoadUnsafe(ref pv, (nuint)i);
            mi = Vector.FusedMultiplyAdd(w1, gi - mi, mi);
            vi = Vector.FusedMultiplyAdd(w2 * gi, gi, vi * beta2);
            var denominator = Vector.SquareRoot(vi) / bc2 + eps;
            var pi = Vector.LoadUnsafe(ref pp, (nuint)i) + step * mi / denominator;
            mi.StoreUnsafe(ref pm, (nuint)i);
            vi.StoreUnsafe(ref pv, (nuint)i);
            pi.StoreUnsafe(ref pp, (nuint)i);
        }
        for (; i < n; i++)
        {
            float gi = Unsafe.Add(ref pg, i);
            float mi = MathF.FusedMultiplyAdd(c.Weight1, gi - Unsafe.Add(ref pm, i), Unsafe.Add(ref pm, i));
            float vi = MathF.FusedMultiplyAdd(c.Weight2 * gi, gi, Unsafe.Add(ref pv, i) * c.Beta2);
            float denominator = MathF.Sqrt(vi) / c.BiasCorrection2Sqrt + c.Epsilon;
            Unsafe.Add(ref pp, i) += c.NegativeStepSize * mi / denominator;
            Unsafe.Add(ref pm, i) = mi;
            Unsafe.Add(ref pv, i) = vi;
        }
    }
}
