using Reinforce.Numerics;
using Reinforce.Text;

namespace Reinforce.NeuralNetworks;

/// <summary>The element-wise nonlinearities a hidden layer can use.</summary>
public enum ActivationKind
{
    /// <summary>y = x (used for the output layer: logits are linear).</summary>
    Identity,
    /// <summary>y = max(x, 0).</summary>
    ReLU,
    /// <summary>y = tanh(x).</summary>
    Tanh,
    /// <summary>y = x for x &gt; 0, slope·x otherwise.</summary>
    LeakyReLU,
    /// <summary>y = x for x &gt; 0, α·(eˣ − 1) otherwise.</summary>
    ELU,
}

/// <summary>
/// An activation function with its parameter (the negative slope of LeakyReLU, α of ELU) and
/// its derivative written next to it. Semantics follow PyTorch's <c>torch.nn</c> modules,
/// including the value of the derivative at x = 0 (see docs/backprop.md#activations).
/// </summary>
/// <remarks>
/// Backward computes dx = dy ⊙ f′(x). It takes both the input x and the output y because some
/// derivatives are cheapest from one (ReLU: [x &gt; 0]) and some from the other (tanh: 1 − y²);
/// <c>dx</c> may be the same span as <c>dy</c> (in-place).
/// </remarks>
public readonly record struct Activation
{
    private Activation(ActivationKind kind, float parameter)
    {
        Kind = kind;
        Parameter = parameter;
    }

    /// <summary>Which function.</summary>
    public ActivationKind Kind { get; }

    /// <summary>The negative slope (LeakyReLU) or α (ELU); 0 for the others.</summary>
    public float Parameter { get; }

    /// <summary>y = x.</summary>
    public static Activation Identity => new(ActivationKind.Identity, 0f);

    /// <summary>y = max(x, 0), as <c>nn.ReLU</c>.</summary>
    public static Activation ReLU => new(ActivationKind.ReLU, 0f);

    /// <summary>y = tanh(x), as <c>nn.Tanh</c>.</summary>
    public static Activation Tanh => new(ActivationKind.Tanh, 0f);

    /// <summary>LeakyReLU with the given negative slope (PyTorch's default 0.01).</summary>
    public static Activation LeakyReLU(float negativeSlope = 0.01f)
    {
        if (!float.IsFinite(negativeSlope) || negativeSlope < 0f)
        {
            throw new ArgumentOutOfRangeException(nameof(negativeSlope), negativeSlope, "The LeakyReLU slope must be a finite number ≥ 0.");
        }
        return new(ActivationKind.LeakyReLU, negativeSlope);
    }

    /// <summary>ELU with the given α (PyTorch's and Keras' default 1.0).</summary>
    public static Activation Elu(float alpha = 1f)
    {
        if (!float.IsFinite(alpha) || alpha <= 0f)
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "The ELU alpha must be a finite number > 0.");
        }
        return new(ActivationKind.ELU, alpha);
    }

    /// <summary>The accepted names of <see cref="Parse"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = ["identity", "relu", "tanh", "leaky-relu", "elu"];

    /// <summary>The names a hidden layer is offered under (the command line's list): every activation but the identity.</summary>
    public static IReadOnlyList<string> HiddenNames { get; } = [.. Names.Where(n => n != "identity")];

    /// <summary>Whether the function has a parameter (<see cref="Parameter"/>: LeakyReLU's slope, ELU's α).</summary>
    public bool HasParameter => Kind is ActivationKind.LeakyReLU or ActivationKind.ELU;

    /// <summary>The same function with parameter <paramref name="parameter"/>, checked as its factory checks it; itself when it has none.</summary>
    public Activation WithParameter(float parameter) => Kind switch
    {
        ActivationKind.LeakyReLU => LeakyReLU(parameter),
        ActivationKind.ELU => Elu(parameter),
        _ => this,
    };

    /// <summary>Parses "identity", "relu", "tanh", "leaky-relu" or "elu" (case-insensitive), with default parameters.</summary>
    public static Activation Parse(string name) => name.ToLowerInvariant() switch
    {
        "identity" or "linear" => Identity,
        "relu" => ReLU,
        "tanh" => Tanh,
        "leaky-relu" or "leakyrelu" or "leaky_relu" => LeakyReLU(),
        "elu" => Elu(),
        _ => throw new ArgumentException($"Unknown activation {Display.Quote(name)}; accepted: {string.Join(", ", Names)}.", nameof(name)),
    };

    /// <summary>The canonical name ("relu", "leaky-relu", …).</summary>
    public string Name => Kind switch
    {
        ActivationKind.Identity => "identity",
        ActivationKind.ReLU => "relu",
        ActivationKind.Tanh => "tanh",
        ActivationKind.LeakyReLU => "leaky-relu",
        _ => "elu",
    };

    /// <inheritdoc/>
    public override string ToString() => HasParameter ? $"{Name}({Parameter})" : Name;

    /// <summary>y = f(x), element-wise. <paramref name="y"/> may be <paramref name="x"/>.</summary>
    public void Forward(ReadOnlySpan<float> x, Span<float> y)
    {
        Guard.SameLength(x.Length, y.Length, nameof(y));
        switch (Kind)
        {
            case ActivationKind.Identity: x.CopyTo(y); break;
            case ActivationKind.ReLU: SimdKernels.ReluForward(x, y); break;
            case ActivationKind.LeakyReLU: SimdKernels.LeakyReluForward(x, Parameter, y); break;
            case ActivationKind.Tanh: SimdKernels.TanhForward(x, y); break;
            case ActivationKind.ELU: SimdKernels.EluForward(x, Parameter, y); break;
        }
    }

    /// <summary>dx = dy ⊙ f′(x), element-wise. <paramref name="dx"/> may be <paramref name="dy"/>. See docs/backprop.md#activations.</summary>
    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        Guard.SameLength(x.Length, y.Length, nameof(y));
        Guard.SameLength(x.Length, dy.Length, nameof(dy));
        Guard.SameLength(x.Length, dx.Length, nameof(dx));
        switch (Kind)
        {
            case ActivationKind.Identity: dy.CopyTo(dx); break;
            case ActivationKind.ReLU: SimdKernels.ReluBackward(x, dy, dx); break;
            case ActivationKind.LeakyReLU: SimdKernels.LeakyReluBackward(x, dy, Parameter, dx); break;
            case ActivationKind.Tanh: SimdKernels.TanhBackward(y, dy, dx); break;
            case ActivationKind.ELU: SimdKernels.EluBackward(x, dy, Parameter, dx); break;
        }
    }
}
