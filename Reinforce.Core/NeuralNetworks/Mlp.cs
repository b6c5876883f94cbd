using Reinforce.Numerics;
using Reinforce.Randomness;

namespace Reinforce.NeuralNetworks;

/// <summary>
/// A multilayer perceptron: dense layers with one hidden activation between them and a linear
/// output layer (the logits), optionally with dropout after each hidden dense layer, before its
/// activation (the order of PyTorch's <c>reinforce.py</c>). The layout is PyTorch's
/// <c>nn.Sequential(Linear, act, Linear, act, …, Linear)</c>, so dense layer l has the
/// parameters <c>{2l}.weight</c> [out, in] and <c>{2l}.bias</c> [out], all in one
/// <see cref="ParameterBuffer"/>; with dropout the modules are
/// <c>nn.Sequential(Linear, Dropout, act, Linear, Dropout, act, …, Linear)</c> and the names
/// <c>{3l}.weight</c>, <c>{3l}.bias</c>.
/// </summary>
/// <remarks>
/// Forward over a batch keeps every layer's pre-activation z and activation a in a
/// <see cref="MlpWorkspace"/>; backward reads them to apply the chain rule layer by layer
/// (m_l is layer l's dropout mask, all ones when dropout is off or in evaluation):
/// <code>
/// forward:   a₀ = x;   z_l = (a_{l−1}·W_lᵀ + b_l) ⊙ m_l;   a_l = f(z_l) (hidden);   logits = z_L
/// backward:  dz_L = ∂L/∂logits
///            dW_l += dz_lᵀ·a_{l−1};  db_l += Σ_t dz_l;  da_{l−1} = dz_l·W_l;  dz_{l−1} = da_{l−1} ⊙ f′(z_{l−1}) ⊙ m_{l−1}
/// </code>
/// See docs/backprop.md#the-mlp and docs/backprop.md#dropout.
/// </remarks>
public sealed class Mlp
{
    private readonly int[] sizes;
    private readonly ParameterTensor[] tensors;
    private readonly MlpWorkspace singleState;

    /// <summary>
    /// Creates a network with the given layer sizes (input, hidden…, output) and hidden activation,
    /// and dropout with probability <paramref name="dropout"/> after every hidden dense layer (0: no
    /// dropout layer at all). Parameters start at zero; call <see cref="Initialize"/>.
    /// </summary>
    public Mlp(IReadOnlyList<int> layerSizes, Activation hiddenActivation, double dropout = 0)
    {
        NeuralNetworks.Dropout.CheckProbability(dropout, nameof(dropout));
        ArgumentNullException.ThrowIfNull(layerSizes);
        if (layerSizes.Count < 2)
        {
            throw new ArgumentException($"An MLP needs at least an input and an output size; got {layerSizes.Count} size(s).", nameof(layerSizes));
        }
        for (int i = 0; i < layerSizes.Count; i++)
        {
            if (layerSizes[i] <= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(layerSizes), $"Layer size {i} is {layerSizes[i]}; every size must be ≥ 1.");
            }
        }
        sizes = [.. layerSizes];
        HiddenActivation = hiddenActivation;
        Dropout = dropout;
        DropoutScale = dropout > 0 ? NeuralNetworks.Dropout.Scale(dropout) : 1f;
        for (int l = 1; l < sizes.Length - 1 && dropout > 0; l++)
        {
            DropoutMaskWidth += sizes[l];
        }
        var tensors = new List<(string, int[])>();
        for (int l = 0; l < LayerCount; l++)
        {
            tensors.Add((WeightName(l, dropout > 0), [sizes[l + 1], sizes[l]]));
            tensors.Add((BiasName(l, dropout > 0), [sizes[l + 1]]));
        }
        Parameters = new ParameterBuffer(tensors);
        this.tensors = [.. Parameters.Tensors];
        singleState = new MlpWorkspace(this, 1);
    }

    /// <summary>The sizes: input, hidden layers, output.</summary>
    public IReadOnlyList<int> LayerSizes => sizes;

    /// <summary>The activation after every hidden layer (the output layer is linear).</summary>
    public Activation HiddenActivation { get; }

    /// <summary>The dropout probability p after every hidden dense layer, before its activation; 0 when the network has no dropout.</summary>
    public double Dropout { get; }

    /// <summary>1/(1 − p) as a float (<see cref="NeuralNetworks.Dropout.Scale"/>): the mask value of a kept unit; 1 without dropout.</summary>
    public float DropoutScale { get; }

    /// <summary>
    /// Mask entries per row in training: every hidden unit, layer by layer (the first hidden layer's
    /// units, then the second's, …); 0 when the network has no dropout.
    /// </summary>
    public int DropoutMaskWidth { get; }

    /// <summary>Number of dense layers.</summary>
    public int LayerCount => sizes.Length - 1;

    /// <summary>Input width.</summary>
    public int InputSize => sizes[0];

    /// <summary>Output width (number of logits).</summary>
    public int OutputSize => sizes[^1];

    /// <summary>Parameters and gradients, by PyTorch name.</summary>
    public ParameterBuffer Parameters { get; }

    /// <summary>
    /// The <c>nn.Sequential</c> name of dense layer <paramref name="layer"/>'s weight: <c>{2·layer}.weight</c>, or
    /// <c>{3·layer}.weight</c> when every hidden layer is followed by a dropout module (<c>Linear, Dropout, act</c>).
    /// </summary>
    public static string WeightName(int layer, bool withDropout = false) => $"{(withDropout ? 3 : 2) * layer}.weight";

    /// <summary>The <c>nn.Sequential</c> name of dense layer <paramref name="layer"/>'s bias: <c>{2·layer}.bias</c>, or <c>{3·layer}.bias</c> with dropout.</summary>
    public static string BiasName(int layer, bool withDropout = false) => $"{(withDropout ? 3 : 2) * layer}.bias";

    // Straight from an array: Tensors is an IReadOnlyList, and interface calls cost more than a layer of a 1-row forward.
    internal ParameterTensor WeightTensor(int layer) => tensors[2 * layer];

    internal ParameterTensor BiasTensor(int layer) => tensors[2 * layer + 1];

    internal int LayerSize(int layer) => sizes[layer];

    /// <summary>Draws fresh parameters, layer by layer (weight then bias), from <paramref name="rng"/>.</summary>
    public void Initialize(WeightInitialization initialization, Pcg64 rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        for (int l = 0; l < LayerCount; l++)
        {
            initialization.Fill(sizes[l], sizes[l + 1], rng,
                ParameterBuffer.View(Parameters.Values, WeightTensor(l)),
                ParameterBuffer.View(Parameters.Values, BiasTensor(l)));
        }
    }

    /// <summary>A workspace for batches of up to <paramref name="capacity"/> rows (it grows on demand).</summary>
    public MlpWorkspace CreateWorkspace(int capacity) => new(this, capacity);

    /// <summary>
    /// Forward for one state into <paramref name="output"/>, using a workspace owned by this
    /// network: convenient, allocation-free, but not for use from several threads at once
    /// (give each thread its own <see cref="MlpWorkspace"/> and use the batched overload).
    /// </summary>
    public void Forward(ReadOnlySpan<float> input, Span<float> output) => Forward(input, 1, singleState, output);

    /// <summary>
    /// Forward for a batch in evaluation mode (dropout, if any, is the identity): <paramref name="inputs"/>
    /// is (T, in), <paramref name="outputs"/> is (T, out). The activations stay in
    /// <paramref name="workspace"/> for <see cref="Backward"/>.
    /// </summary>
    public void Forward(ReadOnlySpan<float> inputs, int batch, MlpWorkspace workspace, Span<float> outputs)
        => Forward(inputs, batch, workspace, outputs, []);

    /// <summary>
    /// Forward for a batch in training mode: as the overload without masks, but every hidden layer's
    /// pre-activation is multiplied by its dropout mask before the activation. <paramref name="dropoutMasks"/>
    /// is (T, <see cref="DropoutMaskWidth"/>): row t holds the masks of step t, the first hidden layer's
    /// units first (<see cref="NeuralNetworks.Dropout.DrawMask"/>); empty means evaluation mode. The workspace keeps
    /// a copy for <see cref="Backward"/>, so the backward pass uses exactly these masks.
    /// </summary>
    public void Forward(ReadOnlySpan<float> inputs, int batch, MlpWorkspace workspace, Span<float> outputs, ReadOnlySpan<float> dropoutMasks)
        => Forward(inputs, batch, workspace, outputs, dropoutMasks, outputLayer: true);

    /// <summary>
    /// The forward of the hidden layers only (z_l, a_l for l &lt; L into the workspace, as <see cref="Forward(ReadOnlySpan{float}, int, MlpWorkspace, Span{float}, ReadOnlySpan{float})"/>
    /// computes them), for a <see cref="Backward"/> whose logits came from elsewhere: the rollout's forward of the same
    /// rows, kept (Backward never reads z_L).
    /// </summary>
    internal void ForwardHiddenLayers(ReadOnlySpan<float> inputs, int batch, MlpWorkspace workspace, ReadOnlySpan<float> dropoutMasks)
        => Forward(inputs, batch, workspace, [], dropoutMasks, outputLayer: false);

    /// <summary>
    /// Whether <see cref="RecordHiddenLayer"/> applies: one hidden layer, no dropout, and an activation whose derivative
    /// reads its output alone (tanh: f′(z) = 1 − a²), since the record has no z₁.
    /// </summary>
    internal bool CanRecordHiddenLayer => LayerCount == 2 && DropoutMaskWidth == 0 && HiddenActivation.Kind == ActivationKind.Tanh;

    /// <summary>
    /// Makes <paramref name="workspace"/> the record of a forward pass whose hidden activations a₁ =
    /// <paramref name="hiddenActivations"/> (T, hidden) were computed elsewhere, from these <paramref name="inputs"/> and the
    /// current weights (the rollout's forward of the same rows, kept): a₀ = inputs, a₁ as given, so that <see cref="Backward"/>
    /// reads what <see cref="ForwardHiddenLayers"/> would have written. Only where <see cref="CanRecordHiddenLayer"/>.
    /// </summary>
    internal void RecordHiddenLayer(ReadOnlySpan<float> inputs, ReadOnlySpan<float> hiddenActivations, int batch, MlpWorkspace workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        workspace.CheckOwner(this);
        if (!CanRecordHiddenLayer)
        {
            throw new InvalidOperationException("Only a network with one tanh hidden layer and no dropout can record kept activations.");
        }
        Guard.MatrixShape(inputs.Length, batch, InputSize, nameof(inputs));
        Guard.MatrixShape(hiddenActivations.Length, batch, sizes[1], nameof(hiddenActivations));
        workspace.EnsureCapacity(batch);
        workspace.Batch = batch;
        workspace.DropoutApplied = false;
        inputs.CopyTo(workspace.Activation(0, batch));
        hiddenActivations.CopyTo(workspace.Activation(1, batch));
    }

    private void Forward(ReadOnlySpan<float> inputs, int batch, MlpWorkspace workspace, Span<float> outputs, ReadOnlySpan<float> dropoutMasks,
        bool outputLayer)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        workspace.CheckOwner(this);
        if (batch < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(batch), batch, "The batch size must be ≥ 0.");
        }
        Guard.MatrixShape(inputs.Length, batch, InputSize, nameof(inputs));
        if (outputLayer)
        {
            Guard.MatrixShape(outputs.Length, batch, OutputSize, nameof(outputs));
        }
        bool training = !dropoutMasks.IsEmpty;
        if (training)
        {
            if (DropoutMaskWidth == 0)
            {
                throw new ArgumentException("This network has no dropout layer; pass no masks.", nameof(dropoutMasks));
            }
            Guard.MatrixShape(dropoutMasks.Length, batch, DropoutMaskWidth, nameof(dropoutMasks));
        }
        workspace.EnsureCapacity(batch);
        workspace.Batch = batch;
        workspace.DropoutApplied = training;
        inputs.CopyTo(workspace.Activation(0, batch));
        float[] values = Parameters.Values;
        int maskOffset = 0;
        bool relu = HiddenActivation.Kind == ActivationKind.ReLU;
        for (int l = 0; l < (outputLayer ? LayerCount : LayerCount - 1); l++)
        {
            Span<float> z = workspace.PreActivation(l + 1, batch);
            if (relu && !training && l < LayerCount - 1)
            {
                // z_l and a_l = ReLU(z_l) in one pass (the same bits as the forward, then the activation).
                SimdKernels.MatMulTransposedBRelu(workspace.Activation(l, batch), ParameterBuffer.View(values, WeightTensor(l)),
                    ParameterBuffer.View(values, BiasTensor(l)), batch, z, workspace.Activation(l + 1, batch));
                continue;
            }
            Dense.Forward(workspace.Activation(l, batch), ParameterBuffer.View(values, WeightTensor(l)),
                ParameterBuffer.View(values, BiasTensor(l)), batch, z);
            if (l < LayerCount - 1)
            {
                if (training)
                {
                    // z_l ← z_l ⊙ m_l in place, with layer l's columns of the masks copied for the backward pass.
                    int width = sizes[l + 1];
                    Span<float> mask = workspace.DropoutMask(l + 1, batch);
                    if (width == DropoutMaskWidth)
                    {
                        dropoutMasks.CopyTo(mask);
                    }
                    else
                    {
                        for (int t = 0; t < batch; t++)
                        {
                            dropoutMasks.Slice(t * DropoutMaskWidth + maskOffset, width).CopyTo(mask.Slice(t * width, width));
                        }
                    }
                    maskOffset += width;
                    NeuralNetworks.Dropout.Forward(z, mask, z);
                }
                HiddenActivation.Forward(z, workspace.Activation(l + 1, batch));
            }
        }
        if (outputLayer)
        {
            workspace.PreActivation(LayerCount, batch).CopyTo(outputs);
        }
    }

    /// <summary>
    /// Backward for the batch of the last forward pass with this workspace (with the dropout masks that
    /// forward used, if any): <paramref name="outputGradients"/> is ∂L/∂logits, (T, out). Adds
    /// ∂L/∂θ to <see cref="ParameterBuffer.Gradients"/> (zero them first for a fresh gradient):
    /// dW_l += dz_lᵀ·a_{l−1}, db_l += Σ_t dz_l, dz_{l−1} = (dz_l·W_l) ⊙ f′(z_{l−1}) ⊙ m_{l−1}. See docs/backprop.md#the-mlp.
    /// </summary>
    public void Backward(ReadOnlySpan<float> outputGradients, MlpWorkspace workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        workspace.CheckOwner(this);
        int batch = workspace.Batch;
        Guard.MatrixShape(outputGradients.Length, batch, OutputSize, nameof(outputGradients));
        float[] values = Parameters.Values, gradients = Parameters.Gradients;
        bool relu = HiddenActivation.Kind == ActivationKind.ReLU;
        if (relu && !workspace.DropoutApplied && LayerCount == 2 && InputSize == 4 && OutputSize == 2)
        {
            // One hidden ReLU layer between 4 inputs and 2 logits (the CartPole policy): both layers' gradients in one pass
            // over the rows, the loop below bit for bit (dZ₁ is never written; its mask [z₁ > 0] is read as [a₁ > 0]).
            SimdKernels.TwoLayerReluBackward(outputGradients, ParameterBuffer.View(values, WeightTensor(1)), workspace.Activation(1, batch),
                workspace.Activation(0, batch), batch, ParameterBuffer.View(gradients, WeightTensor(1)), ParameterBuffer.View(gradients, BiasTensor(1)),
                ParameterBuffer.View(gradients, WeightTensor(0)), ParameterBuffer.View(gradients, BiasTensor(0)));
            return;
        }
        Span<float> dz = workspace.GradientA(OutputSize * batch);
        outputGradients.CopyTo(dz);
        for (int l = LayerCount - 1; l >= 0; l--)
        {
            // da_{l−1} = dz_l·W_l is only needed below the first layer.
            Span<float> da = l > 0 ? workspace.GradientB(sizes[l] * batch) : [];
            ReadOnlySpan<float> w = ParameterBuffer.View(values, WeightTensor(l));
            // With ReLU, dz_{l−1} = (dz_l·W_l) ⊙ [z_{l−1} > 0] in one pass: Dense.Backward computes only dW_l and db_l.
            Dense.Backward(workspace.Activation(l, batch), w, dz, batch,
                ParameterBuffer.View(gradients, WeightTensor(l)), ParameterBuffer.View(gradients, BiasTensor(l)), relu ? [] : da);
            if (l > 0)
            {
                // dz_{l−1} = da_{l−1} ⊙ f′(z_{l−1}) (z after dropout: the activation's input), then ⊙ m_{l−1}
                // through the dropout (docs/backprop.md#dropout), written in place; the two gradient buffers swap roles.
                if (relu)
                {
                    SimdKernels.MatMulReluBackward(dz, w, workspace.PreActivation(l, batch), batch, da);
                }
                else
                {
                    HiddenActivation.Backward(workspace.PreActivation(l, batch), workspace.Activation(l, batch), da, da);
                }
                if (workspace.DropoutApplied)
                {
                    NeuralNetworks.Dropout.Backward(da, workspace.DropoutMask(l, batch), da);
                }
                workspace.SwapGradients();
                dz = workspace.GradientA(sizes[l] * batch);
            }
        }
    }
}

/// <summary>
/// The buffers of one forward/backward pass: every layer's pre-activation z and activation a for
/// up to <see cref="Capacity"/> rows, and two gradient buffers. Reused across updates; it grows
/// (allocates) only when a batch is larger than any before.
/// </summary>
public sealed class MlpWorkspace
{
    private readonly Mlp owner;
    private readonly int maxWidth;
    private float[][] preActivations = [];
    private float[][] activations = [];
    private float[][] dropoutMasks = [];
    private float[] gradientA = [], gradientB = [];

    internal MlpWorkspace(Mlp owner, int capacity)
    {
        this.owner = owner;
        maxWidth = owner.LayerSizes.Max();
        Allocate(Math.Max(1, capacity));
    }

    /// <summary>Rows the buffers hold without growing.</summary>
    public int Capacity { get; private set; }

    /// <summary>Rows of the last forward pass.</summary>
    public int Batch { get; internal set; }

    /// <summary>Whether the last forward pass applied dropout masks (training mode of a network with dropout).</summary>
    public bool DropoutApplied { get; internal set; }

    /// <summary>The activation a_l of the last forward pass, (T, size_l); a₀ is the input.</summary>
    public ReadOnlySpan<float> Activations(int layer) => Activation(layer, Batch);

    /// <summary>
    /// The pre-activation z_l of the last forward pass, (T, size_l), for l ≥ 1; z_L are the logits. For a
    /// hidden layer this is the activation's input: after dropout when the pass applied masks.
    /// </summary>
    public ReadOnlySpan<float> PreActivations(int layer) => PreActivation(layer, Batch);

    /// <summary>The dropout mask m_l of hidden layer l ≥ 1 that the last forward pass applied, (T, size_l); empty when it applied none.</summary>
    public ReadOnlySpan<float> DropoutMasks(int layer) => DropoutApplied ? DropoutMask(layer, Batch) : [];

    internal void CheckOwner(Mlp network)
    {
        if (!ReferenceEquals(owner, network))
        {
            throw new ArgumentException("This workspace was created by another network.", "workspace");
        }
    }

    internal void EnsureCapacity(int batch)
    {
        if (batch > Capacity)
        {
            Allocate(Math.Max(batch, Capacity + Capacity / 2));
        }
    }

    private void Allocate(int capacity)
    {
        IReadOnlyList<int> sizes = owner.LayerSizes;
        preActivations = new float[sizes.Count][];
        activations = new float[sizes.Count][];
        dropoutMasks = new float[sizes.Count][];
        for (int l = 0; l < sizes.Count; l++)
        {
            preActivations[l] = l == 0 ? [] : new float[sizes[l] * capacity];
            // Hidden layers get their own activation buffer; the input is copied into a₀;
            // the output layer is linear, so a_L is never stored.
            activations[l] = l == sizes.Count - 1 ? [] : new float[sizes[l] * capacity];
            // Masks only for the hidden layers of a network with dropout.
            dropoutMasks[l] = owner.DropoutMaskWidth == 0 || l == 0 || l == sizes.Count - 1 ? [] : new float[sizes[l] * capacity];
        }
        gradientA = new float[maxWidth * capacity];
        gradientB = new float[maxWidth * capacity];
        Capacity = capacity;
    }

    internal Span<float> PreActivation(int layer, int batch) => preActivations[layer].AsSpan(0, owner.LayerSize(layer) * batch);

    internal Span<float> Activation(int layer, int batch) => activations[layer].AsSpan(0, owner.LayerSize(layer) * batch);

    internal Span<float> DropoutMask(int layer, int batch) => dropoutMasks[layer].AsSpan(0, owner.LayerSize(layer) * batch);

    internal Span<float> GradientA(int length) => gradientA.AsSpan(0, length);

    internal Span<float> GradientB(int length) => gradientB.AsSpan(0, length);

    internal void SwapGradients() => (gradientA, gradientB) = (gradientB, gradientA);
}
