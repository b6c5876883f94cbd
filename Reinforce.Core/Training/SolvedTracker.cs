using Reinforce.Statistics;

namespace Reinforce.Training;

/// <summary>
/// When a run is solved (docs/statistics.md#solved): the returns of the last <see cref="WindowEpisodes"/> episodes and
/// the first episode at which each criterion was met — the running reward above the reward threshold, and the mean
/// return of the last 100 episodes at or above it. Each criterion is checked after every episode, so the first episode
/// it is met at is exact even inside a batch.
/// </summary>
internal sealed class SolvedTracker
{
    /// <summary>The number of consecutive episodes whose mean return Gymnasium's "solved" compares with the threshold.</summary>
    public const int WindowEpisodes = 100;

    // Each return is written twice (at i and i + WindowEpisodes), so that the window is always one contiguous span,
    // oldest first: [start, start + length).
    private readonly double[] recentReturns = new double[2 * WindowEpisodes];
    private long returnsRecorded;

    /// <summary>The returns of the last min(100, n) episodes recorded, oldest first (a view, valid until the next record).</summary>
    public ReadOnlySpan<double> RecentReturns
    {
        get
        {
            int length = (int)Math.Min(returnsRecorded, WindowEpisodes);
            int start = (int)((returnsRecorded - length) % WindowEpisodes);
            return recentReturns.AsSpan(start, length);
        }
    }

    /// <summary>The mean of <see cref="RecentReturns"/> (NumPy's pairwise sum), or null before 100 episodes.</summary>
    public double? MeanReturnOfLast100 => returnsRecorded >= WindowEpisodes ? Descriptive.Mean(RecentReturns) : null;

    /// <summary>The first episode (from 1) after which the running reward exceeded the threshold, or null.</summary>
    public long? RunningRewardSolvedAtEpisode { get; private set; }

    /// <summary>The first episode (from 1, so at least 100) after which the mean of the last 100 reached the threshold, or null.</summary>
    public long? MeanOfLast100SolvedAtEpisode { get; private set; }

    /// <summary>
    /// Records a batch's episodes, which are episodes <paramref name="firstEpisode"/> + 1, … (counting from 1): each return
    /// into the window, and each criterion after each episode, with the running reward replayed from
    /// <paramref name="runningRewardBefore"/> by <see cref="TrainerOptions.NextRunningReward"/> (so its values are the trainer's).
    /// </summary>
    public void RecordBatch(TrainerOptions options, double? threshold, double runningRewardBefore, long firstEpisode,
        ReadOnlySpan<double> episodeReturns)
    {
        double running = runningRewardBefore;
        long episode = firstEpisode;
        foreach (double episodeReturn in episodeReturns)
        {
            running = options.NextRunningReward(running, episodeReturn, episode);
            episode++;
            Record(episodeReturn);
            if (threshold is double limit)
            {
                if (RunningRewardSolvedAtEpisode is null && running > limit)
                {
                    RunningRewardSolvedAtEpisode = episode;
                }
                if (MeanOfLast100SolvedAtEpisode is null && MeanReturnOfLast100 >= limit)
                {
                    MeanOfLast100SolvedAtEpisode = episode;
                }
            }
        }
    }

    /// <summary>
    /// Checks saved progress before a trainer continues from it (<see cref="ReinforceTrainer.RestoreProgress(int, long, long, double, ReadOnlySpan{double}, long?, long?)"/>):
    /// counters ≥ 0, finite numbers, at most min(100, episodes) returns — exactly that many when the run stops on their mean —
    /// and first-solved episodes that can have happened.
    /// </summary>
    public static void CheckRestore(TrainerOptions options, int updatesCompleted, long episodesCompleted, long stepsCompleted, double runningReward,
        ReadOnlySpan<double> recentReturns, long? runningRewardSolvedAtEpisode, long? meanOfLast100SolvedAtEpisode)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(updatesCompleted);
        ArgumentOutOfRangeException.ThrowIfNegative(episodesCompleted);
        ArgumentOutOfRangeException.ThrowIfNegative(stepsCompleted);
        if (!double.IsFinite(runningReward))
        {
            throw new ArgumentOutOfRangeException(nameof(runningReward), runningReward, "The running reward must be finite.");
        }
        long window = Math.Min(episodesCompleted, WindowEpisodes);
        if (recentReturns.Length > window)
        {
            throw new ArgumentException($"{recentReturns.Length} recent returns given, but after {episodesCompleted} episode(s) there are at most {window}.", nameof(recentReturns));
        }
        foreach (double value in recentReturns)
        {
            if (!double.IsFinite(value))
            {
                throw new ArgumentException("The recent returns must be finite numbers.", nameof(recentReturns));
            }
        }
        if (options.SolvedBy == SolvedCriterion.MeanOfLast100 && recentReturns.Length < window)
        {
            throw new ArgumentException(
                $"This run stops on the mean return of the last {WindowEpisodes} episodes, so continuing it needs the returns of its last {window} episode(s); {recentReturns.Length} given.",
                nameof(recentReturns));
        }
        if (runningRewardSolvedAtEpisode is long running && (running < 1 || running > episodesCompleted))
        {
            throw new ArgumentOutOfRangeException(nameof(runningRewardSolvedAtEpisode), running, $"An episode in [1, {episodesCompleted}], or null.");
        }
        if (meanOfLast100SolvedAtEpisode is long mean && (mean < WindowEpisodes || mean > episodesCompleted))
        {
            throw new ArgumentOutOfRangeException(nameof(meanOfLast100SolvedAtEpisode), mean, $"An episode in [{WindowEpisodes}, {episodesCompleted}], or null.");
        }
    }

    /// <summary>Starts over from saved history (checked by <see cref="CheckRestore"/>): the window's returns, oldest first, and the first-solved episodes.</summary>
    public void Restore(ReadOnlySpan<double> returns, long? runningRewardSolvedAtEpisode, long? meanOfLast100SolvedAtEpisode)
    {
        returnsRecorded = 0;
        foreach (double value in returns)
        {
            Record(value);
        }
        RunningRewardSolvedAtEpisode = runningRewardSolvedAtEpisode;
        MeanOfLast100SolvedAtEpisode = meanOfLast100SolvedAtEpisode;
    }

    private void Record(double episodeReturn)
    {
        int slot = (int)(returnsRecorded % WindowEpisodes);
        recentReturns[slot] = episodeReturn;
        recentReturns[slot + WindowEpisodes] = episodeReturn;
        returnsRecorded++;
    }
}
