using System.Buffers;

namespace Reinforce.Statistics;

/// <summary>
/// Sums, means, standard deviations, quantiles, the median and the interquartile mean of a sample, each defined exactly as
/// NumPy or SciPy computes it (the function named on each member), so numbers printed here can be checked in Python.
/// See docs/statistics.md#definitions.
/// </summary>
/// <remarks>
/// <para>An empty sample has no mean, quantile or IQM: those throw <see cref="ArgumentException"/>. So does a NaN in a
/// sample that must be sorted (its order would be undefined).</para>
/// <para>Members that sort copy the sample into a pooled buffer first; the <c>…OfSorted</c> twins take an already sorted
/// sample and allocate nothing.</para>
/// </remarks>
public static class Descriptive
{
    // NumPy's PW_BLOCKSIZE: runs longer than this are split in two, shorter ones are summed with 8 accumulators.
    private const int PairwiseBlock = 128;

    /// <summary>
    /// The sum by NumPy's pairwise summation (<c>np.sum</c> of a contiguous float64 array, NumPy 1.24, <c>pairwise_sum</c>
    /// in <c>loops_utils.h.src</c>), bit for bit: fewer than 8 values are added left to right from 0; up to 128 values go
    /// into 8 interleaved partial sums combined as <c>((s0+s1)+(s2+s3))+((s4+s5)+(s6+s7))</c>, then the rest left to right;
    /// longer runs are split at <c>n/2</c> rounded down to a multiple of 8 and the two halves summed recursively. The
    /// rounding error grows like log n instead of n.
    /// </summary>
    /// <param name="values">The values (may be empty: the sum is 0).</param>
    /// <returns>The sum.</returns>
    public static double Sum(ReadOnlySpan<double> values)
    {
        int n = values.Length;
        if (n < 8)
        {
            double total = 0;
            foreach (double value in values)
            {
                total += value;
            }
            return total;
        }
        if (n <= PairwiseBlock)
        {
            double s0 = values[0], s1 = values[1], s2 = values[2], s3 = values[3];
            double s4 = values[4], s5 = values[5], s6 = values[6], s7 = values[7];
            int i = 8;
            for (; i < n - (n % 8); i += 8)
            {
                s0 += values[i];
                s1 += values[i + 1];
                s2 += values[i + 2];
                s3 += values[i + 3];
                s4 += values[i + 4];
                s5 += values[i + 5];
                s6 += values[i + 6];
                s7 += values[i + 7];
            }
            double total = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
            for (; i < n; i++)
            {
                total += values[i];
            }
            return total;
        }
        int half = n / 2;
        half -= half % 8;
        return Sum(values[..half]) + Sum(values[half..]);
    }

    /// <summary>The arithmetic mean, <see cref="Sum"/> / n (<c>np.mean</c>, bit for bit).</summary>
    /// <param name="values">At least one value.</param>
    /// <returns>The mean.</returns>
    /// <exception cref="ArgumentException">When <paramref name="values"/> is empty.</exception>
    public static double Mean(ReadOnlySpan<double> values)
    {
        RequireValues(values, nameof(values));
        return Sum(values) / values.Length;
    }

    /// <summary>
    /// The standard deviation <c>sqrt(Σ(xᵢ − x̄)² / (n − ddof))</c> (<c>np.std(x, ddof=…)</c>, bit for bit; both sums
    /// pairwise). With the default <paramref name="deltaDegreesOfFreedom"/> = 0 it is the population standard deviation
    /// (NumPy's default, and what Stable-Baselines3's <c>evaluate_policy</c> reports); pass 1 for the sample standard
    /// deviation with Bessel's correction.
    /// </summary>
    /// <param name="values">More than <paramref name="deltaDegreesOfFreedom"/> values.</param>
    /// <param name="deltaDegreesOfFreedom">ddof: 0 (population) or 1 (sample).</param>
    /// <returns>The standard deviation.</returns>
    /// <exception cref="ArgumentException">When there are not more values than <paramref name="deltaDegreesOfFreedom"/>.</exception>
    public static double StandardDeviation(ReadOnlySpan<double> values, int deltaDegreesOfFreedom = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(deltaDegreesOfFreedom);
        if (values.Length <= deltaDegreesOfFreedom)
        {
            throw new ArgumentException(
                $"A standard deviation with ddof = {deltaDegreesOfFreedom} needs more than {deltaDegreesOfFreedom} value(s); got {values.Length}.",
                nameof(values));
        }
        double mean = Mean(values);
        double[] squares = ArrayPool<double>.Shared.Rent(values.Length);
        try
        {
            for (int i = 0; i < values.Length; i++)
            {
                double deviation = values[i] - mean;
                squares[i] = deviation * deviation;
            }
            return Math.Sqrt(Sum(squares.AsSpan(0, values.Length)) / (values.Length - deltaDegreesOfFreedom));
        }
        finally
        {
            ArrayPool<double>.Shared.Return(squares);
        }
    }

    /// <summary>
    /// The <paramref name="probability"/>-quantile by linear interpolation between order statistics: NumPy's default
    /// <c>np.quantile(x, q)</c> (<c>method="linear"</c>), type 7 of Hyndman &amp; Fan (1996), also R's default. With the
    /// sorted values x₍₀₎ ≤ … ≤ x₍ₙ₋₁₎, h = (n − 1)·q, j = ⌊h⌋ and t = h − j, the quantile is
    /// x₍ⱼ₎ + t·(x₍ⱼ₊₁₎ − x₍ⱼ₎), computed as NumPy's <c>_lerp</c> does (from the upper neighbour when t ≥ 0.5) so that the
    /// result equals NumPy's bit for bit.
    /// </summary>
    /// <param name="values">At least one value, none NaN, in any order (a sorted copy is made).</param>
    /// <param name="probability">q in [0, 1].</param>
    /// <returns>The quantile.</returns>
    /// <exception cref="ArgumentException">When <paramref name="values"/> is empty or holds a NaN.</exception>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="probability"/> is not in [0, 1].</exception>
    public static double Quantile(ReadOnlySpan<double> values, double probability)
    {
        RequireProbability(probability);
        return WithSortedCopy(values, probability, static (sorted, q) => QuantileOfSorted(sorted, q));
    }

    /// <summary>The <paramref name="probability"/>-quantile of values sorted in ascending order; see <see cref="Quantile"/>.</summary>
    /// <param name="sorted">At least one value, sorted ascending (not checked).</param>
    /// <param name="probability">q in [0, 1].</param>
    /// <returns>The quantile.</returns>
    /// <exception cref="ArgumentException">When <paramref name="sorted"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="probability"/> is not in [0, 1].</exception>
    public static double QuantileOfSorted(ReadOnlySpan<double> sorted, double probability)
    {
        RequireValues(sorted, nameof(sorted));
        RequireProbability(probability);
        double position = (sorted.Length - 1) * probability;
        if (position >= sorted.Length - 1)
        {
            return sorted[^1];
        }
        int below = (int)Math.Floor(position);
        double fraction = position - below;
        double low = sorted[below], high = sorted[below + 1];
        double difference = high - low;
        return fraction >= 0.5 ? high - (difference * (1 - fraction)) : low + (difference * fraction);
    }

    /// <summary>
    /// The median (<c>np.median</c>, bit for bit): the middle value of the sorted sample, or for an even count the mean
    /// of the two middle values, <c>(a + b) / 2</c>.
    /// </summary>
    /// <param name="values">At least one value, none NaN, in any order.</param>
    /// <returns>The median.</returns>
    /// <exception cref="ArgumentException">When <paramref name="values"/> is empty or holds a NaN.</exception>
    public static double Median(ReadOnlySpan<double> values) =>
        WithSortedCopy(values, 0, static (sorted, _) => MedianOfSorted(sorted));

    /// <summary>The median of values sorted in ascending order; see <see cref="Median"/>.</summary>
    /// <param name="sorted">At least one value, sorted ascending (not checked).</param>
    /// <returns>The median.</returns>
    /// <exception cref="ArgumentException">When <paramref name="sorted"/> is empty.</exception>
    public static double MedianOfSorted(ReadOnlySpan<double> sorted)
    {
        RequireValues(sorted, nameof(sorted));
        int middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /// <summary>
    /// The trimmed mean as SciPy's <c>scipy.stats.trim_mean(x, proportiontocut)</c> defines it: sort, drop
    /// k = ⌊proportion·n⌋ values from each end (SciPy: "slices off less if proportion results in a non-integer slice
    /// index"), and take the mean of the n − 2k values left. Equal to SciPy's up to the order in which the kept values
    /// are summed (SciPy sums them in <c>np.partition</c>'s order, this sums them sorted): a few units in the last place.
    /// </summary>
    /// <param name="values">At least one value, none NaN, in any order.</param>
    /// <param name="proportionToCut">The proportion cut from each end, in [0, 0.5).</param>
    /// <returns>The trimmed mean.</returns>
    /// <exception cref="ArgumentException">When <paramref name="values"/> is empty or holds a NaN.</exception>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="proportionToCut"/> is not in [0, 0.5).</exception>
    public static double TrimmedMean(ReadOnlySpan<double> values, double proportionToCut)
    {
        RequireProportion(proportionToCut);
        return WithSortedCopy(values, proportionToCut, static (sorted, p) => TrimmedMeanOfSorted(sorted, p));
    }

    /// <summary>The trimmed mean of values sorted in ascending order; see <see cref="TrimmedMean"/>.</summary>
    /// <param name="sorted">At least one value, sorted ascending (not checked).</param>
    /// <param name="proportionToCut">The proportion cut from each end, in [0, 0.5).</param>
    /// <returns>The trimmed mean.</returns>
    /// <exception cref="ArgumentException">When <paramref name="sorted"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="proportionToCut"/> is not in [0, 0.5).</exception>
    public static double TrimmedMeanOfSorted(ReadOnlySpan<double> sorted, double proportionToCut)
    {
        RequireValues(sorted, nameof(sorted));
        RequireProportion(proportionToCut);
        int cut = (int)(proportionToCut * sorted.Length); // SciPy's int(proportiontocut * nobs), a floor for these values
        return Mean(sorted[cut..^cut]);
    }

    /// <summary>
    /// The interquartile mean (IQM): the mean of the middle half of the sample, <see cref="TrimmedMean"/> with 25 % cut from
    /// each end — rliable's <c>metrics.aggregate_iqm</c>, which is <c>scipy.stats.trim_mean(scores, 0.25, axis=None)</c>
    /// (Agarwal et al. 2021). With n values ⌊n/4⌋ are dropped at each end, so for n not a multiple of 4 slightly more
    /// than half is kept: n = 5 keeps the middle 3, n = 6 the middle 4, n = 7 the middle 5, n = 1, 2 or 3 all values.
    /// See docs/statistics.md#interquartile-mean.
    /// </summary>
    /// <param name="values">At least one value, none NaN, in any order.</param>
    /// <returns>The IQM.</returns>
    /// <exception cref="ArgumentException">When <paramref name="values"/> is empty or holds a NaN.</exception>
    public static double InterquartileMean(ReadOnlySpan<double> values) => TrimmedMean(values, 0.25);

    /// <summary>The IQM of values sorted in ascending order; see <see cref="InterquartileMean"/>.</summary>
    /// <param name="sorted">At least one value, sorted ascending (not checked).</param>
    /// <returns>The IQM.</returns>
    /// <exception cref="ArgumentException">When <paramref name="sorted"/> is empty.</exception>
    public static double InterquartileMeanOfSorted(ReadOnlySpan<double> sorted) => TrimmedMeanOfSorted(sorted, 0.25);

    /// <summary>
    /// The fraction of values strictly above <paramref name="threshold"/>: one point of a performance profile (rliable's
    /// score distribution, <c>np.mean(scores &gt; tau)</c>). See docs/statistics.md#performance-profile.
    /// </summary>
    /// <param name="values">At least one value.</param>
    /// <param name="threshold">τ.</param>
    /// <returns>A fraction in [0, 1].</returns>
    /// <exception cref="ArgumentException">When <paramref name="values"/> is empty.</exception>
    public static double FractionAbove(ReadOnlySpan<double> values, double threshold)
    {
        RequireValues(values, nameof(values));
        int above = 0;
        foreach (double value in values)
        {
            if (value > threshold)
            {
                above++;
            }
        }
        return (double)above / values.Length;
    }

    /// <summary>Throws when <paramref name="values"/> holds a NaN (sorting-based statistics need a total order).</summary>
    internal static void RequireNoNaN(ReadOnlySpan<double> values, string name)
    {
        foreach (double value in values)
        {
            if (double.IsNaN(value))
            {
                throw new ArgumentException("The sample holds a NaN; quantiles, medians and trimmed means need comparable values.", name);
            }
        }
    }

    private static double WithSortedCopy(ReadOnlySpan<double> values, double parameter, Func<ReadOnlySpan<double>, double, double> statistic)
    {
        RequireValues(values, nameof(values));
        RequireNoNaN(values, nameof(values));
        double[] buffer = ArrayPool<double>.Shared.Rent(values.Length);
        try
        {
            Span<double> sorted = buffer.AsSpan(0, values.Length);
            values.CopyTo(sorted);
            sorted.Sort();
            return statistic(sorted, parameter);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(buffer);
        }
    }

    private static void RequireValues(ReadOnlySpan<double> values, string name)
    {
        if (values.IsEmpty)
        {
            throw new ArgumentException("The sample is empty; this statistic needs at least one value.", name);
        }
    }

    private static void RequireProbability(double probability)
    {
        if (!(probability >= 0 && probability <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "A quantile's probability must be in [0, 1].");
        }
    }

    private static void RequireProportion(double proportion)
    {
        if (!(proportion >= 0 && proportion < 0.5))
        {
            throw new ArgumentOutOfRangeException(nameof(proportion), proportion, "The proportion cut from each end must be in [0, 0.5).");
        }
    }
}
