using Reinforce.NeuralNetworks;
using Reinforce.Numerics;
using Reinforce.Randomness;

namespace Reinforce.Reference;

/// <summary>
/// The layers of the policy network, each forward with its backward right below it, over a batch of T rows (one row per
/// time step). Backward passes add (+=) into the parameter gradients, which the update zeroes once. See docs/backprop.md.
/// </summary>
internal static class Layers
{
    // ---------------------------------------------------------------- dense (docs/backprop.md#dense-layer)

    /// <summary>
    /// y = x·Wᵀ + b.  x is (T, in), w is (out, in), b is (out), y is (T, out);  y[t, o] = Dot(W[o, :], x[t, :]) + b[o].
    /// See docs/backprop.md#dense-layer.
    /// </summary>
    public static void DenseForward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, int rows, Span<float> y)
    {
        int outputs = b.Length, inputs = w.Length / outputs;
        for (int t = 0; t < rows; t++)
        {
            Arithmetic.MatVec(w, x.Slice(t * inputs, inputs), b, y.Slice(t * outputs, outputs));
        }
    }

    /// <summary>
    /// From dy = ∂L/∂y, (T, out) (docs/backprop.md#dense-layer), with ∂y[t,o]/∂W[o,i] = x[t,i], ∂y[t,o]/∂b[o] = 1, ∂y[t,o]/∂x[t,i] = W[o,i]:
    /// <code>
    /// dW += dyᵀ·x     dW[o, i] += Σ_t dy[t, o]·x[t, i]    one fma chain per element, over t in order
    /// db += Σ_t dy    db[o]    += Σ_t dy[t, o]            one chain of additions per element, over t in order
    /// dx  = dy·W      dx[t, i]  = Σ_o dy[t, o]·W[o, i]    overwritten; one fma chain over o from 0; skipped if dx is empty
    /// </code>
    /// </summary>
    public static void DenseBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> dy, int rows,
        Span<float> dw, Span<float> db, Span<float> dx)
    {
        int outputs = db.Length, inputs = w.Length / outputs;
        for (int t = 0; t < rows; t++)
        {
            ReadOnlySpan<float> dyRow = dy.Slice(t * outputs, outputs);
            Arithmetic.Rank1Update(dyRow, x.Slice(t * inputs, inputs), dw);
            for (int o = 0; o < outputs; o++)
            {
                db[o] += dyRow[o];
            }
        }
        for (int t = 0; t < rows && !dx.IsEmpty; t++)
        {
            Arithmetic.MatTransposeVec(w, dy.Slice(t * outputs, outputs), dx.Slice(t * inputs, inputs));
        }
    }

    // ---------------------------------------------------------------- activations (docs/backprop.md#activations)

    /// <summary>
    /// a = f(z), element by element, with PyTorch's definitions (docs/backprop.md#activations):
    /// <code>
    /// ReLU       f(z) = z > 0 ? z : 0
    /// LeakyReLU  f(z) = z > 0 ? z : z·slope
    /// tanh       f(z) = tanh z                     (the library's own tanh, the same on every machine)
    /// ELU        f(z) = z > 0 ? z : (eᶻ − 1)·α      (the library's expm1: accurate near 0)
    /// </code>
    /// </summary>
    public static void ActivationForward(Activation f, ReadOnlySpan<float> z, Span<float> a)
    {
        float parameter = f.Parameter;
        for (int i = 0; i < z.Length; i++)
        {
            float x = z[i];
            a[i] = f.Kind switch
            {
                ActivationKind.ReLU => x > 0f ? x : 0f,
                ActivationKind.LeakyReLU => x > 0f ? x : x * parameter,
                ActivationKind.Tanh => ElementaryFunctions.Tanh(x),
                ActivationKind.ELU => x > 0f ? x : ElementaryFunctions.ExpM1(x) * parameter,
                ActivationKind.Identity => x,
                _ => throw new NotSupportedException($"The reference has no {f.Name} activation."),
            };
        }
    }

    /// <summary>
    /// dz = da ⊙ f′(z), from the input z or the output a, whichever gives f′ directly (the derivative at 0 is PyTorch's;
    /// docs/backprop.md#activations):
    /// <code>
    /// ReLU       f′ = [z > 0]                       dz = z > 0 ? da : 0
    /// LeakyReLU  f′ = z > 0 ? 1 : slope             dz = z > 0 ? da : da·slope
    /// tanh       f′ = 1 − tanh²z = 1 − a²           dz = da·(1 − a·a)
    /// ELU        f′ = z > 0 ? 1 : α·eᶻ               dz = z > 0 ? da : (da·α)·eᶻ
    /// </code>
    /// <paramref name="dz"/> may be <paramref name="da"/>.
    /// </summary>
    public static void ActivationBackward(Activation f, ReadOnlySpan<float> z, ReadOnlySpan<float> a, ReadOnlySpan<float> da, Span<float> dz)
    {
        float parameter = f.Parameter;
        for (int i = 0; i < z.Length; i++)
        {
            float x = z[i], dy = da[i];
            dz[i] = f.Kind switch
            {
                ActivationKind.ReLU => x > 0f ? dy : 0f,
                ActivationKind.LeakyReLU => x > 0f ? dy : dy * parameter,
                ActivationKind.Tanh => dy * (1f - a[i] * a[i]),
                ActivationKind.ELU => x > 0f ? dy : dy * parameter * ElementaryFunctions.Exp(x),
                ActivationKind.Identity => dy,
                _ => throw new NotSupportedException($"The reference has no {f.Name} activation."),
            };
        }
    }

    // ---------------------------------------------------------------- dropout (docs/backprop.md#dropout)

    /// <summary>
    /// A mask for one row: m[i] = 1/(1 − p) (<paramref name="scale"/>, as a float) when uᵢ &lt; 1 − p, else 0, with
    /// uᵢ = <see cref="Pcg64.NextDouble"/>, one draw per hidden unit, first hidden layer first (NumPy's
    /// <c>rng.random(n) &lt; 1 - p</c>). E[mᵢ] = 1, so evaluation needs no rescaling (docs/backprop.md#dropout).
    /// </summary>
    public static void DrawDropoutMask(double p, float scale, Pcg64 rng, Span<float> mask)
    {
        for (int i = 0; i < mask.Length; i++)
        {
            mask[i] = rng.NextDouble() < 1.0 - p ? scale : 0f;
        }
    }

    /// <summary>
    /// z ← z ⊙ m in place. z is (T, width); masks is (T, maskWidth), row t holding every hidden layer's mask of step t,
    /// and this layer's columns start at <paramref name="maskOffset"/>. See docs/backprop.md#dropout.
    /// </summary>
    public static void DropoutForward(Span<float> z, int rows, ReadOnlySpan<float> masks, int maskOffset)
    {
        int width = z.Length / rows, maskWidth = masks.Length / rows;
        for (int t = 0; t < rows; t++)
        {
            for (int i = 0; i < width; i++)
            {
                z[t * width + i] *= masks[t * maskWidth + maskOffset + i];
            }
        }
    }

    /// <summary>
    /// dz ← dz ⊙ m in place, with the forward's mask: y = x ⊙ m gives ∂yᵢ/∂xᵢ = mᵢ, so a dropped unit passes no gradient.
    /// The same product as the forward (docs/backprop.md#dropout).
    /// </summary>
    public static void DropoutBackward(Span<float> dz, int rows, ReadOnlySpan<float> masks, int maskOffset)
        => DropoutForward(dz, rows, masks, maskOffset);
}
