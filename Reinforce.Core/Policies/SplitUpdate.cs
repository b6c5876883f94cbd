using System.Diagnostics;
using System.Runtime.ExceptionServices;
using Reinforce.NeuralNetworks;
using Reinforce.Numerics;

namespace Reinforce.Policies;

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
/// one worker (a contiguous range of units each), and so do a share of each chunk's rows. Per chunk:</para>
/// <list type="number">
/// <item><b>Forward of layer 1, by units.</b> z₁[t, j] = Σᵢ W₁[j, i]·x[t, i] + b₁[j], the mask, a₁ = f(z₁): every element
/// depends on unit j's weights and row t alone, and the blocked kernel computes each output element by the same chain
/// whichever other outputs share its call (<c>BatchedKernelBitExactnessTests</c>), so a worker computing its units'
/// columns gets their bits. They stay in the worker's cache for its backward.</item>
/// <item><b>Layer 2 and the head, by rows.</b> A logit is a sum over all H units, so it needs a whole row of a₁: each
/// worker gathers its rows of a₁ from every worker's columns (the one place where data crosses between cores, H/2
/// floats per row with two workers) and runs the logits layer and the head on them, writing dY = ∂L/∂logits and each
/// row's log π(a|s) and entropy. Row by row, the kernels and the head give the same bits for any set of rows.</item>
/// <item><b>Backward, by units.</b> dA₁[t, j] = Σ_o dY[t, o]·W₂[o, j] and dZ₁ = dA₁ ⊙ f′(z₁) (⊙ m) are per element;
/// dW₁[j, :], db₁[j] and dW₂[:, j] are chains over the rows that involve unit j alone. The worker owning j runs them
/// over all the chunk's rows, continuing its chains from the previous chunk: exactly the one-worker chains. db₂ and the
/// loss's two running sums are chains over all rows that no unit split can cut: the worker of the first units runs them
/// (K additions and two per row, cheap), in row order.</item>
/// </list>
/// <para>The backward of chunk c and the forward of chunk c + 1 are one task per unit range (the units' buffers are
/// the worker's own), so a chunk costs two waits: after the units' forward (layer 2 needs whole rows of a₁) and after
/// the rows' pass (the backward needs every row's dY). Each worker keeps its own copy of its units' gradients for the
/// whole pass (written back at the end), so no two workers ever write the same cache line.</para>
/// <para><b>Workers.</b> Worker 0 is the calling thread; workers 1 … N − 1 are helper threads of this object, as in
/// <c>ParallelRollouts</c>: each waits on a semaphore between updates (spinning briefly first) and ends after
/// <see cref="IdleMilliseconds"/> without work. A worker runs its own task of each phase; a task whose worker has not
/// joined this pass, or has not started it <see cref="StealAfterMicroseconds"/> after the phase opened (the helper's
/// vCPU may be busy with someone else's work), is run by whichever worker reaches it first. Which thread runs a task
/// never changes a result: tasks are defined by their units or rows, and their buffers belong to the task. Nothing
/// is allocated in steady state.</para>
/// </remarks>
internal sealed class SplitUpdate
{
    /// <summary>How long a helper thread waits for a pass before it ends.</summary>
    public const int IdleMilliseconds = 2000;

    /// <summary>How long a task may stay unclaimed after its phase opened before another worker runs it.</summary>
    public const double StealAfterMicroseconds = 20;

    // Ints per phase record: a claim flag per task, the done count in the last slot; a multiple of 16 (a 64-byte line).
    private readonly int recordInts;
    private const int Open = 1, Joined = 2, Left = 3, Closed = 4;

    private readonly Mlp network;
    private readonly PolicyHead head;
    private readonly Activation activation;
    private readonly int workers, inputWidth, hiddenWidth, outputWidth, maskWidth;
    private readonly int w1Offset, b1Offset, w2Offset, b2Offset;
    private readonly int[] unitStart;
    private readonly UnitShare[] units;
    private readonly float[][] rowActivations;
    private readonly byte[][] padding;
    private readonly float[] logits, logitGradients, logProbabilities, entropies;
    private readonly int rowsPerTask;

    // The pass in progress, set by the calling thread before the helpers are let in.
    private ReadOnlyMemory<float> states, weights, dropoutMasks;
    private ReadOnlyMemory<int> actions;
    private int batch, chunks;
    private float entropyCoefficient, inverseN;
    private double policySum, entropySum;
    private int[] phases = [];
    private long[] phaseOpened = [];
    private ExceptionDispatchInfo? failure;

    // Helper threads (index 1 … N − 1; 0 is unused).
    private readonly int[] helperState;
    private readonly bool[] helperAlive;
    private readonly SemaphoreSlim[] wake;
    private readonly object gate = new();
    private readonly long stealTicks;

    /// <summary>
    /// A split pass for <paramref name="policy"/> on <paramref name="workerCount"/> workers, in chunks of
    /// <paramref name="chunkRows"/> rows. The policy's network must have exactly one hidden layer (<see cref="Supports"/>).
    /// </summary>
    public SplitUpdate(Policy policy, int workerCount, int chunkRows = DefaultChunkRows)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (!Supports(policy))
        {
            throw new ArgumentException("The split update handles networks with exactly one hidden layer.", nameof(policy));
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(workerCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkRows, 1);
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
        recordInts = (workers + 1 + 15) / 16 * 16;

        // Units in ranges of whole 16-float lines (the x86 forward's 16-output groups, and no shared cache line), as even as that allows.
        unitStart = new int[workers + 1];
        int perWorker = hiddenWidth >= 16 * workers ? (hiddenWidth + 16 * workers - 1) / (16 * workers) * 16 : (hiddenWidth + workers - 1) / workers;
        for (int w = 1; w <= workers; w++)
        {
            unitStart[w] = Math.Min(hiddenWidth, unitStart[w - 1] + perWorker);
        }
        rowsPerTask = (chunkRows + 8 * workers - 1) / (8 * workers) * 8;

        // Each worker's buffers allocated together, with a live 128-byte block between two workers' (no shared cache lines).
        padding = new byte[workers + 1][];
        padding[0] = new byte[128];
        units = new UnitShare[workers];
        rowActivations = new float[workers][];
        for (int w = 0; w < workers; w++)
        {
            units[w] = new UnitShare(unitStart[w + 1] - unitStart[w], chunkRows, inputWidth, outputWidth, maskWidth > 0);
            rowActivations[w] = new float[rowsPerTask * hiddenWidth];
            padding[w + 1] = new byte[128];
        }
        logits = new float[chunkRows * outputWidth];
        logitGradients = new float[chunkRows * outputWidth];
        logProbabilities = new float[chunkRows];
        entropies = new float[chunkRows];

        helperState = new int[workers * 16]; // helper w's state at [16·w], a line each
        helperAlive = new bool[workers];
        wake = new SemaphoreSlim[workers];
        for (int w = 1; w < workers; w++)
        {
            wake[w] = new SemaphoreSlim(0);
        }
        stealTicks = (long)(StealAfterMicroseconds * Stopwatch.Frequency / 1e6);
    }

    /// <summary>Chunk rows when none are given (measured, see the README's "Training at the hardware's pace").</summary>
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
        int phaseCount = 2 * chunks + 1;
        if (phaseOpened.Length < phaseCount)
        {
            phases = new int[phaseCount * recordInts];
            phaseOpened = new long[phaseCount];
        }
        else
        {
            Array.Clear(phases, 0, phaseCount * recordInts);
            Array.Clear(phaseOpened, 0, phaseCount);
        }
        float[] values = network.Parameters.Values, gradients = network.Parameters.Gradients;
        for (int w = 0; w < workers; w++)
        {
            units[w].Load(values, gradients, unitStart[w], hiddenWidth, inputWidth, outputWidth, w1Offset, b1Offset, w2Offset, b2Offset, w == 0);
        }

        OpenToHelpers();
        RunPhases(0);
        CloseToHelpers();

        for (int w = 0; w < workers; w++)
        {
            units[w].Store(gradients, unitStart[w], hiddenWidth, inputWidth, outputWidth, w1Offset, b1Offset, w2Offset, b2Offset, w == 0);
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
            int record = phase * recordInts;
            ref long opened = ref phaseOpened[phase];
            if (Volatile.Read(ref opened) == 0)
            {
                Interlocked.CompareExchange(ref opened, Stopwatch.GetTimestamp(), 0);
            }
            TryRun(phase, worker);
            for (int k = 0; k < workers; k++)
            {
                if (k != worker && k != 0 && Volatile.Read(ref helperState[16 * k]) != Joined)
                {
                    TryRun(phase, k); // its worker has not joined this pass
                }
            }
            ref int done = ref phases[record + recordInts - 1];
            long since = Volatile.Read(ref opened);
            while (Volatile.Read(ref done) < workers)
            {
                Thread.SpinWait(4);
                if (Stopwatch.GetTimestamp() - since > stealTicks)
                {
                    for (int k = 0; k < workers; k++)
                    {
                        TryRun(phase, k); // a worker that has not started its task by now is busy elsewhere
                    }
                }
            }
        }
    }

    private void TryRun(int phase, int task)
    {
        int record = phase * recordInts;
        if (Volatile.Read(ref phases[record + task]) != 0 || Interlocked.CompareExchange(ref phases[record + task], 1, 0) != 0)
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
            Interlocked.Increment(ref phases[record + recordInts - 1]);
        }
    }

    // z₁ = x·W₁[units]ᵀ + b₁[units], ⊙ m[:, units], a₁ = f(z₁): the units' columns for the chunk's rows, (rows, units).
    private void ForwardUnits(int share, int chunk)
    {
        UnitShare unit = units[share];
        int width = unit.Width;
        if (width == 0)
        {
            return;
        }
        int start = chunk * ChunkRows, rows = Math.Min(ChunkRows, batch - start), first = unitStart[share];
        float[] values = network.Parameters.Values;
        Span<float> z = unit.PreActivations.AsSpan(0, rows * width);
        Dense.Forward(states.Span.Slice(start * inputWidth, rows * inputWidth), values.AsSpan(w1Offset + first * inputWidth, width * inputWidth),
            values.AsSpan(b1Offset + first, width), rows, z);
        if (!dropoutMasks.IsEmpty)
        {
            ReadOnlySpan<float> masks = dropoutMasks.Span;
            Span<float> mask = unit.Masks.AsSpan(0, rows * width);
            for (int t = 0; t < rows; t++)
            {
                masks.Slice((start + t) * maskWidth + first, width).CopyTo(mask.Slice(t * width, width));
            }
            Dropout.Forward(z, mask, z);
        }
        activation.Forward(z, unit.Activations.AsSpan(0, rows * width));
    }

    // Rows r0 … r1 − 1 of the chunk: gather their a₁ rows from every unit share, logits = a₁·W₂ᵀ + b₂, then the head's
    // gradient dY and each row's log π(a|s) and entropy.
    private void LogitsAndHeadOfRows(int share, int chunk)
    {
        int start = chunk * ChunkRows, rows = Math.Min(ChunkRows, batch - start);
        int r0 = share * rowsPerTask, r1 = Math.Min(rows, r0 + rowsPerTask), count = r1 - r0;
        if (count <= 0)
        {
            return;
        }
        Span<float> gathered = rowActivations[share].AsSpan(0, count * hiddenWidth);
        for (int w = 0; w < workers; w++)
        {
            int width = units[w].Width, first = unitStart[w];
            ReadOnlySpan<float> columns = units[w].Activations;
            for (int t = 0; t < count; t++)
            {
                columns.Slice((r0 + t) * width, width).CopyTo(gathered.Slice(t * hiddenWidth + first, width));
            }
        }
        float[] values = network.Parameters.Values;
        Span<float> rowLogits = logits.AsSpan(r0 * outputWidth, count * outputWidth);
        Dense.Forward(gathered, values.AsSpan(w2Offset, outputWidth * hiddenWidth), values.AsSpan(b2Offset, outputWidth), count, rowLogits);
        head.GradientsOfRows(rowLogits, actions.Span.Slice(start + r0, count), weights.Span.Slice(start + r0, count), entropyCoefficient,
            inverseN, logitGradients.AsSpan(r0 * outputWidth, count * outputWidth), logProbabilities.AsSpan(r0, count), entropies.AsSpan(r0, count));
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
            ReadOnlySpan<float> rowWeights = weights.Span.Slice(start, rows);
            for (int t = 0; t < rows; t++)
            {
                policySum += rowWeights[t] * (double)logProbabilities[t];
                entropySum += entropies[t];
            }
        }
        if (width == 0)
        {
            return;
        }
        Span<float> z = unit.PreActivations.AsSpan(0, rows * width), a = unit.Activations.AsSpan(0, rows * width);
        Span<float> da = unit.ActivationGradients.AsSpan(0, rows * width);
        SimdKernels.MatMul(dy, unit.OutputWeights, rows, da);
        activation.Backward(z, a, da, da);
        if (!dropoutMasks.IsEmpty)
        {
            Dropout.Backward(da, unit.Masks.AsSpan(0, rows * width), da);
        }
        SimdKernels.AccumulateWeightGradients(da, states.Span.Slice(start * inputWidth, rows * inputWidth), rows, unit.InputWeightGradients,
            unit.InputBiasGradients);
        SimdKernels.AccumulateWeightGradients(dy, a, rows, unit.OutputWeightGradients, unit.OutputBiasGradients);
    }

    // ---------------------------------------------------------------- the helper threads

    private void OpenToHelpers()
    {
        for (int w = 1; w < workers; w++)
        {
            Volatile.Write(ref helperState[16 * w], Open);
            lock (gate)
            {
                if (!helperAlive[w])
                {
                    int index = w;
                    new Thread(() => HelperLoop(index)) { IsBackground = true, Name = "Reinforce update worker" }.Start();
                    helperAlive[w] = true;
                }
            }
            wake[w].Release();
        }
    }

    private void CloseToHelpers()
    {
        for (int w = 1; w < workers; w++)
        {
            if (Interlocked.CompareExchange(ref helperState[16 * w], Closed, Open) != Open)
            {
                // It joined: it leaves once it has walked past the last phase, all of whose tasks are done.
                while (Volatile.Read(ref helperState[16 * w]) != Left)
                {
                    Thread.SpinWait(4);
                }
            }
        }
    }

    private void HelperLoop(int worker)
    {
        ref int state = ref helperState[16 * worker];
        while (true)
        {
            // Spin briefly (back-to-back passes), then sleep on the semaphore.
            for (int spin = 0; spin < 200 && Volatile.Read(ref state) != Open; spin++)
            {
                Thread.SpinWait(20);
            }
            if (Volatile.Read(ref state) != Open && !wake[worker].Wait(IdleMilliseconds))
            {
                lock (gate)
                {
                    if (wake[worker].CurrentCount == 0 && Volatile.Read(ref state) != Open)
                    {
                        helperAlive[worker] = false;
                        return;
                    }
                }
                continue;
            }
            if (Interlocked.CompareExchange(ref state, Joined, Open) == Open)
            {
                RunPhases(worker);
                Volatile.Write(ref state, Left);
            }
        }
    }

    /// <summary>
    /// The buffers of one range of hidden units: its columns of z₁, a₁, the masks and dA₁ for a chunk's rows (rows, units),
    /// a copy of W₂'s columns, and its own copies of the gradients of W₁'s rows, b₁, W₂'s columns (and, for the first range, b₂)
    /// for the whole pass.
    /// </summary>
    private sealed class UnitShare
    {
        public UnitShare(int width, int chunkRows, int inputWidth, int outputWidth, bool dropout)
        {
            Width = width;
            PreActivations = new float[chunkRows * width];
            Activations = new float[chunkRows * width];
            ActivationGradients = new float[chunkRows * width];
            Masks = dropout ? new float[chunkRows * width] : [];
            OutputWeights = new float[outputWidth * width];
            InputWeightGradients = new float[width * inputWidth];
            InputBiasGradients = new float[width];
            OutputWeightGradients = new float[outputWidth * width];
            OutputBiasGradients = new float[outputWidth];
        }

        public int Width { get; }

        public float[] PreActivations { get; }

        public float[] Activations { get; }

        public float[] ActivationGradients { get; }

        public float[] Masks { get; }

        /// <summary>W₂[:, units], (out, units).</summary>
        public float[] OutputWeights { get; }

        /// <summary>dW₁[units, :], (units, in).</summary>
        public float[] InputWeightGradients { get; }

        public float[] InputBiasGradients { get; }

        /// <summary>dW₂[:, units], (out, units).</summary>
        public float[] OutputWeightGradients { get; }

        /// <summary>db₂ for the first range (the chain over all rows runs there); a scratch sum for the others.</summary>
        public float[] OutputBiasGradients { get; }

        public void Load(float[] values, float[] gradients, int first, int hidden, int inputs, int outputs, int w1, int b1, int w2, int b2, bool ownsOutputBias)
        {
            for (int o = 0; o < outputs; o++)
            {
                values.AsSpan(w2 + o * hidden + first, Width).CopyTo(OutputWeights.AsSpan(o * Width, Width));
                gradients.AsSpan(w2 + o * hidden + first, Width).CopyTo(OutputWeightGradients.AsSpan(o * Width, Width));
            }
            gradients.AsSpan(w1 + first * inputs, Width * inputs).CopyTo(InputWeightGradients);
            gradients.AsSpan(b1 + first, Width).CopyTo(InputBiasGradients);
            if (ownsOutputBias)
            {
                gradients.AsSpan(b2, outputs).CopyTo(OutputBiasGradients);
            }
        }

        public void Store(float[] gradients, int first, int hidden, int inputs, int outputs, int w1, int b1, int w2, int b2, bool ownsOutputBias)
        {
            for (int o = 0; o < outputs; o++)
            {
                OutputWeightGradients.AsSpan(o * Width, Width).CopyTo(gradients.AsSpan(w2 + o * hidden + first, Width));
            }
            InputWeightGradients.CopyTo(gradients.AsSpan(w1 + first * inputs, Width * inputs));
            InputBiasGradients.CopyTo(gradients.AsSpan(b1 + first, Width));
            if (ownsOutputBias)
            {
                OutputBiasGradients.CopyTo(gradients.AsSpan(b2, outputs));
            }
        }
    }
}
