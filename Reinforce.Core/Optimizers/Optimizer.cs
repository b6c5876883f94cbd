using Reinforce.Text;

namespace Reinforce.Optimizers;

/// <summary>A first-order optimizer over one flat parameter buffer.</summary>
public abstract class Optimizer
{
    /// <summary>Names accepted by <see cref="Create"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = ["adam", "sgd"];

    /// <summary>Creates "adam" (PyTorch defaults β = (0.9, 0.999), ε = 1e-8) or "sgd".</summary>
    public static Optimizer Create(string name, int parameterCount, double learningRate) => name.ToLowerInvariant() switch
    {
        "adam" => new Adam(parameterCount, learningRate),
        "sgd" => new Sgd(parameterCount, learningRate),
        _ => throw new ArgumentException($"Unknown optimizer {Display.Quote(name)}; accepted: {string.Join(", ", Names)}.", nameof(name)),
    };

    /// <summary>The canonical name.</summary>
    public abstract string Name { get; }

    /// <summary>Number of parameters this optimizer was built for.</summary>
    public abstract int ParameterCount { get; }

    /// <summary>The learning rate.</summary>
    public double LearningRate { get; protected init; }

    /// <summary>Number of steps taken (PyTorch's per-parameter <c>state['step']</c>; one counter for the flat buffer).</summary>
    public long StepCount { get; set; }

    /// <summary>One step: updates <paramref name="parameters"/> in place from <paramref name="gradients"/>.</summary>
    public abstract void Step(Span<float> parameters, ReadOnlySpan<float> gradients);

    /// <summary>The optimizer's per-parameter state buffers by name (Adam: <c>exp_avg</c>, <c>exp_avg_sq</c>), for checkpoints.</summary>
    public abstract IReadOnlyList<(string Name, float[] Buffer)> StateBuffers { get; }

    private protected void CheckLengths(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        if (parameters.Length != ParameterCount || gradients.Length != ParameterCount)
        {
            throw new ArgumentException($"This {Name} optimizer was built for {ParameterCount} parameters; got {parameters.Length} parameters and {gradients.Length} gradients.");
        }
    }

    private protected static double CheckLearningRate(double learningRate) => double.IsFinite(learningRate) && learningRate > 0
        ? learningRate
        : throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The learning rate must be a finite number > 0.");
}
