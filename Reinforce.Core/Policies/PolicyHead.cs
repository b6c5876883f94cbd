using Reinforce.Randomness;
using Reinforce.Text;

namespace Reinforce.Policies;

/// <summary>How the per-step terms of the loss are combined.</summary>
public enum LossReduction
{
    /// <summary>Divide the sum over the batch's N steps by N (Spinning Up, the practical-RL notebook, Keras).</summary>
    Mean,

    /// <summary>Sum over the batch's steps (PyTorch's <c>reinforce.py</c>: <c>torch.cat(policy_loss).sum()</c>).</summary>
    Sum,
}

/// <summary>The loss of a batch and what it is made of.</summary>
/// <param name="Loss">L = −(1/N)·Σ wᵢ·log π(aᵢ|sᵢ) − β·(1/N)·Σ H(π(·|sᵢ)) (N = 1 for <see cref="LossReduction.Sum"/>).</param>
/// <param name="PolicyTerm">−(1/N)·Σ wᵢ·log π(aᵢ|sᵢ) alone.</param>
/// <param name="MeanEntropy">(1/T)·Σ H(π(·|sᵢ)) over the T rows (always a mean, whatever the reduction).</param>
public readonly record struct PolicyLoss(double Loss, double PolicyTerm, double MeanEntropy);

/// <summary>
/// The distribution a policy network's outputs define over actions, with everything REINFORCE
/// needs of it: sampling, the greedy action, log π(a|s), the entropy, and the gradient of the
/// loss with respect to the network's outputs. See docs/backprop.md#categorical-head and
/// docs/backprop.md#bernoulli-head.
/// </summary>
public abstract class PolicyHead
{
    /// <summary>Names accepted by <see cref="Create"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = ["categorical", "bernoulli"];

    /// <summary>Creates "categorical" (softmax over one logit per action) or "bernoulli" (one sigmoid logit, two actions).</summary>
    public static PolicyHead Create(string name, int actionCount) => name.ToLowerInvariant() switch
    {
        "categorical" or "softmax" => new CategoricalHead(actionCount),
        "bernoulli" or "sigmoid" => actionCount == 2
            ? new BernoulliHead()
            : throw new ArgumentException($"The bernoulli head needs exactly 2 actions; the environment has {actionCount}.", nameof(actionCount)),
        _ => throw new ArgumentException($"Unknown policy head {Display.Quote(name)}; accepted: {string.Join(", ", Names)}.", nameof(name)),
    };

    /// <summary>The canonical name ("categorical" or "bernoulli").</summary>
    public abstract string Name { get; }

    /// <summary>Number of actions.</summary>
    public abstract int ActionCount { get; }

    /// <summary>Network outputs per state this head reads (K logits, or 1 for Bernoulli).</summary>
    public abstract int OutputSize { get; }

    /// <summary>Draws an action from π(·|s) with the library's generator.</summary>
    public abstract int Sample(ReadOnlySpan<float> output, Pcg64 rng);

    /// <summary>
    /// <see cref="Sample"/> for many states at once: row i of <paramref name="outputs"/> ((rows, <see cref="OutputSize"/>))
    /// with <paramref name="generators"/>[i] into <paramref name="actions"/>[i], bit for bit the row-by-row calls (heads
    /// may compute the rows' probabilities together, on vector lanes).
    /// </summary>
    internal virtual void SampleRows(ReadOnlySpan<float> outputs, ReadOnlySpan<Pcg64> generators, Span<int> actions)
    {
        for (int i = 0; i < actions.Length; i++)
        {
            actions[i] = Sample(outputs.Slice(i * OutputSize, OutputSize), generators[i]);
        }
    }

    /// <summary>The most probable action (the first one on ties).</summary>
    public abstract int Greedy(ReadOnlySpan<float> output);

    /// <summary>log π(a|s) for one state.</summary>
    public abstract float LogProbability(ReadOnlySpan<float> output, int action);

    /// <summary>H(π(·|s)) = −Σ_a π(a|s)·log π(a|s) for one state.</summary>
    public abstract float Entropy(ReadOnlySpan<float> output);

    /// <summary>
    /// The loss of a batch and its gradient with respect to the outputs:
    /// <code>
    /// L = −(1/N)·Σᵢ wᵢ·log π(aᵢ|sᵢ) − β·(1/N)·Σᵢ H(π(·|sᵢ))
    /// </code>
    /// <paramref name="outputs"/> is (T, <see cref="OutputSize"/>), <paramref name="actions"/>
    /// and <paramref name="weights"/> have T entries, N is T for <see cref="LossReduction.Mean"/>
    /// and 1 for <see cref="LossReduction.Sum"/>. ∂L/∂outputs is written (not added) to
    /// <paramref name="outputGradients"/>; the 1/N enters here, once (docs/backprop.md#batch-mean).
    /// The loss is the surrogate of docs/policy-gradient.md#the-surrogate-loss.
    /// </summary>
    public PolicyLoss LossAndGradient(ReadOnlySpan<float> outputs, ReadOnlySpan<int> actions, ReadOnlySpan<float> weights,
        float entropyCoefficient, LossReduction reduction, Span<float> outputGradients)
    {
        int rows = actions.Length;
        if (weights.Length != rows)
        {
            throw new ArgumentException($"'weights' has {weights.Length} entries; one per action ({rows}) is needed.", nameof(weights));
        }
        if (outputs.Length != rows * OutputSize || outputGradients.Length != rows * OutputSize)
        {
            throw new ArgumentException($"'outputs' and 'outputGradients' must be ({rows}, {OutputSize}) = {rows * OutputSize} floats; got {outputs.Length} and {outputGradients.Length}.", nameof(outputs));
        }
        if (!float.IsFinite(entropyCoefficient))
        {
            throw new ArgumentOutOfRangeException(nameof(entropyCoefficient), entropyCoefficient, "The entropy coefficient must be finite.");
        }
        if (rows == 0)
        {
            return new PolicyLoss(0, 0, 0);
        }
        float inverseN = reduction == LossReduction.Mean ? 1f / rows : 1f;
        CheckActions(actions);
        double policySum = 0, entropySum = 0;
        AccumulateLossAndGradient(outputs, actions, weights, entropyCoefficient, inverseN, outputGradients, ref policySum, ref entropySum);
        return Loss(policySum, entropySum, entropyCoefficient, inverseN, rows);
    }

    /// <summary>The loss from the running sums Σ wᵢ·log π(aᵢ|sᵢ) and Σ Hᵢ over <paramref name="rows"/> rows.</summary>
    internal static PolicyLoss Loss(double policySum, double entropySum, float entropyCoefficient, float inverseN, int rows)
    {
        double policyTerm = -policySum * inverseN;
        double loss = policyTerm - entropyCoefficient * entropySum * inverseN;
        return new PolicyLoss(loss, policyTerm, entropySum / rows);
    }

    /// <summary>Throws for the first action outside 0 … K − 1, naming its row.</summary>
    internal void CheckActions(ReadOnlySpan<int> actions)
    {
        for (int i = 0; i < actions.Length; i++)
        {
            if ((uint)actions[i] >= (uint)ActionCount)
            {
                throw new ArgumentOutOfRangeException(nameof(actions), $"actions[{i}] is {actions[i]}; actions are 0..{ActionCount - 1}.");
            }
        }
    }

    /// <summary>
    /// The work of <see cref="LossAndGradient"/> on some rows of a batch (actions already checked, 1/N given): writes their
    /// gradients and adds their terms to the running sums in row order, so consecutive calls over consecutive rows give the
    /// numbers of one call over all of them, bit for bit.
    /// </summary>
    internal void AccumulateLossAndGradient(ReadOnlySpan<float> outputs, ReadOnlySpan<int> actions, ReadOnlySpan<float> weights,
        float entropyCoefficient, float inverseN, Span<float> outputGradients, ref double policySum, ref double entropySum)
    {
        int rows = actions.Length;
        // Rows in chunks (the heads may compute a chunk's rows together), the sums in row order as ever.
        const int Chunk = 256;
        Span<float> logProbabilities = stackalloc float[Chunk];
        Span<float> entropies = stackalloc float[Chunk];
        for (int start = 0; start < rows; start += Chunk)
        {
            int count = Math.Min(Chunk, rows - start);
            RowGradients(outputs.Slice(start * OutputSize, count * OutputSize), actions.Slice(start, count), weights.Slice(start, count),
                entropyCoefficient, inverseN, outputGradients.Slice(start * OutputSize, count * OutputSize),
                logProbabilities[..count], entropies[..count]);
            for (int i = 0; i < count; i++)
            {
                policySum += weights[start + i] * (double)logProbabilities[i];
                entropySum += entropies[i];
            }
        }
    }

    /// <summary><see cref="RowGradients"/> for callers outside the heads (the split pass, Execution/Split runs a share of a chunk's rows on each worker).</summary>
    internal void GradientsOfRows(ReadOnlySpan<float> outputs, ReadOnlySpan<int> actions, ReadOnlySpan<float> weights,
        float entropyCoefficient, float inverseN, Span<float> outputGradients, Span<float> logProbabilities, Span<float> entropies)
        => RowGradients(outputs, actions, weights, entropyCoefficient, inverseN, outputGradients, logProbabilities, entropies);

    /// <summary>
    /// <see cref="RowGradient"/> of every row (actions already checked): row i's gradient into its row of
    /// <paramref name="outputGradients"/>, its log π(aᵢ|sᵢ) and H into <paramref name="logProbabilities"/>[i] and
    /// <paramref name="entropies"/>[i]. An override must give the row-by-row numbers bit for bit.
    /// </summary>
    private protected virtual void RowGradients(ReadOnlySpan<float> outputs, ReadOnlySpan<int> actions, ReadOnlySpan<float> weights,
        float entropyCoefficient, float inverseN, Span<float> outputGradients, Span<float> logProbabilities, Span<float> entropies)
    {
        for (int i = 0; i < actions.Length; i++)
        {
            (logProbabilities[i], entropies[i]) = RowGradient(outputs.Slice(i * OutputSize, OutputSize), actions[i], weights[i],
                entropyCoefficient, inverseN, outputGradients.Slice(i * OutputSize, OutputSize));
        }
    }

    /// <summary>
    /// One row of <see cref="LossAndGradient"/>: writes ∂Lᵢ/∂output for
    /// Lᵢ = (−w·log π(a|s) − β·H(π(·|s)))·inverseN, returns log π(a|s) and H.
    /// </summary>
    protected abstract (float LogProbability, float Entropy) RowGradient(ReadOnlySpan<float> output, int action, float weight,
        float entropyCoefficient, float inverseN, Span<float> outputGradient);
}
