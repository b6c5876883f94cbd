namespace Reinforce.Training;

/// <summary>What one update did and where the run stands after it.</summary>
/// <param name="Update">The update's number, from 1.</param>
/// <param name="TotalEpisodes">Episodes completed in the whole run so far.</param>
/// <param name="TotalSteps">Environment steps in the whole run so far.</param>
/// <param name="Episodes">Episodes in this update's batch.</param>
/// <param name="Steps">Environment steps in this update's batch.</param>
/// <param name="MeanReturn">Mean undiscounted episode return of the batch.</param>
/// <param name="StdReturn">Population standard deviation of the batch's episode returns.</param>
/// <param name="MinReturn">Smallest episode return of the batch.</param>
/// <param name="MaxReturn">Largest episode return of the batch.</param>
/// <param name="MeanLength">Mean episode length of the batch.</param>
/// <param name="Loss">The loss L the update descended.</param>
/// <param name="Entropy">Mean policy entropy over the batch's states (nats).</param>
/// <param name="RunningReward">The running reward after this batch's episodes.</param>
/// <param name="Solved">Whether the run is solved after this batch by the criterion of <see cref="TrainerOptions.SolvedBy"/> (<see cref="ReinforceTrainer.Solved"/>).</param>
/// <param name="EpisodeReturns">The return of each episode of the batch, in order (a view of the trainer's buffer, valid until the next update: copy it to keep it).</param>
/// <param name="EpisodeLengths">The length of each episode of the batch, in order (valid until the next update).</param>
public readonly record struct UpdateStatistics(
    int Update,
    long TotalEpisodes,
    long TotalSteps,
    int Episodes,
    int Steps,
    double MeanReturn,
    double StdReturn,
    double MinReturn,
    double MaxReturn,
    double MeanLength,
    double Loss,
    double Entropy,
    double RunningReward,
    bool Solved,
    ReadOnlyMemory<double> EpisodeReturns,
    ReadOnlyMemory<int> EpisodeLengths)
{
    /// <summary>
    /// The statistics of update <paramref name="update"/> over <paramref name="batch"/>'s episodes (mean, population standard
    /// deviation, minimum and maximum of the returns; mean length) with the run's totals after it.
    /// </summary>
    internal static UpdateStatistics Of(int update, long totalEpisodes, long totalSteps, EpisodeBatch batch, Policies.PolicyLoss loss,
        double runningReward, bool solved)
    {
        ReadOnlySpan<double> returns = batch.EpisodeReturns.Span;
        double sum = 0, min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (double r in returns)
        {
            sum += r;
            min = Math.Min(min, r);
            max = Math.Max(max, r);
        }
        double mean = sum / returns.Length, squares = 0;
        foreach (double r in returns)
        {
            squares += (r - mean) * (r - mean);
        }
        return new UpdateStatistics(update, totalEpisodes, totalSteps, batch.Episodes, batch.Steps, mean, Math.Sqrt(squares / returns.Length),
            min, max, (double)batch.Steps / batch.Episodes, loss.Loss, loss.MeanEntropy, runningReward, solved, batch.EpisodeReturns,
            batch.EpisodeLengths);
    }

    /// <summary>The mean return of the last 100 episodes after this batch, or null before 100 (<see cref="ReinforceTrainer.MeanReturnOfLast100"/>).</summary>
    public double? MeanReturnOfLast100 { get; init; }

    /// <summary>The first episode after which the running reward exceeded the threshold, or null (<see cref="ReinforceTrainer.RunningRewardSolvedAtEpisode"/>).</summary>
    public long? RunningRewardSolvedAtEpisode { get; init; }

    /// <summary>The first episode after which the mean of the last 100 returns reached the threshold, or null (<see cref="ReinforceTrainer.MeanOfLast100SolvedAtEpisode"/>).</summary>
    public long? MeanOfLast100SolvedAtEpisode { get; init; }
}

/// <summary>Raised when an update produces a non-finite loss or gradient. The weights are left as they were before the update.</summary>
public sealed class TrainingDivergedException : ArithmeticException
{
    /// <summary>Creates the exception for update <paramref name="update"/> and the offending tensor.</summary>
    public TrainingDivergedException(int update, string tensor)
        : base($"Update {update} produced a non-finite {tensor}; the update was not applied: the weights, the optimizer's state and the counters are those after update {update - 1}.")
    {
        Update = update;
        Tensor = tensor;
    }

    /// <summary>The update that diverged, from 1.</summary>
    public int Update { get; }

    /// <summary>"loss", the gradient's tensor (e.g. "gradient of 0.weight") or the parameter or optimizer state the step overflowed (e.g. "0.weight after the step").</summary>
    public string Tensor { get; }
}
