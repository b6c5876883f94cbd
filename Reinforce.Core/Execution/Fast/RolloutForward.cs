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

    private readonly Mlp network;
    private readonly int hidden;
    private readonly bool relu;
    // W₁ᵀ, [4, hidden]: column i of W₁ (the weights of input i for every hidden unit), padded to whole vectors.
    private readonly float[] columns;
    private readonly int stride;

    private RolloutForward(Mlp network)
    {
        this.network = network;
        hidden = network.LayerSize(1);
        relu = network.HiddenActivation.Kind == ActivationKind.ReLU;
        stride = (hidden + Vector<float>.Count - 1) / Vector<float>.Count * Vector<float>.Count;
        columns = new float[Inputs * stride];
    }

    /// <summary>A rollout forward for <paramref name="network"/>, or null when it does not apply (input width ≠ 4, no hidden layer).</summary>
    public static RolloutForward? TryCreate(Mlp network) =>
        network.InputSize == Inputs && network.LayerCount >= 2 ? new RolloutForward(network) : null;

    /// <summary>Copies the first layer's weights, as columns, from the network's current parameters.</summary>
    public void Refresh()
    {
        ReadOnlySpan<float> w = ParameterBuffer.View(network.Parameters.Values, network.WeightTensor(0));
        for (int o = 0; o < hidden; o++)
        {
            for (int i = 0; i < Inputs; i++)
            {
                columns[i * stride + o] = w[o * Inputs + i];
            }
        }
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
        workspace.EnsureCapacity(rows);
        workspace.Batch = 0; // what the buffers hold now is no forward pass Backward may read
        float[] values = network.Parameters.Values;
        ReadOnlySpan<float> bias = ParameterBuffer.View(values, network.BiasTensor(0));
        Span<float> z = workspace.PreActivation(1, rows), a = workspace.Activation(1, rows);
        FirstLayer(states, rows, bias, relu ? a : z);
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
    private void FirstLayer(ReadOnlySpan<float> states, int rows, ReadOnlySpan<float> bias, Span<float> y)
    {
        ref float c = ref MemoryMarshal.GetArrayDataReference(columns);
        ref float b = ref MemoryMarshal.GetReference(bias);
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
}
