using Reinforce.Numerics;

namespace Reinforce.Optimizers;

/// <summary>
/// Adam with the semantics of <c>torch.optim.Adam</c> (PyTorch ≥ 2.0, its single-tensor CPU
/// implementation, no weight decay, not amsgrad), step for step and in the same float operations:
/// <code>
/// t  ← t + 1
/// m  ← lerp(m, g, 1 − β₁)  = fma(1 − β₁, g − m, m)
/// v  ← β₂·v + (1 − β₂)·g·g = fma((1 − β₂)·g, g, β₂·v)
/// m̂ scale:  step_size = lr / (1 − β₁ᵗ)                     (double, then float)
/// denom = √v / √(1 − β₂ᵗ) + ε                               (ε added after the square root)
/// θ  ← θ − step_size·m / denom
/// </code>
/// One SIMD loop over the flat buffer (<see cref="SimdKernels.AdamUpdate"/>). PyTorch 1.x computed
/// the first moment as <c>m·β₁ + (1 − β₁)·g</c> (fused as fma(g, 1 − β₁, β₁·m)); the two forms
/// differ by a few ulps of m. The tests check the rest of the step bit for bit against PyTorch.
/// See docs/backprop.md#adam.
/// </summary>
public sealed class Adam : Optimizer
{
    /// <summary>Adam over <paramref name="parameterCount"/> parameters.</summary>
    public Adam(int parameterCount, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(parameterCount);
        LearningRate = CheckLearningRate(learningRate);
        if (!(beta1 >= 0 && beta1 < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "β₁ must be in [0, 1).");
        }
        if (!(beta2 >= 0 && beta2 < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "β₂ must be in [0, 1).");
        }
        if (!(epsilon >= 0 && double.IsFinite(epsilon)))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "ε must be a finite number ≥ 0.");
        }
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        FirstMoment = new float[parameterCount];
        SecondMoment = new float[parameterCount];
        stateBuffers = [("exp_avg", FirstMoment), ("exp_avg_sq", SecondMoment)];
    }

    private readonly (string Name, float[] Buffer)[] stateBuffers;

    /// <inheritdoc/>
    public override string Name => "adam";

    /// <inheritdoc/>
    public override int ParameterCount => FirstMoment.Length;

    /// <summary>β₁, the decay of the first moment.</summary>
    public double Beta1 { get; }

    /// <summary>β₂, the decay of the second moment.</summary>
    public double Beta2 { get; }

    /// <summary>ε, added to the denominator after the square root.</summary>
    public double Epsilon { get; }

    /// <summary>m, PyTorch's <c>exp_avg</c>, in the parameter buffer's layout.</summary>
    public float[] FirstMoment { get; }

    /// <summary>v, PyTorch's <c>exp_avg_sq</c>, in the parameter buffer's layout.</summary>
    public float[] SecondMoment { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<(string Name, float[] Buffer)> StateBuffers => stateBuffers;

    /// <inheritdoc/>
    public override void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        CheckLengths(parameters, gradients);
        StepCount++;
        var c = Coefficients(StepCount);
        SimdKernels.AdamUpdate(gradients, c, parameters, FirstMoment, SecondMoment);
    }

    /// <summary>
    /// The scalars of step <paramref name="step"/>, computed as PyTorch computes them: in double
    /// (Python floats), each rounded to float where it meets the float tensors.
    /// </summary>
    public AdamCoefficients Coefficients(long step)
    {
        // βᵗ correctly rounded, as a correctly rounded C library pow gives it to Python, but the same on every machine.
        double biasCorrection1 = 1 - ElementaryFunctions.Pow(Beta1, step);
        double biasCorrection2 = 1 - ElementaryFunctions.Pow(Beta2, step);
        double stepSize = LearningRate / biasCorrection1;
        return new AdamCoefficients(
            Weight1: (float)(1 - Beta1),
            Beta2: (float)Beta2,
            Weight2: (float)(1 - Beta2),
            BiasCorrection2Sqrt: (float)Math.Sqrt(biasCorrection2),
            Epsilon: (float)Epsilon,
            NegativeStepSize: (float)-stepSize);
    }
}

/// <summary>The float scalars of one Adam step (see <see cref="Adam.Coefficients"/>).</summary>
/// <param name="Weight1">1 − β₁, the lerp weight of the first moment.</param>
/// <param name="Beta2">β₂.</param>
/// <param name="Weight2">1 − β₂.</param>
/// <param name="BiasCorrection2Sqrt">√(1 − β₂ᵗ).</param>
/// <param name="Epsilon">ε.</param>
/// <param name="NegativeStepSize">−lr / (1 − β₁ᵗ).</param>
public readonly record struct AdamCoefficients(float Weight1, float Beta2, float Weight2, float BiasCorrection2Sqrt, float Epsilon, float NegativeStepSize);
