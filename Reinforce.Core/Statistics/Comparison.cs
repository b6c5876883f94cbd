using Reinforce.Randomness;

namespace Reinforce.Statistics;

/// <summary>A paired bootstrap interval of a difference, and how many replicates it rests on.</summary>
/// <param name="Interval">The difference on the observed sample and its percentile interval over the defined replicates.</param>
/// <param name="DefinedReplicates">The replicates in which both statistics were defined (at most B); the interval is their quantiles.</param>
public readonly record struct PairedDifference(ConfidenceInterval Interval, int DefinedReplicates);

/// <summary>
/// Comparisons of two configurations X and Y over their runs: rliable's probability of improvement with its bootstrap
/// interval (unpaired runs), and the difference of two interquartile means by a paired bootstrap over shared seeds. See
/// docs/statistics.md#comparing-two-configurations.
/// </summary>
/// <remarks>
/// <para><b>Probability of improvement.</b> With the scores x₁…xₙ of X and y₁…yₘ of Y (higher is better),
/// P(X &gt; Y) = (1 / nm) Σᵢ Σⱼ ([xᵢ &gt; yⱼ] + ½ [xᵢ = yⱼ]): the Mann–Whitney U statistic of X over nm. It is computed
/// exactly, as the integer 2U = Σᵢ Σⱼ (2 [xᵢ &gt; yⱼ] + [xᵢ = yⱼ]) divided once by 2nm, so the result is the double
/// nearest the rational; rliable (<c>metrics.probability_of_improvement</c>, one task) divides SciPy's
/// <c>mannwhitneyu(x, y, alternative="greater")</c> statistic, a sum of ranks, by nm, and its special case of identical
/// arrays (0.5) is this formula's value for them. P(X &gt; Y) + P(Y &gt; X) = 1.</para>
/// <para><b>Its interval.</b> rliable passes the pair of score arrays to its <c>StratifiedIndependentBootstrap</c>: in each
/// replicate X's runs and Y's runs are resampled independently, each with replacement from itself (within the one task),
/// and the probability is taken of the two resamples; the interval is the percentile interval of the B replicates. Here
/// replicate b draws X's n indices and then Y's m indices from one generator, as the NumPy loop
/// <c>ix = rng.integers(0, n, n); iy = rng.integers(0, m, m); poi(x[ix], y[iy])</c> does (the draws of
/// <see cref="Bootstrap.StratifiedPercentileInterval"/> with the groups X and Y).</para>
/// <para><b>Paired difference of IQMs.</b> Units i = 0…k−1 (seeds) each have a value of X and of Y, or none (null: an
/// unsolved run). The statistic is IQM(X's values) − IQM(Y's values), each IQM over the units that have a value. A
/// replicate draws k unit indices with replacement, <c>rng.integers(0, k, k)</c>, the same for both, and takes the
/// difference over the drawn units (a unit drawn twice counts twice on both sides). A replicate whose draw holds no
/// value of X or none of Y has no statistic and is left out: the interval is the percentile interval of the defined
/// replicates, the bootstrap distribution conditional on both IQMs existing. Identical X and Y give exactly 0 in
/// every replicate; Y = X + c at every unit gives c (up to the rounding of the two means).</para>
/// <para><b>Cost.</b> O(n + m) a replicate (k for the paired difference), never a sort: each sample is sorted once, a
/// replicate counts how often each sorted value is drawn and reads the statistic off in one pass over the counts.</para>
/// </remarks>
public static class Comparison
{
    /// <summary>P(X &gt; Y) + ½ P(X = Y) over every pair of a score of X and a score of Y (rliable's probability of improvement).</summary>
    /// <param name="x">X's scores, at least one, none NaN (infinities allowed: −∞ ties with −∞ and loses to every finite score).</param>
    /// <param name="y">Y's scores, likewise.</param>
    /// <returns>A probability in [0, 1], a multiple of 1 / (2nm).</returns>
    /// <exception cref="ArgumentException">When a sample is empty or holds a NaN.</exception>
    public static double ProbabilityOfImprovement(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        var levelsX = Levels.Of(x, nameof(x));
        var levelsY = Levels.Of(y, nameof(y));
        return (double)TwiceU(levelsX.Values, levelsX.Multiplicity, levelsY.Values, levelsY.Multiplicity) / (2.0 * x.Length * y.Length);
    }

    /// <summary>
    /// <see cref="ProbabilityOfImprovement"/> with rliable's bootstrap interval: X's and Y's runs resampled independently
    /// in each replicate (see the class remarks for the draw order), percentile interval of the B replicates.
    /// </summary>
    /// <param name="x">X's scores, at least one, none NaN.</param>
    /// <param name="y">Y's scores, likewise.</param>
    /// <param name="generator">The generator the indices are drawn from (advanced by the call).</param>
    /// <param name="resamples">B, the number of bootstrap replicates (≥ 1).</param>
    /// <param name="confidence">The confidence level in (0, 1).</param>
    /// <returns>The probability of the observed scores and its interval.</returns>
    /// <exception cref="ArgumentException">When a sample is empty or holds a NaN.</exception>
    public static ConfidenceInterval ProbabilityOfImprovementInterval(ReadOnlySpan<double> x, ReadOnlySpan<double> y, Pcg64 generator,
        int resamples = Bootstrap.DefaultResamples, double confidence = 0.95)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ConfidenceInterval.RequireLevel(confidence);
        ArgumentOutOfRangeException.ThrowIfLessThan(resamples, 1);
        var levelsX = Levels.Of(x, nameof(x));
        var levelsY = Levels.Of(y, nameof(y));
        int n = x.Length, m = y.Length;
        double estimate = (double)TwiceU(levelsX.Values, levelsX.Multiplicity, levelsY.Values, levelsY.Multiplicity) / (2.0 * n * m);

        var indices = new NumPyIntegers(generator);
        long[] countsX = new long[levelsX.Values.Length], countsY = new long[levelsY.Values.Length];
        double[] replicates = new double[resamples];
        for (int b = 0; b < resamples; b++)
        {
            Array.Clear(countsX);
            Array.Clear(countsY);
            for (int i = 0; i < n; i++)
            {
                countsX[levelsX.LevelOf[indices.Next(n)]]++;
            }
            for (int j = 0; j < m; j++)
            {
                countsY[levelsY.LevelOf[indices.Next(m)]]++;
            }
            replicates[b] = (double)TwiceU(levelsX.Values, countsX, levelsY.Values, countsY) / (2.0 * n * m);
        }
        return Percentile(estimate, replicates, confidence);
    }

    /// <summary>
    /// IQM(X) − IQM(Y) over paired units (seeds), each IQM over the units that have a value, with a paired percentile
    /// bootstrap interval: the same units drawn for both, replicates without a value of X or of Y left out (see the
    /// class remarks).
    /// </summary>
    /// <param name="x">X's value at each unit, or null (no value: an unsolved run); none NaN.</param>
    /// <param name="y">Y's value at the same units, as many.</param>
    /// <param name="generator">The generator the unit indices are drawn from (advanced by the call).</param>
    /// <param name="resamples">B, the number of bootstrap replicates drawn (≥ 1).</param>
    /// <param name="confidence">The confidence level in (0, 1).</param>
    /// <returns>The difference and its interval; null when X or Y has no value at all, or no replicate is defined.</returns>
    /// <exception cref="ArgumentException">When the samples differ in length, or a value is NaN.</exception>
    public static PairedDifference? PairedInterquartileMeanDifference(ReadOnlySpan<double?> x, ReadOnlySpan<double?> y, Pcg64 generator,
        int resamples = Bootstrap.DefaultResamples, double confidence = 0.95)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ConfidenceInterval.RequireLevel(confidence);
        ArgumentOutOfRangeException.ThrowIfLessThan(resamples, 1);
        if (x.Length != y.Length)
        {
            throw new ArgumentException($"Paired samples need a value (or null) of both at every unit; got {x.Length} and {y.Length} units.", nameof(y));
        }
        int k = x.Length;
        var sideX = PairedSide.Of(x, nameof(x));
        var sideY = PairedSide.Of(y, nameof(y));
        if (sideX.Units.Length == 0 || sideY.Units.Length == 0)
        {
            return null;
        }
        double estimate = Descriptive.InterquartileMeanOfSorted(sideX.Sorted) - Descriptive.InterquartileMeanOfSorted(sideY.Sorted);

        var indices = new NumPyIntegers(generator);
        int[] counts = new int[k];
        double[] buffer = new double[k];
        double[] replicates = new double[resamples];
        int defined = 0;
        for (int b = 0; b < resamples; b++)
        {
            Array.Clear(counts);
            for (int i = 0; i < k; i++)
            {
                counts[indices.Next(k)]++;
            }
            double? iqmX = sideX.ResampledIqm(counts, buffer);
            double? iqmY = sideY.ResampledIqm(counts, buffer);
            if (iqmX is double a && iqmY is double c)
            {
                replicates[defined++] = a - c;
            }
        }
        return defined == 0 ? null : new PairedDifference(Percentile(estimate, replicates.AsSpan(0, defined), confidence), defined);
    }

    private static ConfidenceInterval Percentile(double estimate, Span<double> replicates, double confidence)
    {
        replicates.Sort();
        double tail = (1 - confidence) / 2;
        return new ConfidenceInterval(estimate, Descriptive.QuantileOfSorted(replicates, tail), Descriptive.QuantileOfSorted(replicates, 1 - tail), confidence);
    }

    /// <summary>
    /// 2U = Σ over levels a of X, b of Y of cX[a]·cY[b]·(2 [a &gt; b] + [a = b]): one merge over both ascending level lists,
    /// keeping the count of Y below the current level of X. Exact in 64 bits for n, m up to 2³⁰ each.
    /// </summary>
    private static long TwiceU(double[] levelsX, long[] countsX, double[] levelsY, long[] countsY)
    {
        long twice = 0, below = 0;
        int j = 0;
        for (int i = 0; i < levelsX.Length; i++)
        {
            double level = levelsX[i];
            while (j < levelsY.Length && levelsY[j] < level)
            {
                below += countsY[j++];
            }
            long equal = j < levelsY.Length && levelsY[j] == level ? countsY[j] : 0;
            twice += countsX[i] * ((2 * below) + equal);
        }
        return twice;
    }

    /// <summary>A sample as its distinct values in ascending order, their multiplicities, and each value's level.</summary>
    private sealed record Levels(double[] Values, long[] Multiplicity, int[] LevelOf)
    {
        public static Levels Of(ReadOnlySpan<double> sample, string name)
        {
            if (sample.IsEmpty)
            {
                throw new ArgumentException("The sample is empty; a probability of improvement needs at least one score on each side.", name);
            }
            Descriptive.RequireNoNaN(sample, name);
            double[] sorted = sample.ToArray();
            Array.Sort(sorted);
            var values = new List<double>();
            var multiplicity = new List<long>();
            foreach (double value in sorted)
            {
                if (values.Count > 0 && values[^1] == value)
                {
                    multiplicity[^1]++;
                }
                else
                {
                    values.Add(value);
                    multiplicity.Add(1);
                }
            }
            double[] levels = [.. values];
            int[] levelOf = new int[sample.Length];
            for (int i = 0; i < sample.Length; i++)
            {
                int found = Array.BinarySearch(levels, sample[i]);
                // Every value is among the levels (they are the sample's distinct values; −0 and +0 compare equal, one level).
                levelOf[i] = found >= 0 ? found : throw new InvalidOperationException("A sample value has no level.");
            }
            return new Levels(levels, [.. multiplicity], levelOf);
        }
    }

    /// <summary>One side of a paired sample: the units that have a value, in ascending order of value, and those values.</summary>
    private sealed record PairedSide(int[] Units, double[] Sorted)
    {
        public static PairedSide Of(ReadOnlySpan<double?> values, string name)
        {
            var units = new List<int>();
            for (int i = 0; i < values.Length; i++)
            {
                if (values[i] is double value)
                {
                    if (double.IsNaN(value))
                    {
                        throw new ArgumentException($"Unit {i} holds a NaN; give null for a unit without a value.", name);
                    }
                    units.Add(i);
                }
            }
            double?[] copy = values.ToArray();
            int[] order = [.. units.OrderBy(u => copy[u]!.Value)];
            return new PairedSide(order, [.. order.Select(u => copy[u]!.Value)]);
        }

        /// <summary>The IQM of this side's values at the drawn units (each <paramref name="counts"/>[u] times), or null when none has a value.</summary>
        public double? ResampledIqm(int[] counts, double[] buffer)
        {
            // Writing each unit's value count[u] times in ascending order of value gives the resample sorted: the
            // sorted array a sort of the drawn values would give, so the IQM is the same double.
            int length = 0;
            for (int s = 0; s < Units.Length; s++)
            {
                double value = Sorted[s];
                for (int c = counts[Units[s]]; c > 0; c--)
                {
                    buffer[length++] = value;
                }
            }
            return length == 0 ? null : Descriptive.InterquartileMeanOfSorted(buffer.AsSpan(0, length));
        }
    }
}
