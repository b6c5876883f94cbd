using System.Diagnostics;
using Reinforce.Environments;
using Reinforce.NeuralNetworks;
using Reinforce.Execution.Fast;
using Reinforce.Execution.Split;
using Reinforce.Policies;
using Reinforce.Training;

namespace Reinforce.Execution;

/// <summary>
/// Every choice of how updates run that depends on the machine, on timing or on threads, in one place: which engine
/// (<see cref="TrainerOptions.Execution"/>), how many lockstep lanes and groups, whether the update reads the logits the
/// rollout kept, whether and on how many workers a large batch's gradient pass is split, and the padding that keeps the
/// workers' objects off each other's cache lines. None of them changes a number: every engine is proven bit-equal to
/// the reference. The properties are the defaults; tests and benchmarks force a path by setting them.
/// </summary>
internal sealed record ExecutionPolicy
{
    /// <summary>The policy of every trainer built without one.</summary>
    public static ExecutionPolicy Default { get; } = new();

    /// <summary>The most episodes one lockstep group advances at once (benchmarks/notes.md#lockstep-lanes).</summary>
    public int MaxLockstepLanes { get; init; } = 16;

    /// <summary>
    /// Bytes of a live block allocated between consecutive workers' objects. Objects allocated one after the other sit
    /// side by side, so two workers' could share a 64-byte cache line and stall each other (false sharing); the block keeps
    /// them apart, also after a compacting GC, which preserves the order.
    /// </summary>
    public const int WorkerPaddingBytes = 128;

    /// <summary>Whether a batch of several episodes of the trainer's own CartPole is collected in lockstep groups.</summary>
    public bool Lockstep { get; init; } = true;

    /// <summary>
    /// Whether the update reads the logits the lockstep rollout kept instead of running the output layer again (the same
    /// bits); null: when there is one group (one thread), since with several the split pass, which recomputes, is worth
    /// more (benchmarks/notes.md#keep-logits).
    /// </summary>
    public bool? KeepLogits { get; init; }

    /// <summary>
    /// Whether, with the kept logits, the update also reads the hidden activations the rollout computed instead of running
    /// the hidden layer's forward again (the same bits; a network with one tanh hidden layer, <see cref="Mlp.CanRecordHiddenLayer"/>,
    /// whose forward is mostly tanh); null: when the batch's activations fit in <see cref="KeptActivationsMaxFloats"/>
    /// (benchmarks/notes.md#keep-activations).
    /// </summary>
    public bool? KeepActivations { get; init; }

    /// <summary>The most floats of hidden activations a batch keeps by default (16 MiB); the lanes' buffers hold as many again.</summary>
    public long KeptActivationsMaxFloats { get; init; } = 1L << 22;

    /// <summary>
    /// Workers of the split gradient pass; null: min(threads, processors), and no split on a one-processor machine. A
    /// number here is used as it is, whatever the machine has, so that a test of 3 workers runs 3 on 2 cores.
    /// </summary>
    public int? SplitWorkers { get; init; }

    /// <summary>The fewest rows for which a batch's gradient pass may be split (benchmarks/notes.md#split-update).</summary>
    public int SplitMinimumRows { get; init; } = 1024;

    /// <summary>When an eligible batch splits its pass; null: by timing under <see cref="ExecutionMode.Auto"/>, always under <see cref="ExecutionMode.Fast"/>.</summary>
    public SplitUpdateMode? Split { get; init; }

    /// <summary>The engine for a trainer's options, policy and environment (<paramref name="environmentFactory"/>: a custom environment's).</summary>
    public IExecutionEngine CreateEngine(TrainerOptions options, Policy policy, IEnvironment environment, Func<IEnvironment>? environmentFactory,
        int maxEpisodeSteps)
    {
        if (options.Execution == ExecutionMode.Reference)
        {
            return new Reference.ReferenceEngine(options, policy, environment, maxEpisodeSteps);
        }
        bool severalEpisodes = options.BatchSteps is not null || options.BatchEpisodes > 1;
        // Lockstep runs the trainer's own CartPole (VectorCartPole); a custom environment runs one episode at a time.
        bool lockstep = Lockstep && severalEpisodes && environmentFactory is null;
        int groups = severalEpisodes ? options.Threads : 1;
        int lanes = !lockstep ? 1
            : options.BatchSteps is int stepTarget ? Math.Clamp(stepTarget, 1, MaxLockstepLanes)
            : Math.Min((options.BatchEpisodes + groups - 1) / groups, MaxLockstepLanes);
        bool keepLogits = lockstep && (KeepLogits ?? groups == 1);
        long maxBatchSteps = options.BatchSteps is int target ? (long)target + maxEpisodeSteps : (long)maxEpisodeSteps * options.BatchEpisodes;
        bool keepActivations = keepLogits && policy.Network.CanRecordHiddenLayer
            && (KeepActivations ?? maxBatchSteps * policy.Network.LayerSize(1) <= KeptActivationsMaxFloats);
        int splitWorkers = SplitWorkers ?? (System.Environment.ProcessorCount > 1 ? Math.Min(options.Threads, System.Environment.ProcessorCount) : 1);
        // The split pass recomputes the forward, so not when the update reads the kept logits.
        bool split = options.Threads > 1 && splitWorkers > 1 && SplitUpdate.Supports(policy) && !keepLogits;
        SplitChooser? chooser = split
            ? new SplitChooser(Split ?? (options.Execution == ExecutionMode.Fast ? SplitUpdateMode.Always : SplitUpdateMode.Auto), SplitMinimumRows)
            : null;
        return new FastEngine(options, policy, environment, environmentFactory, maxEpisodeSteps,
            new FastEngine.Layout(lockstep, groups, lanes, keepLogits, keepActivations, split ? splitWorkers : 1, WorkerPaddingBytes), chooser);
    }
}

/// <summary>Whether a batch's gradient pass is split across the workers.</summary>
internal enum SplitUpdateMode
{
    /// <summary>When the split measured faster per row than the one-worker pass (each is re-measured from time to time).</summary>
    Auto,

    /// <summary>Every batch of at least <see cref="ExecutionPolicy.SplitMinimumRows"/> rows.</summary>
    Always,

    /// <summary>Never: the one-worker pass.</summary>
    Never,
}

/// <summary>
/// Decides, batch by batch, whether a pass of at least <see cref="MinimumRows"/> rows is split, and under
/// <see cref="SplitUpdateMode.Auto"/> by timing: the moving average of the time per row of each way, the one that measured
/// slower run again every <see cref="ProbeInterval"/>-th eligible batch so that a change in the machine's load is noticed.
/// The two ways give the same bits, so the choice changes only the time.
/// </summary>
internal sealed class SplitChooser(SplitUpdateMode mode, int minimumRows)
{
    private const int ProbeInterval = 8;
    // Ticks per row of the last eligible passes, one worker [0] and split [1] (0: not measured yet).
    private readonly double[] ticksPerRow = new double[2];
    private int eligibleBatches;
    private long passStart;

    public SplitUpdateMode Mode { get; } = mode;

    public int MinimumRows { get; } = minimumRows;

    /// <summary>Whether the next eligible batch should be split, decided before it is collected.</summary>
    public bool PreferSplit()
    {
        switch (Mode)
        {
            case SplitUpdateMode.Always:
                return true;
            case SplitUpdateMode.Never:
                return false;
        }
        if (ticksPerRow[0] == 0 || ticksPerRow[1] == 0)
        {
            return ticksPerRow[0] != 0; // the one-worker pass first, then the split
        }
        bool faster = ticksPerRow[1] < ticksPerRow[0];
        return eligibleBatches % ProbeInterval == ProbeInterval - 1 ? !faster : faster;
    }

    /// <summary>Starts timing the pass of a batch of <paramref name="rows"/> rows (only eligible batches are timed).</summary>
    public void StartPass(int rows) => passStart = rows >= MinimumRows ? Stopwatch.GetTimestamp() : 0;

    /// <summary>Eligible passes run split so far.</summary>
    public int SplitPasses { get; private set; }

    /// <summary>Eligible passes run on one worker so far.</summary>
    public int OneWorkerPasses { get; private set; }

    /// <summary>Records the pass started by <see cref="StartPass"/>.</summary>
    public void EndPass(bool split, int rows)
    {
        if (passStart == 0)
        {
            return;
        }
        eligibleBatches++;
        if (split)
        {
            SplitPasses++;
        }
        else
        {
            OneWorkerPasses++;
        }
        ref double average = ref ticksPerRow[split ? 1 : 0];
        double perRow = (double)(Stopwatch.GetTimestamp() - passStart) / rows;
        average = average == 0 ? perRow : 0.5 * (average + perRow);
    }
}
