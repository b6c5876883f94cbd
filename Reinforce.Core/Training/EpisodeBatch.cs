namespace Reinforce.Training;

/// <summary>
/// The steps of one update's episodes, back to back: observations (T, obs), actions, rewards,
/// the dropout masks the rollout drew (T, mask width; none without dropout) and the per-step
/// weights, with where each episode starts. Buffers are reused across updates and grow (allocate)
/// only when a batch is longer than any before.
/// </summary>
public sealed class EpisodeBatch
{
    private readonly int observationSize;
    private readonly int maskWidth;
    private float[] observations;
    private float[] dropoutMasks;
    private int[] actions;
    private float[] rewards;
    private float[] weights;
    private int[] episodeStarts;
    private double[] episodeReturns;
    private int[] episodeLengths;
    // The logits of the rollout's forward, kept for the update (the fast engine's kept-logits pass): per step logitWidth
    // of them, 0 when not kept.
    private readonly int logitWidth;
    private float[] keptLogits;
    // The hidden layer's activations a₁ of the rollout's forward, kept for the update in the same way: per step
    // activationWidth of them, 0 when not kept.
    private readonly int activationWidth;
    private float[] keptActivations;

    /// <remarks>
    /// <paramref name="keptLogitWidth"/> &gt; 0: the batch keeps each step's logits of the rollout's forward;
    /// <paramref name="keptActivationWidth"/> &gt; 0: also its hidden activations a₁.
    /// </remarks>
    internal EpisodeBatch(int observationSize, int stepCapacity, int episodeCapacity, int maskWidth = 0, int keptLogitWidth = 0,
        int keptActivationWidth = 0)
    {
        this.observationSize = observationSize;
        this.maskWidth = maskWidth;
        stepCapacity = Math.Max(stepCapacity, 1);
        episodeCapacity = Math.Max(episodeCapacity, 1);
        observations = new float[stepCapacity * observationSize];
        dropoutMasks = new float[stepCapacity * maskWidth];
        actions = new int[stepCapacity];
        rewards = new float[stepCapacity];
        weights = new float[stepCapacity];
        episodeStarts = new int[episodeCapacity + 1];
        episodeReturns = new double[episodeCapacity];
        episodeLengths = new int[episodeCapacity];
        logitWidth = keptLogitWidth;
        keptLogits = new float[stepCapacity * logitWidth];
        activationWidth = keptActivationWidth;
        keptActivations = new float[stepCapacity * activationWidth];
    }

    /// <summary>The kept logits of steps [start, start + rows).</summary>
    internal ReadOnlySpan<float> KeptLogits(int start, int rows) => keptLogits.AsSpan(start * logitWidth, rows * logitWidth);

    /// <summary>The kept logits of every step, (Steps, out); empty when the batch keeps none.</summary>
    internal ReadOnlySpan<float> KeptLogits() => keptLogits.AsSpan(0, Steps * logitWidth);

    /// <summary>The logits row of the next step (call after <see cref="NextObservation"/>).</summary>
    internal Span<float> NextKeptLogits() => keptLogits.AsSpan(Steps * logitWidth, logitWidth);

    /// <summary>The kept hidden activations of every step, (Steps, hidden); empty when the batch keeps none.</summary>
    internal ReadOnlySpan<float> KeptActivations() => keptActivations.AsSpan(0, Steps * activationWidth);

    /// <summary>The hidden-activations row of the next step (call after <see cref="NextObservation"/>); empty when none are kept.</summary>
    internal Span<float> NextKeptActivations() => keptActivations.AsSpan(Steps * activationWidth, activationWidth);

    internal int EpisodeCapacity => episodeReturns.Length;

    /// <summary>Steps in the batch.</summary>
    public int Steps { get; private set; }

    /// <summary>Complete episodes in the batch.</summary>
    public int Episodes { get; private set; }

    /// <summary>Observations, (Steps, obs).</summary>
    public Span<float> Observations => observations.AsSpan(0, Steps * observationSize);

    /// <summary>
    /// The dropout masks each step's forward pass used in the rollout, (Steps, <see cref="NeuralNetworks.Mlp.DropoutMaskWidth"/>);
    /// empty without dropout. The update's forward and backward use exactly these.
    /// </summary>
    public Span<float> DropoutMasks => dropoutMasks.AsSpan(0, Steps * maskWidth);

    /// <summary>Actions taken.</summary>
    public Span<int> Actions => actions.AsSpan(0, Steps);

    /// <summary>Rewards received.</summary>
    public Span<float> Rewards => rewards.AsSpan(0, Steps);

    /// <summary>Per-step weights of the loss (returns after baseline and normalisation).</summary>
    public Span<float> Weights => weights.AsSpan(0, Steps);

    // The same steps as memory, for the workers of a split update (helper threads cannot hold a span).
    internal ReadOnlyMemory<float> ObservationMemory => observations.AsMemory(0, Steps * observationSize);

    internal ReadOnlyMemory<float> DropoutMaskMemory => dropoutMasks.AsMemory(0, Steps * maskWidth);

    internal ReadOnlyMemory<int> ActionMemory => actions.AsMemory(0, Steps);

    internal ReadOnlyMemory<float> WeightMemory => weights.AsMemory(0, Steps);

    /// <summary>Undiscounted return of each episode.</summary>
    public ReadOnlyMemory<double> EpisodeReturns => episodeReturns.AsMemory(0, Episodes);

    /// <summary>Length of each episode.</summary>
    public ReadOnlyMemory<int> EpisodeLengths => episodeLengths.AsMemory(0, Episodes);

    /// <summary>The step range [start, start + length) of episode <paramref name="episode"/>.</summary>
    public Range EpisodeRange(int episode) => episodeStarts[episode]..episodeStarts[episode + 1];

    internal void Clear()
    {
        Steps = 0;
        Episodes = 0;
        episodeStarts[0] = 0;
    }

    /// <summary>The observation row to fill for the next step.</summary>
    internal Span<float> NextObservation()
    {
        if (Steps == actions.Length)
        {
            EnsureStepCapacity(Steps + 1);
        }
        return observations.AsSpan(Steps * observationSize, observationSize);
    }

    /// <summary>The dropout-mask row of the next step (call after <see cref="NextObservation"/>); empty without dropout.</summary>
    internal Span<float> NextDropoutMask() => dropoutMasks.AsSpan(Steps * maskWidth, maskWidth);

    internal void CommitStep(int action, float reward)
    {
        actions[Steps] = action;
        rewards[Steps] = reward;
        Steps++;
    }

    /// <summary>Appends episode <paramref name="episode"/> of <paramref name="source"/> (another worker's batch) as the next episode.</summary>
    internal void AppendEpisode(EpisodeBatch source, int episode)
    {
        Range range = source.EpisodeRange(episode);
        int start = range.Start.Value, length = range.End.Value - start;
        EnsureStepCapacity(Steps + length);
        source.observations.AsSpan(start * observationSize, length * observationSize)
            .CopyTo(observations.AsSpan(Steps * observationSize));
        source.actions.AsSpan(start, length).CopyTo(actions.AsSpan(Steps));
        source.rewards.AsSpan(start, length).CopyTo(rewards.AsSpan(Steps));
        source.dropoutMasks.AsSpan(start * maskWidth, length * maskWidth).CopyTo(dropoutMasks.AsSpan(Steps * maskWidth));
        // The kept logits travel with their episode (a batch that keeps them is filled only from workers that do).
        source.keptLogits.AsSpan(start * logitWidth, length * logitWidth).CopyTo(keptLogits.AsSpan(Steps * logitWidth));
        source.keptActivations.AsSpan(start * activationWidth, length * activationWidth).CopyTo(keptActivations.AsSpan(Steps * activationWidth));
        Steps += length;
        EndEpisode();
    }

    private void EnsureStepCapacity(int steps)
    {
        if (steps > actions.Length)
        {
            int capacity = Math.Max(steps, actions.Length * 2);
            Array.Resize(ref observations, capacity * observationSize);
            Array.Resize(ref dropoutMasks, capacity * maskWidth);
            Array.Resize(ref actions, capacity);
            Array.Resize(ref rewards, capacity);
            Array.Resize(ref weights, capacity);
            Array.Resize(ref keptLogits, capacity * logitWidth);
            Array.Resize(ref keptActivations, capacity * activationWidth);
        }
    }

    internal void EndEpisode()
    {
        if (Episodes + 1 == episodeStarts.Length)
        {
            int capacity = episodeReturns.Length * 2;
            Array.Resize(ref episodeStarts, capacity + 1);
            Array.Resize(ref episodeReturns, capacity);
            Array.Resize(ref episodeLengths, capacity);
        }
        int start = episodeStarts[Episodes];
        double total = 0;
        for (int t = start; t < Steps; t++)
        {
            total += rewards[t];
        }
        episodeReturns[Episodes] = total;
        episodeLengths[Episodes] = Steps - start;
        Episodes++;
        episodeStarts[Episodes] = Steps;
    }
}
