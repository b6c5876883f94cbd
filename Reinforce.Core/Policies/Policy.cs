using Reinforce.Execution.Fast;
using Reinforce.NeuralNetworks;
using Reinforce.Randomness;

namespace Reinforce.Policies;

/// <summary>
/// A stochastic policy π_θ(a|s): an <see cref="Mlp"/> that maps a state to the head's outputs and
/// a <see cref="PolicyHead"/> that turns them into a distribution over actions. This is the
/// public surface for acting, for log-probabilities of a batch, and for the REINFORCE loss and
/// its gradient with respect to every named parameter.
/// </summary>
/// <remarks>Not thread-safe: it owns one workspace. Parallel rollouts give each worker its own
/// <see cref="MlpWorkspace"/> and call <see cref="Mlp.Forward(ReadOnlySpan{float}, int, MlpWorkspace, Span{float})"/>.</remarks>
public sealed class Policy
{
    private readonly MlpWorkspace workspace;
    private float[] outputs = [];
    private float[] outputGradients = [];

    /// <summary>Pairs a network with a head whose <see cref="PolicyHead.OutputSize"/> matches the network's output.</summary>
    public Policy(Mlp network, PolicyHead head)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(head);
        if (network.OutputSize != head.OutputSize)
        {
            throw new ArgumentException($"The {head.Name} head reads {head.OutputSize} output(s) per state; the network has {network.OutputSize}.", nameof(head));
        }
        Network = network;
        Head = head;
        workspace = network.CreateWorkspace(1);
    }

    /// <summary>
    /// Builds observation → hidden… → head outputs with the given activation and, when
    /// <paramref name="dropout"/> &gt; 0, dropout after every hidden dense layer; initialised from
    /// <paramref name="rng"/> (PyTorch's <c>nn.Linear</c> default unless told otherwise). Dropout has no
    /// parameters, so the initial weights do not depend on it.
    /// </summary>
    public static Policy Create(int observationSize, IReadOnlyList<int> hiddenSizes, Activation hiddenActivation, PolicyHead head,
        Pcg64 rng, WeightInitialization initialization = WeightInitialization.PyTorch, double dropout = 0)
    {
        ArgumentNullException.ThrowIfNull(hiddenSizes);
        ArgumentNullException.ThrowIfNull(head);
        var network = new Mlp([observationSize, .. hiddenSizes, head.OutputSize], hiddenActivation, dropout);
        network.Initialize(initialization, rng);
        return new Policy(network, head);
    }

    /// <summary>The network.</summary>
    public Mlp Network { get; }

    /// <summary>The head.</summary>
    public PolicyHead Head { get; }

    /// <summary>Parameters and gradients by PyTorch name (<c>0.weight</c>, <c>0.bias</c>, <c>2.weight</c>, …).</summary>
    public ParameterBuffer Parameters => Network.Parameters;

    /// <summary>
    /// Sizes the batch buffers for batches of up to <paramref name="batch"/> states now, so that
    /// later calls with such batches allocate nothing.
    /// </summary>
    public void Reserve(int batch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        workspace.EnsureCapacity(batch);
        Outputs(batch);
    }

    /// <summary>Samples a ~ π(·|s) for one observation (evaluation mode: dropout is the identity).</summary>
    public int Act(ReadOnlySpan<float> observation, Pcg64 rng)
    {
        Span<float> output = stackalloc float[Head.OutputSize];
        Network.Forward(observation, output);
        return Head.Sample(output, rng);
    }

    /// <summary>The greedy action argmaxₐ π(a|s) for one observation (evaluation mode: dropout is the identity).</summary>
    public int ActGreedy(ReadOnlySpan<float> observation)
    {
        Span<float> output = stackalloc float[Head.OutputSize];
        Network.Forward(observation, output);
        return Head.Greedy(output);
    }

    /// <summary>
    /// The network outputs (logits) for a batch: <paramref name="states"/> is (T, obs), <paramref name="logits"/> is
    /// (T, <see cref="PolicyHead.OutputSize"/>). With <paramref name="dropoutMasks"/> (T, <see cref="Mlp.DropoutMaskWidth"/>)
    /// the forward is in training mode with those masks; without, in evaluation mode.
    /// </summary>
    public void Logits(ReadOnlySpan<float> states, int batch, Span<float> logits, ReadOnlySpan<float> dropoutMasks = default)
        => Network.Forward(states, batch, workspace, logits, dropoutMasks);

    /// <summary>log π(aᵢ|sᵢ) for a batch of states (T, obs) and actions (T).</summary>
    public void LogProbabilities(ReadOnlySpan<float> states, ReadOnlySpan<int> actions, Span<float> logProbabilities)
    {
        int batch = actions.Length;
        if (logProbabilities.Length != batch)
        {
            throw new ArgumentException($"'logProbabilities' has {logProbabilities.Length} entries; one per action ({batch}) is needed.", nameof(logProbabilities));
        }
        Span<float> output = Outputs(batch);
        Logits(states, batch, output);
        int width = Head.OutputSize;
        for (int i = 0; i < batch; i++)
        {
            logProbabilities[i] = Head.LogProbability(output.Slice(i * width, width), actions[i]);
        }
    }

    /// <summary>
    /// Forward, loss and backward for one batch:
    /// L = −(1/N)·Σ wᵢ·log π(aᵢ|sᵢ) − β·(1/N)·Σ H(π(·|sᵢ)). Adds ∂L/∂θ to the gradients (like
    /// PyTorch's <c>loss.backward()</c>, gradients accumulate: call
    /// <see cref="ParameterBuffer.ZeroGradients"/> first for a fresh gradient) and returns L.
    /// <paramref name="dropoutMasks"/> (T, <see cref="Mlp.DropoutMaskWidth"/>) are the masks the rollout drew
    /// for these steps: forward and backward use exactly them (empty: evaluation mode).
    /// See docs/policy-gradient.md#the-surrogate-loss and docs/backprop.md.
    /// </summary>
    /// <remarks>Computed by the fast engine's one-thread pass (<c>Execution/Fast/BatchPass.cs</c>), bit for bit the
    /// reference's (<c>Reference/ReferenceEngine.cs</c>).</remarks>
    public PolicyLoss AccumulateGradients(ReadOnlySpan<float> states, ReadOnlySpan<int> actions, ReadOnlySpan<float> weights,
        float entropyCoefficient, LossReduction reduction = LossReduction.Mean, ReadOnlySpan<float> dropoutMasks = default)
        => BatchPass.Run(this, states, actions, weights, entropyCoefficient, reduction, dropoutMasks);

    /// <summary>The policy's own workspace (the batch pass's activations), for an engine's pass over the same buffers.</summary>
    internal MlpWorkspace Workspace => workspace;

    /// <summary>The ∂L/∂logits buffer of the policy's batch pass for <paramref name="batch"/> rows (grown when needed).</summary>
    internal Span<float> OutputGradients(int batch)
    {
        Outputs(batch);
        return outputGradients.AsSpan(0, batch * Head.OutputSize);
    }

    /// <summary>The logits buffer of the policy's batch pass for <paramref name="batch"/> rows (grown when needed).</summary>
    internal Span<float> Outputs(int batch)
    {
        int length = batch * Head.OutputSize;
        if (outputs.Length < length)
        {
            outputs = new float[length];
            outputGradients = new float[length];
        }
        return outputs.AsSpan(0, length);
    }
}
