using System.Diagnostics;
using Reinforce.Environments;
using Reinforce.NeuralNetworks;
using Reinforce.Numerics;
using Reinforce.Optimizers;
using Reinforce.Policies;
using Reinforce.Randomness;
using Reinforce.Statistics;

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
/// <para><b>Determinism.</b> The initial weights come from <c>Pcg64(seed)</c>; episode k of the
/// run (counting from 0) uses its own stream <c>Pcg64.Derive(seed, k)</c>: its first draw seeds
/// the environment's reset, then every step t draws, in this order, the dropout masks of step t
/// (one <c>NextDouble</c> per hidden unit, first hidden layer first; nothing when
/// <see cref="TrainerOptions.Dropout"/> is 0) and the action a_t. An episode therefore depends only on
/// the seed, its index and the weights, never on which worker ran it or when — the same seed
/// gives the same run bit for bit, whatever <see cref="TrainerOptions.Threads"/> is.</para>
/// <para><b>Lockstep.</b> When a batch holds several episodes (and the environment is the trainer's own CartPole),
/// they advance together: one <see cref="VectorCartPole"/> step and one batched forward for all live episodes, each
/// action drawn from its own episode's stream, so the batch is bit for bit the one-at-a-time loop's (each worker of
/// <see cref="TrainerOptions.Threads"/> runs one such group). On one thread the update then takes the logits the rollout
/// computed instead of running the output layer again (the same bits); with several, a large batch's gradient pass may be
/// split across the workers (SplitUpdate, the same bits).</para>
/// <para><b>Dropout.</b> The rollout stores each step's masks in the batch
/// (<see cref="EpisodeBatch.DropoutMasks"/>), and the update's forward and backward over the batch use
/// exactly them, so the gradient is that of the log-probabilities the actions were sampled from, as
/// when PyTorch keeps the rollout's graph.</para>
/// <para><b>Allocation.</b> Rollout, forward, backward and the optimizer step reuse buffers; in
/// steady state an update allocates nothing.</para>
/// <para><b>Solved.</b> Both criteria are tracked after every episode, whichever one
/// <see cref="TrainerOptions.SolvedBy"/> reports and stops on: the running reward above the reward
/// threshold, and the mean return of the last 100 episodes at or above it (docs/statistics.md#solved).</para>
/// </remarks>
public sealed class ReinforceTrainer
{
    private readonly EpisodeBatch batch;
    private readonly RolloutWorker sequentialWorker;
    // The one-state forward of RunEpisode, its first layer's weights refreshed before each batch; null when the network's
    // input is not CartPole's 4 (then Mlp.Forward).
    private readonly RolloutForward? rolloutForward;
    private readonly ParallelRollouts? parallelRollouts;
    // With several threads and a one-hidden-layer network: the gradient pass of a large batch on the workers.
    private readonly SplitUpdate? splitUpdate;
    private const int WorkerPaddingBytes = 128;
    private readonly byte[][] workerPadding = [];
    private readonly int maxEpisodeSteps;
    // The most episodes one lockstep group runs at once.
    private const int MaxLockstepLanes = 16;
    // The returns of the last SolvedWindowEpisodes episodes, each written twice (at i and i + SolvedWindowEpisodes) so
    // that the window is always one contiguous span, oldest first: [start, start + length).
    private readonly double[] recentReturns = new double[2 * SolvedWindowEpisodes];
    private long returnsRecorded;
    private double runningRewardBeforeBatch;
    // The weights and the optimizer's state before the step, to put back when the step overflows one of them.
    private readonly float[] parametersBeforeStep;
    private readonly float[][] optimizerStateBeforeStep;

    /// <summary>
    /// Builds the environment, the policy (initialised from the seed) and the optimizer.
    /// <paramref name="environmentFactory"/> replaces the CartPole that <paramref name="options"/>
    /// describes by any discrete-action environment with a time limit.
    /// </summary>
    public ReinforceTrainer(TrainerOptions options, Func<IEnvironment>? environmentFactory = null)
        : this(options, environmentFactory, lockstep: true, DefaultKeptForward(options))
    {
    }

    // On one thread the update reads the logits the lockstep rollout kept instead of running the output layer again: the
    // same bits (KeptForwardTests), measured 4–7 % faster on trained 4- and 16-episode batches (collect + update, the
    // keep-forward benchmark; README). With several threads the split pass, which recomputes the forward, is worth more.
    private static RolloutForwardKept DefaultKeptForward(TrainerOptions options) =>
        options is { Threads: 1 } ? RolloutForwardKept.Logits : RolloutForwardKept.Nothing;

    /// <summary>
    /// As the public constructor; <paramref name="lockstep"/> false keeps the one-episode-at-a-time collection for
    /// multi-episode batches too (the reference the lockstep path is tested against: the same run bit for bit).
    /// </summary>
    /// <remarks>
    /// <paramref name="keepRolloutForward"/>: the lockstep groups keep each step's logits (and hidden activations), and the
    /// update reads them instead of running (that part of) the forward over the batch again — bit for bit the same update
    /// (KeptForwardTests). Only with lockstep batches; <see cref="RolloutForwardKept.Everything"/> only with an activation
    /// whose derivative follows from its output (else the update recomputes).
    /// </remarks>
    internal ReinforceTrainer(TrainerOptions options, Func<IEnvironment>? environmentFactory, bool lockstep,
        RolloutForwardKept keepRolloutForward = RolloutForwardKept.Nothing)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        Environment = environmentFactory is null
            ? CartPole.Create(options.EnvironmentId, options.Integrator, options.SuttonBartoReward, options.MaxEpisodeSteps)
            : environmentFactory();
        maxEpisodeSteps = options.MaxEpisodeSteps ?? Environment.MaxEpisodeSteps
            ?? throw new ArgumentException($"Environment {Environment.Id} has no time limit; set {nameof(TrainerOptions.MaxEpisodeSteps)}.", nameof(options));
        var head = PolicyHead.Create(options.Head, Environment.ActionCount);
        if (options.BufferBytes(Environment.ObservationSize, head.OutputSize, maxEpisodeSteps) > TrainerOptions.MaxBufferBytes)
        {
            throw new ArgumentException($"These options need more than {TrainerOptions.MaxBufferBytes >> 20} MiB of buffers in {Environment.Id}; use smaller batches, episodes or layers.", nameof(options));
        }
        Policy = Policy.Create(Environment.ObservationSize, options.HiddenSizes, options.HiddenActivation, head,
            new Pcg64(options.Seed), options.Initialization, options.Dropout);
        int maskWidth = Policy.Network.DropoutMaskWidth;
        Optimizer = Optimizers.Optimizer.Create(options.Optimizer, Policy.Parameters.Length, options.LearningRate);
        // Buffers sized for the largest batch the options allow (a step batch may overshoot its
        // target by one episode), so no update after the first ever allocates.
        int maxBatchSteps = options.BatchSteps is int target ? target + maxEpisodeSteps : maxEpisodeSteps * options.BatchEpisodes;
        Policy.Reserve(maxBatchSteps);
        bool keepLogits = lockstep && keepRolloutForward == RolloutForwardKept.Logits && environmentFactory is null
            && (options.BatchSteps is not null || options.BatchEpisodes > 1);
        batch = new EpisodeBatch(Environment.ObservationSize, maxBatchSteps, options.BatchSteps is int steps ? Math.Min(steps, 1024) : options.BatchEpisodes,
            maskWidth, keepLogits ? head.OutputSize : 0);
        sequentialWorker = new RolloutWorker(Environment, Policy.Network.CreateWorkspace(1), head.OutputSize, batch);
        rolloutForward = RolloutForward.TryCreate(Policy.Network);
        bool severalEpisodes = options.BatchSteps is not null || options.BatchEpisodes > 1;
        if (lockstep && severalEpisodes && environmentFactory is null)
        {
            // Lockstep groups, one per worker: the episodes of a batch advance together in each (the trainer's
            // CartPole is then only the public Environment; the groups step their own VectorCartPole).
            int groups = options.Threads;
            KeepsRolloutForward = keepRolloutForward == RolloutForwardKept.Everything && !Policy.Network.BackwardNeedsOnlyActivations
                ? RolloutForwardKept.Nothing : keepRolloutForward;
            int lanes = options.BatchSteps is int stepTarget
                ? Math.Clamp(stepTarget, 1, MaxLockstepLanes)
                : Math.Min((options.BatchEpisodes + groups - 1) / groups, MaxLockstepLanes);
            var workers = new RolloutGroup[groups];
            workerPadding = new byte[groups + 1][];
            workerPadding[0] = new byte[WorkerPaddingBytes];
            for (int w = 0; w < groups; w++)
            {
                workers[w] = new LockstepRollouts(Policy, options, lanes, maxEpisodeSteps, 4, KeepsRolloutForward, rolloutForward);
                workerPadding[w + 1] = new byte[WorkerPaddingBytes];
            }
            parallelRollouts = new ParallelRollouts(workers);
            UsesLockstep = true;
        }
        // Parallel collection only pays when a batch can hold several episodes.
        else if (options.Threads > 1 && severalEpisodes)
        {
            var workers = new RolloutGroup[options.Threads];
            // Each worker writes its observation, logits, generator and environment state on every step. Objects
            // allocated one after the other sit side by side, so two workers' could share a 64-byte cache line and
            // stall each other (false sharing); a live 128-byte block between consecutive workers' objects keeps
            // them apart, also after a compacting GC, which preserves the order.
            workerPadding = new byte[options.Threads + 1][];
            workerPadding[0] = new byte[WorkerPaddingBytes];
            for (int w = 0; w < workers.Length; w++)
            {
                IEnvironment environment = w == 0 ? Environment
                    : environmentFactory is null
                        ? CartPole.Create(options.EnvironmentId, options.Integrator, options.SuttonBartoReward, options.MaxEpisodeSteps)
                        : environmentFactory();
                // A worker may run any share of the batch, up to all of it.
                workers[w] = new RolloutWorker(environment, Policy.Network.CreateWorkspace(1), head.OutputSize,
                    new EpisodeBatch(Environment.ObservationSize, maxBatchSteps, batch.EpisodeCapacity, maskWidth), RunEpisode);
                workerPadding[w + 1] = new byte[WorkerPaddingBytes];
            }
            parallelRollouts = new ParallelRollouts(workers);
        }
        // (Not when the update reads the rollout's kept forward: the split pass recomputes it.)
        if (options.Threads > 1 && System.Environment.ProcessorCount > 1 && SplitUpdate.Supports(Policy)
            && KeepsRolloutForward == RolloutForwardKept.Nothing)
        {
            splitUpdate = new SplitUpdate(Policy, Math.Min(options.Threads, System.Environment.ProcessorCount));
            if (parallelRollouts is not null)
            {
                // A rollout helper that has finished its episodes serves the pass while still awake (see HelpWithNextPass).
                parallelRollouts.AfterBatch = splitUpdate.HelpWithNextPass;
            }
        }
        RunningReward = options.InitialRunningReward;
        parametersBeforeStep = new float[Policy.Parameters.Length];
        optimizerStateBeforeStep = Optimizer.StateBuffers.Select(b => new float[b.Buffer.Length]).ToArray();
    }

    /// <summary>
    /// The fewest rows for which a batch's gradient pass may be split across the workers (<see cref="SplitUpdate"/>; the result
    /// is the same bits either way). Below it, and with one thread, the pass runs on the calling thread alone.
    /// </summary>
    internal int SplitUpdateMinimumRows { get; set; } = DefaultSplitUpdateMinimumRows;

    /// <summary>
    /// <see cref="SplitUpdateMinimumRows"/> unless told otherwise. Measured on the README's 2-vCPU machine (best of 100
    /// interleaved rounds, both vCPUs free for the process): 2 workers against 1 took 36 against 51 µs at 500 rows, 60 against
    /// 91 at 1,000, 112 against 181 at 2,000; when the second vCPU is busy with other work the split costs 3–10 % more
    /// than the one-worker pass. 1,024 keeps the split where it gained at least 1.4×.
    /// </summary>
    internal const int DefaultSplitUpdateMinimumRows = 1024;

    /// <summary>
    /// When a batch of at least <see cref="SplitUpdateMinimumRows"/> rows splits its pass: <see cref="SplitUpdateMode.Auto"/>
    /// (the default) whenever the split pass was the faster per row when last measured; the two give the same bits, so the
    /// choice changes only the time.
    /// </summary>
    internal SplitUpdateMode SplitMode { get; set; } = SplitUpdateMode.Auto;

    // The time per row of the last eligible passes, one worker [0] and split [1] (moving averages, in Stopwatch ticks; 0:
    // not measured yet), and how many eligible batches have run. Every SplitProbeInterval-th eligible batch runs the path
    // that measured slower, so that a change in the machine's load is noticed.
    private readonly double[] passTicksPerRow = new double[2];
    private int eligibleBatches;
    private const int SplitProbeInterval = 8;

    private bool PreferSplit()
    {
        switch (SplitMode)
        {
            case SplitUpdateMode.Always:
                return true;
            case SplitUpdateMode.Never:
                return false;
        }
        if (passTicksPerRow[0] == 0 || passTicksPerRow[1] == 0)
        {
            return passTicksPerRow[0] != 0; // the one-worker pass first, then the split
        }
        bool faster = passTicksPerRow[1] < passTicksPerRow[0];
        return eligibleBatches % SplitProbeInterval == SplitProbeInterval - 1 ? !faster : faster;
    }

    private void RecordPassTime(bool split, long ticks, int rows)
    {
        eligibleBatches++;
        ref double average = ref passTicksPerRow[split ? 1 : 0];
        double perRow = (double)ticks / rows;
        average = average == 0 ? perRow : 0.5 * (average + perRow);
    }

    /// <summary>The workers of the split gradient pass (1 when the pass is never split).</summary>
    internal int SplitUpdateWorkers => splitUpdate?.WorkerCount ?? 1;

    /// <summary>Whether batches are collected by lockstep groups (several CartPole episodes advanced together).</summary>
    internal bool UsesLockstep { get; }

    /// <summary>What of the lockstep rollout's forward the update reads instead of recomputing it.</summary>
    internal RolloutForwardKept KeepsRolloutForward { get; }

    /// <summary>The lockstep or parallel collection (null when batches are collected one episode at a time on the calling thread).</summary>
    internal ParallelRollouts? Rollouts => parallelRollouts;

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
    public const int SolvedWindowEpisodes = 100;

    /// <summary>
    /// Whether the run is solved now by the criterion of <see cref="TrainerOptions.SolvedBy"/>: the running reward above
    /// the reward threshold, or the mean return of the last 100 episodes at or above it. Never before an episode has run,
    /// and never for an environment without a reward threshold. (With several episodes per update the criterion can be met
    /// inside a batch and lost by its end; <see cref="SolvedAtEpisode"/> keeps the first episode it was met at.)
    /// </summary>
    public bool Solved => Environment.RewardThreshold is double threshold && EpisodesCompleted > 0
        && (Options.SolvedBy == SolvedCriterion.MeanOfLast100
            ? MeanReturnOfLast100 >= threshold
            : RunningReward > threshold);

    /// <summary>
    /// The returns of the last min(100, n) episodes, oldest first, where n counts the episodes since the start of the run
    /// (or since a restore that did not pass them). A view of the trainer's buffer, valid until the next update.
    /// </summary>
    public ReadOnlySpan<double> RecentReturns
    {
        get
        {
            int length = (int)Math.Min(returnsRecorded, SolvedWindowEpisodes);
            int start = (int)((returnsRecorded - length) % SolvedWindowEpisodes);
            return recentReturns.AsSpan(start, length);
        }
    }

    /// <summary>
    /// The mean return of the last 100 episodes (<c>np.mean</c> of <see cref="RecentReturns"/>, NumPy's pairwise sum), or
    /// null before 100 episodes have been recorded.
    /// </summary>
    public double? MeanReturnOfLast100 => returnsRecorded >= SolvedWindowEpisodes ? Descriptive.Mean(RecentReturns) : null;

    /// <summary>The first episode (counting from 1) after which the running reward exceeded the reward threshold, or null.</summary>
    public long? RunningRewardSolvedAtEpisode { get; private set; }

    /// <summary>
    /// The first episode (counting from 1, so at least 100) after which the mean return of the last 100 episodes reached
    /// the reward threshold, or null. OpenAI Gym's scoreboard reported the index of that window's first episode, this
    /// minus 100 ("episodes before solve").
    /// </summary>
    public long? MeanOfLast100SolvedAtEpisode { get; private set; }

    /// <summary>The first episode at which the criterion of <see cref="TrainerOptions.SolvedBy"/> was met, or null.</summary>
    public long? SolvedAtEpisode => Options.SolvedBy == SolvedCriterion.MeanOfLast100 ? MeanOfLast100SolvedAtEpisode : RunningRewardSolvedAtEpisode;

    /// <summary>
    /// Continues a run from saved progress (weights and optimizer state are restored separately,
    /// through <see cref="Policy"/> and <see cref="Optimizer"/>). Because episode k's stream is
    /// derived from the seed and k, this is all the generator state a resumed run needs. This overload
    /// does not know the last returns nor when the run was first solved: the mean of the last 100 returns
    /// starts over, and a run that stops on it (<see cref="SolvedCriterion.MeanOfLast100"/>) is refused once
    /// an episode has run.
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
        ArgumentOutOfRangeException.ThrowIfNegative(updatesCompleted);
        ArgumentOutOfRangeException.ThrowIfNegative(episodesCompleted);
        ArgumentOutOfRangeException.ThrowIfNegative(stepsCompleted);
        if (!double.IsFinite(runningReward))
        {
            throw new ArgumentOutOfRangeException(nameof(runningReward), runningReward, "The running reward must be finite.");
        }
        long window = Math.Min(episodesCompleted, SolvedWindowEpisodes);
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
        if (Options.SolvedBy == SolvedCriterion.MeanOfLast100 && recentReturns.Length < window)
        {
            throw new ArgumentException(
                $"This run stops on the mean return of the last {SolvedWindowEpisodes} episodes, so continuing it needs the returns of its last {window} episode(s); {recentReturns.Length} given.",
                nameof(recentReturns));
        }
        if (runningRewardSolvedAtEpisode is long running && (running < 1 || running > episodesCompleted))
        {
            throw new ArgumentOutOfRangeException(nameof(runningRewardSolvedAtEpisode), running, $"An episode in [1, {episodesCompleted}], or null.");
        }
        if (meanOfLast100SolvedAtEpisode is long mean && (mean < SolvedWindowEpisodes || mean > episodesCompleted))
        {
            throw new ArgumentOutOfRangeException(nameof(meanOfLast100SolvedAtEpisode), mean, $"An episode in [{SolvedWindowEpisodes}, {episodesCompleted}], or null.");
        }
        UpdatesCompleted = updatesCompleted;
        EpisodesCompleted = episodesCompleted;
        StepsCompleted = stepsCompleted;
        RunningReward = runningReward;
        returnsRecorded = 0;
        foreach (double value in recentReturns)
        {
            RecordReturn(value);
        }
        RunningRewardSolvedAtEpisode = runningRewardSolvedAtEpisode;
        MeanOfLast100SolvedAtEpisode = meanOfLast100SolvedAtEpisode;
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

    /// <summary>One update: collect a batch, compute the weights, forward, backward, one optimizer step (docs/policy-gradient.md#one-update-line-by-line).</summary>
    /// <exception cref="TrainingDivergedException">
    /// The loss or a gradient is not finite, or the step made a weight or the optimizer's state non-finite (a finite
    /// gradient times a huge learning rate can overflow). Nothing was applied: the trainer is left exactly as it was
    /// before the call — weights, optimizer state and step count, episode and step counters, running reward — so a
    /// checkpoint captured then holds the last good update.
    /// </exception>
    public UpdateStatistics Update()
    {
        int update = UpdatesCompleted + 1;
        var countersBefore = (EpisodesCompleted, StepsCompleted, RunningReward);
        // Rollout helpers that finish their episodes wait for the split pass unless the batch turns out too small for it.
        bool splitPreferred = splitUpdate is not null && PreferSplit();
        if (splitPreferred)
        {
            splitUpdate!.ExpectPass();
        }
        try
        {
            CollectBatch();
        }
        catch
        {
            splitUpdate?.CancelExpectedPass();
            throw;
        }
        bool split = splitPreferred && batch.Steps >= SplitUpdateMinimumRows;
        if (splitPreferred && !split)
        {
            splitUpdate!.CancelExpectedPass();
        }
        ComputeWeights();

        // Forward the whole batch, the loss and its gradient at the logits, then backward. Nothing
        // touches the weights before both checks below have passed.
        ParameterBuffer parameters = Policy.Parameters;
        parameters.ZeroGradients();
        long passStart = splitUpdate is null ? 0 : Stopwatch.GetTimestamp(); // the one-thread path pays nothing
        PolicyLoss loss = KeepsRolloutForward switch
        {
            RolloutForwardKept.Everything => AccumulateGradientsFromKeptForward(),
            RolloutForwardKept.Logits => AccumulateGradientsFromKeptLogits(),
            _ when split => splitUpdate!.AccumulateGradients(batch.ObservationMemory, batch.ActionMemory, batch.WeightMemory,
                (float)Options.EntropyCoefficient, Options.LossReduction, batch.DropoutMaskMemory),
            _ => Policy.AccumulateGradients(batch.Observations, batch.Actions, batch.Weights,
                (float)Options.EntropyCoefficient, Options.LossReduction, batch.DropoutMasks),
        };
        if (splitUpdate is not null && batch.Steps >= SplitUpdateMinimumRows)
        {
            RecordPassTime(split, Stopwatch.GetTimestamp() - passStart, batch.Steps);
        }
        if (!double.IsFinite(loss.Loss))
        {
            (EpisodesCompleted, StepsCompleted, RunningReward) = countersBefore;
            throw new TrainingDivergedException(update, "loss");
        }
        if (FirstNonFinite(parameters.Gradients) is ParameterTensor badGradient)
        {
            (EpisodesCompleted, StepsCompleted, RunningReward) = countersBefore;
            throw new TrainingDivergedException(update, $"gradient of {badGradient.Name}");
        }

        // The step itself can overflow: keep what it changes, and check it after.
        IReadOnlyList<(string Name, float[] Buffer)> state = Optimizer.StateBuffers;
        parameters.Values.CopyTo(parametersBeforeStep, 0);
        for (int b = 0; b < state.Count; b++)
        {
            state[b].Buffer.CopyTo(optimizerStateBeforeStep[b], 0);
        }
        long optimizerStepsBefore = Optimizer.StepCount;
        Optimizer.Step(parameters.Values, parameters.Gradients);
        string? overflowed = FirstNonFinite(parameters.Values)?.Name;
        for (int b = 0; overflowed is null && b < state.Count; b++)
        {
            if (FirstNonFinite(state[b].Buffer) is ParameterTensor badState)
            {
                overflowed = $"optimizer.{state[b].Name}.{badState.Name}";
            }
        }
        if (overflowed is not null)
        {
            parametersBeforeStep.CopyTo(parameters.Values, 0);
            for (int b = 0; b < state.Count; b++)
            {
                optimizerStateBeforeStep[b].CopyTo(state[b].Buffer, 0);
            }
            Optimizer.StepCount = optimizerStepsBefore;
            (EpisodesCompleted, StepsCompleted, RunningReward) = countersBefore;
            throw new TrainingDivergedException(update, $"{overflowed} after the step");
        }

        UpdatesCompleted = update;
        RecordSolvedProgress();
        return Statistics(update, loss);
    }

    // Policy.AccumulateGradients over the batch without the output layer's forward: the logits the rollout kept.
    private PolicyLoss AccumulateGradientsFromKeptLogits()
    {
        Policy.Head.CheckActions(batch.Actions);
        return Policy.AccumulateGradientsFromKeptLogits(batch.Observations, batch.Actions, batch.Weights, (float)Options.EntropyCoefficient,
            Options.LossReduction, batch.DropoutMasks, batch.KeptLogits());
    }

    // Policy.AccumulateGradients over the batch without its forward: the rows of each kept episode, in batch order, read
    // where its lockstep group wrote them, with their kept logits and hidden activations. The actions, weights and masks
    // are the batch's (the weights exist only there); the sums and 1/N are those of the whole batch.
    private PolicyLoss AccumulateGradientsFromKeptForward()
    {
        float entropyCoefficient = (float)Options.EntropyCoefficient;
        float inverseN = Options.LossReduction == LossReduction.Mean ? 1f / batch.Steps : 1f;
        Policy.Head.CheckActions(batch.Actions);
        ReadOnlySpan<int> actions = batch.Actions;
        ReadOnlySpan<float> weights = batch.Weights;
        int observationSize = Environment.ObservationSize, maskWidth = Policy.Network.DropoutMaskWidth;
        double policySum = 0, entropySum = 0;
        int row = 0;
        for (int k = 0; k < parallelRollouts!.KeptEpisodes; k++)
        {
            (EpisodeBatch source, int episode) = parallelRollouts.KeptEpisode(k);
            Range range = source.EpisodeRange(episode);
            int start = range.Start.Value, length = range.End.Value - start;
            Policy.AccumulateGradientsFromKeptForward(source.KeptLogits(start, length),
                source.Observations.Slice(start * observationSize, length * observationSize), source.KeptActivations, start,
                source.DropoutMasks.Slice(start * maskWidth, length * maskWidth), actions.Slice(row, length), weights.Slice(row, length),
                entropyCoefficient, inverseN, ref policySum, ref entropySum);
            row += length;
        }
        return PolicyHead.Loss(policySum, entropySum, entropyCoefficient, inverseN, batch.Steps);
    }

    // The first tensor of the parameter layout whose slice of `values` holds a NaN or an infinity, or null.
    private ParameterTensor? FirstNonFinite(float[] values)
    {
        IReadOnlyList<ParameterTensor> tensors = Policy.Parameters.Tensors;
        for (int i = 0; i < tensors.Count; i++) // an index loop: foreach over the interface would allocate an enumerator
        {
            if (!SimdKernels.AllFinite(ParameterBuffer.View(values, tensors[i])))
            {
                return tensors[i];
            }
        }
        return null;
    }

    // Episode k uses stream k of the run seed. Sequentially, episodes run one after the other while the batch
    // has fewer than BatchEpisodes episodes (or BatchSteps steps); in parallel, ParallelRollouts keeps exactly
    // the episodes that rule keeps.
    internal void CollectBatch()
    {
        rolloutForward?.Refresh(); // the weights stand still until the batch is collected
        if (parallelRollouts is not null)
        {
            parallelRollouts.Collect(EpisodesCompleted, Options.BatchEpisodes, Options.BatchSteps, batch, ConcurrentEpisodes());
        }
        else
        {
            batch.Clear();
            int? stepTarget = Options.BatchSteps;
            while (stepTarget is int target ? batch.Steps < target : batch.Episodes < Options.BatchEpisodes)
            {
                RunEpisode(sequentialWorker, batch, EpisodesCompleted + batch.Episodes);
            }
        }
        runningRewardBeforeBatch = RunningReward;
        long episode = EpisodesCompleted;
        foreach (double episodeReturn in batch.EpisodeReturns.Span)
        {
            RunningReward = NextRunningReward(RunningReward, episodeReturn, episode++);
        }
        EpisodesCompleted += batch.Episodes;
        StepsCompleted += batch.Steps;
    }

    // How many episodes to run at once: by episodes, all; by steps, about as many as the target needs at the last
    // batch's mean episode length (rounded up), so that few episodes past the kept prefix are run for nothing. Only
    // a speed choice: the coordinator's rule decides which episodes the batch keeps, whatever this is.
    private int ConcurrentEpisodes()
    {
        if (Options.BatchSteps is not int target || batch.Episodes == 0)
        {
            return int.MaxValue;
        }
        long meanLength = Math.Max(1, batch.Steps / batch.Episodes);
        return (int)Math.Clamp((target + meanLength - 1) / meanLength, 1, int.MaxValue);
    }

    // One episode into `episodes`, with the worker's environment, workspace and generator (reads the weights only,
    // so workers can run episodes at the same time). Stream k: the reset seed, then per step the dropout masks
    // (none when p = 0) and the action's draw.
    private void RunEpisode(RolloutWorker worker, EpisodeBatch episodes, long episodeIndex)
    {
        Pcg64 rng = worker.Rng;
        float[] observation = worker.Observation, output = worker.Output;
        rng.Reseed(Options.Seed, (ulong)episodeIndex);
        long resetSeed = (long)(rng.NextUInt64() >> 1);
        worker.Environment.Reset(observation, resetSeed);
        for (int t = 0; t < maxEpisodeSteps; t++)
        {
            observation.CopyTo(episodes.NextObservation());
            Span<float> masks = episodes.NextDropoutMask();
            if (!masks.IsEmpty)
            {
                Dropout.DrawMask(Options.Dropout, rng, masks);
            }
            if (masks.IsEmpty && rolloutForward is not null)
            {
                rolloutForward.Forward(observation, 1, worker.Workspace, output); // Mlp.Forward's bits, W₁ kept as columns
            }
            else
            {
                Policy.Network.Forward(observation, 1, worker.Workspace, output, masks);
            }
            int action = Policy.Head.Sample(output, rng);
            StepResult result = worker.Environment.Step(action, observation);
            episodes.CommitStep(action, (float)result.Reward);
            if (result.IsDone)
            {
                break;
            }
        }
        episodes.EndEpisode();
    }

    // wₜ: the chosen return of each episode, minus the batch mean (baseline), then standardised, written once in the
    // reference. See docs/policy-gradient.md#baselines and docs/policy-gradient.md#normalisation.
    private void ComputeWeights() => Reference.ReferenceEngine.ComputeWeights(Options, batch);

    private double NextRunningReward(double runningReward, double episodeReturn, long index) =>
        Options.NextRunningReward(runningReward, episodeReturn, index);

    // After an update has been applied (so a diverged update, which the guard above rolls back, records nothing): each
    // episode of the batch goes into the window of recent returns, and each criterion is checked after each episode, so
    // the first episode it is met at is exact even inside a batch (docs/statistics.md#solved). The running reward is
    // replayed from its value before the batch with the same arithmetic as CollectBatch, hence the same values.
    private void RecordSolvedProgress()
    {
        double? threshold = Environment.RewardThreshold;
        double running = runningRewardBeforeBatch;
        long episode = EpisodesCompleted - batch.Episodes;
        foreach (double episodeReturn in batch.EpisodeReturns.Span)
        {
            running = NextRunningReward(running, episodeReturn, episode);
            episode++;
            RecordReturn(episodeReturn);
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

    private void RecordReturn(double episodeReturn)
    {
        int slot = (int)(returnsRecorded % SolvedWindowEpisodes);
        recentReturns[slot] = episodeReturn;
        recentReturns[slot + SolvedWindowEpisodes] = episodeReturn;
        returnsRecorded++;
    }

    private UpdateStatistics Statistics(int update, PolicyLoss loss)
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
        Debug.Assert(returns.Length > 0);
        return new UpdateStatistics(update, EpisodesCompleted, StepsCompleted, batch.Episodes, batch.Steps,
            mean, Math.Sqrt(squares / returns.Length), min, max, (double)batch.Steps / batch.Episodes,
            loss.Loss, loss.MeanEntropy, RunningReward, Solved, batch.EpisodeReturns, batch.EpisodeLengths)
        {
            MeanReturnOfLast100 = MeanReturnOfLast100,
            RunningRewardSolvedAtEpisode = RunningRewardSolvedAtEpisode,
            MeanOfLast100SolvedAtEpisode = MeanOfLast100SolvedAtEpisode,
        };
    }
}

/// <summary>Whether <see cref="ReinforceTrainer"/> splits the gradient pass of a large batch across its workers.</summary>
internal enum SplitUpdateMode
{
    /// <summary>When the split measured faster per row than the one-worker pass (each is re-measured from time to time).</summary>
    Auto,

    /// <summary>Every batch of at least <see cref="ReinforceTrainer.SplitUpdateMinimumRows"/> rows (tests, benchmarks).</summary>
    Always,

    /// <summary>Never: the one-worker pass (benchmarks).</summary>
    Never,
}
