using Reinforce.Execution.Fast;
using Reinforce.Numerics;
using Reinforce.Randomness;

namespace Reinforce.Policies;

/// <summary>
/// A categorical distribution over K actions from K logits z: π(a|s) = softmax(z)ₐ. Everything is
/// computed from the numerically stable log-softmax; probabilities come from it, never the other
/// way round. See docs/backprop.md#categorical-head.
/// </summary>
public sealed class CategoricalHead : PolicyHead
{
    /// <summary>The largest K the head handles (per-row scratch lives on the stack).</summary>
    public const int MaxActions = 256;

    /// <summary>A head over <paramref name="actionCount"/> actions.</summary>
    public CategoricalHead(int actionCount)
    {
        if (actionCount is < 1 or > MaxActions)
        {
            throw new ArgumentOutOfRangeException(nameof(actionCount), actionCount, $"A categorical head needs 1..{MaxActions} actions.");
        }
        ActionCount = actionCount;
    }

    /// <inheritdoc/>
    public override string Name => "categorical";

    /// <inheritdoc/>
    public override int ActionCount { get; }

    /// <inheritdoc/>
    public override int OutputSize => ActionCount;

    /// <summary>
    /// log softmax(z)ⱼ = (zⱼ − m) − log Σₖ exp(zₖ − m) with m = maxₖ zₖ. Subtracting the max keeps
    /// every exponent ≤ 0, so nothing overflows and the sum is at least 1 (its log is finite).
    /// <paramref name="logProbabilities"/> may be <paramref name="logits"/>. See docs/backprop.md#log-softmax.
    /// </summary>
    public static void LogSoftmax(ReadOnlySpan<float> logits, Span<float> logProbabilities)
    {
        if (logits.Length != logProbabilities.Length || logits.IsEmpty)
        {
            throw new ArgumentException("'logProbabilities' must have the (non-zero) length of 'logits'.", nameof(logProbabilities));
        }
        float max = logits[0];
        for (int j = 1; j < logits.Length; j++)
        {
            max = MathF.Max(max, logits[j]);
        }
        float sum = 0f;
        for (int j = 0; j < logits.Length; j++)
        {
            sum += ElementaryFunctions.Exp(logits[j] - max);
        }
        float logSum = ElementaryFunctions.Log(sum);
        for (int j = 0; j < logits.Length; j++)
        {
            logProbabilities[j] = logits[j] - max - logSum;
        }
    }

    /// <summary>softmax(z)ⱼ = exp(log softmax(z)ⱼ).</summary>
    public static void Softmax(ReadOnlySpan<float> logits, Span<float> probabilities)
    {
        LogSoftmax(logits, probabilities);
        for (int j = 0; j < probabilities.Length; j++)
        {
            probabilities[j] = ElementaryFunctions.Exp(probabilities[j]);
        }
    }

    /// <summary>H = −Σⱼ pⱼ·log pⱼ from log-probabilities (a term with pⱼ = 0 contributes 0).</summary>
    public static float EntropyFromLogProbabilities(ReadOnlySpan<float> logProbabilities)
    {
        float entropy = 0f;
        foreach (float logP in logProbabilities)
        {
            float p = ElementaryFunctions.Exp(logP);
            if (p > 0f)
            {
                entropy -= p * logP;
            }
        }
        return entropy;
    }

    /// <summary>
    /// Samples by inversion: u uniform in [0, 1), the first action whose cumulative probability
    /// exceeds u (the probabilities of <see cref="Softmax"/>, cumulated in double). Actions of
    /// probability 0 are never chosen.
    /// </summary>
    public override int Sample(ReadOnlySpan<float> output, Pcg64 rng)
    {
        CheckOutput(output);
        Span<float> probabilities = stackalloc float[ActionCount];
        Softmax(output, probabilities);
        return SampleFromProbabilities(probabilities, rng);
    }

    // Inversion over Softmax's probabilities (float, widened to double for the cumulative sum).
    internal static int SampleFromProbabilities(ReadOnlySpan<float> probabilities, Pcg64 rng)
    {
        double u = rng.NextDouble();
        double cumulative = 0;
        int last = 0;
        for (int j = 0; j < probabilities.Length; j++)
        {
            double p = probabilities[j];
            if (p > 0)
            {
                cumulative += p;
                last = j;
                if (u < cumulative)
                {
                    return j;
                }
            }
        }
        return last; // u fell in the rounding gap above Σp: the last action with p > 0
    }

    /// <inheritdoc/>
    public override int Greedy(ReadOnlySpan<float> output)
    {
        CheckOutput(output);
        int best = 0;
        for (int j = 1; j < output.Length; j++)
        {
            if (output[j] > output[best])
            {
                best = j;
            }
        }
        return best;
    }

    /// <inheritdoc/>
    public override float LogProbability(ReadOnlySpan<float> output, int action)
    {
        CheckOutput(output);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)action, (uint)ActionCount, nameof(action));
        Span<float> logP = stackalloc float[ActionCount];
        LogSoftmax(output, logP);
        return logP[action];
    }

    /// <inheritdoc/>
    public override float Entropy(ReadOnlySpan<float> output)
    {
        CheckOutput(output);
        Span<float> logP = stackalloc float[ActionCount];
        LogSoftmax(output, logP);
        return EntropyFromLogProbabilities(logP);
    }

    /// <summary>
    /// With p = softmax(z), the two gradients (docs/backprop.md#gradient-of-the-policy-term,
    /// docs/backprop.md#entropy-gradient, docs/backprop.md#at-the-logits):
    /// <code>
    /// ∂(−w·log pₐ)/∂zⱼ = w·(pⱼ − [j = a])
    /// ∂(−β·H)/∂zⱼ     = β·pⱼ·(log pⱼ + H)          since ∂H/∂zⱼ = −pⱼ·(log pⱼ + H)
    /// dzⱼ = (w·(pⱼ − [j = a]) + β·pⱼ·(log pⱼ + H)) / N
    /// </code>
    /// </summary>
    protected override (float LogProbability, float Entropy) RowGradient(ReadOnlySpan<float> output, int action, float weight,
        float entropyCoefficient, float inverseN, Span<float> outputGradient)
    {
        Span<float> logP = stackalloc float[ActionCount];
        Span<float> p = stackalloc float[ActionCount];
        LogSoftmax(output, logP);
        // p = exp(log p) once, for the entropy and the gradient (EntropyFromLogProbabilities's terms, in its order).
        float entropy = 0f;
        for (int j = 0; j < ActionCount; j++)
        {
            p[j] = ElementaryFunctions.Exp(logP[j]);
            if (p[j] > 0f)
            {
                entropy -= p[j] * logP[j];
            }
        }
        for (int j = 0; j < ActionCount; j++)
        {
            float policy = weight * (j == action ? p[j] - 1f : p[j]);
            float entropyTerm = p[j] > 0f ? entropyCoefficient * p[j] * (logP[j] + entropy) : 0f;
            outputGradient[j] = (policy + entropyTerm) * inverseN;
        }
        return (logP[action], entropy);
    }

    // ---------------------------------------------------------------- many rows at once
    // The rows' probabilities on vector lanes, bit for bit the row-by-row numbers: the fast engine's kernels
    // (Execution/Fast/CategoricalLanes.cs).

    /// <inheritdoc/>
    internal override void SampleRows(ReadOnlySpan<float> outputs, ReadOnlySpan<Pcg64> generators, Span<int> actions)
        => CategoricalLanes.SampleRows(this, outputs, generators, actions);

    /// <inheritdoc/>
    private protected override void RowGradients(ReadOnlySpan<float> outputs, ReadOnlySpan<int> actions, ReadOnlySpan<float> weights,
        float entropyCoefficient, float inverseN, Span<float> outputGradients, Span<float> logProbabilities, Span<float> entropies)
        => CategoricalLanes.RowGradients(this, outputs, actions, weights, entropyCoefficient, inverseN, outputGradients, logProbabilities, entropies);

    /// <summary>One row's gradient (<see cref="RowGradient"/>), for the lane kernels' last rows.</summary>
    internal (float LogProbability, float Entropy) OneRowGradient(ReadOnlySpan<float> output, int action, float weight, float entropyCoefficient,
        float inverseN, Span<float> outputGradient) => RowGradient(output, action, weight, entropyCoefficient, inverseN, outputGradient);

    private void CheckOutput(ReadOnlySpan<float> output)
    {
        if (output.Length != ActionCount)
        {
            throw new ArgumentException($"The categorical head reads {ActionCount} logits; got {output.Length}.", nameof(output));
        }
    }
}
