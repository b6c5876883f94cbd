using Reinforce.Numerics;

namespace Reinforce.Optimizers;

/// <summary>Plain stochastic gradient descent, <c>torch.optim.SGD</c> without momentum: θ ← θ − lr·g.</summary>
public sealed class Sgd : Optimizer
{
    private readonly int parameterCount;

    /// <summary>SGD over <paramref name="parameterCount"/> parameters.</summary>
    public Sgd(int parameterCount, double learningRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(parameterCount);
        this.parameterCount = parameterCount;
        LearningRate = CheckLearningRate(learningRate);
    }

    /// <inheritdoc/>
    public override string Name => "sgd";

    /// <inheritdoc/>
    public override int ParameterCount => parameterCount;

    /// <inheritdoc/>
    public override IReadOnlyList<(string Name, float[] Buffer)> StateBuffers => [];

    /// <summary>θ ← θ + (−lr)·g (PyTorch's <c>param.add_(grad, alpha=-lr)</c>). See docs/backprop.md#sgd.</summary>
    public override void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        CheckLengths(parameters, gradients);
        StepCount++;
        SimdKernels.Axpy(gradients, (float)-LearningRate, parameters);
    }
}
