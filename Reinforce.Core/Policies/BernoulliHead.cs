using Reinforce.Numerics;
using Reinforce.Randomness;

namespace Reinforce.Policies;

/// <summary>
/// Two actions from one logit z: π(1|s) = σ(z), π(0|s) = 1 − σ(z) — the sigmoid output and
/// binary cross-entropy of the Hands-on ML Keras notebook (which lets its sigmoid give the
/// probability of action 0, "left"; here σ(z) is the probability of action 1, the same family
/// with z negated). Log-probabilities come from softplus, never from log(σ):
/// <code>
/// log π(1) = log σ(z)     = −softplus(−z)
/// log π(0) = log(1 − σ(z)) = −softplus(z)
/// </code>
/// so they stay finite and accurate for any z. Computed in double, returned in float.
/// See docs/backprop.md#bernoulli-head.
/// </summary>
public sealed class BernoulliHead : PolicyHead
{
    /// <inheritdoc/>
    public override string Name => "bernoulli";

    /// <inheritdoc/>
    public override int ActionCount => 2;

    /// <inheritdoc/>
    public override int OutputSize => 1;

    /// <summary>log π(a) for a ∈ {0, 1} from the logit z.</summary>
    public static double LogProbability(double logit, int action)
        => action == 1 ? -ScalarMath.Softplus(-logit) : -ScalarMath.Softplus(logit);

    /// <summary>H = −p·log p − (1 − p)·log(1 − p) = softplus(z) − z·σ(z).</summary>
    public static double Entropy(double logit) => ScalarMath.Softplus(logit) - logit * ScalarMath.Sigmoid(logit);

    /// <summary>Action 1 when u &lt; σ(z), u uniform in [0, 1).</summary>
    public override int Sample(ReadOnlySpan<float> output, Pcg64 rng)
    {
        CheckOutput(output);
        return rng.NextDouble() < ScalarMath.Sigmoid(output[0]) ? 1 : 0;
    }

    /// <summary>Action 1 when σ(z) &gt; ½, i.e. z &gt; 0 (action 0 on the tie, as the categorical head's first-max rule).</summary>
    public override int Greedy(ReadOnlySpan<float> output)
    {
        CheckOutput(output);
        return output[0] > 0f ? 1 : 0;
    }

    /// <inheritdoc/>
    public override float LogProbability(ReadOnlySpan<float> output, int action)
    {
        CheckOutput(output);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)action, 1u, nameof(action));
        return (float)LogProbability(output[0], action);
    }

    /// <inheritdoc/>
    public override float Entropy(ReadOnlySpan<float> output)
    {
        CheckOutput(output);
        return (float)Entropy(output[0]);
    }

    /// <summary>
    /// With p = σ(z) (docs/backprop.md#bernoulli-head):
    /// <code>
    /// ∂(−w·log π(a))/∂z = w·(p − a)          (the binary cross-entropy gradient)
    /// ∂(−β·H)/∂z        = β·z·p·(1 − p)      since ∂H/∂z = −z·p·(1 − p)
    /// dz = (w·(p − a) + β·z·p·(1 − p)) / N
    /// </code>
    /// </summary>
    protected override (float LogProbability, float Entropy) RowGradient(ReadOnlySpan<float> output, int action, float weight,
        float entropyCoefficient, float inverseN, Span<float> outputGradient)
    {
        double z = output[0];
        double p = ScalarMath.Sigmoid(z);
        double gradient = weight * (p - action) + entropyCoefficient * z * p * (1 - p);
        outputGradient[0] = (float)(gradient * inverseN);
        return ((float)LogProbability(z, action), (float)Entropy(z));
    }

    private static void CheckOutput(ReadOnlySpan<float> output)
    {
        if (output.Length != 1)
        {
            throw new ArgumentException($"The bernoulli head reads 1 logit; got {output.Length}.", nameof(output));
        }
    }
}
