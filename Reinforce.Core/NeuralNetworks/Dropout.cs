using Reinforce.Numerics;
using Reinforce.Randomness;

namespace Reinforce.NeuralNetworks;

/// <summary>
/// Dropout with the semantics of PyTorch's <c>nn.Dropout(p)</c> ("inverted" dropout): in training each
/// unit is kept with probability 1 − p and then scaled by 1/(1 − p), or set to 0; in evaluation the
/// layer is the identity. All the randomness is in a mask m drawn before the forward pass, one entry
/// per unit and row, mᵢ ∈ {0, 1/(1 − p)}. Given the mask the layer is linear, so forward and
/// backward are the same product:
/// <code>
/// forward:   y = x ⊙ m
/// backward:  dx = dy ⊙ m        (∂yᵢ/∂xᵢ = mᵢ; the mask is a constant of the chain rule)
/// </code>
/// E[mᵢ] = (1 − p)·1/(1 − p) = 1, so E[y] = x and evaluation needs no rescaling.
/// See docs/backprop.md#dropout.
/// </summary>
public static class Dropout
{
    /// <summary>Checks that <paramref name="probability"/> is a drop probability p in [0, 1).</summary>
    public static void CheckProbability(double probability, string name = "probability")
    {
        if (!(probability >= 0 && probability < 1))
        {
            throw new ArgumentOutOfRangeException(name, probability, "The dropout probability must be a number in [0, 1).");
        }
    }

    /// <summary>
    /// The scale 1/(1 − p) of a kept unit, as a float: <c>1f / (float)(1 − p)</c>, the division PyTorch
    /// does in <c>noise.div_(1 - p)</c> (1 − p in double, rounded to float, then a float division), so a
    /// kept unit is x·scale with the same bits as in PyTorch. 2.5 exactly for p = 0.6.
    /// </summary>
    public static float Scale(double probability)
    {
        CheckProbability(probability);
        return 1f / (float)(1.0 - probability);
    }

    /// <summary>
    /// Draws a mask into <paramref name="mask"/>: entry i is <see cref="Scale"/>(p) when uᵢ &lt; 1 − p and 0
    /// otherwise, with uᵢ = <see cref="Pcg64.NextDouble"/>, one draw per entry in index order. From a
    /// generator in the same state, NumPy's <c>rng.random(n) &lt; 1 - p</c> gives the same kept units.
    /// The trainer never calls this when p = 0: a network without dropout draws nothing.
    /// </summary>
    public static void DrawMask(double probability, Pcg64 rng, Span<float> mask)
    {
        ArgumentNullException.ThrowIfNull(rng);
        float scale = Scale(probability);
        double keep = 1.0 - probability;
        for (int i = 0; i < mask.Length; i++)
        {
            mask[i] = rng.NextDouble() < keep ? scale : 0f;
        }
    }

    /// <summary>Forward in training: y = x ⊙ m. <paramref name="y"/> may be <paramref name="x"/>.</summary>
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> mask, Span<float> y) => SimdKernels.Multiply(x, mask, y);

    /// <summary>
    /// Backward: dx = dy ⊙ m, with the mask of the forward pass. yᵢ = xᵢ·mᵢ gives ∂yᵢ/∂xᵢ = mᵢ: a dropped
    /// unit passes no gradient, a kept one passes dy·1/(1 − p). <paramref name="dx"/> may be
    /// <paramref name="dy"/>. See docs/backprop.md#dropout.
    /// </summary>
    public static void Backward(ReadOnlySpan<float> dy, ReadOnlySpan<float> mask, Span<float> dx) => SimdKernels.Multiply(dy, mask, dx);
}
