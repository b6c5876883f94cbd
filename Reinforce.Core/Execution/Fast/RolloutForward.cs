using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Reinforce.NeuralNetworks;
using Reinforce.Numerics;

namespace Reinforce.Execution.Fast;

/// <summary>
/// The rollout's forward pass of a few states: <see cref="Mlp.Forward(ReadOnlySpan{float}, int, MlpWorkspace, Span{float})"/>
/// in evaluation mode, bit for bit, for a network whose input has <see cref="Inputs"/> = 4 entries (CartPole's
/// observation). The trainer refreshes it once per batch, before the batch's episodes run, while the weights stand
/// still; in exchange the first layer's W₁ is kept as its four columns, so a state's first layer is four fused
/// multiply-adds per vector of hidden units and no transpose (the batched kernel rebuilds those columns from W₁'s rows
/// on every call: for one state that is most of the layer's time), and its ReLU is applied in the same registers.
/// </summary>
/// <remarks>
/// <para><b>Why the bits are Mlp's.</b> For in = 4 every kernel of <see cref="Dense.Forward"/> (the portable one, the AVX2
/// and the AVX-512 one, and the scalar tail) computes z₁[o] = fma(W[o,3], x₃, fma(W[o,2], x₂, fma(W[o,1], x₁,
/// fma(W[o,0], x₀, 0)))) + b[o]: Dot's scalar-tail chain from 0, then the bias. This class computes exactly that chain,
/// <see cref="Vector{T}"/> lanes of outputs at a time (a fused multiply-add rounds once whatever the lane), and ReLU's
/// x &gt; 0 ? x : 0 (<see cref="ActivationKind.ReLU"/>; other activations run <see cref="Activation.Forward"/> on the
/// stored z₁). Every later layer runs the same <see cref="Dense.Forward"/> and activation as <see cref="Mlp"/>.
/// <c>RolloutForwardTests</c> compare the two bit for bit over many widths, inputs and both x64 kernels.</para>
/// <para><b>Two logits, fused.</b> For the default shape, 4 → H ReLU → 2 (<see cref="FusesTwoLogits"/>), each row's H hidden
/// values never leave the registers: a vector of hidden units is computed as above and at once multiplied into the two
/// output rows' accumulators, which hold <see cref="SimdKernels.Dot"/>'s 32 logical lanes (lane i mod 32 gets element i of
/// each full block of 32, by fused multiply-adds from 0, block after block), folded in Dot's tree (strides 16, 8, 4, 2, 1),
/// then the H mod 32 last units added one by one in index order, then b₂ — Dot(a₁, W₂[j]) + b₂[j], Dense's bits. The
/// register width only decides how many registers hold the 32 lanes, as in Dot. <see cref="ForwardTwoLogitsScalar"/> is
/// its plain-loop twin.</para>
/// <para><b>What it skips.</b> Besides the transpose: Mlp.Forward's argument checks, its copy of the input into the
/// workspace and of the logits out of it. Not for training-mode passes: a network with dropout draws masks during the
/// rollout and goes through <see cref="Mlp"/>.</para>
/// <para><b>Threads.</b> <see cref="Refresh"/> writes the columns; <see cref="Forward"/> only reads them, with the
/// caller's own workspace, so the workers of one batch share one instance.</para>
/// </remarks>
internal sealed class RolloutForward
{
    /// <summary>The input width this forward handles.</summary>
    public const int Inputs = 4;

    /// <summary>The fewest floats a logits column of <see cref="ForwardTwoLogits"/> holds beyond its rows: its rows rounded up to whole <see cref="Vector{T}"/>s.</summary>
    public static int PaddedRows(int rows) => (rows + Vector<float>.Count - 1) / Vector<float>.Count * Vector<float>.Count;

    /// <summary>Whether <see cref="Forward"/> runs the fused 4 → H ReLU → 2 kernel (tests and benchmarks switch it off to run the layers one by one).</summary>
    internal static bool FusedEnabled { get; set; } = true;

    // The rows of packed, each stride floats: W₁'s four columns (the weights of input i for every hidden unit), b₁, and for
    // the fused shape W₂'s two rows. Padded to whole 512-bit vectors with zeros.
    private const int Bias1Row = Inputs, Output0Row = Inputs + 1, Output1Row = Inputs + 2;

    private readonly Mlp network;
    private readonly int hidden;
    private readonly bool relu;
    private readonly bool fused;
    private readonly float[] packed;
    private readonly int stride;
    private float bias0, bias1; // b₂ of the fused shape

    private RolloutForward(Mlp network)
    {
        this.network = network;
        hidden = network.LayerSize(1);
        relu = network.HiddenActivation.Kind == ActivationKind.ReLU;
        fused = relu && network.LayerCount == 2 && network.OutputSize == 2;
        stride = (hidden + 15) / 16 * 16;
        packed = new float[(Inputs + 3) * stride];
    }

    /// <summary>Whether the network is 4 → H ReLU → 2, the shape <see cref="ForwardTwoLogits"/> computes.</summary>
    public bool FusesTwoLogits => fused;

    /// <summary>A rollout forward for <paramref name="network"/>, or null when it does not apply (input width ≠ 4, no hidden layer).</summary>
    public static RolloutForward? TryCreate(Mlp network) =>
        network.InputSize == Inputs && network.LayerCount >= 2 ? new RolloutForward(network) : null;

    /// <summary>
    /// Copies the first layer's weights, as columns, and its bias from the network's current parameters; for the fused shape
    /// the output layer's too.
    /// </summary>
    public void Refresh()
    {
        float[] values = network.Parameters.Values;
        ReadOnlySpan<float> w = ParameterBuffer.View(values, network.WeightTensor(0));
        for (int o = 0; o < hidden; o++)
        {
            for (int i = 0; i < Inputs; i++)
            {
                packed[i * stride + o] = w[o * Inputs + i];
            }
        }
        ParameterBuffer.View(values, network.BiasTensor(0)).CopyTo(packed.AsSpan(Bias1Row * stride, hidden));
        if (fused)
        {
            ReadOnlySpan<float> w2 = ParameterBuffer.View(values, network.WeightTensor(1));
            w2[..hidden].CopyTo(packed.AsSpan(Output0Row * stride, hidden));
            w2[hidden..].CopyTo(packed.AsSpan(Output1Row * stride, hidden));
            ReadOnlySpan<float> b2 = ParameterBuffer.View(values, network.BiasTensor(1));
            (bias0, bias1) = (b2[0], b2[1]);
        }
    }

    /// <summary>
    /// The fused shape's logits of <paramref name="rows"/> states (rows × 4) as two columns: <paramref name="logits0"/>[t] and
    /// <paramref name="logits1"/>[t] are row t's z₀ and z₁, the bits of <see cref="Mlp.Forward(ReadOnlySpan{float}, int, MlpWorkspace, Span{float})"/>,
    /// with the weights of the last <see cref="Refresh"/>. No workspace: the hidden values stay in registers.
    /// </summary>
    public void ForwardTwoLogits(ReadOnlySpan<float> states, int rows, Span<float> logits0, Span<float> logits1)
    {
        if (!fused)
        {
            throw new InvalidOperationException("ForwardTwoLogits computes a 4 → H ReLU → 2 network.");
        }
        Guard.MatrixShape(states.Length, rows, Inputs, nameof(states));
        ArgumentOutOfRangeException.ThrowIfLessThan(logits0.Length, rows, nameof(logits0));
        ArgumentOutOfRangeException.ThrowIfLessThan(logits1.Length, rows, nameof(logits1));
        TwoLogits(ref MemoryMarshal.GetReference(states), rows, ref MemoryMarshal.GetReference(logits0), ref MemoryMarshal.GetReference(logits1), 1);
    }

    /// <summary>
    /// The network's outputs for <paramref name="rows"/> states (rows × 4) into <paramref name="outputs"/> (rows × out), in
    /// evaluation mode, with the weights of the last <see cref="Refresh"/>; <paramref name="workspace"/> holds the hidden
    /// layers (its contents afterwards are not a forward pass's record: not for <see cref="Mlp.Backward"/>).
    /// </summary>
    public void Forward(ReadOnlySpan<float> states, int rows, MlpWorkspace workspace, Span<float> outputs)
    {
        // The first layer reads the states through references: the shapes are checked here, once.
        Guard.MatrixShape(states.Length, rows, Inputs, nameof(states));
        Guard.MatrixShape(outputs.Length, rows, network.OutputSize, nameof(outputs));
        if (fused && FusedEnabled)
        {
            ref float logits = ref MemoryMarshal.GetReference(outputs); // row-major (rows, 2): z₀ at 2t, z₁ at 2t + 1
            TwoLogits(ref MemoryMarshal.GetReference(states), rows, ref logits, ref Unsafe.Add(ref logits, 1), 2);
            return;
        }
        workspace.EnsureCapacity(rows);
        workspace.Batch = 0; // what the buffers hold now is no forward pass Backward may read
        float[] values = network.Parameters.Values;
        Span<float> z = workspace.PreActivation(1, rows), a = workspace.Activation(1, rows);
        FirstLayer(states, rows, relu ? a : z);
        if (!relu)
        {
            network.HiddenActivation.Forward(z, a);
        }
        int last = network.LayerCount - 1;
        for (int l = 1; l < last; l++)
        {
            Span<float> next = workspace.PreActivation(l + 1, rows);
            Dense.Forward(workspace.Activation(l, rows), ParameterBuffer.View(values, network.WeightTensor(l)),
                ParameterBuffer.View(values, network.BiasTensor(l)), rows, next);
            network.HiddenActivation.Forward(next, workspace.Activation(l + 1, rows));
        }
        Dense.Forward(workspace.Activation(last, rows), ParameterBuffer.View(values, network.WeightTensor(last)),
            ParameterBuffer.View(values, network.BiasTensor(last)), rows, outputs);
    }

    // z[t] = fma(c₃, x₃, fma(c₂, x₂, fma(c₁, x₁, fma(c₀, x₀, 0)))) + b for every row t and hidden unit, then ReLU when the
    // network has it: a block of hidden units at a time (its four column vectors and bias stay in registers), row after row.
    // 512-bit blocks where the machine has them (Vector<float> is 256 bits on x64 unless configured), then Vector<float>,
    // then one unit at a time; the width changes which units share an instruction, not any unit's arithmetic.
    private void FirstLayer(ReadOnlySpan<float> states, int rows, Span<float> y)
    {
        ref float c = ref MemoryMarshal.GetArrayDataReference(packed);
        ref float b = ref Unsafe.Add(ref c, Bias1Row * stride);
        ref float x = ref MemoryMarshal.GetReference(states);
        ref float py = ref MemoryMarshal.GetReference(y);
        int o = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; o <= hidden - Vector512<float>.Count; o += Vector512<float>.Count)
            {
                Vector512<float> c0 = Vector512.LoadUnsafe(ref c, (nuint)o), c1 = Vector512.LoadUnsafe(ref c, (nuint)(stride + o));
                Vector512<float> c2 = Vector512.LoadUnsafe(ref c, (nuint)(2 * stride + o)), c3 = Vector512.LoadUnsafe(ref c, (nuint)(3 * stride + o));
                Vector512<float> bo = Vector512.LoadUnsafe(ref b, (nuint)o);
                for (int t = 0; t < rows; t++)
                {
                    ref float row = ref Unsafe.Add(ref x, t * Inputs);
                    Vector512<float> sum = Vector512.FusedMultiplyAdd(c0, Vector512.Create(row), Vector512<float>.Zero);
                    sum = Vector512.FusedMultiplyAdd(c1, Vector512.Create(Unsafe.Add(ref row, 1)), sum);
                    sum = Vector512.FusedMultiplyAdd(c2, Vector512.Create(Unsafe.Add(ref row, 2)), sum);
                    sum = Vector512.FusedMultiplyAdd(c3, Vector512.Create(Unsafe.Add(ref row, 3)), sum);
                    sum += bo;
                    if (relu)
                    {
                        sum = Vector512.ConditionalSelect(Vector512.GreaterThan(sum, Vector512<float>.Zero), sum, Vector512<float>.Zero);
                    }
                    sum.StoreUnsafe(ref py, (nuint)(t * hidden + o));
                }
            }
        }
        for (; o <= hidden - Vector<float>.Count; o += Vector<float>.Count)
        {
            Vector<float> c0 = Vector.LoadUnsafe(ref c, (nuint)o), c1 = Vector.LoadUnsafe(ref c, (nuint)(stride + o));
            Vector<float> c2 = Vector.LoadUnsafe(ref c, (nuint)(2 * stride + o)), c3 = Vector.LoadUnsafe(ref c, (nuint)(3 * stride + o));
            Vector<float> bo = Vector.LoadUnsafe(ref b, (nuint)o);
            for (int t = 0; t < rows; t++)
            {
                ref float row = ref Unsafe.Add(ref x, t * Inputs);
                Vector<float> sum = Vector.FusedMultiplyAdd(c0, new Vector<float>(row), Vector<float>.Zero);
                sum = Vector.FusedMultiplyAdd(c1, new Vector<float>(Unsafe.Add(ref row, 1)), sum);
                sum = Vector.FusedMultiplyAdd(c2, new Vector<float>(Unsafe.Add(ref row, 2)), sum);
                sum = Vector.FusedMultiplyAdd(c3, new Vector<float>(Unsafe.Add(ref row, 3)), sum);
                sum += bo;
                if (relu)
                {
                    sum = Vector.ConditionalSelect(Vector.GreaterThan(sum, Vector<float>.Zero), sum, Vector<float>.Zero);
                }
                sum.StoreUnsafe(ref py, (nuint)(t * hidden + o));
            }
        }
        for (; o < hidden; o++)
        {
            for (int t = 0; t < rows; t++)
            {
                ref float row = ref Unsafe.Add(ref x, t * Inputs);
                float sum = MathF.FusedMultiplyAdd(Unsafe.Add(ref c, o), row, 0f);
                sum = MathF.FusedMultiplyAdd(Unsafe.Add(ref c, stride + o), Unsafe.Add(ref row, 1), sum);
                sum = MathF.FusedMultiplyAdd(Unsafe.Add(ref c, 2 * stride + o), Unsafe.Add(ref row, 2), sum);
                sum = MathF.FusedMultiplyAdd(Unsafe.Add(ref c, 3 * stride + o), Unsafe.Add(ref row, 3), sum);
                sum += Unsafe.Add(ref b, o);
                Unsafe.Add(ref py, t * hidden + o) = relu ? (sum > 0f ? sum : 0f) : sum;
            }
        }
    }

    // ---------------------------------------------------------------- the fused 4 → H ReLU → 2 kernel
    // Row t: a₁ = ReLU(chain(c, x_t) + b₁) a vector of hidden units at a time, each vector multiplied at once into z₀'s and
    // z₁'s accumulators (Dot's logical lanes of its block); fold; the last H mod 32 units one by one; + b₂. Out: z₀ of row t at
    // out0[t·outStride], z₁ at out1[t·outStride]. Rows two at a time with 512-bit vectors (one load of the weights feeds
    // both), else one by one; the width decides only which registers hold the 32 lanes: 2 × 512 bits, 4 × 256, or 8 × 128
    // per logit. Why this shape: benchmarks/notes.md#fused-two-logits
    private void TwoLogits(ref float x, int rows, ref float out0, ref float out1, int outStride)
    {
        ref float p = ref MemoryMarshal.GetArrayDataReference(packed);
        int blocked = hidden - hidden % SimdKernels.ReductionLanes;
        int t = 0;
        if (Vector512.IsHardwareAccelerated && blocked > 0)
        {
            // Two rows at a time: each load of the weights feeds both, and their chains overlap.
            for (; t <= rows - 2; t += 2)
            {
                ref float row = ref Unsafe.Add(ref x, t * Inputs);
                RowPairBy512(ref p, blocked, ref row, out Vector128<float> four0, out Vector128<float> four1,
                    out Vector128<float> next0, out Vector128<float> next1);
                StoreTwoLogits(ref p, blocked, ref row, FoldFour(four0), FoldFour(four1), ref Unsafe.Add(ref out0, t * outStride),
                    ref Unsafe.Add(ref out1, t * outStride));
                StoreTwoLogits(ref p, blocked, ref Unsafe.Add(ref row, Inputs), FoldFour(next0), FoldFour(next1),
                    ref Unsafe.Add(ref out0, (t + 1) * outStride), ref Unsafe.Add(ref out1, (t + 1) * outStride));
            }
        }
        for (; t < rows; t++)
        {
            ref float row = ref Unsafe.Add(ref x, t * Inputs);
            float z0 = 0f, z1 = 0f;
            if (blocked > 0)
            {
                Vector128<float> four0, four1;
                if (Vector512.IsHardwareAccelerated)
                {
                    BlocksBy512(ref p, blocked, ref row, out four0, out four1);
                }
                else if (Vector256.IsHardwareAccelerated)
                {
                    BlocksBy256(ref p, blocked, ref row, out four0, out four1);
                }
                else
                {
                    BlocksBy128(ref p, blocked, ref row, out four0, out four1);
                }
                z0 = FoldFour(four0);
                z1 = FoldFour(four1);
            }
            StoreTwoLogits(ref p, blocked, ref row, z0, z1, ref Unsafe.Add(ref out0, t * outStride), ref Unsafe.Add(ref out1, t * outStride));
        }
    }

    // The H mod 32 units after the last full block, one by one in index order, onto the folded sums; then b₂.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void StoreTwoLogits(ref float p, int blocked, ref float row, float z0, float z1, ref float y0, ref float y1)
    {
        for (int o = blocked; o < hidden; o++)
        {
            float h = MathF.FusedMultiplyAdd(Unsafe.Add(ref p, o), row, 0f);
            h = MathF.FusedMultiplyAdd(Unsafe.Add(ref p, stride + o), Unsafe.Add(ref row, 1), h);
            h = MathF.FusedMultiplyAdd(Unsafe.Add(ref p, 2 * stride + o), Unsafe.Add(ref row, 2), h);
            h = MathF.FusedMultiplyAdd(Unsafe.Add(ref p, 3 * stride + o), Unsafe.Add(ref row, 3), h);
            h += Unsafe.Add(ref p, Bias1Row * stride + o);
            h = h > 0f ? h : 0f;
            z0 = MathF.FusedMultiplyAdd(h, Unsafe.Add(ref p, Output0Row * stride + o), z0);
            z1 = MathF.FusedMultiplyAdd(h, Unsafe.Add(ref p, Output1Row * stride + o), z1);
        }
        y0 = z0 + bias0;
        y1 = z1 + bias1;
    }

    // BlocksBy512 for rows t and t + 1 at once (four0/four1 of row t, next0/next1 of row t + 1).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void RowPairBy512(ref float p, int blocked, ref float row, out Vector128<float> four0, out Vector128<float> four1,
        out Vector128<float> next0, out Vector128<float> next1)
    {
        ref float c0 = ref p, c1 = ref Unsafe.Add(ref p, stride), c2 = ref Unsafe.Add(ref p, 2 * stride), c3 = ref Unsafe.Add(ref p, 3 * stride);
        ref float b = ref Unsafe.Add(ref p, Bias1Row * stride);
        ref float w0 = ref Unsafe.Add(ref p, Output0Row * stride), w1 = ref Unsafe.Add(ref p, Output1Row * stride);
        Vector512<float> x0 = Vector512.Create(row), x1 = Vector512.Create(Unsafe.Add(ref row, 1));
        Vector512<float> x2 = Vector512.Create(Unsafe.Add(ref row, 2)), x3 = Vector512.Create(Unsafe.Add(ref row, 3));
        Vector512<float> y0 = Vector512.Create(Unsafe.Add(ref row, 4)), y1 = Vector512.Create(Unsafe.Add(ref row, 5));
        Vector512<float> y2 = Vector512.Create(Unsafe.Add(ref row, 6)), y3 = Vector512.Create(Unsafe.Add(ref row, 7));
        Vector512<float> a0 = Vector512<float>.Zero, a1 = a0, b0 = a0, b1 = a0, d0 = a0, d1 = a0, e0 = a0, e1 = a0;
        for (nuint o = 0; o < (nuint)blocked; o += SimdKernels.ReductionLanes)
        {
            for (nuint half = 0; half < 32; half += 16)
            {
                nuint i = o + half;
                Vector512<float> k0 = Vector512.LoadUnsafe(ref c0, i), k1 = Vector512.LoadUnsafe(ref c1, i);
                Vector512<float> k2 = Vector512.LoadUnsafe(ref c2, i), k3 = Vector512.LoadUnsafe(ref c3, i);
                Vector512<float> bias = Vector512.LoadUnsafe(ref b, i);
                Vector512<float> v0 = Vector512.LoadUnsafe(ref w0, i), v1 = Vector512.LoadUnsafe(ref w1, i);
                Vector512<float> h = Relu512(Vector512.FusedMultiplyAdd(k3, x3, Vector512.FusedMultiplyAdd(k2, x2,
                    Vector512.FusedMultiplyAdd(k1, x1, Vector512.FusedMultiplyAdd(k0, x0, Vector512<float>.Zero)))) + bias);
                Vector512<float> g = Relu512(Vector512.FusedMultiplyAdd(k3, y3, Vector512.FusedMultiplyAdd(k2, y2,
                    Vector512.FusedMultiplyAdd(k1, y1, Vector512.FusedMultiplyAdd(k0, y0, Vector512<float>.Zero)))) + bias);
                if (half == 0)
                {
                    a0 = Vector512.FusedMultiplyAdd(h, v0, a0);
                    b0 = Vector512.FusedMultiplyAdd(h, v1, b0);
                    d0 = Vector512.FusedMultiplyAdd(g, v0, d0);
                    e0 = Vector512.FusedMultiplyAdd(g, v1, e0);
                }
                else
                {
                    a1 = Vector512.FusedMultiplyAdd(h, v0, a1);
                    b1 = Vector512.FusedMultiplyAdd(h, v1, b1);
                    d1 = Vector512.FusedMultiplyAdd(g, v0, d1);
                    e1 = Vector512.FusedMultiplyAdd(g, v1, e1);
                }
            }
        }
        four0 = FoldToFour(a0 + a1);
        four1 = FoldToFour(b0 + b1);
        next0 = FoldToFour(d0 + d1);
        next1 = FoldToFour(e0 + e1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Relu512(Vector512<float> z) => Vector512.ConditionalSelect(Vector512.GreaterThan(z, Vector512<float>.Zero), z, Vector512<float>.Zero);

    // Strides 8 and 4 of the fold, from lanes 0–15 (after stride 16) down to 0–3.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> FoldToFour(Vector512<float> a)
    {
        Vector256<float> eight = a.GetLower() + a.GetUpper();
        return eight.GetLower() + eight.GetUpper();
    }

    // Logical lanes 0–15 and 16–31 in one register each per logit; stride 16 is their sum, strides 8 and 4 halve it.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void BlocksBy512(ref float p, int blocked, ref float row, out Vector128<float> four0, out Vector128<float> four1)
    {
        Vector512<float> v0 = Vector512.Create(row), v1 = Vector512.Create(Unsafe.Add(ref row, 1));
        Vector512<float> v2 = Vector512.Create(Unsafe.Add(ref row, 2)), v3 = Vector512.Create(Unsafe.Add(ref row, 3));
        Vector512<float> a0 = Vector512<float>.Zero, a1 = a0, b0 = a0, b1 = a0;
        for (int o = 0; o < blocked; o += SimdKernels.ReductionLanes)
        {
            Vector512<float> h = Hidden512(ref p, o, v0, v1, v2, v3);
            a0 = Vector512.FusedMultiplyAdd(h, Vector512.LoadUnsafe(ref p, (nuint)(Output0Row * stride + o)), a0);
            b0 = Vector512.FusedMultiplyAdd(h, Vector512.LoadUnsafe(ref p, (nuint)(Output1Row * stride + o)), b0);
            h = Hidden512(ref p, o + 16, v0, v1, v2, v3);
            a1 = Vector512.FusedMultiplyAdd(h, Vector512.LoadUnsafe(ref p, (nuint)(Output0Row * stride + o + 16)), a1);
            b1 = Vector512.FusedMultiplyAdd(h, Vector512.LoadUnsafe(ref p, (nuint)(Output1Row * stride + o + 16)), b1);
        }
        four0 = FoldToFour(a0 + a1);
        four1 = FoldToFour(b0 + b1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Vector512<float> Hidden512(ref float p, int o, Vector512<float> x0, Vector512<float> x1, Vector512<float> x2, Vector512<float> x3)
    {
        Vector512<float> sum = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref p, (nuint)o), x0, Vector512<float>.Zero);
        sum = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref p, (nuint)(stride + o)), x1, sum);
        sum = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref p, (nuint)(2 * stride + o)), x2, sum);
        sum = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref p, (nuint)(3 * stride + o)), x3, sum);
        sum += Vector512.LoadUnsafe(ref p, (nuint)(Bias1Row * stride + o));
        return Vector512.ConditionalSelect(Vector512.GreaterThan(sum, Vector512<float>.Zero), sum, Vector512<float>.Zero);
    }

    // Lanes 0–7, 8–15, 16–23, 24–31 per logit; stride 16 pairs registers 0 + 2 and 1 + 3, stride 8 adds the pairs, stride 4 halves.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void BlocksBy256(ref float p, int blocked, ref float row, out Vector128<float> four0, out Vector128<float> four1)
    {
        Vector256<float> v0 = Vector256.Create(row), v1 = Vector256.Create(Unsafe.Add(ref row, 1));
        Vector256<float> v2 = Vector256.Create(Unsafe.Add(ref row, 2)), v3 = Vector256.Create(Unsafe.Add(ref row, 3));
        Vector256<float> a0 = Vector256<float>.Zero, a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        for (int o = 0; o < blocked; o += SimdKernels.ReductionLanes)
        {
            Vector256<float> h = Hidden256(ref p, o, v0, v1, v2, v3);
            a0 = Vector256.FusedMultiplyAdd(h, Vector256.LoadUnsafe(ref p, (nuint)(Output0Row * stride + o)), a0);
            b0 = Vector256.FusedMultiplyAdd(h, Vector256.LoadUnsafe(ref p, (nuint)(Output1Row * stride + o)), b0);
            h = Hidden256(ref p, o + 8, v0, v1, v2, v3);
            a1 = Vector256.FusedMultiplyAdd(h, Vector256.LoadUnsafe(ref p, (nuint)(Output0Row * stride + o + 8)), a1);
            b1 = Vector256.FusedMultiplyAdd(h, Vector256.LoadUnsafe(ref p, (nuint)(Output1Row * stride + o + 8)), b1);
            h = Hidden256(ref p, o + 16, v0, v1, v2, v3);
            a2 = Vector256.FusedMultiplyAdd(h, Vector256.LoadUnsafe(ref p, (nuint)(Output0Row * stride + o + 16)), a2);
            b2 = Vector256.FusedMultiplyAdd(h, Vector256.LoadUnsafe(ref p, (nuint)(Output1Row * stride + o + 16)), b2);
            h = Hidden256(ref p, o + 24, v0, v1, v2, v3);
            a3 = Vector256.FusedMultiplyAdd(h, Vector256.LoadUnsafe(ref p, (nuint)(Output0Row * stride + o + 24)), a3);
            b3 = Vector256.FusedMultiplyAdd(h, Vector256.LoadUnsafe(ref p, (nuint)(Output1Row * stride + o + 24)), b3);
        }
        Vector256<float> a = (a0 + a2) + (a1 + a3), b = (b0 + b2) + (b1 + b3);
        four0 = a.GetLower() + a.GetUpper();
        four1 = b.GetLower() + b.GetUpper();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Vector256<float> Hidden256(ref float p, int o, Vector256<float> x0, Vector256<float> x1, Vector256<float> x2, Vector256<float> x3)
    {
        Vector256<float> sum = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref p, (nuint)o), x0, Vector256<float>.Zero);
        sum = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref p, (nuint)(stride + o)), x1, sum);
        sum = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref p, (nuint)(2 * stride + o)), x2, sum);
        sum = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref p, (nuint)(3 * stride + o)), x3, sum);
        sum += Vector256.LoadUnsafe(ref p, (nuint)(Bias1Row * stride + o));
        return Vector256.ConditionalSelect(Vector256.GreaterThan(sum, Vector256<float>.Zero), sum, Vector256<float>.Zero);
    }

    // Eight registers of 4 lanes per logit (ARM64's AdvSimd, SSE, intrinsics off); strides 16, 8, 4 pair them up in three rounds.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void BlocksBy128(ref float p, int blocked, ref float row, out Vector128<float> four0, out Vector128<float> four1)
    {
        Vector128<float> v0 = Vector128.Create(row), v1 = Vector128.Create(Unsafe.Add(ref row, 1));
        Vector128<float> v2 = Vector128.Create(Unsafe.Add(ref row, 2)), v3 = Vector128.Create(Unsafe.Add(ref row, 3));
        Span<Vector128<float>> a = stackalloc Vector128<float>[8];
        Span<Vector128<float>> b = stackalloc Vector128<float>[8];
        a.Clear();
        b.Clear();
        for (int o = 0; o < blocked; o += SimdKernels.ReductionLanes)
        {
            for (int r = 0; r < 8; r++)
            {
                Vector128<float> h = Hidden128(ref p, o + 4 * r, v0, v1, v2, v3);
                a[r] = Vector128.FusedMultiplyAdd(h, Vector128.LoadUnsafe(ref p, (nuint)(Output0Row * stride + o + 4 * r)), a[r]);
                b[r] = Vector128.FusedMultiplyAdd(h, Vector128.LoadUnsafe(ref p, (nuint)(Output1Row * stride + o + 4 * r)), b[r]);
            }
        }
        four0 = ((a[0] + a[4]) + (a[2] + a[6])) + ((a[1] + a[5]) + (a[3] + a[7]));
        four1 = ((b[0] + b[4]) + (b[2] + b[6])) + ((b[1] + b[5]) + (b[3] + b[7]));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Vector128<float> Hidden128(ref float p, int o, Vector128<float> x0, Vector128<float> x1, Vector128<float> x2, Vector128<float> x3)
    {
        Vector128<float> sum = Vector128.FusedMultiplyAdd(Vector128.LoadUnsafe(ref p, (nuint)o), x0, Vector128<float>.Zero);
        sum = Vector128.FusedMultiplyAdd(Vector128.LoadUnsafe(ref p, (nuint)(stride + o)), x1, sum);
        sum = Vector128.FusedMultiplyAdd(Vector128.LoadUnsafe(ref p, (nuint)(2 * stride + o)), x2, sum);
        sum = Vector128.FusedMultiplyAdd(Vector128.LoadUnsafe(ref p, (nuint)(3 * stride + o)), x3, sum);
        sum += Vector128.LoadUnsafe(ref p, (nuint)(Bias1Row * stride + o));
        return Vector128.ConditionalSelect(Vector128.GreaterThan(sum, Vector128<float>.Zero), sum, Vector128<float>.Zero);
    }

    // Strides 2 and 1 of the fold: [l0 + l2, l1 + l3], then their sum (SimdKernels.Dot's last two strides).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float FoldFour(Vector128<float> a)
    {
        Vector128<float> b = a + Vector128.Shuffle(a, Vector128.Create(2, 3, 0, 1));
        return b.ToScalar() + b.GetElement(1);
    }

    /// <summary>
    /// The plain-loop twin of <see cref="ForwardTwoLogits"/> (same arguments, same bits): each row's hidden values into a
    /// row of H floats, then each logit as Dot's 32 logical lanes (an array of 32 sums, fused multiply-adds from 0 block by
    /// block), the fold (lane j += lane j + s for s = 16, 8, 4, 2, 1), the last H mod 32 units in index order, and b₂.
    /// </summary>
    internal void ForwardTwoLogitsScalar(ReadOnlySpan<float> states, int rows, Span<float> logits0, Span<float> logits1)
    {
        if (!fused)
        {
            throw new InvalidOperationException("ForwardTwoLogitsScalar computes a 4 → H ReLU → 2 network.");
        }
        const int Lanes = SimdKernels.ReductionLanes;
        Span<float> a = stackalloc float[hidden];
        Span<float> lanes = stackalloc float[Lanes];
        int blocked = hidden - hidden % Lanes;
        for (int t = 0; t < rows; t++)
        {
            ReadOnlySpan<float> x = states.Slice(t * Inputs, Inputs);
            for (int o = 0; o < hidden; o++)
            {
                float h = 0f;
                for (int i = 0; i < Inputs; i++)
                {
                    h = MathF.FusedMultiplyAdd(packed[i * stride + o], x[i], h);
                }
                h += packed[Bias1Row * stride + o];
                a[o] = h > 0f ? h : 0f;
            }
            for (int j = 0; j < 2; j++)
            {
                ReadOnlySpan<float> w = packed.AsSpan((Output0Row + j) * stride, hidden);
                lanes.Clear();
                for (int o = 0; o < blocked; o++)
                {
                    lanes[o % Lanes] = MathF.FusedMultiplyAdd(a[o], w[o], lanes[o % Lanes]);
                }
                for (int s = Lanes / 2; s >= 1; s /= 2)
                {
                    for (int l = 0; l < s; l++)
                    {
                        lanes[l] += lanes[l + s];
                    }
                }
                float z = blocked > 0 ? lanes[0] : 0f;
                for (int o = blocked; o < hidden; o++)
                {
                    z = MathF.FusedMultiplyAdd(a[o], w[o], z);
                }
                (j == 0 ? logits0 : logits1)[t] = z + (j == 0 ? bias0 : bias1);
            }
        }
    }
}
