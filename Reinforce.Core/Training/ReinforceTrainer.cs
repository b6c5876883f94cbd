using Reinforce.Environments;
using Reinforce.Execution;
using Reinforce.Optimizers;
using Reinforce.Policies;
using Reinforce.Randomness;

namespace Reinforce.Training;

/// <summary>
/// REINFORCE (Williams, 1992): roll out episodes with the current policy, weight every step's
/// log π(aₜ|sₜ) by its return, and take one optimizer step on
/// <code>
/// L(θ) = −(1/N)·Σₜ wₜ·log π_θ(aₜ|sₜ) − β·(1/N)·Σₜ H(π_θ(·|sₜ))
/// </code>
/// whose gradient is the REINFORCE estimate of −∇J(θ) (docs/policy-gradient.md#the-surrogate-loss).
/// </summary>
/// <remarks>
/// <para><b>What computes it.</b> The arithmetic of an update is defined by the reference in <c>Reinforce.Core/Reference/</c>,
/// plain scalar code in the order of the derivation. <see cref="TrainerOptions.Execution"/> chooses the reference or the
/// fast engine (lockstep rollouts, SIMD kernels, worker threads: <c>Reinforce.Core/Execution/</c>); the equivalence matrix
/// in the tests proves them equal bit for bit, so the choice changes only the time.</para>
/// <para><b>Determinism.</b> The initial weights come from <c>Pcg64(seed)</c>; episode k of the run (counting from 0) uses its
/// own stream <c>Pcg64.Derive(seed, k)</c>: its first draw seeds the environment's reset, then every step t draws, in this
/// order, the dropout masks of step t (one <c>NextDouble</c> per hidden unit, first hidden layer first; nothing when
/// <see cref="TrainerOptions.Dropout"/> is 0) and the action a_t. An episode therefore depends only on the seed, its index
/// and the weights, never on which worker ran it or when.</para>
/// <para><b>Dropout.</b> The rollout stores each step's masks in the batch (<see cref="EpisodeBatch.DropoutMasks"/>), and
/// the update's forward and backward use exactly them, so the gradient is that of the log-probabilities the actions were
/// sampled from, as when PyTorch keeps the rollout's graph.</para>
/// <para><b>Allocation.</b> Rollout, forward, backward and the optimizer step reuse buffers; in steady state an update
/// allocates nothing.</para>
/// <para><b>Solved.</b> Both criteria are tracked after every episode, whichever one <see cref="TrainerOptions.SolvedBy"/>
/// reports and stops on: the running reward above the reward threshold, and the mean return of the last 100 episodes at or
/// above it (docs/statistics.md#solved).</para>
/// </remarks>
public sealed class ReinforceTrainer
{
    private readonly IExecutionEngine engine;
    private readonly SolvedTracker solved = new();
    private readonly DivergenceGuard guard;
    private EpisodeBatch batch;

    /// <summary>
    /// Builds the environment, the policy (initialised from the seed), the optimizer and the engine.
    /// <paramref name="environmentFactory"/> replaces the CartPole that <paramref name="options"/> describes by any
    /// discrete-action environment with a time limit (the fast engine then runs it one episode at a time).
    /// </summary>
    public ReinforceTrainer(TrainerOptions options, Func<IEnvironment>? environmentFactory = null)
        : this(options, environmentFactory, ExecutionPolicy.Default)
    {
    }

    /// <summary>As the public constructor, with the engine's choices forced by <paramref name="executionPolicy"/> (tests, benchmarks).</summary>
    internal ReinforceTrainer(TrainerOptions options, Func<IEnvironment>? environmentFactory, ExecutionPolicy executionPolicy)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(executionPolicy);
        options.Validate();
        Options = options;
        Environment = environmentFactory is null
            ? CartPole.Create(options.EnvironmentId, options.Integrator, options.SuttonBartoReward, options.MaxEpisodeSteps)
            : environmentFactory();
        int maxEpisodeSteps = options.MaxEpisodeSteps ?? Environment.MaxEpisodeSteps
            ?? throw new ArgumentException($"Environment {Environment.Id} has no time limit; set {nameof(TrainerOptions.MaxEpisodeSteps)}.", nameof(options));
        var head = PolicyHead.Create(options.Head, Environment.ActionCount);
        if (options.BufferBytes(Environment.ObservationSize, head.OutputSize, maxEpisodeSteps) > TrainerOptions.MaxBufferBytes)
        {
            throw new ArgumentException($"These options need more than {TrainerOptions.MaxBufferBytes >> 20} MiB of buffers in {Environment.Id}; use smaller batches, episodes or layers.", nameof(options));
        }
        Policy = Policy.Create(Environment.ObservationSize, options.HiddenSizes, options.HiddenActivation, head,
            new Pcg64(options.Seed), options.Initialization, options.Dropout);
        Optimizer = Optimizers.Optimizer.Create(options.Optimizer, Policy.Parameters.Length, options.LearningRate);
        engine = executionPolicy.CreateEngine(options, Policy, Environment, environmentFactory, maxEpisodeSteps);
        guard = new DivergenceGuard(Policy.Parameters, Optimizer);
        batch = new EpisodeBatch(Environment.ObservationSize, 1, 1);
        RunningReward = options.InitialRunningReward;
    }

    /// <summary>The engine that computes the updates (tests check which path they exercise; benchmarks time its parts).</summary>
    internal IExecutionEngine Engine => engine;

    /// <summary>The run's configuration.</summary>
    public TrainerOptions Options { get; }

    /// <summary>The environment the episodes run in.</summary>
    public IEnvironment Environment { get; }

    /// <summary>The policy being trained.</summary>
    public Policy Policy { get; }

    /// <summary>The optimizer, with its state.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>The last update's batch (valid until the next update).</summary>
    public EpisodeBatch LastBatch => batch;

    /// <summary>Updates completed.</summary>
    public int UpdatesCompleted { get; private set; }

    /// <summary>Episodes completed; also the index of the next episode's random stream.</summary>
    public long EpisodesCompleted { get; private set; }

    /// <summary>Environment steps taken.</summary>
    public long StepsCompleted { get; private set; }

    /// <summary>
    /// The running reward r ← (1 − w)·r + w·R, updated after every episode (<see cref="TrainerOptions.NextRunningReward"/>);
    /// before the first episode <see cref="TrainerOptions.RunningRewardStart"/>, or 0 when that is null.
    /// </summary>
    public double RunningReward { get; private set; }

    /// <summary>
    /// The number of consecutive episodes whose mean return Gymnasium's "solved" compares with the reward threshold
    /// (OpenAI Gym's <c>EnvSpec.trials</c>).
    /// </summary>
    public const int SolvedWindowEpisodes = SolvedTracker.WindowEpisodes;

    /// <summary>
    /// Whether the run is solved now by the criterion of <see cref="TrainerOptions.SolvedBy"/>: the running reward above
    /// the reward threshold, or the mean return of the last 100 episodes at or above it. Never before an episode has run,
    /// and never for an environment without a reward threshold. (With several episodes per update the criterion can be met
    /// inside a batch and lost by its end; <see cref="SolvedAtEpisode"/> keeps the first episode it was met at.)
    /// </summary>
    public bool Solved => Environment.RewardThreshold is double threshold && EpisodesCompleted > 0
        && (Options.SolvedBy == SolvedCriterion.MeanOfLast100 ? MeanReturnOfLast100 >= threshold : RunningReward > threshold);

    /// <summary>
    /// The returns of the last min(100, n) episodes, oldest first, where n counts the episodes since the start of the run
    /// (or since a restore that did not pass them). A view of the trainer's buffer, valid until the next update.
    /// </summary>
    public ReadOnlySpan<double> RecentReturns => solved.RecentReturns;

    /// <summary>
    /// The mean return of the last 100 episodes (<c>np.mean</c> of <see cref="RecentReturns"/>, NumPy's pairwise sum), or
    /// null before 100 episodes have been recorded.
    /// </summary>
    public double? MeanReturnOfLast100 => solved.MeanReturnOfLast100;

    /// <summary>The first episode (counting from 1) after which the running reward exceeded the reward threshold, or null.</summary>
    public long? RunningRewardSolvedAtEpisode => solved.RunningRewardSolvedAtEpisode;

    /// <summary>
    /// The first episode (counting from 1, so at least 100) after which the mean return of the last 100 episodes reached
    /// the reward threshold, or null. OpenAI Gym's scoreboard reported the index of that window's first episode, this
    /// minus 100 ("episodes before solve").
    /// </summary>
    public long? MeanOfLast100SolvedAtEpisode => solved.MeanOfLast100SolvedAtEpisode;

    /// <summary>The first episode at which the criterion of <see cref="TrainerOptions.SolvedBy"/> was met, or null.</summary>
    public long? SolvedAtEpisode => Options.SolvedBy == SolvedCriterion.MeanOfLast100 ? MeanOfLast100SolvedAtEpisode : RunningRewardSolvedAtEpisode;

    /// <summary>
    /// Continues a run from saved progress (weights and optimizer state are restored separately, through
    /// <see cref="Policy"/> and <see cref="Optimizer"/>). Because episode k's stream is derived from the seed and k, this is
    /// all the generator state a resumed run needs. This overload does not know the last returns nor when the run was first
    /// solved: the mean of the last 100 returns starts over, and a run that stops on it
    /// (<see cref="SolvedCriterion.MeanOfLast100"/>) is refused once an episode has run.
    /// </summary>
    public void RestoreProgress(int updatesCompleted, long episodesCompleted, long stepsCompleted, double runningReward) =>
        RestoreProgress(updatesCompleted, episodesCompleted, stepsCompleted, runningReward, [], null, null);

    /// <summary>
    /// Continues a run from saved progress, with what "solved" needs: the returns of the last min(100, episodes)
    /// episodes, oldest first (<see cref="RecentReturns"/>), and the episodes at which each criterion was first met.
    /// Restored from these, the run continues bit for bit as if it had not stopped.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// A value is out of range, or fewer returns are given than min(100, episodes) while the run stops on the mean of the
    /// last 100 (it could not decide when to stop as the uninterrupted run would).
    /// </exception>
    public void RestoreProgress(int updatesCompleted, long episodesCompleted, long stepsCompleted, double runningReward,
        ReadOnlySpan<double> recentReturns, long? runningRewardSolvedAtEpisode, long? meanOfLast100SolvedAtEpisode)
    {
        SolvedTracker.CheckRestore(Options, updatesCompleted, episodesCompleted, stepsCompleted, runningReward, recentReturns,
            runningRewardSolvedAtEpisode, meanOfLast100SolvedAtEpisode);
        UpdatesCompleted = updatesCompleted;
        EpisodesCompleted = episodesCompleted;
        StepsCompleted = stepsCompleted;
        RunningReward = runningReward;
        solved.Restore(recentReturns, runningRewardSolvedAtEpisode, meanOfLast100SolvedAtEpisode);
    }

    /// <summary>Whether the run should stop: solved (when asked to stop then), or a cap reached.</summary>
    public bool IsFinished =>
        (Options.StopWhenSolved && Solved)
        || (Options.MaxEpisodes is long maxEpisodes && EpisodesCompleted >= maxEpisodes)
        || (Options.MaxUpdates is int maxUpdates && UpdatesCompleted >= maxUpdates);

    /// <summary>
    /// Trains until <see cref="IsFinished"/> or cancellation, calling <paramref name="onUpdate"/>
    /// after every update. Returns the last update's statistics (default when none ran).
    /// </summary>
    public UpdateStatistics Train(Action<UpdateStatistics>? onUpdate = null, CancellationToken cancellationToken = default)
    {
        UpdateStatistics last = default;
        while (!IsFinished && !cancellationToken.IsCancellationRequested)
        {
            last = Update();
            onUpdate?.Invoke(last);
        }
        return last;
    }

    /// <summary>
    /// One update, as <c>Reference/ReferenceEngine.Update</c> derives it: collect a batch, compute the weights, zero the
    /// gradients, forward, loss and backward, one optimizer step (docs/policy-gradient.md#one-update-line-by-line); then the
    /// progress. The engine computes the batch, the gradients and the step.
    /// </summary>
    /// <exception cref="TrainingDivergedException">
    /// The loss or a gradient is not finite, or the step made a weight or the optimizer's state non-finite (a finite
    /// gradient times a huge learning rate can overflow). Nothing was applied: the trainer is left exactly as it was
    /// before the call — weights, optimizer state and step count, episode and step counters, running reward — so a
    /// checkpoint captured then holds the last good update.
    /// </exception>
    public UpdateStatistics Update()
    {
        int update = UpdatesCompleted + 1;
        batch = engine.Collect(EpisodesCompleted);
        Reference.ReferenceEngine.ComputeWeights(Options, batch);
        Policy.Parameters.ZeroGradients();
        PolicyLoss loss = engine.AccumulateGradients(batch);
        if (guard.CheckBeforeStep(loss) is string notFinite)
        {
            throw new TrainingDivergedException(update, notFinite);
        }
        guard.BeforeStep();
        engine.Step(Optimizer, Policy.Parameters);
        if (guard.UndoStepIfOverflowed() is string overflowed)
        {
            throw new TrainingDivergedException(update, overflowed);
        }

        // The update is applied: now the counters, the running reward and the solved history move on.
        double runningRewardBefore = RunningReward;
        long firstEpisode = EpisodesCompleted;
        foreach (double episodeReturn in batch.EpisodeReturns.Span)
        {
            RunningReward = Options.NextRunningReward(RunningReward, episodeReturn, EpisodesCompleted++);
        }
        StepsCompleted += batch.Steps;
        UpdatesCompleted = update;
        solved.RecordBatch(Options, Environment.RewardThreshold, runningRewardBefore, firstEpisode, batch.EpisodeReturns.Span);
        return UpdateStatistics.Of(update, EpisodesCompleted, StepsCompleted, batch, loss, RunningReward, Solved) with
        {
            MeanReturnOfLast100 = MeanReturnOfLast100,
            RunningRewardSolvedAtEpisode = RunningRewardSolvedAtEpisode,
            MeanOfLast100SolvedAtEpisode = MeanOfLast100SolvedAtEpisode,
        };
    }
}
