using Reinforce.Numerics;

namespace Reinforce.NeuralNetworks;

/// <summary>
/// A fully connected layer, <c>nn.Linear</c>: y = W·x + b, with W of shape [out, in] row-major
/// and b of shape [out]. Forward and backward over a batch of T rows; shapes in the comments.
/// See docs/backprop.md#dense-layer.
/// </summary>
public static class Dense
{
    /// <summary>
    /// Forward: Y = X·Wᵀ + b.
    /// <code>
    /// x is (T, in)   w is (out, in)   b is (out)   y is (T, out)
    /// y[t, o] = Σ_i w[o, i]·x[t, i] + b[o]
    /// </code>
    /// </summary>
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, int batch, Span<float> y)
        => SimdKernels.MatMulTransposedB(x, w, b, batch, y);

    /// <summary>
    /// Backward, from dy = ∂L/∂y:
    /// <code>
    /// dx = dy·W        dx[t, i]  = Σ_o dy[t, o]·w[o, i]     (overwritten; skipped when dx is empty)
    /// dW += dyᵀ·x      dw[o, i] += Σ_t dy[t, o]·x[t, i]     (accumulated)
    /// db += Σ_t dy     db[o]    += Σ_t dy[t, o]             (accumulated)
    /// </code>
    /// The chain rule for y[t,o] = Σ_i w[o,i]·x[t,i] + b[o]: ∂y[t,o]/∂x[t,i] = w[o,i],
    /// ∂y[t,o]/∂w[o,i] = x[t,i], ∂y[t,o]/∂b[o] = 1, and a parameter used at every t collects the
    /// sum over t. Gradients accumulate; the trainer zeroes them once per update.
    /// See docs/backprop.md#dense-layer.
    /// </summary>
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> dy, int batch, Span<float> dw, Span<float> db, Span<float> dx)
    {
        SimdKernels.AccumulateWeightGradients(dy, x, batch, dw, db);
        if (!dx.IsEmpty)
        {
            SimdKernels.MatMul(dy, w, batch, dx);
        }
    }
}
