using Reinforce.Numerics;
using Reinforce.Optimizers;

namespace Reinforce.Reference;

/// <summary>
/// One optimizer step as one loop over the flat buffers: parameters θ, gradients g, and the optimizer's own state
/// (<see cref="Optimizer.StateBuffers"/>, <see cref="Optimizer.StepCount"/>), the very objects a checkpoint saves. The
/// float operations are PyTorch's CPU kernels' (docs/backprop.md#adam, docs/backprop.md#sgd).
/// </summary>
internal static class OptimizerSteps
{
    /// <summary>One step of <paramref name="optimizer"/>: the reference step of its kind (a new optimizer adds its case here).</summary>
    public static void Step(Optimizer optimizer, Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        switch (optimizer)
        {
            case Adam adam: Adam(adam, parameters, gradients); break;
            case Sgd sgd: Sgd(sgd, parameters, gradients); break;
            default: throw new NotSupportedException($"The reference has no step for the {optimizer.Name} optimizer.");
        }
    }

    /// <summary>
    /// Adam (<c>torch.optim.Adam</c>, no weight decay; docs/backprop.md#adam), with the scalars of <see cref="AdamScalars"/>:
    /// <code>
    /// m ← fma(w₁, g − m, m)                  m.lerp_(g, 1 − β₁)
    /// v ← fma(w₂·g, g, v·β₂)                 v.mul_(β₂).addcmul_(g, g, 1 − β₂)
    /// θ ← θ + (step·m) / (√v / c₂ + ε)       θ.addcdiv_(m, denom, −step_size), ε after the square root
    /// </code>
    /// </summary>
    public static void Adam(Adam adam, Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        float[] m = adam.StateBuffers[0].Buffer, v = adam.StateBuffers[1].Buffer; // exp_avg, exp_avg_sq
        var (weight1, beta2, weight2, biasCorrection2Sqrt, epsilon, step) = AdamScalars(adam, ++adam.StepCount);
        for (int i = 0; i < parameters.Length; i++)
        {
            float g = gradients[i];
            m[i] = MathF.FusedMultiplyAdd(weight1, g - m[i], m[i]);
            v[i] = MathF.FusedMultiplyAdd(weight2 * g, g, v[i] * beta2);
            float denominator = MathF.Sqrt(v[i]) / biasCorrection2Sqrt + epsilon;
            parameters[i] += step * m[i] / denominator;
        }
    }

    /// <summary>
    /// The scalars of Adam's step t (docs/backprop.md#adam), computed in double, as Python floats, and rounded to float
    /// where they meet the tensors; βᵗ is the library's correctly rounded power:
    /// <code>
    /// w₁ = 1 − β₁,  w₂ = 1 − β₂,  c₂ = √(1 − β₂ᵗ),  step = −lr/(1 − β₁ᵗ)
    /// </code>
    /// </summary>
    public static (float Weight1, float Beta2, float Weight2, float BiasCorrection2Sqrt, float Epsilon, float Step) AdamScalars(Adam adam, long t)
    {
        double biasCorrection1 = 1 - ElementaryFunctions.Pow(adam.Beta1, t);
        double biasCorrection2 = 1 - ElementaryFunctions.Pow(adam.Beta2, t);
        return ((float)(1 - adam.Beta1), (float)adam.Beta2, (float)(1 - adam.Beta2), (float)Math.Sqrt(biasCorrection2),
            (float)adam.Epsilon, (float)-(adam.LearningRate / biasCorrection1));
    }

    /// <summary>SGD without momentum: θ ← fma(−lr, g, θ) (<c>param.add_(grad, alpha=−lr)</c>, −lr rounded to float;
    /// docs/backprop.md#sgd).</summary>
    public static void Sgd(Sgd sgd, Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        sgd.StepCount++;
        float step = (float)-sgd.LearningRate;
        for (int i = 0; i < parameters.Length; i++)
        {
            parameters[i] = MathF.FusedMultiplyAdd(step, gradients[i], parameters[i]);
        }
    }
}
