using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Reinforce.NeuralNetworks;
using Reinforce.Numerics;
using Reinforce.Policies;

namespace Reinforce.Execution.Split;

/// <summary>
/// <see cref="Policy.AccumulateGradients"/> of a large batch on several workers, giving the one-worker numbers bit for bit:
/// the same gradients, the same loss, whatever the number of workers. For a policy with one hidden layer,
/// x (T, in) → z₁ = x·W₁ᵀ + b₁ (⊙ m) → a₁ = f(z₁) → logits = a₁·W₂ᵀ + b₂ → head.
/// </summary>
/// <remarks>
/// <para><b>What must not change.</b> Every element of dW and db is one floating-point chain over the rows t = 0, 1, …
/// in order (<see cref="SimdKernels.AccumulateWeightGradients"/>), and the loss is two running double sums over the rows in
/// order. Cutting the rows of a chain between workers and adding the partial sums rounds differently, so the work is cut
/// elsewhere: by hidden units where a result is a chain over the rows, by rows where it is a function of one row.</para>
/// <para><b>The phases.</b> The batch runs in chunks of <see cref="ChunkRows"/> rows, as the one-worker path does
/// (chunking never changes a result: every chain continues from the previous chunk's value). Hidden unit j belongs to
/// one worker (which, below), and so does a share of each chunk's rows. Per chunk:</para>
/// <list type="number">
/// <item><b>Forward by units.</b> z₁[t, j] = Σᵢ W₁[j, i]·x[t, i] + b₁[j], the mask, a₁ = f(z₁): every element depends
/// on unit j's weights and row t alone, and the blocked kernel computes each output element by the same chain whichever
/// other outputs share its call (<c>BatchedKernelBitExactnessTests</c>), so a worker computing its units' columns (from
/// its own copy of their rows of W₁) gets their bits. They stay in the worker's cache for its backward. A logit is a
/// sum over all H units, but <see cref="SimdKernels.Dot"/>'s fixed layout makes it one: unit j goes to logical lane
/// j mod 32, each lane is an FMA chain over the 32-unit blocks in order, and only then do the lanes meet, in a fixed
/// tree (stride 16, 8, 4, 2, 1), before the units after the last full block are added one by one. So the units are
/// dealt out <em>by lane</em>: the 32 lanes form 8 runs of 4 (the fold's four-lane vectors), and with two workers worker 0
/// owns runs 0, 2, 4, 6 and worker 1 runs 1, 3, 5, 7 of every block, that is units 32b + l for their lanes l. A worker
/// runs its lanes' whole chains, W₂[o, j]·a₁[t, j] over the blocks, for every row of the chunk — exactly the numbers
/// inside the kernel — and then the fold's first two levels, which only ever join runs of one worker (stride 16 adds
/// run k + 4 to run k, stride 8 run k + 2), down to one four-lane vector per row and logit.</item>
/// <item><b>Fold and head, by rows.</b> Each worker takes a share of the chunk's rows and finishes each logit's fold: the
/// two workers' vectors added (stride 4: the one place where data crosses between cores, 4 floats per row and logit), then
/// [(l0 + l2) + (l1 + l3)], then the units past the last full block one fused multiply-add each (they belong to worker 0)
/// and the bias; then the head on its rows, writing dY = ∂L/∂logits and each row's log π(a|s) and entropy. Row by row,
/// the head gives the same bits for any set of rows. (With 4 or 8 workers the runs go 2 or 1 to a worker and the
/// rows' pass joins 4 or 8 vectors in the same tree; a worker beyond the largest power of two ≤ 8 owns no lanes.)</item>
/// <item><b>Backward, by units.</b> dA₁[t, j] = Σ_o dY[t, o]·W₂[o, j] and dZ₁ = dA₁ ⊙ f′(z₁) (⊙ m) are per element;
/// dW₁[j, :], db₁[j] and dW₂[:, j] are chains over the rows that involve unit j alone. The worker owning j runs them
/// over all the chunk's rows, continuing its chains from the previous chunk: exactly the one-worker chains. db₂ and the
/// loss's two running sums are chains over all rows that no unit split can cut: the worker of the first units runs them
/// (K additions and two per row, cheap), in row order.</item>
/// </list>
/// <para>The backward of chunk c and the forward of chunk c + 1 are one task per unit share (the units' buffers are
/// the worker's own), so a chunk costs two waits: after the units' forward (the fold needs every lane) and after
/// the rows' pass (the backward needs every row's dY). Each worker keeps its own copy of its units' gradients for the
/// whole pass (written back at the end), so no two workers ever write the same cache line.</para>
/// <para><b>Workers.</b> Worker 0 is the calling thread; workers 1 … N − 1 are helper threads of this object, as in
/// <c>ParallelRollouts</c>: started by the constructor, each waits on a semaphore between updates (spinning briefly first), holding
/// this object only through a weak reference, and ends once an abandoned trainer's split has been reclaimed by the garbage
/// collector (it looks every <see cref="IdleCheckMilliseconds"/> without work), never while the split is in use, so no pass
/// starts a thread however long the helper has waited; in the trainer a rollout helper that has just finished its episodes
/// serves instead while it is still awake (<see cref="HelpWithNextPass"/>). A worker runs its own task of each phase; a task whose worker has not
/// joined this pass, or has not started it <see cref="StealAfterMicroseconds"/> after another worker began waiting for it (the helper's
/// vCPU may be busy with someone else's work), is run by whichever worker reaches it first. Which thread runs a task
/// never changes a result: tasks are defined by their lanes or rows, and their buffers belong to the task. Nothing
/// is allocated in steady state.</para>
/// </remarks>
internal sealed class SplitUpdate
{
    /// <summary>How long a helper thread waits for a pass before it looks whether its split is still in use.</summary>
    public const int IdleCheckMilliseconds = 2000;

    /// <summary>How long a worker waits for a task that nobody has started before it runs the task itself.</summary>
    public const double StealAfterMicroseconds = 20;

    // Per task k, on a cache line of its own (written by whoever runs the task, normally its worker): at [32k + 16] the
    // phases claimed so far (task k of phase p is free while this is p), at [32k + 17] the phases completed.
    private readonly int[] taskProgress;
    private const int Open = 1, Joined = 2, Left = 3, Closed = 4;

    private readonly Mlp network;
    private readonly PolicyHead head;
    private readonly Activation activation;
    private readonly int workers, inputWidth, hiddenWidth, outputWidth, maskWidth;
    private readonly int w1Offset, b1Offset, w2Offset, b2Offset;
    // Lanes of Dot's layout; the units past the last full 32-unit block (the tail) are added after the fold.
    private const int Lanes = SimdKernels.ReductionLanes;
    private readonly int blocks, tailStart;
    private readonly UnitShare[] units;
    private readonly byte[][] padding;
    // The shares that own lanes: G, a power of two ≤ 8 (see the constructor).
    private readonly int laneGroups;
    private readonly float[] logits, logitGradients, logProbabilities, entropies;
    private readonly int rowsPerTask;

    // The pass in progress, set by the calling thread before the helpers are let in.
    private ReadOnlyMemory<float> states, weights, dropoutMasks;
    private ReadOnlyMemory<int> actions;
    private int batch, chunks;
    private float entropyCoefficient, inverseN;
    private double policySum, entropySum;
    private ExceptionDispatchInfo? failure;
    private int passExpected;

    // Helper threads (index 1 … N − 1; 0 is unused).
    // Helper w's state at [16·w] (Open, Joined, Left, Closed) and whether a thread spins for it in HelpWithNextPass at [16·w + 1].
    private readonly int[] helperState;
    private readonly SemaphoreSlim[] wake;
    private readonly object gate = new();
    private readonly long stealTicks;
    private int idleChecks;

    /// <summary>
    /// A split pass for <paramref name="policy"/> on <paramref name="workerCount"/> workers, in chunks of
    /// <paramref name="chunkRows"/> rows. The policy's network must have exactly one hidden layer (<see cref="Supports"/>).
    /// Starts the helper threads of workers 1 … N − 1, which look every <paramref name="idleCheckMilliseconds"/> without a
    /// pass whether this object is still in use.
    /// </summary>
    public SplitUpdate(Policy policy, int workerCount, int chunkRows = DefaultChunkRows, int idleCheckMilliseconds = IdleCheckMilliseconds)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (!Supports(policy))
        {
            throw new ArgumentException("The split update handles networks with exactly one hidden layer.", nameof(policy));
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(workerCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkRows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(idleCheckMilliseconds, 1);
        network = policy.Network;
        head = policy.Head;
        activation = network.HiddenActivation;
        workers = workerCount;
        ChunkRows = chunkRows;
        inputWidth = network.InputSize;
        hiddenWidth = network.LayerSizes[1];
        outputWidth = network.OutputSize;
        maskWidth = network.DropoutMaskWidth;
        w1Offset = network.WeightTensor(0).Offset;
        b1Offset = network.BiasTensor(0).Offset;
        w2Offset = network.WeightTensor(1).Offset;
        b2Offset = network.BiasTensor(1).Offset;
        taskProgress = new int[32 * workers + 32];

        // The 32 lanes in 8 runs of 4 (the fold's four-lane vectors v_k, lanes 4k … 4k + 3), dealt to G shares, G the largest
        // power of two ≤ min(workers, 8): share g owns runs g, g + G, g + 2G, …. Dot's fold adds v_k and v_{k+4} (stride 16),
        // then runs 2 apart (stride 8), then neighbours (stride 4): the first 3 − log₂G levels pair runs of one share, so each
        // share folds its own runs down to one four-lane vector per row and logit, and only those G vectors cross cores.
        blocks = hiddenWidth / Lanes;
        tailStart = blocks * Lanes;
        laneGroups = 1;
        while (laneGroups * 2 <= Math.Min(workers, 8))
        {
            laneGroups *= 2;
        }
        rowsPerTask = (chunkRows + 8 * workers - 1) / (8 * workers) * 8;

        // Each worker's buffers allocated together, with a live 128-byte block between two workers' (no shared cache lines).
        padding = new byte[workers + 1][];
        padding[0] = new byte[128];
        units = new UnitShare[workers];
        for (int w = 0; w < workers; w++)
        {
            int[] lanes = w < laneGroups
                ? [.. Enumerable.Range(0, 8 / laneGroups).SelectMany(j => Enumerable.Range(4 * (w + j * laneGroups), 4))]
                : [];
            units[w] = new UnitShare(lanes, blocks, w == 0 ? hiddenWidth - tailStart : 0, chunkRows, inputWidth, outputWidth, maskWidth > 0);
            padding[w + 1] = new byte[128];
        }
        logits = new float[chunkRows * outputWidth];
        logitGradients = new float[chunkRows * outputWidth];
        logProbabilities = new float[chunkRows];
        entropies = new float[chunkRows];

        helperState = new int[workers * 16];
        wake = new SemaphoreSlim[workers];
        stealTicks = (long)(StealAfterMicroseconds * Stopwatch.Frequency / 1e6);
        var owner = new WeakReference<SplitUpdate>(this);
        for (int w = 1; w < workers; w++)
        {
            wake[w] = new SemaphoreSlim(0);
            // UnsafeStart: the thread captures no execution context, which could hold on to this object.
            new Thread(HelperLoop) { IsBackground = true, Name = "Reinforce update worker" }
                .UnsafeStart(new HelperLink(helperState, wake[w], w, owner, idleCheckMilliseconds));
        }
    }

    /// <summary>Times a helper has waited <see cref="IdleCheckMilliseconds"/> for a pass without one coming (tests wait for it).</summary>
    internal int IdleChecks => Volatile.Read(ref idleChecks);

    /// <summary>
    /// Chunk rows when none are given (why 256: benchmarks/notes.md#split-update).
    /// </summary>
    public const int DefaultChunkRows = 256;

    /// <summary>Rows per chunk.</summary>
    public int ChunkRows { get; }

    /// <summary>The number of workers, the calling thread included.</summary>
    public int WorkerCount => workers;

    /// <summary>Whether the split handles this policy: a network with exactly one hidden layer.</summary>
    public static bool Supports(Policy policy) => policy.Network.LayerCount == 2;

    /// <summary>
    /// <see cref="Policy.AccumulateGradients"/> on <see cref="WorkerCount"/> workers: adds ∂L/∂θ to the gradients and returns L,
    /// bit for bit the one-worker numbers. The arguments are memory rather than spans because the helper threads read them.
    /// </summary>
    public PolicyLoss AccumulateGradients(ReadOnlyMemory<float> states, ReadOnlyMemory<int> actions, ReadOnlyMemory<float> weights,
        float entropyCoefficient, LossReduction reduction = LossReduction.Mean, ReadOnlyMemory<float> dropoutMasks = default)
    {
        int rows = actions.Length;
        if (weights.Length != rows)
        {
            throw new ArgumentException($"'weights' has {weights.Length} entries; one per action ({rows}) is needed.", nameof(weights));
        }
        if (!float.IsFinite(entropyCoefficient))
        {
            throw new ArgumentOutOfRangeException(nameof(entropyCoefficient), entropyCoefficient, "The entropy coefficient must be finite.");
        }
        Guard.MatrixShape(states.Length, rows, inputWidth, nameof(states));
        if (!dropoutMasks.IsEmpty)
        {
            if (maskWidth == 0)
            {
                throw new ArgumentException("This network has no dropout layer; pass no masks.", nameof(dropoutMasks));
            }
            Guard.MatrixShape(dropoutMasks.Length, rows, maskWidth, nameof(dropoutMasks));
        }
        head.CheckActions(actions.Span);
        if (rows == 0)
        {
            return new PolicyLoss(0, 0, 0);
        }

        this.states = states;
        this.actions = actions;
        this.weights = weights;
        this.dropoutMasks = dropoutMasks;
        this.entropyCoefficient = entropyCoefficient;
        inverseN = reduction == LossReduction.Mean ? 1f / rows : 1f;
        batch = rows;
        chunks = (rows + ChunkRows - 1) / ChunkRows;
        policySum = 0;
        entropySum = 0;
        failure = null;
        Array.Clear(taskProgress);
        float[] values = network.Parameters.Values, gradients = network.Parameters.Gradients;
        for (int w = 0; w < workers; w++)
        {
            units[w].Load(values, gradients, hiddenWidth, inputWidth, outputWidth, w1Offset, b1Offset, w2Offset, b2Offset, w == 0);
        }

        OpenToHelpers();
        RunPhases(0);
        CloseToHelpers();

        for (int w = 0; w < workers; w++)
        {
            units[w].Store(gradients, hiddenWidth, inputWidth, outputWidth, w1Offset, b1Offset, w2Offset, b2Offset, w == 0);
        }
        this.states = default;
        this.actions = default;
        this.weights = default;
        this.dropoutMasks = default;
        failure?.Throw();
        return PolicyHead.Loss(policySum, entropySum, entropyCoefficient, inverseN, rows);
    }

    // ---------------------------------------------------------------- the phases

    // Phase 0: forward of chunk 0 by units. Phase 2c + 1: layer 2 and the head of chunk c by rows. Phase 2c + 2: backward
    // of chunk c by units, then forward of chunk c + 1 by units. Task k of a phase: unit range k or row share k.
    private void RunPhases(int worker)
    {
        int phaseCount = 2 * chunks + 1;
        for (int phase = 0; phase < phaseCount; phase++)
        {
            TryRun(phase, worker);
            for (int k = 0; k < workers; k++)
            {
                if (k != worker && k != 0 && Volatile.Read(ref helperState[16 * k]) != Joined)
                {
                    TryRun(phase, k); // its worker has not joined this pass
                }
            }
            long since = Stopwatch.GetTimestamp();
            while (!PhaseDone(phase))
            {
                Thread.SpinWait(4);
                if (Stopwatch.GetTimestamp() - since > stealTicks)
                {
                    for (int k = 0; k < workers; k++)
                    {
                        TryRun(phase, k); // a worker that has not started its task by now is busy elsewhere
                    }
                    // The worker we wait for may share this vCPU (the scheduler put it here, or the host runs both vCPUs on one
                    // core): let it run rather than spin through its time slice.
                    Thread.Yield();
                }
            }
        }
    }


    private bool PhaseDone(int phase)
    {
        for (int k = 0; k < workers; k++)
        {
            if (Volatile.Read(ref taskProgress[32 * k + 17]) <= phase)
            {
                return false;
            }
        }
        return true;
    }

    // Runs task `task` of `phase` unless someone has claimed it. Every task of the previous phase is done by now, so its
    // claim count is exactly `phase` while it is free.
    private void TryRun(int phase, int task)
    {
        ref int claimed = ref taskProgress[32 * task + 16];
        if (Volatile.Read(ref claimed) != phase || Interlocked.CompareExchange(ref claimed, phase + 1, phase) != phase)
        {
            return;
        }
        try
        {
            if (phase == 0)
            {
                ForwardUnits(task, 0);
            }
            else if (phase % 2 == 1)
            {
                LogitsAndHeadOfRows(task, (phase - 1) / 2);
            }
            else
            {
                int chunk = (phase - 2) / 2;
                BackwardUnits(task, chunk);
                if (chunk + 1 < chunks)
                {
                    ForwardUnits(task, chunk + 1);
                }
            }
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
            Volatile.Write(ref taskProgress[32 * task + 17], phase + 1);
        }
    }

    // z₁ = x·W₁[units]ᵀ + b₁[units], ⊙ m[:, units], a₁ = f(z₁) for the share's units (its own order), (rows, units); then the
    // logits' partial lanes of the share's lanes: lane l of logit o = chain over the blocks b of fma(W₂[o, 32b + l], a₁[t, 32b + l], ·)
    // from +0, Dot's lane chain (in the share's order, unit 32b + l is at b·laneCount + l − firstLane).
    private void ForwardUnits(int share, int chunk)
    {
        UnitShare unit = units[share];
        int width = unit.Width;
        if (width == 0)
        {
            return;
        }
        int start = chunk * ChunkRows, rows = Math.Min(ChunkRows, batch - start);
        Span<float> z = unit.PreActivations.AsSpan(0, rows * width), a = unit.Activations.AsSpan(0, rows * width);
        bool fused = activation.Kind == ActivationKind.ReLU && dropoutMasks.IsEmpty;
        if (fused)
        {
            // z and a = ReLU(z) in one pass, the same bits as Dense.Forward then the activation (as in Mlp.Forward).
            SimdKernels.MatMulTransposedBRelu(states.Span.Slice(start * inputWidth, rows * inputWidth), unit.InputWeights, unit.InputBiases,
                rows, z, a);
        }
        else
        {
            Dense.Forward(states.Span.Slice(start * inputWidth, rows * inputWidth), unit.InputWeights, unit.InputBiases, rows, z);
        }
        if (!dropoutMasks.IsEmpty)
        {
            ReadOnlySpan<float> masks = dropoutMasks.Span;
            Span<float> mask = unit.Masks.AsSpan(0, rows * width);
            int[] order = unit.Units;
            for (int row = 0; row < rows; row++)
            {
                ReadOnlySpan<float> rowMasks = masks.Slice((start + row) * maskWidth, maskWidth);
                Span<float> local = mask.Slice(row * width, width);
                for (int i = 0; i < width; i++)
                {
                    local[i] = rowMasks[order[i]];
                }
            }
            Dropout.Forward(z, mask, z);
        }
        if (!fused)
        {
            activation.Forward(z, a);
        }
        int laneCount = unit.LaneCount;
        if (laneCount == 0)
        {
            return;
        }
        // Four rows at a time (their a₁ stays in L1 while every logit and vector of lanes is done), one vector of lanes and
        // one logit: four independent chains sharing each load of W₂ (one chain alone would wait on the FMA latency at every block).
        ref float w2 = ref MemoryMarshal.GetArrayDataReference(unit.OutputWeights);
        ref float activations = ref MemoryMarshal.GetReference(a);
        ref float partial = ref MemoryMarshal.GetArrayDataReference(unit.PartialLanes);
        int count = Vector<float>.Count, vectorLanes = laneCount - laneCount % count, end = blocks * laneCount;
        int groupedRows = rows - rows % 4, rowStride = outputWidth * laneCount;
        int t = 0;
        for (; t < groupedRows; t += 4)
        {
            ref float a0 = ref Unsafe.Add(ref activations, t * width);
            ref float a1 = ref Unsafe.Add(ref a0, width);
            ref float a2 = ref Unsafe.Add(ref a1, width);
            ref float a3 = ref Unsafe.Add(ref a2, width);
            for (int o = 0; o < outputWidth; o++)
            {
                ref float wRow = ref Unsafe.Add(ref w2, o * width);
                ref float l0 = ref Unsafe.Add(ref partial, t * rowStride + o * laneCount);
                for (int j = 0; j < vectorLanes; j += count)
                {
                    Vector<float> s0 = Vector<float>.Zero, s1 = s0, s2 = s0, s3 = s0;
                    for (nuint i = (nuint)j; i < (nuint)end; i += (nuint)laneCount)
                    {
                        Vector<float> wv = Vector.LoadUnsafe(ref wRow, i);
                        s0 = Vector.FusedMultiplyAdd(wv, Vector.LoadUnsafe(ref a0, i), s0);
                        s1 = Vector.FusedMultiplyAdd(wv, Vector.LoadUnsafe(ref a1, i), s1);
                        s2 = Vector.FusedMultiplyAdd(wv, Vector.LoadUnsafe(ref a2, i), s2);
                        s3 = Vector.FusedMultiplyAdd(wv, Vector.LoadUnsafe(ref a3, i), s3);
                    }
                    s0.StoreUnsafe(ref l0, (nuint)j);
                    s1.StoreUnsafe(ref l0, (nuint)(rowStride + j));
                    s2.StoreUnsafe(ref l0, (nuint)(2 * rowStride + j));
                    s3.StoreUnsafe(ref l0, (nuint)(3 * rowStride + j));
                }
                for (int j = vectorLanes; j < laneCount; j++)
                {
                    for (int r = 0; r < 4; r++)
                    {
                        PartialLane(ref Unsafe.Add(ref a0, r * width), ref wRow, j, end, laneCount, ref Unsafe.Add(ref l0, r * rowStride + j));
                    }
                }
            }
        }
        for (; t < rows; t++)
        {
            for (int o = 0; o < outputWidth; o++)
            {
                ref float l0 = ref Unsafe.Add(ref partial, t * rowStride + o * laneCount);
                for (int j = 0; j < laneCount; j++)
                {
                    PartialLane(ref Unsafe.Add(ref activations, t * width), ref Unsafe.Add(ref w2, o * width), j, end, laneCount, ref Unsafe.Add(ref l0, j));
                }
            }
        }
        FoldOwnRuns(unit, rows * outputWidth);
    }

    // Each (row, logit)'s lane chains of this share, runs j = 0 … R − 1 of four lanes (global runs g + jG), folded as Dot's
    // tree folds them: halve the list, adding run j + R/2 to run j, until one four-lane vector is left.
    private static void FoldOwnRuns(UnitShare unit, int records)
    {
        int laneCount = unit.LaneCount;
        ref float lanes = ref MemoryMarshal.GetArrayDataReference(unit.PartialLanes);
        ref float folded = ref MemoryMarshal.GetArrayDataReference(unit.FoldedLanes);
        for (int r = 0; r < records; r++)
        {
            ref float v = ref Unsafe.Add(ref lanes, r * laneCount);
            Vector128<float> q = laneCount switch
            {
                32 => ((Vector128.LoadUnsafe(ref v) + Vector128.LoadUnsafe(ref v, 16)) + (Vector128.LoadUnsafe(ref v, 8) + Vector128.LoadUnsafe(ref v, 24)))
                    + ((Vector128.LoadUnsafe(ref v, 4) + Vector128.LoadUnsafe(ref v, 20)) + (Vector128.LoadUnsafe(ref v, 12) + Vector128.LoadUnsafe(ref v, 28))),
                16 => (Vector128.LoadUnsafe(ref v) + Vector128.LoadUnsafe(ref v, 8)) + (Vector128.LoadUnsafe(ref v, 4) + Vector128.LoadUnsafe(ref v, 12)),
                8 => Vector128.LoadUnsafe(ref v) + Vector128.LoadUnsafe(ref v, 4),
                _ => Vector128.LoadUnsafe(ref v),
            };
            q.StoreUnsafe(ref folded, (nuint)(4 * r));
        }
    }

    // One lane alone: the chain over the blocks of fma(W₂[o, unit], a₁[t, unit], ·) from +0.
    private static void PartialLane(ref float aRow, ref float wRow, int lane, int end, int laneCount, ref float result)
    {
        float sum = 0f;
        for (int i = lane; i < end; i += laneCount)
        {
            sum = MathF.FusedMultiplyAdd(Unsafe.Add(ref wRow, i), Unsafe.Add(ref aRow, i), sum);
        }
        result = sum;
    }

    // Rows r0 … r1 − 1 of the chunk: each logit is Dot's fold of its 32 partial lanes, then the tail units one fused
    // multiply-add each in order (their a₁ is worker 0's), then the bias; then the head's gradient dY and each row's
    // log π(a|s) and entropy.
    private void LogitsAndHeadOfRows(int share, int chunk)
    {
        int start = chunk * ChunkRows, rows = Math.Min(ChunkRows, batch - start);
        int r0 = share * rowsPerTask, r1 = Math.Min(rows, r0 + rowsPerTask), count = r1 - r0;
        if (count <= 0)
        {
            return;
        }
        float[] values = network.Parameters.Values;
        ReadOnlySpan<float> w2 = values.AsSpan(w2Offset, outputWidth * hiddenWidth), b2 = values.AsSpan(b2Offset, outputWidth);
        UnitShare first = units[0];
        int tailCount = hiddenWidth - tailStart, tailAt = first.Width - tailCount;
        Span<float> rowLogits = logits.AsSpan(r0 * outputWidth, count * outputWidth);
        // The shares' folded runs q_g of record r at q_g + 4r; the fold's last levels join them: q0 + q1 for two shares.
        ref float q0 = ref MemoryMarshal.GetArrayDataReference(units[0].FoldedLanes);
        ref float q1 = ref laneGroups > 1 ? ref MemoryMarshal.GetArrayDataReference(units[1].FoldedLanes) : ref q0;
        for (int t = r0; t < r1; t++)
        {
            ReadOnlySpan<float> tail = first.Activations.AsSpan(t * first.Width + tailAt, tailCount);
            for (int o = 0; o < outputWidth; o++)
            {
                float sum = 0f;
                if (blocks > 0)
                {
                    // The rest of Dot's fold: the shares' vectors (none left to join with one share), then [(l0 + l2) + (l1 + l3)].
                    nuint r = (nuint)(4 * (t * outputWidth + o));
                    Vector128<float> four = laneGroups switch
                    {
                        1 => Vector128.LoadUnsafe(ref q0, r),
                        2 => Vector128.LoadUnsafe(ref q0, r) + Vector128.LoadUnsafe(ref q1, r),
                        _ => JoinShares(r),
                    };
                    sum = (four.GetElement(0) + four.GetElement(2)) + (four.GetElement(1) + four.GetElement(3));
                }
                ReadOnlySpan<float> wTail = w2.Slice(o * hiddenWidth + tailStart, tailCount);
                for (int i = 0; i < tailCount; i++)
                {
                    sum = MathF.FusedMultiplyAdd(wTail[i], tail[i], sum);
                }
                rowLogits[(t - r0) * outputWidth + o] = sum + b2[o];
            }
        }
        head.GradientsOfRows(rowLogits, actions.Span.Slice(start + r0, count), weights.Span.Slice(start + r0, count), entropyCoefficient,
            inverseN, logitGradients.AsSpan(r0 * outputWidth, count * outputWidth), logProbabilities.AsSpan(r0, count), entropies.AsSpan(r0, count));
    }

    // The shares' folded vectors of one record joined as the fold's last levels join them: halve the list, adding share
    // g + G/2's to share g's, until one is left (four shares: (q0 + q2) + (q1 + q3)).
    private Vector128<float> JoinShares(nuint offset)
    {
        Span<Vector128<float>> shares = stackalloc Vector128<float>[8];
        for (int g = 0; g < laneGroups; g++)
        {
            shares[g] = Vector128.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(units[g].FoldedLanes), offset);
        }
        for (int count = laneGroups; count > 1; count /= 2)
        {
            for (int g = 0; g < count / 2; g++)
            {
                shares[g] += shares[g + count / 2];
            }
        }
        return shares[0];
    }

    // The units' backward over the chunk's rows: dA₁ = dY·W₂[:, units], dZ₁ = dA₁ ⊙ f′(z₁) ⊙ m, then the chains
    // dW₁[units] += dZ₁ᵀ·x, db₁[units] += Σ_t dZ₁, dW₂[:, units] += dYᵀ·a₁ (and, for share 0, db₂ += Σ_t dY and the loss's
    // running sums, row by row in order).
    private void BackwardUnits(int share, int chunk)
    {
        int start = chunk * ChunkRows, rows = Math.Min(ChunkRows, batch - start);
        UnitShare unit = units[share];
        int width = unit.Width;
        ReadOnlySpan<float> dy = logitGradients.AsSpan(0, rows * outputWidth);
        if (share == 0)
        {
            // In locals: the fields share a cache line with what the other workers read.
            ReadOnlySpan<float> rowWeights = weights.Span.Slice(start, rows);
            double policy = policySum, entropy = entropySum;
            for (int t = 0; t < rows; t++)
            {
                policy += rowWeights[t] * (double)logProbabilities[t];
                entropy += entropies[t];
            }
            (policySum, entropySum) = (policy, entropy);
        }
        if (width == 0)
        {
            return;
        }
        Span<float> z = unit.PreActivations.AsSpan(0, rows * width), a = unit.Activations.AsSpan(0, rows * width);
        Span<float> da = unit.ActivationGradients.AsSpan(0, rows * width);
        if (activation.Kind == ActivationKind.ReLU)
        {
            // dA₁ ⊙ [z₁ > 0] in one pass, as in Mlp.Backward.
            SimdKernels.MatMulReluBackward(dy, unit.OutputWeights, z, rows, da);
        }
        else
        {
            SimdKernels.MatMul(dy, unit.OutputWeights, rows, da);
            activation.Backward(z, a, da, da);
        }
        if (!dropoutMasks.IsEmpty)
        {
            Dropout.Backward(da, unit.Masks.AsSpan(0, rows * width), da);
        }
        SimdKernels.AccumulateWeightGradients(da, states.Span.Slice(start * inputWidth, rows * inputWidth), rows, unit.InputWeightGradients,
            unit.InputBiasGradients);
        SimdKernels.AccumulateWeightGradients(dy, a, rows, unit.OutputWeightGradients, unit.OutputBiasGradients);
    }

    // ---------------------------------------------------------------- the helper threads

    /// <summary>How long a thread in <see cref="HelpWithNextPass"/> waits for the pass before it gives up.</summary>
    public const int HandOffMicroseconds = 1000;

    /// <summary>
    /// Tells threads in <see cref="HelpWithNextPass"/> that a pass is coming (call before the batch is collected); a pass,
    /// or <see cref="CancelExpectedPass"/> when the batch turns out too small to split, ends the expectation.
    /// </summary>
    public void ExpectPass() => Volatile.Write(ref passExpected, 1);

    /// <summary>No pass is coming for this batch: threads in <see cref="HelpWithNextPass"/> return at once.</summary>
    public void CancelExpectedPass() => Volatile.Write(ref passExpected, 0);

    /// <summary>
    /// Lets a thread that has just finished other work for this update (a rollout helper of <c>ParallelRollouts</c>) serve as
    /// worker <paramref name="worker"/> of the coming pass: it spins while a pass is expected (at most
    /// <see cref="HandOffMicroseconds"/>) and joins it as soon as it opens: an awake thread joins far sooner than one woken from
    /// its semaphore (benchmarks/notes.md#split-update).
    /// </summary>
    public void HelpWithNextPass(int worker)
    {
        if (worker <= 0 || worker >= workers)
        {
            return;
        }
        ref int state = ref helperState[16 * worker];
        ref int spinning = ref helperState[16 * worker + 1];
        Interlocked.Exchange(ref spinning, 1);
        long start = Stopwatch.GetTimestamp(), limit = HandOffMicroseconds * Stopwatch.Frequency / 1_000_000;
        for (int spin = 0; Volatile.Read(ref state) != Open && Volatile.Read(ref passExpected) == 1 && Stopwatch.GetTimestamp() - start < limit; spin++)
        {
            Thread.SpinWait(8);
            if (spin % 64 == 63)
            {
                Thread.Yield(); // not at the expense of a thread with work on this vCPU
            }
        }
        // Stop spinning, then look once more: the caller either saw the spinning flag (and woke no one) or wakes the helper thread.
        Interlocked.Exchange(ref spinning, 0);
        if (Interlocked.CompareExchange(ref state, Joined, Open) == Open)
        {
            RunPhases(worker);
            Volatile.Write(ref state, Left);
        }
    }

    private void OpenToHelpers()
    {
        for (int w = 1; w < workers; w++)
        {
            Interlocked.Exchange(ref helperState[16 * w], Open);
            if (Volatile.Read(ref helperState[16 * w + 1]) == 1)
            {
                continue; // a thread spins in HelpWithNextPass and joins as soon as it sees Open
            }
            wake[w].Release();
        }
    }

    private void CloseToHelpers()
    {
        Volatile.Write(ref passExpected, 0);
        for (int w = 1; w < workers; w++)
        {
            if (Interlocked.CompareExchange(ref helperState[16 * w], Closed, Open) != Open)
            {
                // It joined: it leaves once it has walked past the last phase, all of whose tasks are done.
                while (Volatile.Read(ref helperState[16 * w]) != Left)
                {
                    Thread.SpinWait(4);
                    Thread.Yield();
                }
            }
        }
    }

    // What a helper thread holds between passes: its state word (in helperState), its semaphore and a weak reference to its
    // split, so that an abandoned trainer's split can be collected (its helpers then end).
    private sealed record HelperLink(int[] HelperState, SemaphoreSlim Wake, int Worker, WeakReference<SplitUpdate> Owner, int IdleCheckMilliseconds);

    private static void HelperLoop(object? state)
    {
        var link = (HelperLink)state!;
        ref int helper = ref link.HelperState[16 * link.Worker];
        while (true)
        {
            // Spin briefly (back-to-back passes), then sleep on the semaphore.
            for (int spin = 0; spin < 200 && Volatile.Read(ref helper) != Open; spin++)
            {
                Thread.SpinWait(20);
                if (spin % 16 == 15)
                {
                    Thread.Yield(); // not at the expense of a thread with work on this vCPU
                }
            }
            if (Volatile.Read(ref helper) != Open && !link.Wake.Wait(link.IdleCheckMilliseconds))
            {
                if (!StillInUse(link.Owner))
                {
                    return;
                }
                continue;
            }
            if (Interlocked.CompareExchange(ref helper, Joined, Open) == Open)
            {
                RunPhases(link.Owner, link.Worker);
                Volatile.Write(ref helper, Left);
            }
        }
    }

    // The split is held strongly only inside these two calls, never while the helper waits (hence no inlining). A helper
    // that has joined a pass has a caller waiting for it in CloseToHelpers, which holds the split.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void RunPhases(WeakReference<SplitUpdate> owner, int worker)
    {
        if (owner.TryGetTarget(out SplitUpdate? split))
        {
            split.RunPhases(worker);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool StillInUse(WeakReference<SplitUpdate> owner)
    {
        if (!owner.TryGetTarget(out SplitUpdate? split))
        {
            return false;
        }
        Interlocked.Increment(ref split.idleChecks);
        return true;
    }

    /// <summary>
    /// The buffers of one share of hidden units: lanes firstLane … firstLane + laneCount − 1 of every 32-unit block (block
    /// by block: unit 32b + l at b·laneCount + l − firstLane) and, for the first share, the tail units after them. Its
    /// copies of those units' weights (rows of W₁ and b₁, columns of W₂), their columns of z₁, a₁, the masks and dA₁ for a
    /// chunk's rows (rows, units), and its own copies of their gradients (and, for the first share, db₂) for the whole pass.
    /// </summary>
    private sealed class UnitShare
    {
        public UnitShare(int[] lanes, int blocks, int tailCount, int chunkRows, int inputWidth, int outputWidth, bool dropout)
        {
            int laneCount = lanes.Length;
            LaneCount = laneCount;
            Units = new int[blocks * laneCount + tailCount];
            for (int b = 0; b < blocks; b++)
            {
                for (int l = 0; l < laneCount; l++)
                {
                    Units[b * laneCount + l] = b * Lanes + lanes[l];
                }
            }
            for (int i = 0; i < tailCount; i++)
            {
                Units[blocks * laneCount + i] = blocks * Lanes + i;
            }
            int width = Width;
            InputWeights = new float[width * inputWidth];
            InputBiases = new float[width];
            OutputWeights = new float[outputWidth * width];
            PreActivations = new float[chunkRows * width];
            Activations = new float[chunkRows * width];
            ActivationGradients = new float[chunkRows * width];
            Masks = dropout ? new float[chunkRows * width] : [];
            PartialLanes = new float[chunkRows * outputWidth * laneCount];
            FoldedLanes = new float[laneCount == 0 ? 0 : chunkRows * outputWidth * 4];
            InputWeightGradients = new float[width * inputWidth];
            InputBiasGradients = new float[width];
            OutputWeightGradients = new float[outputWidth * width];
            OutputBiasGradients = new float[outputWidth];
        }

        public int LaneCount { get; }

        /// <summary>The share's hidden units, in its order.</summary>
        public int[] Units { get; }

        public int Width => Units.Length;

        /// <summary>W₁[units, :], (units, in).</summary>
        public float[] InputWeights { get; }

        public float[] InputBiases { get; }

        /// <summary>W₂[:, units], (out, units).</summary>
        public float[] OutputWeights { get; }

        public float[] PreActivations { get; }

        public float[] Activations { get; }

        public float[] ActivationGradients { get; }

        public float[] Masks { get; }

        /// <summary>The logits' partial lanes of the share's lanes, (rows, out, lanes): lane l of row t and logit o after its chain over the blocks.</summary>
        public float[] PartialLanes { get; }

        /// <summary>The share's runs of partial lanes folded to one four-lane vector per row and logit, (rows, out, 4): what the fold reads.</summary>
        public float[] FoldedLanes { get; }

        /// <summary>dW₁[units, :], (units, in).</summary>
        public float[] InputWeightGradients { get; }

        public float[] InputBiasGradients { get; }

        /// <summary>dW₂[:, units], (out, units).</summary>
        public float[] OutputWeightGradients { get; }

        /// <summary>db₂ for the first share (the chain over all rows runs there); a scratch sum for the others.</summary>
        public float[] OutputBiasGradients { get; }

        public void Load(float[] values, float[] gradients, int hidden, int inputs, int outputs, int w1, int b1, int w2, int b2, bool ownsOutputBias)
        {
            for (int i = 0; i < Units.Length; i++)
            {
                int unit = Units[i];
                values.AsSpan(w1 + unit * inputs, inputs).CopyTo(InputWeights.AsSpan(i * inputs, inputs));
                gradients.AsSpan(w1 + unit * inputs, inputs).CopyTo(InputWeightGradients.AsSpan(i * inputs, inputs));
                InputBiases[i] = values[b1 + unit];
                InputBiasGradients[i] = gradients[b1 + unit];
                for (int o = 0; o < outputs; o++)
                {
                    OutputWeights[o * Units.Length + i] = values[w2 + o * hidden + unit];
                    OutputWeightGradients[o * Units.Length + i] = gradients[w2 + o * hidden + unit];
                }
            }
            if (ownsOutputBias)
            {
                gradients.AsSpan(b2, outputs).CopyTo(OutputBiasGradients);
            }
        }

        public void Store(float[] gradients, int hidden, int inputs, int outputs, int w1, int b1, int w2, int b2, bool ownsOutputBias)
        {
            for (int i = 0; i < Units.Length; i++)
            {
                int unit = Units[i];
                InputWeightGradients.AsSpan(i * inputs, inputs).CopyTo(gradients.AsSpan(w1 + unit * inputs, inputs));
                gradients[b1 + unit] = InputBiasGradients[i];
                for (int o = 0; o < outputs; o++)
                {
                    gradients[w2 + o * hidden + unit] = OutputWeightGradients[o * Units.Length + i];
                }
            }
            if (ownsOutputBias)
            {
                OutputBiasGradients.CopyTo(gradients.AsSpan(b2, outputs));
            }
        }
    }
}
