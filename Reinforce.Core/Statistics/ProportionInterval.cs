namespace Reinforce.Statistics;

/// <summary>
/// Confidence intervals for a binomial proportion, e.g. the solve rate of a sweep: k of n runs solved. See
/// docs/statistics.md#intervals-for-a-solve-rate.
/// </summary>
public static class ProportionInterval
{
    /// <summary>
    /// The Wilson score interval (Wilson 1927): the set of p whose score test |p̂ − p| ≤ z·√(p(1 − p)/n) accepts, with
    /// p̂ = k/n and z = Φ⁻¹(1 − α/2):
    /// <code>
    /// center = (k + z²/2) / (n + z²),  half-width = z·√(k(n − k)/n + z²/4) / (n + z²)
    /// </code>
    /// It never leaves [0, 1] and stays informative at k = 0 and k = n (0 and 1 are then exact ends), where the normal
    /// (Wald) interval collapses to a point. Equal to statsmodels' <c>proportion_confint(method="wilson")</c> and SciPy's
    /// <c>binomtest(k, n).proportion_ci(method="wilson")</c>.
    /// </summary>
    /// <param name="successes">k, in [0, n].</param>
    /// <param name="trials">n ≥ 1.</param>
    /// <param name="confidence">The confidence level in (0, 1).</param>
    /// <returns>k/n with its interval.</returns>
    public static ConfidenceInterval Wilson(int successes, int trials, double confidence = 0.95)
    {
        RequireCounts(successes, trials);
        ConfidenceInterval.RequireLevel(confidence);
        double z = SpecialFunctions.NormalQuantile(1 - ((1 - confidence) / 2));
        double zSquared = z * z;
        double k = successes, n = trials;
        double center = (k + (zSquared / 2)) / (n + zSquared);
        double halfWidth = z * Math.Sqrt((k * (n - k) / n) + (zSquared / 4)) / (n + zSquared);
        double lower = successes == 0 ? 0 : Math.Max(0, center - halfWidth);
        double upper = successes == trials ? 1 : Math.Min(1, center + halfWidth);
        return new ConfidenceInterval(k / n, lower, upper, confidence);
    }

    /// <summary>
    /// The Clopper–Pearson ("exact") interval (Clopper &amp; Pearson 1934): the p whose two one-sided binomial tests at α/2
    /// both accept k, i.e. the Beta quantiles
    /// <code>
    /// lower = B⁻¹(α/2; k, n − k + 1)      (0 when k = 0)
    /// upper = B⁻¹(1 − α/2; k + 1, n − k)  (1 when k = n)
    /// </code>
    /// computed with <see cref="SpecialFunctions.InverseRegularizedIncompleteBeta"/> (the upper end as
    /// 1 − B⁻¹(α/2; n − k, k + 1), the same number by the symmetry of the Beta distribution). Its coverage is at least the
    /// stated level for every p, so it is wider than Wilson's. Equal to SciPy's <c>binomtest(k, n).proportion_ci(method="exact")</c>.
    /// </summary>
    /// <param name="successes">k, in [0, n].</param>
    /// <param name="trials">n ≥ 1.</param>
    /// <param name="confidence">The confidence level in (0, 1).</param>
    /// <returns>k/n with its interval.</returns>
    public static ConfidenceInterval ClopperPearson(int successes, int trials, double confidence = 0.95)
    {
        RequireCounts(successes, trials);
        ConfidenceInterval.RequireLevel(confidence);
        double tail = (1 - confidence) / 2;
        double lower = successes == 0 ? 0
            : SpecialFunctions.InverseRegularizedIncompleteBeta(successes, trials - successes + 1, tail);
        double upper = successes == trials ? 1
            : 1 - SpecialFunctions.InverseRegularizedIncompleteBeta(trials - successes, successes + 1, tail);
        return new ConfidenceInterval((double)successes / trials, lower, upper, confidence);
    }

    private static void RequireCounts(int successes, int trials)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(trials, 1);
        if (successes < 0 || successes > trials)
        {
            throw new ArgumentOutOfRangeException(nameof(successes), successes, $"The number of successes must be in [0, {trials}] (the number of trials).");
        }
    }
}
