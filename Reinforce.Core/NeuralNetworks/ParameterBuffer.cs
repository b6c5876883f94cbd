namespace Reinforce.NeuralNetworks;

/// <summary>One named tensor inside a <see cref="ParameterBuffer"/>: its PyTorch-style name, where it starts and its shape.</summary>
/// <param name="Name">The <c>nn.Sequential</c> state-dict name, e.g. <c>0.weight</c>.</param>
/// <param name="Offset">Index of the first element in the flat buffer.</param>
/// <param name="Shape">The shape; weights are [out, in] row-major, biases [out].</param>
public sealed record ParameterTensor(string Name, int Offset, IReadOnlyList<int> Shape)
{
    /// <summary>Number of elements (the product of the shape; computed once, views are taken on the hot path).</summary>
    public int Length { get; } = Shape.Aggregate(1, (a, b) => checked(a * b));

    /// <summary>The shape as text, e.g. <c>[128, 4]</c>.</summary>
    public string ShapeText => $"[{string.Join(", ", Shape)}]";
}

/// <summary>
/// All parameters of a network in one flat <c>float</c> buffer with named views, and the
/// gradients in a second buffer of the same layout. The optimizer's state uses the same layout
/// too, so an optimizer step is one loop over the whole buffer (as in llm.c).
/// </summary>
public sealed class ParameterBuffer
{
    private readonly Dictionary<string, ParameterTensor> byName;

    /// <summary>Lays out the given tensors one after the other, in order.</summary>
    public ParameterBuffer(IEnumerable<(string Name, int[] Shape)> tensors)
    {
        var list = new List<ParameterTensor>();
        byName = new Dictionary<string, ParameterTensor>(StringComparer.Ordinal);
        int offset = 0;
        foreach (var (name, shape) in tensors)
        {
            var tensor = new ParameterTensor(name, offset, Array.AsReadOnly((int[])shape.Clone()));
            if (!byName.TryAdd(name, tensor))
            {
                throw new ArgumentException($"Duplicate parameter name '{name}'.", nameof(tensors));
            }
            list.Add(tensor);
            offset = checked(offset + tensor.Length);
        }
        Tensors = list.AsReadOnly();
        Values = new float[offset];
        Gradients = new float[offset];
    }

    /// <summary>The tensors in buffer order.</summary>
    public IReadOnlyList<ParameterTensor> Tensors { get; }

    /// <summary>The flat parameter values.</summary>
    public float[] Values { get; }

    /// <summary>The flat gradients, same layout as <see cref="Values"/>.</summary>
    public float[] Gradients { get; }

    /// <summary>Total number of parameters.</summary>
    public int Length => Values.Length;

    /// <summary>The tensor called <paramref name="name"/>; the error lists the names that exist.</summary>
    public ParameterTensor this[string name] => byName.TryGetValue(name, out var tensor)
        ? tensor
        : throw new KeyNotFoundException($"No parameter named '{name}'; the parameters are: {string.Join(", ", Tensors.Select(t => t.Name))}.");

    /// <summary>The values of one tensor (a view into <see cref="Values"/>).</summary>
    public Span<float> Value(string name) => View(Values, this[name]);

    /// <summary>The gradient of one tensor (a view into <see cref="Gradients"/>).</summary>
    public Span<float> Gradient(string name) => View(Gradients, this[name]);

    /// <summary>The view of <paramref name="tensor"/> in any buffer of this layout (values, gradients, optimizer moments).</summary>
    public static Span<float> View(float[] buffer, ParameterTensor tensor) => buffer.AsSpan(tensor.Offset, tensor.Length);

    /// <summary>Sets every gradient to zero (once per update; backward passes accumulate).</summary>
    public void ZeroGradients() => Array.Clear(Gradients);
}
