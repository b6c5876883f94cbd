using Reinforce.Text;

namespace Reinforce.Returns;

/// <summary>What each step of an episode is weighted by in the policy gradient.</summary>
public enum ReturnKind
{
    /// <summary>The discounted return G_t = r_t + γ·G_{t+1} (the REINFORCE of Williams and Sutton &amp; Barto).</summary>
    Discounted,

    /// <summary>Reward-to-go Σ_{t′ ≥ t} r_{t′}: causality without discounting (Spinning Up's second version).</summary>
    RewardToGo,

    /// <summary>The whole episode's return R(τ) on every step (Spinning Up's simplest policy gradient).</summary>
    EpisodeReturn,
}

/// <summary>How the weights are standardised before they enter the loss.</summary>
public enum Normalization
{
    /// <summary>Used as they are.</summary>
    None,

    /// <summary>(G − mean)/(std + ε) within each episode (PyTorch's <c>reinforce.py</c>).</summary>
    PerEpisode,

    /// <summary>(G − mean)/(std + ε) over all steps of the batch (the Hands-on ML text).</summary>
    PerBatch,
}

/// <summary>
/// The return computations of REINFORCE. Sums run in double (as the notebooks' Python floats do)
/// and are stored as float. See docs/policy-gradient.md#causality-and-reward-to-go through
/// docs/policy-gradient.md#normalisation.
/// </summary>
public static class ReturnCalculator
{
    /// <summary>float32 machine epsilon, 2⁻²³ (the ε of PyTorch's <c>reinforce.py</c>: <c>np.finfo(np.float32).eps</c>).</summary>
    public const double DefaultEpsilon = 1.1920928955078125e-07;

    /// <summary>Names accepted by <see cref="ParseKind"/>.</summary>
    public static IReadOnlyList<string> KindNames { get; } = ["discounted", "reward-to-go", "episode"];

    /// <summary>Names accepted by <see cref="ParseNormalization"/>.</summary>
    public static IReadOnlyList<string> NormalizationNames { get; } = ["none", "episode", "batch"];

    /// <summary>Parses "discounted", "reward-to-go" or "episode".</summary>
    public static ReturnKind ParseKind(string name) => name.ToLowerInvariant() switch
    {
        "discounted" => ReturnKind.Discounted,
        "reward-to-go" or "rtg" => ReturnKind.RewardToGo,
        "episode" or "episode-return" => ReturnKind.EpisodeReturn,
        _ => throw new ArgumentException($"Unknown return kind {Display.Quote(name)}; accepted: {string.Join(", ", KindNames)}.", nameof(name)),
    };

    /// <summary>Parses "none", "episode" or "batch".</summary>
    public static Normalization ParseNormalization(string name) => name.ToLowerInvariant() switch
    {
        "none" => Normalization.None,
        "episode" => Normalization.PerEpisode,
        "batch" => Normalization.PerBatch,
        _ => throw new ArgumentException($"Unknown normalisation {Display.Quote(name)}; accepted: {string.Join(", ", NormalizationNames)}.", nameof(name)),
    };

    /// <summary>The canonical name of a return kind.</summary>
    public static string Name(this ReturnKind kind) => KindNames[(int)kind];

    /// <summary>The canonical name of a normalisation.</summary>
    public static string Name(this Normalization normalization) => NormalizationNames[(int)normalization];

    /// <summary>
    /// Discounted returns, backwards from the end: G_{T−1} = r_{T−1}, G_t = r_t + γ·G_{t+1}
    /// (docs/policy-gradient.md#discounting).
    /// <paramref name="returns"/> may be <paramref name="rewards"/>.
    /// </summary>
    public static void Discounted(ReadOnlySpan<float> rewards, double gamma, Span<float> returns)
    {
        CheckGamma(gamma);
        CheckLengths(rewards, returns);
        double g = 0;
        for (int t = rewards.Length - 1; t >= 0; t--)
        {
            g = rewards[t] + gamma * g;
            returns[t] = (float)g;
        }
    }

    /// <summary>Reward-to-go: the discounted return with γ = 1 (docs/policy-gradient.md#causality-and-reward-to-go).</summary>
    public static void RewardToGo(ReadOnlySpan<float> rewards, Span<float> returns) => Discounted(rewards, 1.0, returns);

    /// <summary>The whole episode's return R(τ) = Σ_t r_t on every step (docs/policy-gradient.md#the-reinforce-estimator).</summary>
    public static void EpisodeReturn(ReadOnlySpan<float> rewards, Span<float> returns)
    {
        CheckLengths(rewards, returns);
        double total = 0;
        foreach (float r in rewards)
        {
            total += r;
        }
        returns.Fill((float)total);
    }

    /// <summary>One of the three kinds (γ is used by <see cref="ReturnKind.Discounted"/> only).</summary>
    public static void Compute(ReturnKind kind, ReadOnlySpan<float> rewards, double gamma, Span<float> returns)
    {
        switch (kind)
        {
            case ReturnKind.Discounted: Discounted(rewards, gamma, returns); break;
            case ReturnKind.RewardToGo: RewardToGo(rewards, returns); break;
            case ReturnKind.EpisodeReturn: EpisodeReturn(rewards, returns); break;
            default: throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown return kind.");
        }
    }

    /// <summary>
    /// Standardises in place: x ← (x − mean)/(std + ε), mean and std in double. With
    /// <paramref name="unbiased"/> the std divides by n − 1 (<c>torch.std</c>'s default, which
    /// <c>reinforce.py</c> uses), otherwise by n (<c>np.std</c>). The result is always finite:
    /// one element (where n − 1 = 0 would give NaN in PyTorch) or constant values have std 0
    /// and map to 0, because x − mean is then exactly 0. Not unbiased: see docs/policy-gradient.md#normalisation.
    /// </summary>
    public static void Normalize(Span<float> values, double epsilon = DefaultEpsilon, bool unbiased = true)
    {
        if (!(epsilon > 0 && double.IsFinite(epsilon)))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "ε must be a finite number > 0.");
        }
        int n = values.Length;
        if (n == 0)
        {
            return;
        }
        var (mean, std) = MeanAndStd(values, unbiased);
        for (int i = 0; i < n; i++)
        {
            values[i] = (float)((values[i] - mean) / (std + epsilon));
        }
    }

    /// <summary>Mean and standard deviation in double (two passes); std is 0 for fewer than two values when unbiased.</summary>
    public static (double Mean, double Std) MeanAndStd(ReadOnlySpan<float> values, bool unbiased)
    {
        int n = values.Length;
        if (n == 0)
        {
            return (0, 0);
        }
        double sum = 0;
        foreach (float v in values)
        {
            sum += v;
        }
        double mean = sum / n;
        double squares = 0;
        foreach (float v in values)
        {
            double d = v - mean;
            squares += d * d;
        }
        int dof = unbiased ? n - 1 : n;
        return (mean, dof > 0 ? Math.Sqrt(squares / dof) : 0);
    }

    private static void CheckGamma(double gamma)
    {
        if (!(gamma >= 0 && gamma <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "The discount γ must be in [0, 1].");
        }
    }

    private static void CheckLengths(ReadOnlySpan<float> rewards, Span<float> returns)
    {
        if (rewards.Length != returns.Length)
        {
            throw new ArgumentException($"'returns' has length {returns.Length}; it must match 'rewards' ({rewards.Length}).", nameof(returns));
        }
    }
}
