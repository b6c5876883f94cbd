using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using Reinforce.Environments;
using Reinforce.NeuralNetworks;
using Reinforce.Randomness;
using Reinforce.Training;

namespace Reinforce.Execution.Fast;

/// <summary>
/// One worker of <see cref="ParallelRollouts"/>: it claims episode indices from the coordinator, runs them, and
/// reports each finished one with where its steps are. <see cref="RolloutWorker"/> runs one episode at a time
/// in any environment; <see cref="LockstepRollouts"/> runs several CartPole episodes side by side.
/// </summary>
internal abstract class RolloutGroup
{
    /// <summary>Forgets the episodes of the previous batch.</summary>
    public abstract void Clear();

    /// <summary>Runs episodes while <paramref name="rollouts"/> gives out indices, reporting each through <see cref="ParallelRollouts.Finished"/>.</summary>
    public abstract void Run(ParallelRollouts rollouts);
}

/// <summary>
/// What one rollout worker owns: its environment, its forward workspace, its generator (re-seeded per episode to
/// that episode's stream), its observation and output rows, and the steps of the episodes it ran in this batch.
/// </summary>
internal sealed class RolloutWorker : RolloutGroup
{
    private readonly Action<RolloutWorker, EpisodeBatch, long>? runEpisode;

    public RolloutWorker(IEnvironment environment, MlpWorkspace workspace, int headOutputSize, EpisodeBatch episodes,
        Action<RolloutWorker, EpisodeBatch, long>? runEpisode = null)
    {
        Environment = environment;
        Workspace = workspace;
        Observation = new float[environment.ObservationSize];
        Output = new float[headOutputSize];
        Episodes = episodes;
        this.runEpisode = runEpisode;
    }

    public IEnvironment Environment { get; }

    public MlpWorkspace Workspace { get; }

    public Pcg64 Rng { get; } = new(0);

    public float[] Observation { get; }

    public float[] Output { get; }

    /// <summary>The episodes this worker ran in the current batch, in the order it ran them.</summary>
    public EpisodeBatch Episodes { get; }

    public override void Clear() => Episodes.Clear();

    public override void Run(ParallelRollouts rollouts)
    {
        while (rollouts.TryClaim(out long episode, out int k))
        {
            runEpisode!(this, Episodes, episode);
            int local = Episodes.Episodes - 1;
            rollouts.Finished(k, Episodes, local, Episodes.EpisodeLengths.Span[local]);
        }
    }
}

/// <summary>
/// Collects one batch's episodes on several workers so that the batch is exactly the one the sequential loop
/// would collect: episode k of the run always uses stream k, whoever runs it, and the episodes are put back in
/// index order. By episodes: indices first … first + N − 1. By steps: the sequential loop starts an episode
/// while the batch has fewer than S steps, so it keeps the shortest prefix of episodes with ≥ S steps; workers
/// start episode k only while the episodes before it (counting those still running as 1 step, their least)
/// may hold fewer than S steps, and the episodes past the prefix are dropped (they run again, with the next
/// weights, as the first episodes of the next batch — as they would sequentially).
/// </summary>
/// <remarks>
/// A worker is a <see cref="RolloutGroup"/>: a <see cref="LockstepRollouts"/> group (several CartPole episodes
/// advanced together; the trainer's path whenever a batch holds several episodes of its own CartPole, also with one
/// worker, which then runs on the calling thread alone) or a <see cref="RolloutWorker"/> (one episode at a time, any
/// environment). Worker 0 is the calling thread; workers 1 … N − 1 are helper threads of this object, started by its
/// constructor, that wait on a semaphore between batches (spinning briefly first, so back-to-back updates wake them in
/// microseconds; the thread pool took up to 2 ms to start a queued item here, by which time the caller had run most of
/// the batch). A helper lives as long as this object: it holds it only through a weak reference between batches, looks
/// every <see cref="IdleCheckMilliseconds"/> without a batch whether it is still there, and ends once the garbage
/// collector has reclaimed an abandoned trainer's rollouts (no Dispose, no finalizer). So however long a batch takes
/// to come, the calling thread never starts a thread again. A helper that wakes after the batch is over (or with a
/// count left from an earlier batch) finds no free worker slot or no episode to claim and goes back to waiting. After
/// the constructor nothing is allocated on the calling thread, except for a batch that needs more episode records than
/// any before.
/// </remarks>
internal sealed class ParallelRollouts
{
    /// <summary>How long a helper thread waits for a batch before it looks whether its rollouts are still in use.</summary>
    public const int IdleCheckMilliseconds = 2000;

    private readonly RolloutGroup[] workers;
    private readonly object gate = new();
    private readonly SemaphoreSlim batchReady = new(0);
    private int idleChecks;

    // The batch in progress (guarded by gate).
    private long firstEpisode;
    private int episodeTarget;
    private int stepTarget;
    private bool byEpisodes;
    private int claimed;
    private int nextSlot;
    private int active;
    private bool closed;
    private long stepsAtLeast;
    private int running;
    private int runningLimit;
    private EpisodeBatch?[] owner = [];
    private int[] ownerEpisode = [];
    private int[] lengths = [];
    private ExceptionDispatchInfo? failure;

    /// <summary>
    /// Rollouts on <paramref name="workers"/>: starts the helper threads of workers 1 … N − 1, which look every
    /// <paramref name="idleCheckMilliseconds"/> without a batch whether this object is still in use.
    /// </summary>
    public ParallelRollouts(RolloutGroup[] workers, int idleCheckMilliseconds = IdleCheckMilliseconds)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(idleCheckMilliseconds, 1);
        this.workers = workers;
        var link = new HelperLink(batchReady, new WeakReference<ParallelRollouts>(this), idleCheckMilliseconds);
        for (int w = 1; w < workers.Length; w++)
        {
            // UnsafeStart: the thread captures no execution context, which could hold on to this object.
            new Thread(HelperLoop) { IsBackground = true, Name = "Reinforce rollout worker" }.UnsafeStart(link);
        }
    }

    public int WorkerCount => workers.Length;

    /// <summary>Times a helper has waited <see cref="IdleCheckMilliseconds"/> for a batch without one coming (tests wait for it).</summary>
    internal int IdleChecks => Volatile.Read(ref idleChecks);

    /// <summary>
    /// Called on a helper thread with its worker slot (1 … N − 1) right after it has finished its share of a batch, before it
    /// goes back to waiting: the trainer lets it serve the update's split gradient pass while it is still awake.
    /// </summary>
    public Action<int>? AfterBatch { get; set; }

    /// <summary>
    /// Runs the batch starting at episode <paramref name="first"/> — <paramref name="episodes"/> episodes, or when
    /// <paramref name="steps"/> is set the shortest prefix with at least that many steps — into <paramref name="batch"/>.
    /// </summary>
    /// <remarks>
    /// At most <paramref name="concurrentEpisodes"/> episodes run at once (claimed, not yet finished): a speed
    /// choice that bounds the episodes run past the kept prefix, never a change to which episodes are kept (the
    /// episode that finishes can always claim the next one).
    /// </remarks>
    public void Collect(long first, int episodes, int? steps, EpisodeBatch batch, int concurrentEpisodes = int.MaxValue)
    {
        // At most one episode per step of the target (every episode has ≥ 1 step) plus one per worker.
        int records = steps is int s ? s + workers.Length : episodes;
        if (owner.Length < records)
        {
            owner = new EpisodeBatch?[records];
            ownerEpisode = new int[records];
            lengths = new int[records];
        }
        foreach (RolloutGroup worker in workers)
        {
            worker.Clear();
        }
        lock (gate)
        {
            firstEpisode = first;
            byEpisodes = steps is null;
            episodeTarget = episodes;
            stepTarget = steps ?? 0;
            claimed = 0;
            stepsAtLeast = 0;
            running = 0;
            runningLimit = Math.Max(1, concurrentEpisodes);
            failure = null;
            nextSlot = 1;
            active = 1;
            closed = false;
            if (workers.Length > 1)
            {
                batchReady.Release(workers.Length - 1);
            }
        }
        RunWorker(0);
        lock (gate)
        {
            closed = true;
            while (active > 0)
            {
                Monitor.Wait(gate);
            }
        }
        failure?.Throw();

        int kept = byEpisodes ? episodeTarget : StepPrefix();
        KeptEpisodes = kept;
        batch.Clear();
        for (int k = 0; k < kept; k++)
        {
            batch.AppendEpisode(owner[k]!, ownerEpisode[k]);
        }
    }

    /// <summary>Episodes the last <see cref="Collect"/> kept (the batch's episodes).</summary>
    public int KeptEpisodes { get; private set; }

    /// <summary>
    /// Where batch episode <paramref name="k"/> of the last <see cref="Collect"/> was written: the worker's buffer and its
    /// episode there (valid until the next Collect). The update reads the kept forward of the batch's rows from these.
    /// </summary>
    public (EpisodeBatch Source, int Episode) KeptEpisode(int k) => (owner[k]!, ownerEpisode[k]);

    // What a helper thread holds between batches: the semaphore it waits on and a weak reference to its rollouts, so
    // that an abandoned trainer's rollouts can be collected (their helpers then end).
    private sealed record HelperLink(SemaphoreSlim BatchReady, WeakReference<ParallelRollouts> Owner, int IdleCheckMilliseconds);

    private static void HelperLoop(object? state)
    {
        var link = (HelperLink)state!;
        while (link.BatchReady.Wait(link.IdleCheckMilliseconds) ? JoinBatch(link.Owner) : StillInUse(link.Owner))
        {
        }
    }

    // The rollouts are held strongly only inside these two calls, never while the helper waits (hence no inlining).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool JoinBatch(WeakReference<ParallelRollouts> owner)
    {
        if (!owner.TryGetTarget(out ParallelRollouts? rollouts))
        {
            return false;
        }
        rollouts.JoinBatch();
        return true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool StillInUse(WeakReference<ParallelRollouts> owner)
    {
        if (!owner.TryGetTarget(out ParallelRollouts? rollouts))
        {
            return false;
        }
        Interlocked.Increment(ref rollouts.idleChecks);
        return true;
    }

    private void JoinBatch()
    {
        int slot;
        lock (gate)
        {
            if (closed || nextSlot >= workers.Length)
            {
                return;
            }
            slot = nextSlot++;
            active++;
        }
        RunWorker(slot);
        AfterBatch?.Invoke(slot);
    }

    private void RunWorker(int slot)
    {
        try
        {
            workers[slot].Run(this);
        }
        catch (Exception exception)
        {
            lock (gate)
            {
                failure ??= ExceptionDispatchInfo.Capture(exception);
            }
        }
        finally
        {
            lock (gate)
            {
                active--;
                if (active == 0)
                {
                    Monitor.PulseAll(gate);
                }
            }
        }
    }

    /// <summary>
    /// Records that batch episode <paramref name="k"/> (counting from the batch's first) finished with
    /// <paramref name="length"/> steps, as episode <paramref name="local"/> of <paramref name="episodes"/>.
    /// </summary>
    public void Finished(int k, EpisodeBatch episodes, int local, int length)
    {
        lock (gate)
        {
            owner[k] = episodes;
            ownerEpisode[k] = local;
            lengths[k] = length;
            stepsAtLeast += length - 1;
            running--;
        }
    }

    /// <summary>
    /// Claims the next episode the batch may need: <paramref name="episode"/> is its index in the run (its stream),
    /// <paramref name="k"/> its index in the batch. False when the batch needs no more episodes (or a worker failed).
    /// </summary>
    /// <remarks>
    /// Episode indices are claimed in order. By steps, index k is needed only if episodes 0 … k − 1 may still hold
    /// fewer than S steps: stepsAtLeast counts a finished episode's length and a running one as 1 step, its least.
    /// </remarks>
    public bool TryClaim(out long episode, out int k)
    {
        lock (gate)
        {
            k = claimed;
            episode = firstEpisode + k;
            bool needed = failure is null && running < runningLimit && (byEpisodes ? k < episodeTarget : stepsAtLeast < stepTarget);
            if (needed)
            {
                claimed++;
                stepsAtLeast++;
                running++;
            }
            return needed;
        }
    }

    // The sequential rule by steps: the shortest prefix of episodes with at least S steps.
    private int StepPrefix()
    {
        long steps = 0;
        for (int k = 0; k < claimed; k++)
        {
            steps += lengths[k];
            if (steps >= stepTarget)
            {
                return k + 1;
            }
        }
        throw new InvalidOperationException("The claimed episodes hold fewer steps than the batch needs."); // unreachable
    }
}
