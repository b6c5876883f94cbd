using Reinforce.Randomness;

namespace Reinforce.Statistics;

/// <summary>
/// A statistic of a sample, for the bootstrap. It may reorder <paramref name="sample"/> (sort it in place), so it needs no
/// buffer of its own; it must not keep the span.
/// </summary>
/// <param name="sample">The (resampled) sample; a scratch buffer owned by the caller.</param>
/// <returns>The statistic's value.</returns>
public delegate double SampleStatistic(Span<double> sample);

/// <summary>Ready-made <see cref="SampleStatistic"/>s: the mean, the median and the IQM of <see cref="Descriptive"/>.</summary>
public static class SampleStatistics
{
    /// <summary><see cref="Descriptive.Mean"/>.</summary>
    public static SampleStatistic Mean { get; } = static sample => Descriptive.Mean(sample);

    /// <summary><see cref="Descriptive.Median"/> (sorts the sample in place).</summary>
    public static SampleStatistic Median { get; } = static sample =>
    {
        Descriptive.RequireNoNaN(sample, nameof(sample));
        sample.Sort();
        return Descriptive.MedianOfSorted(sample);
    };

    /// <summary><see cref="Descriptive.InterquartileMean"/> (sorts the sample in place).</summary>
    public static SampleStatistic InterquartileMean { get; } = static sample =>
    {
        Descriptive.RequireNoNaN(sample, nameof(sample));
        sample.Sort();
        return Descriptive.InterquartileMeanOfSorted(sample);
    };
}

/// <summary>
/// Percentile bootstrap confidence intervals with a seeded generator, plain (one group of runs) or stratified (several
/// groups, e.g. tasks, each resampled within itself), as rliable computes its interval estimates. See
/// docs/statistics.md#bootstrap-confidence-intervals.
/// </summary>
/// <remarks>
/// <para><b>Resampling.</b> One replicate draws, for each group g in order, n_g indices uniformly with replacement from
/// [0, n_g) — exactly NumPy's <c>rng.integers(0, n_g, size=n_g)</c> on <c>rng = numpy.random.default_rng(seed)</c> when
/// the generator is <c>new Pcg64(seed)</c> (see <see cref="NumPyIntegers"/>) — and applies the statistic to
/// the resampled groups concatenated in order. The replicates are those of the NumPy loop
/// <c>[stat(np.concatenate([g[rng.integers(0, len(g), len(g))] for g in groups])) for _ in range(B)]</c>.</para>
/// <para><b>Interval.</b> The percentile interval: the α/2 and 1 − α/2 quantiles (type 7, <see cref="Descriptive.Quantile"/>)
/// of the B replicates, α = 1 − confidence — arch's <c>conf_int(method="percentile")</c>, which rliable calls. The
/// estimate is the statistic of the observed sample.</para>
/// <para><b>Stratified.</b> rliable resamples runs within each task (its <c>StratifiedBootstrap</c>, scores of shape
/// runs × tasks) and applies the aggregate (IQM, mean, median) to all scores; groups here are its tasks (and may have
/// different sizes). One configuration on one environment is a single group, and the stratified bootstrap is then the
/// plain bootstrap over runs — the common case in a seed sweep.</para>
/// <para>Allocation: one buffer of the total sample size per call, plus the B replicates for the interval.</para>
/// </remarks>
public static class Bootstrap
{
    /// <summary>rliable's default number of bootstrap replicates for interval estimates (<c>reps=50000</c>).</summary>
    public const int DefaultResamples = 50_000;

    /// <summary>The percentile bootstrap interval of <paramref name="statistic"/> over the runs of one group.</summary>
    /// <param name="sample">The observed values (one per run), at least one.</param>
    /// <param name="statistic">The statistic, e.g. <see cref="SampleStatistics.InterquartileMean"/>.</param>
    /// <param name="generator">The generator the indices are drawn from (advanced by the call).</param>
    /// <param name="resamples">B, the number of bootstrap replicates (≥ 1).</param>
    /// <param name="confidence">The confidence level in (0, 1).</param>
    /// <returns>The statistic of <paramref name="sample"/> and its interval.</returns>
    public static ConfidenceInterval PercentileInterval(ReadOnlySpan<double> sample, SampleStatistic statistic, Pcg64 generator,
        int resamples = DefaultResamples, double confidence = 0.95) =>
        StratifiedPercentileInterval([sample.ToArray()], statistic, generator, resamples, confidence);

    /// <summary>The percentile bootstrap interval of <paramref name="statistic"/> with resampling within each group.</summary>
    /// <param name="groups">The observed values of each group (stratum), each group non-empty.</param>
    /// <param name="statistic">The statistic of all groups' values concatenated in order.</param>
    /// <param name="generator">The generator the indices are drawn from (advanced by the call).</param>
    /// <param name="resamples">B, the number of bootstrap replicates (≥ 1).</param>
    /// <param name="confidence">The confidence level in (0, 1).</param>
    /// <returns>The statistic of the observed groups and its interval.</returns>
    public static ConfidenceInterval StratifiedPercentileInterval(IReadOnlyList<double[]> groups, SampleStatistic statistic,
        Pcg64 generator, int resamples = DefaultResamples, double confidence = 0.95)
    {
        ConfidenceInterval.RequireLevel(confidence);
        ArgumentOutOfRangeException.ThrowIfLessThan(resamples, 1);
        double[] replicates = new double[resamples];
        Replicates(groups, statistic, generator, replicates);
        double[] observed = Concatenate(groups);
        double estimate = statistic(observed);
        if (replicates.Any(double.IsNaN))
        {
            throw new ArgumentException("The statistic is NaN on some resample; a percentile interval needs a defined value on every one.", nameof(statistic));
        }
        replicates.AsSpan().Sort();
        double tail = (1 - confidence) / 2;
        return new ConfidenceInterval(estimate, Descriptive.QuantileOfSorted(replicates, tail),
            Descriptive.QuantileOfSorted(replicates, 1 - tail), confidence);
    }

    /// <summary>
    /// The bootstrap distribution: fills <paramref name="replicates"/> (one value per replicate, in draw order) with the
    /// statistic of resampled groups; see the class remarks for the draw order.
    /// </summary>
    /// <param name="groups">The observed values of each group, each group non-empty.</param>
    /// <param name="statistic">The statistic of all groups' values concatenated in order.</param>
    /// <param name="generator">The generator the indices are drawn from (advanced by the call).</param>
    /// <param name="replicates">Receives B = its length replicates.</param>
    /// <exception cref="ArgumentException">When there is no group or a group is empty.</exception>
    public static void Replicates(IReadOnlyList<double[]> groups, SampleStatistic statistic, Pcg64 generator, Span<double> replicates)
    {
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(statistic);
        ArgumentNullException.ThrowIfNull(generator);
        if (groups.Count == 0 || groups.Any(g => g is null || g.Length == 0))
        {
            throw new ArgumentException("The bootstrap needs at least one group, and every group needs at least one value.", nameof(groups));
        }
        var indices = new NumPyIntegers(generator);
        double[] resample = new double[groups.Sum(g => g.Length)];
        for (int b = 0; b < replicates.Length; b++)
        {
            int offset = 0;
            for (int g = 0; g < groups.Count; g++)
            {
                double[] group = groups[g];
                for (int i = 0; i < group.Length; i++)
                {
                    resample[offset + i] = group[indices.Next(group.Length)];
                }
                offset += group.Length;
            }
            replicates[b] = statistic(resample);
        }
    }

    private static double[] Concatenate(IReadOnlyList<double[]> groups)
    {
        var all = new double[groups.Sum(g => g.Length)];
        int offset = 0;
        foreach (double[] group in groups)
        {
            group.CopyTo(all, offset);
            offset += group.Length;
        }
        return all;
    }
}
