using Reinforce.Numerics;
using Reinforce.Policies;
using Reinforce.Randomness;

namespace Reinforce.Reference;

/// <summary>
/// The two policy heads: what turns a row of logits into π(·|s), and for one row of the batch the loss term
/// Lₜ = (−wₜ·log π(aₜ|sₜ) − β·H(π(·|sₜ)))·(1/N) with its gradient ∂Lₜ/∂logits. See docs/backprop.md#categorical-head and
/// docs/backprop.md#bernoulli-head.
/// </summary>
internal static class Heads
{
    /// <summary>a ~ π(·|s) from one row of logits, by the head's kind (a new head adds its case here and below).</summary>
    public static int SampleAction(PolicyHead head, ReadOnlySpan<float> logits, Pcg64 rng, Span<float> scratch) => head switch
    {
        CategoricalHead => SampleCategorical(logits, rng, scratch),
        BernoulliHead => SampleBernoulli(logits[0], rng),
        _ => throw new NotSupportedException($"The reference has no {head.Name} head."),
    };

    /// <summary>One row's log π(a|s) and H, and ∂Lₜ/∂logits into <paramref name="dz"/>, by the head's kind; scratch of K entries.</summary>
    public static (float LogProbability, float Entropy) LossGradient(PolicyHead head, ReadOnlySpan<float> logits, int action, float weight,
        float beta, float inverseN, Span<float> dz, Span<float> logP, Span<float> p) => head switch
    {
        CategoricalHead => CategoricalLossGradient(logits, action, weight, beta, inverseN, dz, logP, p),
        BernoulliHead => BernoulliLossGradient(logits[0], action, weight, beta, inverseN, out dz[0]),
        _ => throw new NotSupportedException($"The reference has no {head.Name} head."),
    };

    // ---------------------------------------------------------------- categorical: K logits, softmax

    /// <summary>
    /// log softmax(z)ⱼ = (zⱼ − m) − log Σₖ exp(zₖ − m), m = maxₖ zₖ (docs/backprop.md#log-softmax). Every exponent is ≤ 0,
    /// so nothing overflows and the sum is ≥ 1. Float throughout; the sum runs over k in order.
    /// </summary>
    public static void LogSoftmax(ReadOnlySpan<float> logits, Span<float> logProbabilities)
    {
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

    /// <summary>
    /// a ~ softmax(z) by inversion: pⱼ = exp(log pⱼ) in float, u uniform in [0, 1), the first action whose cumulative
    /// probability (summed in double) exceeds u; actions with pⱼ = 0 are never chosen. <paramref name="scratch"/> has K entries.
    /// </summary>
    public static int SampleCategorical(ReadOnlySpan<float> logits, Pcg64 rng, Span<float> scratch)
    {
        LogSoftmax(logits, scratch);
        double u = rng.NextDouble(), cumulative = 0;
        int last = 0;
        for (int j = 0; j < logits.Length; j++)
        {
            float p = ElementaryFunctions.Exp(scratch[j]); // the float exp, then widened for the cumulative sum
            if (p > 0f)
            {
                cumulative += p;
                last = j;
                if (u < cumulative)
                {
                    return j;
                }
            }
        }
        return last; // u fell in the rounding gap above Σp
    }

    /// <summary>
    /// One row, p = softmax(z), in float (docs/backprop.md#gradient-of-the-policy-term, docs/backprop.md#entropy-gradient,
    /// docs/backprop.md#at-the-logits):
    /// <code>
    /// H     = −Σⱼ pⱼ·log pⱼ                              (terms with pⱼ = 0 skipped, j in order)
    /// dzⱼ   = (w·(pⱼ − [j = a]) + β·pⱼ·(log pⱼ + H))·(1/N)    since ∂H/∂zⱼ = −pⱼ·(log pⱼ + H)
    /// </code>
    /// Writes dz, returns log pₐ and H. <paramref name="logP"/> and <paramref name="p"/> are scratch of K entries.
    /// </summary>
    public static (float LogProbability, float Entropy) CategoricalLossGradient(ReadOnlySpan<float> logits, int action, float weight,
        float beta, float inverseN, Span<float> dz, Span<float> logP, Span<float> p)
    {
        LogSoftmax(logits, logP);
        float entropy = 0f;
        for (int j = 0; j < logits.Length; j++)
        {
            p[j] = ElementaryFunctions.Exp(logP[j]);
            if (p[j] > 0f)
            {
                entropy -= p[j] * logP[j];
            }
        }
        for (int j = 0; j < logits.Length; j++)
        {
            float policy = weight * (j == action ? p[j] - 1f : p[j]);
            float entropyTerm = p[j] > 0f ? beta * p[j] * (logP[j] + entropy) : 0f;
            dz[j] = (policy + entropyTerm) * inverseN;
        }
        return (logP[action], entropy);
    }

    // ---------------------------------------------------------------- Bernoulli: one logit, two actions, in double

    /// <summary>a = 1 when u &lt; σ(z), u uniform in [0, 1): π(1|s) = σ(z), π(0|s) = 1 − σ(z).</summary>
    public static int SampleBernoulli(float logit, Pcg64 rng) => rng.NextDouble() < Sigmoid(logit) ? 1 : 0;

    /// <summary>
    /// One row, in double, rounded to float at the end (docs/backprop.md#bernoulli-head), with p = σ(z):
    /// <code>
    /// log π(1) = −softplus(−z),  log π(0) = −softplus(z),  H = softplus(z) − z·σ(z)
    /// dz = (w·(p − a) + β·z·p·(1 − p))·(1/N)          since ∂H/∂z = −z·p·(1 − p)
    /// </code>
    /// </summary>
    public static (float LogProbability, float Entropy) BernoulliLossGradient(float logit, int action, float weight, float beta,
        float inverseN, out float dz)
    {
        double z = logit, p = Sigmoid(z);
        double gradient = weight * (p - action) + beta * z * p * (1 - p);
        dz = (float)(gradient * inverseN);
        double logProbability = action == 1 ? -Softplus(-z) : -Softplus(z);
        return ((float)logProbability, (float)(Softplus(z) - z * Sigmoid(z)));
    }

    /// <summary>σ(x) = 1/(1 + e⁻ˣ), without overflow for either sign.</summary>
    private static double Sigmoid(double x)
    {
        if (x >= 0)
        {
            return 1.0 / (1.0 + ElementaryFunctions.Exp(-x));
        }
        double e = ElementaryFunctions.Exp(x);
        return e / (1.0 + e);
    }

    /// <summary>softplus(x) = log(1 + eˣ) = max(x, 0) + log1p(e^−|x|), stable for large |x|.</summary>
    private static double Softplus(double x) => Math.Max(x, 0.0) + Log1P(ElementaryFunctions.Exp(-Math.Abs(x)));

    /// <summary>log(1 + x), accurate for tiny x (Goldberg: log(u)·x/(u − 1) with u = 1 + x).</summary>
    private static double Log1P(double x)
    {
        double u = 1.0 + x;
        if (u == 1.0)
        {
            return x;
        }
        double logU = ElementaryFunctions.Log(u);
        return double.IsInfinity(u) ? logU : logU * x / (u - 1.0);
    }
}
