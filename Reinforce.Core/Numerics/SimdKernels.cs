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
        float sum = blocked == 0 ? 0f : FoldFour(DotBlocks(ref px, ref py, blocked));
        for (int i = blocked; i < n; i++)
        {
            sum = MathF.FusedMultiplyAdd(Unsafe.Add(ref px, i), Unsafe.Add(ref py, i), sum);
        }
        return sum;
    }

    // The 32 logical lanes over the full blocks, folded with strides 16, 8 and 4 down to 4 lanes. Vector<float>.Count is
    // a constant to the JIT, so only one branch is compiled: 32 / Count registers hold the lanes.
    private static Vector128<float> DotBlocks(ref float px, ref float py, int blocked)
    {
        if (Vector<float>.Count == 8)
        {
            // AVX2: lanes 0–7, 8–15, 16–23, 24–31 in a0…a3; stride 16 is a0 + a2 and a1 + a3, stride 8 their sum.
            Vector<float> a0 = Vector<float>.Zero, a1 = a0, a2 = a0, a3 = a0;
            for (nuint i = 0; i < (nuint)blocked; i += ReductionLanes)
            {
                a0 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref px, i), Vector.LoadUnsafe(ref py, i), a0);
                a1 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref px, i + 8), Vector.LoadUnsafe(ref py, i + 8), a1);
                a2 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref px, i + 16), Vector.LoadUnsafe(ref py, i + 16), a2);
                a3 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref px, i + 24), Vector.LoadUnsafe(ref py, i + 24), a3);
            }
            return FoldToFour((a0 + a2) + (a1 + a3));
        }
        if (Vector<float>.Count == 4)
        {
            // ARM64's AdvSimd, SSE, or intrinsics off: eight registers; strides 16, 8, 4 pair them up in three rounds.
            Vector<float> a0 = Vector<float>.Zero, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            for (nuint i = 0; i < (nuint)blocked; i += ReductionLanes)
            {
                a0 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref px, i), Vector.LoadUnsafe(ref py, i), a0);
                a1 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref px, i + 4), Vector.LoadUnsafe(ref py, i + 4), a1);
                a2 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref px, i + 8), Vector.LoadUnsafe(ref py, i + 8), a2);
                a3 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref px, i + 12), Vector.LoadUnsafe(ref py, i + 12), a3);
                a4 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref px, i + 16), Vector.LoadUnsafe(ref py, i + 16), a4);
                a5 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref px, i + 20), Vector.LoadUnsafe(ref py, i + 20), a5);
                a6 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref px, i + 24), Vector.LoadUnsafe(ref py, i + 24), a6);
                a7 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref px, i + 28), Vector.LoadUnsafe(ref py, i + 28), a7);
            }
            return (((a0 + a4) + (a2 + a6)) + ((a1 + a5) + (a3 + a7))).AsVector128();
        }
        if (Vector<float>.Count == 16)
        {
            // DOTNET_MaxVectorTBitWidth=512 on AVX-512: two registers; stride 16 is their sum, strides 8 and 4 inside it.
            Vector<float> a0 = Vector<float>.Zero, a1 = a0;
            for (nuint i = 0; i < (nuint)blocked; i += ReductionLanes)
            {
                a0 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref px, i), Vector.LoadUnsafe(ref py, i), a0);
                a1 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref px, i + 16), Vector.LoadUnsafe(ref py, i + 16), a1);
            }
            return FoldToFour(a0 + a1);
        }
        throw new PlatformNotSupportedException($"Vector<float>.Count = {Vector<float>.Count}; the 32-lane layout needs 4, 8 or 16.");
    }

    // Folds one register down to its first four lanes: lane j += lane j + stride for stride = Count/2, …, 4.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> FoldToFour(Vector<float> v)
    {
        if (Vector<float>.Count == 16)
        {
            Vector256<float> half = v.AsVector512().GetLower() + v.AsVector512().GetUpper();
            return half.GetLower() + half.GetUpper();
        }
        if (Vector<float>.Count == 8)
        {
            return v.AsVector256().GetLower() + v.AsVector256().GetUpper();
        }
        return v.AsVector128();
    }

    // The last two strides of the fold: [l0 + l2, l1 + l3], then their sum.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float FoldFour(Vector128<float> a)
    {
        Vector128<float> b = a + Vector128.Shuffle(a, Vector128.Create(2, 3, 0, 1));
        return b.ToScalar() + b.GetElement(1);
    }

    /// <summary>y ← a·x + y (fused multiply-add on every element).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)] // Map and the operator inline here (see ElementWise)
    public static void Axpy(ReadOnlySpan<float> x, float a, Span<float> y) => ElementWise.Map(x, y, new MultiplyAdd(a), y);

    /// <summary>y ← y + x.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)] // Map and the operator inline here (see ElementWise)
    public static void Add(ReadOnlySpan<float> x, Span<float> y) => ElementWise.Map(x, y, new Sum(), y);

    /// <summary>z = x ⊙ y, element by element (one IEEE multiplication each). <paramref name="z"/> may be <paramref name="x"/> or <paramref name="y"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)] // Map and the operator inline here (see ElementWise)
    public static void Multiply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> z) => ElementWise.Map(x, y, new Product(), z);

    /// <summary>x ← a·x.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)] // Map and the operator inline here (see ElementWise)
    public static void Scale(float a, Span<float> x) => ElementWise.Map(x, new ScaleBy(a), x);

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
        (int inputs, int outputs) = ForwardShape(x, w, b, batch, y);
        MatMulTransposedBBlocked(x, w, b, batch, inputs, outputs, y);
    }

    // The shape checks of a batched forward Y = X·Wᵀ + b (batch ≥ 1): (in, out), from X's and b's lengths.
    private static (int Inputs, int Outputs) ForwardShape(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, int batch,
        Span<float> y)
    {
        int outputs = b.Length;
        int inputs = Guard.BatchWidth(x.Length, batch, nameof(x));
        Guard.MatrixShape(w.Length, outputs, inputs, nameof(w));
        Guard.MatrixShape(y.Length, batch, outputs, nameof(y));
        return (inputs, outputs);
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
    /// Batched dense forward followed by ReLU: Y = X·Wᵀ + b, exactly as <see cref="MatMulTransposedB"/>, and A = max(Y, 0),
    /// exactly as <see cref="ReluForward"/> of Y, in one pass where the kernel allows it (in = 4: the first layer of a
    /// CartPole policy), so Y is not read back. <paramref name="a"/> must not overlap <paramref name="y"/>.
    /// </summary>
    public static void MatMulTransposedBRelu(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, int batch, Span<float> y,
        Span<float> a)
    {
        Guard.SameLength(y.Length, a.Length, nameof(a));
        if (batch == 0)
        {
            return;
        }
        (int inputs, int outputs) = ForwardShape(x, w, b, batch, y);
        MatMulTransposedBReluBlocked(x, w, b, batch, inputs, outputs, y, a);
    }

    /// <summary>
    /// Batched input gradient through a ReLU: dX = (dY·W) ⊙ [z &gt; 0], exactly <see cref="MatMul"/> then
    /// <see cref="ReluBackward"/>(z, dX, dX), in one pass where the layer has few outputs (up to 8, the logits layer of a
    /// policy), so dY·W is not written and read back. dY is [T, out], W is [out, in], z (the ReLU's input) and dX are
    /// [T, in]; <paramref name="dx"/> must not overlap <paramref name="z"/>. See docs/backprop.md#activations.
    /// </summary>
    public static void MatMulReluBackward(ReadOnlySpan<float> dy, ReadOnlySpan<float> w, ReadOnlySpan<float> z, int batch, Span<float> dx)
    {
        Guard.SameLength(dx.Length, z.Length, nameof(z));
        if (batch == 0)
        {
            return;
        }
        int outputs = Guard.BatchWidth(dy.Length, batch, nameof(dy));
        int inputs = Guard.BatchWidth(dx.Length, batch, nameof(dx));
        Guard.MatrixShape(w.Length, outputs, inputs, nameof(w));
        MatMulReluBackwardBlocked(dy, w, z, batch, outputs, inputs, dx);
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

    /// <summary>
    /// The backward of a network x → z₁ = X·W₁ᵀ + b₁ → a₁ = ReLU(z₁) → logits = a₁·W₂ᵀ + b₂ with 4 inputs and 2 outputs (a
    /// CartPole policy) below ∂L/∂logits, in one pass over the rows, without writing dZ₁:
    /// <code>
    /// dW₂ += dYᵀ·A₁, db₂ += Σ_t dY                       (AccumulateWeightGradients(dY, A₁))
    /// dZ₁ = (dY·W₂) ⊙ [a₁ &gt; 0]                          (MatMulReluBackward(dY, W₂, A₁))
    /// dW₁ += dZ₁ᵀ·X, db₁ += Σ_t dZ₁                       (AccumulateWeightGradients(dZ₁, X))
    /// </code>
    /// exactly the three kernels in turn, bit for bit (<see cref="TwoLayerReluBackwardUnfused"/> is that definition). The
    /// mask is read from a₁ = ReLU(z₁) (ReluForward's select): [a₁ &gt; 0] = [z₁ &gt; 0] for every z₁, ±0 and NaN included.
    /// dY is [T, 2], W₂ and dW₂ [2, H], A₁ [T, H], X [T, 4], dW₁ [H, 4], db₁ [H], db₂ [2].
    /// </summary>
    public static void TwoLayerReluBackward(ReadOnlySpan<float> dy, ReadOnlySpan<float> w2, ReadOnlySpan<float> a1, ReadOnlySpan<float> x,
        int batch, Span<float> dw2, Span<float> db2, Span<float> dw1, Span<float> db1)
    {
        if (batch == 0)
        {
            return;
        }
        int hidden = db1.Length;
        Guard.MatrixShape(dy.Length, batch, 2, nameof(dy));
        Guard.MatrixShape(w2.Length, 2, hidden, nameof(w2));
        Guard.MatrixShape(a1.Length, batch, hidden, nameof(a1));
        Guard.MatrixShape(x.Length, batch, 4, nameof(x));
        Guard.MatrixShape(dw2.Length, 2, hidden, nameof(dw2));
        Guard.SameLength(db2.Length, 2, nameof(db2));
        Guard.MatrixShape(dw1.Length, hidden, 4, nameof(dw1));
        TwoLayerReluBackwardBlocked(dy, w2, a1, x, batch, hidden, dw2, db2, dw1, db1);
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
    [MethodImpl(MethodImplOptions.NoInlining)] // Map and the operator inline here (see ElementWise)
    public static void ReluForward(ReadOnlySpan<float> x, Span<float> y) => ElementWise.Map(x, new Relu(), y);

    /// <summary>ReLU backward: dx = dy·[x &gt; 0] (the derivative at 0 is 0, as in PyTorch). See docs/backprop.md#activations.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)] // the operator inlines into MapAlone (see ElementWise)
    public static void ReluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx) => ElementWise.MapAlone(x, dy, new ReluGradient(), dx);

    /// <summary>LeakyReLU forward: y = x for x &gt; 0, slope·x otherwise.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)] // Map and the operator inline here (see ElementWise)
    public static void LeakyReluForward(ReadOnlySpan<float> x, float slope, Span<float> y) => ElementWise.Map(x, new LeakyRelu(slope), y);

    /// <summary>LeakyReLU backward: dx = dy for x &gt; 0, slope·dy otherwise (slope at 0, as in PyTorch). See docs/backprop.md#activations.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)] // the operator inlines into MapAlone (see ElementWise)
    public static void LeakyReluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, float slope, Span<float> dx)
        => ElementWise.MapAlone(x, dy, new LeakyReluGradient(slope), dx);

    /// <summary>tanh forward: y = tanh x with the library's own <see cref="ElementaryFunctions.Tanh(float)"/>.</summary>
    public static void TanhForward(ReadOnlySpan<float> x, Span<float> y) => ElementaryFunctions.Tanh(x, y);

    /// <summary>tanh backward from the output: d tanh(x)/dx = 1 − tanh²x = 1 − y², so dx = dy·(1 − y·y) (PyTorch's tanh_backward). See docs/backprop.md#activations.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)] // the operator inlines into MapAlone (see ElementWise)
    public static void TanhBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) => ElementWise.MapAlone(y, dy, new TanhGradient(), dx);

    /// <summary>ELU forward: y = x for x &gt; 0, α·(eˣ − 1) otherwise, with the library's <see cref="ElementaryFunctions.ExpM1(float)"/> (accurate near 0).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)] // Map and the operator inline here (see ElementWise)
    public static void EluForward(ReadOnlySpan<float> x, float alpha, Span<float> y) => ElementWise.Map(x, new Elu(alpha), y);

    /// <summary>
    /// ELU backward on the input: d ELU/dx = 1 for x &gt; 0, α·eˣ for x ≤ 0, so dx = dy for x &gt; 0 and (dy·α)·eˣ otherwise
    /// (PyTorch's elu_backward; at x = 0 the derivative is α). See docs/backprop.md#activations.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)] // the operator inlines into MapAlone (see ElementWise)
    public static void EluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, float alpha, Span<float> dx)
        => ElementWise.MapAlone(x, dy, new EluGradient(alpha), dx);

    /// <summary>
    /// One Adam step over flat buffers, in the float operations of PyTorch's CPU kernels (see
    /// <see cref="Optimizers.Adam"/>): m ← fma(w₁, g − m, m) (<c>lerp_</c>),
    /// v ← fma(w₂·g, g, β₂·v) (<c>mul_</c> then <c>addcmul_</c>),
    /// θ ← θ + (−step·m) / (√v / √(1 − β₂ᵗ) + ε) (<c>addcdiv_</c>).
    /// Every element takes the same operations in the vector body and the tail, and the scalar
    /// twin takes them too: the two agree bit for bit. See docs/backprop.md#adam.
    /// </summary>
    public static void AdamUpdate(ReadOnlySpan<float> g, Optimizers.AdamCoefficients c, Span<float> p, Span<float> m, Span<float> v)
        => ElementWise.Update(g, new AdamStep(c), p, m, v);

    // ---------------------------------------------------------------- the element-wise operators (scalar and vector forms agree bit for bit)

    private readonly struct MultiplyAdd(float a) : IBinaryOperator
    {
        private readonly Vector<float> va = new(a);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Invoke(float x, float y) => MathF.FusedMultiplyAdd(a, x, y);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector<float> Invoke(Vector<float> x, Vector<float> y) => Vector.FusedMultiplyAdd(va, x, y);
    }

    private readonly struct Sum : IBinaryOperator
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Invoke(float x, float y) => y + x;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector<float> Invoke(Vector<float> x, Vector<float> y) => y + x;
    }

    private readonly struct Product : IBinaryOperator
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Invoke(float x, float y) => x * y;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector<float> Invoke(Vector<float> x, Vector<float> y) => x * y;
    }

    private readonly struct ScaleBy(float a) : IUnaryOperator
    {
        private readonly Vector<float> va = new(a);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Invoke(float x) => a * x;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector<float> Invoke(Vector<float> x) => va * x;
    }

    // A select rather than Vector.Max in the ReLU family: the same answer as the scalar form for every input, NaN included.
    private readonly struct Relu : IUnaryOperator
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Invoke(float x) => x > 0f ? x : 0f;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector<float> Invoke(Vector<float> x) => Vector.ConditionalSelect(Vector.GreaterThan(x, Vector<float>.Zero), x, Vector<float>.Zero);
    }

    private readonly struct ReluGradient : IBinaryOperator
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Invoke(float x, float dy) => x > 0f ? dy : 0f;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector<float> Invoke(Vector<float> x, Vector<float> dy) => Vector.ConditionalSelect(Vector.GreaterThan(x, Vector<float>.Zero), dy, Vector<float>.Zero);
    }

    private readonly struct LeakyRelu(float slope) : IUnaryOperator
    {
        private readonly Vector<float> vslope = new(slope);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Invoke(float x) => x > 0f ? x : x * slope;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector<float> Invoke(Vector<float> x) => Vector.ConditionalSelect(Vector.GreaterThan(x, Vector<float>.Zero), x, x * vslope);
    }

    private readonly struct LeakyReluGradient(float slope) : IBinaryOperator
    {
        private readonly Vector<float> vslope = new(slope);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Invoke(float x, float dy) => x > 0f ? dy : dy * slope;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector<float> Invoke(Vector<float> x, Vector<float> dy) => Vector.ConditionalSelect(Vector.GreaterThan(x, Vector<float>.Zero), dy, dy * vslope);
    }

    private readonly struct TanhGradient : IBinaryOperator
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Invoke(float y, float dy) => dy * (1f - y * y);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector<float> Invoke(Vector<float> y, Vector<float> dy) => dy * (Vector<float>.One - y * y);
    }

    private readonly struct Elu(float alpha) : IUnaryOperator
    {
        private readonly Vector<float> valpha = new(alpha);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Invoke(float x) => x > 0f ? x : ElementaryFunctions.ExpM1(x) * alpha;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector<float> Invoke(Vector<float> x)
            => Vector.ConditionalSelect(Vector.GreaterThan(x, Vector<float>.Zero), x, ElementaryFunctions.ExpM1(x) * valpha);
    }

    private readonly struct EluGradient(float alpha) : IBinaryOperator
    {
        private readonly Vector<float> valpha = new(alpha);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Invoke(float x, float dy) => x > 0f ? dy : dy * alpha * ElementaryFunctions.Exp(x);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector<float> Invoke(Vector<float> x, Vector<float> dy)
            => Vector.ConditionalSelect(Vector.GreaterThan(x, Vector<float>.Zero), dy, dy * valpha * ElementaryFunctions.Exp(x));
    }

    private readonly struct AdamStep(Optimizers.AdamCoefficients c) : IStateUpdateOperator
    {
        private readonly Vector<float> w1 = new(c.Weight1), beta2 = new(c.Beta2), w2 = new(c.Weight2);
        private readonly Vector<float> bc2 = new(c.BiasCorrection2Sqrt), eps = new(c.Epsilon), step = new(c.NegativeStepSize);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public (float P, float M, float V) Invoke(float g, float p, float m, float v)
        {
            m = MathF.FusedMultiplyAdd(c.Weight1, g - m, m);
            v = MathF.FusedMultiplyAdd(c.Weight2 * g, g, v * c.Beta2);
            float denominator = MathF.Sqrt(v) / c.BiasCorrection2Sqrt + c.Epsilon;
            return (p + c.NegativeStepSize * m / denominator, m, v);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public (Vector<float> P, Vector<float> M, Vector<float> V) Invoke(Vector<float> g, Vector<float> p, Vector<float> m, Vector<float> v)
        {
            m = Vector.FusedMultiplyAdd(w1, g - m, m);
            v = Vector.FusedMultiplyAdd(w2 * g, g, v * beta2);
            Vector<float> denominator = Vector.SquareRoot(v) / bc2 + eps;
            return (p + step * m / denominator, m, v);
        }
    }
}
