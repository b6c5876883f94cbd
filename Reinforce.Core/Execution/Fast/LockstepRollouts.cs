using Reinforce.Environments;
using Reinforce.NeuralNetworks;
using Reinforce.Policies;
using Reinforce.Randomness;
using Reinforce.Training;

namespace Reinforce.Execution.Fast;

/// <summary>
/// Several CartPole episodes of one batch advanced together: each step is one <see cref="VectorCartPole"/> step
/// of the live lanes and one batched forward of their states, then each lane samples its action from its own
/// episode's stream. Bit for bit the episodes <see cref="ReinforceTrainer"/> runs one at a time.
/// </summary>
/// <remarks>
/// <para><b>Why it is the same run.</b> Episode k of the run depends only on the seed, k and the weights: lane i
/// re-seeds its generator to <c>Pcg64.Derive(seed, k)</c>, takes the reset seed from its first draw, and then per
/// step draws the dropout masks (if any) and the action, in that order, as the one-at-a-time loop does. The batched
/// forward gives every row the numbers of a one-row forward (the blocked kernels compute each row exactly as
/// <c>MatVec</c> does; element-wise kernels do not depend on the batch), and <see cref="VectorCartPole"/> gives each
/// environment the single <see cref="CartPole"/>'s trajectory. Which lane runs an episode, and when, changes
/// nothing.</para>
/// <para><b>Lanes.</b> The live lanes are rows 0 … live − 1 of every buffer. A lane whose episode ends claims the
/// next episode index from the coordinator (<see cref="ParallelRollouts.TryClaim"/>, which applies the batch's
/// rule); when there is none it swaps with the last live lane and the live count drops, so the forward and the
/// environment step only ever touch live rows. Each lane writes its steps into its own <see cref="EpisodeBatch"/>;
/// the coordinator appends the kept episodes to the trainer's batch in index order.</para>
/// <para>Nothing is allocated in steady state (a lane's episode buffer grows only for a longer run of episodes
/// than any before).</para>
/// </remarks>
internal sealed class LockstepRollouts : RolloutGroup
{
    private readonly Policy policy;
    private readonly double dropout;
    private readonly ulong seed;
    private readonly int lanes;
    private readonly int observationSize;
    private readonly int outputSize;
    private readonly int maskWidth;
    private readonly VectorCartPole environments;
    private readonly MlpWorkspace workspace;
    private readonly float[] observations, masks, outputs, rewards;
    private readonly int[] actions;
    private readonly bool[] terminated, truncated;
    // Per lane (row): its generator, its episode buffer, and the batch index of its episode; swapped with the row.
    private readonly Pcg64[] generators;
    private readonly EpisodeBatch[] episodeBuffers;
    private readonly int[] batchIndex;
    // Whether each step's logits go into the lane's episode buffer for the update.
    private readonly bool keepLogits;
    // Whether each step's hidden activations a₁ go into the lane's episode buffer too (a tanh hidden layer: the update then
    // runs no forward).
    private readonly bool keepActivations;
    // The engine's rollout forward (W₁ as columns, refreshed before each batch), for steps without dropout masks; null:
    // Mlp.Forward.
    private readonly RolloutForward? rolloutForward;
    // The default shape (4 → H ReLU → 2, categorical over 2 actions, no dropout): the fused forward writes each step's logits
    // as two columns (padded to whole vectors) and the two-action sampler reads them there.
    private readonly bool twoLogits;
    private readonly float[] logits0, logits1;

    public LockstepRollouts(Policy policy, TrainerOptions options, int lanes, int stepCapacity, int episodeCapacity,
        bool keepLogits = false, RolloutForward? rolloutForward = null, bool keepActivations = false)
    {
        this.keepLogits = keepLogits;
        this.keepActivations = keepActivations;
        this.rolloutForward = policy.Network.DropoutMaskWidth > 0 ? null : rolloutForward;
        twoLogits = this.rolloutForward is { FusesTwoLogits: true } && policy.Head is CategoricalHead { ActionCount: 2 };
        logits0 = new float[twoLogits ? RolloutForward.PaddedRows(lanes) : 0];
        logits1 = new float[logits0.Length];
        this.policy = policy;
        this.lanes = lanes;
        dropout = options.Dropout;
        seed = options.Seed;
        CartPoleVersion version = CartPole.Create(options.EnvironmentId).Version;
        environments = new VectorCartPole(lanes, version, options.Integrator, options.SuttonBartoReward, options.MaxEpisodeSteps);
        observationSize = CartPole.ObservationLength;
        outputSize = policy.Head.OutputSize;
        maskWidth = policy.Network.DropoutMaskWidth;
        workspace = policy.Network.CreateWorkspace(lanes);
        observations = new float[lanes * observationSize];
        masks = new float[lanes * maskWidth];
        outputs = new float[lanes * outputSize];
        rewards = new float[lanes];
        actions = new int[lanes];
        terminated = new bool[lanes];
        truncated = new bool[lanes];
        generators = new Pcg64[lanes];
        episodeBuffers = new EpisodeBatch[lanes];
        batchIndex = new int[lanes];
        for (int i = 0; i < lanes; i++)
        {
            generators[i] = new Pcg64(0);
            episodeBuffers[i] = new EpisodeBatch(observationSize, stepCapacity, episodeCapacity, maskWidth, keepLogits ? outputSize : 0,
                keepActivations ? policy.Network.LayerSize(1) : 0);
        }
    }

    /// <summary>Lanes: the most episodes this group runs at once.</summary>
    public int Lanes => lanes;

    public override void Clear()
    {
        foreach (EpisodeBatch buffer in episodeBuffers)
        {
            buffer.Clear();
        }
    }

    public override void Run(ParallelRollouts rollouts)
    {
        int live = 0;
        while (live < lanes && rollouts.TryClaim(out long episode, out int k))
        {
            StartEpisode(live, episode, k);
            live++;
        }
        Mlp network = policy.Network;
        PolicyHead head = policy.Head;
        bool withDropout = maskWidth > 0;
        while (live > 0)
        {
            // The state of each live lane into its episode, and (with dropout) this step's masks from its stream.
            for (int i = 0; i < live; i++)
            {
                EpisodeBatch buffer = episodeBuffers[i];
                observations.AsSpan(i * observationSize, observationSize).CopyTo(buffer.NextObservation());
                if (withDropout)
                {
                    Span<float> mask = buffer.NextDropoutMask();
                    Dropout.DrawMask(dropout, generators[i], mask);
                    mask.CopyTo(masks.AsSpan(i * maskWidth, maskWidth));
                }
            }
            Span<float> liveOutputs = outputs.AsSpan(0, live * outputSize);
            if (twoLogits)
            {
                // Mlp.Forward's logits and SampleRows' actions, bit for bit; the kept logits go to the buffers below.
                rolloutForward!.ForwardTwoLogits(observations.AsSpan(0, live * observationSize), live, logits0, logits1);
                CategoricalLanes.SampleTwoActions(logits0, logits1, generators.AsSpan(0, live), actions.AsSpan(0, live));
            }
            else if (rolloutForward is not null)
            {
                rolloutForward.Forward(observations.AsSpan(0, live * observationSize), live, workspace, liveOutputs); // Mlp.Forward's bits
            }
            else
            {
                network.Forward(observations.AsSpan(0, live * observationSize), live, workspace, liveOutputs,
                    withDropout ? masks.AsSpan(0, live * maskWidth) : []);
            }
            if (!twoLogits)
            {
                if (keepLogits)
                {
                    // Each live lane's logits into its episode buffer, at the step about to be committed: the update reads
                    // them instead of running the output layer again.
                    for (int i = 0; i < live; i++)
                    {
                        outputs.AsSpan(i * outputSize, outputSize).CopyTo(episodeBuffers[i].NextKeptLogits());
                    }
                    if (keepActivations)
                    {
                        // a₁ of each live lane, as the forward above left it in the workspace (RolloutForward and Mlp both
                        // write the hidden layer's activations there).
                        int width = network.LayerSize(1);
                        ReadOnlySpan<float> hidden = workspace.Activation(1, live);
                        for (int i = 0; i < live; i++)
                        {
                            hidden.Slice(i * width, width).CopyTo(episodeBuffers[i].NextKeptActivations());
                        }
                    }
                }
                head.SampleRows(liveOutputs, generators.AsSpan(0, live), actions.AsSpan(0, live));
            }
            environments.StepFirst(live, actions, observations, rewards, terminated, truncated);

            // From the last lane down, so a finished lane can swap with the last live one, already handled.
            for (int i = live - 1; i >= 0; i--)
            {
                EpisodeBatch buffer = episodeBuffers[i];
                if (twoLogits && keepLogits)
                {
                    Span<float> kept = buffer.NextKeptLogits();
                    kept[0] = logits0[i];
                    kept[1] = logits1[i];
                }
                buffer.CommitStep(actions[i], rewards[i]);
                if (!(terminated[i] | truncated[i]))
                {
                    continue;
                }
                buffer.EndEpisode();
                int local = buffer.Episodes - 1;
                rollouts.Finished(batchIndex[i], buffer, local, buffer.EpisodeLengths.Span[local]);
                if (rollouts.TryClaim(out long episode, out int k))
                {
                    StartEpisode(i, episode, k);
                }
                else
                {
                    live--;
                    SwapLanes(i, live);
                }
            }
        }
    }

    // Stream k: the reset seed is its first draw (as the reference's episode loop).
    private void StartEpisode(int lane, long episode, int k)
    {
        Pcg64 generator = generators[lane];
        generator.Reseed(seed, (ulong)episode);
        long resetSeed = (long)(generator.NextUInt64() >> 1);
        environments.StartEpisode(lane, resetSeed, observations);
        batchIndex[lane] = k;
    }

    private void SwapLanes(int i, int j)
    {
        if (i == j)
        {
            return;
        }
        environments.Swap(i, j);
        (generators[i], generators[j]) = (generators[j], generators[i]);
        (episodeBuffers[i], episodeBuffers[j]) = (episodeBuffers[j], episodeBuffers[i]);
        (batchIndex[i], batchIndex[j]) = (batchIndex[j], batchIndex[i]);
        Span<float> rowI = observations.AsSpan(i * observationSize, observationSize);
        Span<float> rowJ = observations.AsSpan(j * observationSize, observationSize);
        Span<float> held = stackalloc float[CartPole.ObservationLength];
        rowI.CopyTo(held);
        rowJ.CopyTo(rowI);
        held.CopyTo(rowJ);
    }
}
