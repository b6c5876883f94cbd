using Reinforce.NeuralNetworks;
using Reinforce.Numerics;
using Reinforce.Policies;

namespace Reinforce.Execution.Fast;

/// <summary>
/// The fast engine's forward → loss → backward over a batch on one thread: the reference's
/// <c>ReferenceEngine.AccumulateGradients</c> computed with the network's SIMD kernels, bit for bit.
/// <code>
/// L = −(1/N)·Σᵢ wᵢ·log π(aᵢ|sᵢ) − β·(1/N)·Σᵢ H(π(·|sᵢ))      (1/N → 1 for a summed loss)
/// </code>
/// </summary>
/// <remarks>
/// The rows run <see cref="ChunkRows"/> at a time, in row order, so that a layer's z, a and gradient buffers stay in the
/// core's caches (benchmarks/notes.md#update-chunks). That changes no bit: forward and loss are per row, every dW and db
/// element is one chain over the rows continued from the previous chunk's value, and the loss's running sums run over the
/// rows in order. With the logits the lockstep rollout kept, a chunk runs only the hidden layers' forward (the backward
/// reads their activations) and takes its logits from them: the blocked kernels compute each row as a one-row forward does.
/// With the hidden activations kept too (a tanh hidden layer, <see cref="Mlp.CanRecordHiddenLayer"/>), a chunk runs no
/// forward at all: the workspace records the kept a₁, the numbers the hidden layer's forward of these rows gives.
/// </remarks>
internal static class BatchPass
{
    /// <summary>Rows per chunk of the pass.</summary>
    public const int ChunkRows = 128;

    /// <summary>
    /// Adds ∂L/∂θ of the batch to the policy's gradients and returns L: <paramref name="states"/> (T, in), one action and one
    /// weight per row, <paramref name="dropoutMasks"/> (T, mask width) the masks the rollout drew (empty: none),
    /// <paramref name="keptLogits"/> (T, out) the logits the rollout computed for these rows (empty: computed here), and
    /// <paramref name="keptActivations"/> (T, hidden) its hidden activations (empty: computed here; only with kept logits).
    /// </summary>
    public static PolicyLoss Run(Policy policy, ReadOnlySpan<float> states, ReadOnlySpan<int> actions, ReadOnlySpan<float> weights,
        float entropyCoefficient, LossReduction reduction, ReadOnlySpan<float> dropoutMasks, ReadOnlySpan<float> keptLogits = default,
        ReadOnlySpan<float> keptActivations = default)
    {
        Mlp network = policy.Network;
        PolicyHead head = policy.Head;
        int batch = actions.Length, inputWidth = network.InputSize, outputWidth = head.OutputSize, maskWidth = network.DropoutMaskWidth;
        if (weights.Length != batch)
        {
            throw new ArgumentException($"'weights' has {weights.Length} entries; one per action ({batch}) is needed.", nameof(weights));
        }
        if (!float.IsFinite(entropyCoefficient))
        {
            throw new ArgumentOutOfRangeException(nameof(entropyCoefficient), entropyCoefficient, "The entropy coefficient must be finite.");
        }
        Guard.MatrixShape(states.Length, batch, inputWidth, nameof(states));
        if (!dropoutMasks.IsEmpty)
        {
            Guard.MatrixShape(dropoutMasks.Length, batch, maskWidth, nameof(dropoutMasks));
        }
        bool kept = !keptLogits.IsEmpty;
        if (kept)
        {
            Guard.MatrixShape(keptLogits.Length, batch, outputWidth, nameof(keptLogits));
        }
        bool keptHidden = !keptActivations.IsEmpty;
        int hiddenWidth = network.LayerSize(1);
        if (keptHidden)
        {
            if (!kept || !network.CanRecordHiddenLayer)
            {
                throw new ArgumentException("Kept activations need kept logits and a network with one tanh hidden layer.", nameof(keptActivations));
            }
            Guard.MatrixShape(keptActivations.Length, batch, hiddenWidth, nameof(keptActivations));
        }
        if (batch == 0)
        {
            return new PolicyLoss(0, 0, 0);
        }
        head.CheckActions(actions);
        float inverseN = reduction == LossReduction.Mean ? 1f / batch : 1f;
        double policySum = 0, entropySum = 0;
        int chunk = Math.Min(batch, ChunkRows);
        Span<float> logits = policy.Outputs(chunk), gradient = policy.OutputGradients(chunk);
        MlpWorkspace workspace = policy.Workspace;
        for (int start = 0; start < batch; start += ChunkRows)
        {
            int rows = Math.Min(ChunkRows, batch - start);
            ReadOnlySpan<float> rowStates = states.Slice(start * inputWidth, rows * inputWidth);
            ReadOnlySpan<float> rowMasks = dropoutMasks.IsEmpty ? default : dropoutMasks.Slice(start * maskWidth, rows * maskWidth);
            ReadOnlySpan<float> rowLogits;
            if (keptHidden)
            {
                network.RecordHiddenLayer(rowStates, keptActivations.Slice(start * hiddenWidth, rows * hiddenWidth), rows, workspace);
                rowLogits = keptLogits.Slice(start * outputWidth, rows * outputWidth);
            }
            else if (kept)
            {
                network.ForwardHiddenLayers(rowStates, rows, workspace, rowMasks);
                rowLogits = keptLogits.Slice(start * outputWidth, rows * outputWidth);
            }
            else
            {
                Span<float> computed = logits[..(rows * outputWidth)];
                network.Forward(rowStates, rows, workspace, computed, rowMasks);
                rowLogits = computed;
            }
            Span<float> rowGradient = gradient[..(rows * outputWidth)];
            head.AccumulateLossAndGradient(rowLogits, actions.Slice(start, rows), weights.Slice(start, rows), entropyCoefficient, inverseN,
                rowGradient, ref policySum, ref entropySum);
            network.Backward(rowGradient, workspace);
        }
        return PolicyHead.Loss(policySum, entropySum, entropyCoefficient, inverseN, batch);
    }
}
