using Reinforce.Randomness;
using Reinforce.Text;

namespace Reinforce.NeuralNetworks;

/// <summary>How the weights of a fresh network are drawn.</summary>
public enum WeightInitialization
{
    /// <summary>
    /// PyTorch's <c>nn.Linear</c> default: weight and bias both uniform in ±1/√fan_in
    /// (kaiming_uniform with a = √5 gives gain √(1/3), bound gain·√(3/fan_in) = 1/√fan_in).
    /// </summary>
    PyTorch,

    /// <summary>Keras' default: Glorot (Xavier) uniform weights in ±√(6/(fan_in + fan_out)), zero bias.</summary>
    Glorot,
}

/// <summary>Parsing and drawing of <see cref="WeightInitialization"/>.</summary>
public static class WeightInitializationExtensions
{
    /// <summary>The accepted names of <see cref="Parse"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = ["pytorch", "glorot"];

    /// <summary>Parses "pytorch" or "glorot" (case-insensitive; "xavier" is accepted for Glorot).</summary>
    public static WeightInitialization Parse(string name) => name.ToLowerInvariant() switch
    {
        "pytorch" or "torch" => WeightInitialization.PyTorch,
        "glorot" or "xavier" => WeightInitialization.Glorot,
        _ => throw new ArgumentException($"Unknown initialisation {Display.Quote(name)}; accepted: {string.Join(", ", Names)}.", nameof(name)),
    };

    /// <summary>The canonical name.</summary>
    public static string Name(this WeightInitialization init) => init == WeightInitialization.PyTorch ? "pytorch" : "glorot";

    /// <summary>
    /// Fills one layer's weight [fanOut, fanIn] and bias [fanOut], weight first, row-major, each
    /// element <c>low + (high − low)·u</c> with u from <paramref name="rng"/>.
    /// </summary>
    public static void Fill(this WeightInitialization init, int fanIn, int fanOut, Pcg64 rng, Span<float> weight, Span<float> bias)
    {
        double weightBound = init == WeightInitialization.PyTorch
            ? 1.0 / Math.Sqrt(fanIn)
            : Math.Sqrt(6.0 / (fanIn + fanOut));
        for (int i = 0; i < weight.Length; i++)
        {
            weight[i] = (float)rng.NextUniform(-weightBound, weightBound);
        }
        if (init == WeightInitialization.PyTorch)
        {
            double biasBound = 1.0 / Math.Sqrt(fanIn);
            for (int i = 0; i < bias.Length; i++)
            {
                bias[i] = (float)rng.NextUniform(-biasBound, biasBound);
            }
        }
        else
        {
            bias.Clear();
        }
    }
}
