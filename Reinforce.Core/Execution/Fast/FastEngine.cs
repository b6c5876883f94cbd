using Reinforce.Environments;
using Reinforce.Execution.Split;
using Reinforce.NeuralNetworks;
using Reinforce.Optimizers;
using Reinforce.Policies;
using Reinforce.Randomness;
using Reinforce.Training;

namespace Reinforce.Execution.Fast;

/// <summary>
/// The fast engine: the reference's update (<c>Reference/ReferenceEngine.cs</c>) computed with SIMD kernels, lockstep
/// rollouts, the logits the rollout kept and worker threads, bit for bit the same numbers (the equivalence matrix).
/// </summary>
/// <remarks>
/// <para><b>Collection.</b> A batch of several episodes of the trainer's own CartPole is collected by lockstep groups
/// (<see cref="LockstepRollouts"/>: one <see cref="VectorCartPole"/> step and one batched forward for all live episodes),
/// one group per worker under <see cref="ParallelRollouts"/>; otherwise one episode at a time (on the workers when there
/// are several and the batch holds several episodes of a custom environment). Episode k always uses stream k of the seed,
/// whoever runs it, and the episodes are put back in index order.</para>
/// <para><b>The pass.</b> With one group the update reads the logits the rollout kept and runs only the hidden layers'
/// forward again (none, for a tanh hidden layer whose activations the rollout kept too); with several workers a large batch's pass may be split across them (<see cref="SplitUpdate"/>, the
/// choice made by <see cref="SplitChooser"/>); otherwise <see cref="BatchPass"/> on the calling thread.</para>
/// </remarks>
internal sealed class FastEngine : IExecutionEngine
{
    /// <summary>The shape the <see cref="ExecutionPolicy"/> chose: lockstep or not, groups (workers) and lanes, kept logits and activations, split workers.</summary>
    internal readonly record struct Layout(bool Lockstep, int Groups, int Lanes, bool KeepLogits, bool KeepActivations, int SplitWorkers, int PaddingBytes);

    private readonly TrainerOptions options;
    private readonly Policy policy;
    private readonly int maxEpisodeSteps;
    private readonly EpisodeBatch batch;
    private readonly RolloutWorker sequentialWorker;
    // The one-state forward of RunEpisode (W₁ kept as columns, refreshed before each batch); null when the network's input
    // is not CartPole's 4 (then Mlp.Forward).
    private readonly RolloutForward? rolloutForward;
    private readonly ParallelRollouts? parallelRollouts;
    private readonly SplitUpdate? splitUpdate;
    private readonly SplitChooser? splitChooser;
    private readonly byte[][] workerPadding = [];
    private bool splitThisBatch;

    public FastEngine(TrainerOptions options, Policy policy, IEnvironment environment, Func<IEnvironment>? environmentFactory,
        int maxEpisodeSteps, Layout layout, SplitChooser? splitChooser)
    {
        this.options = options;
        this.policy = policy;
        this.maxEpisodeSteps = maxEpisodeSteps;
        Shape = layout;
        int outputSize = policy.Head.OutputSize, maskWidth = policy.Network.DropoutMaskWidth;
        // Buffers sized for the largest batch the options allow (a step batch may overshoot its target by one episode),
        // so no update after the first allocates.
        int maxBatchSteps = options.BatchSteps is int target ? target + maxEpisodeSteps : maxEpisodeSteps * options.BatchEpisodes;
        int episodeCapacity = options.BatchSteps is int steps ? Math.Min(steps, 1024) : options.BatchEpisodes;
        policy.Reserve(maxBatchSteps);
        int keptActivationWidth = layout.KeepActivations ? policy.Network.LayerSize(1) : 0;
        batch = new EpisodeBatch(environment.ObservationSize, maxBatchSteps, episodeCapacity, maskWidth, layout.KeepLogits ? outputSize : 0,
            keptActivationWidth);
        sequentialWorker = new RolloutWorker(environment, policy.Network.CreateWorkspace(1), outputSize, batch);
        rolloutForward = RolloutForward.TryCreate(policy.Network);
        if (layout.Lockstep || layout.Groups > 1)
        {
            var workers = new RolloutGroup[layout.Groups];
            workerPadding = new byte[layout.Groups + 1][];
            workerPadding[0] = new byte[layout.PaddingBytes];
            for (int w = 0; w < workers.Length; w++)
            {
                if (layout.Lockstep)
                {
                    // A lane may run any number of the batch's episodes, one after the other: room for all of them (by
                    // steps, every episode has at least one step; capped as the batch's own count), and steps for its
                    // share of full-length episodes, so that steady state does not grow a lane's buffers.
                    int laneEpisodes = Math.Min(options.BatchSteps is int s ? s + layout.Lanes * layout.Groups : options.BatchEpisodes, 1024);
                    int laneSteps = options.BatchSteps is null
                        ? maxEpisodeSteps * Math.Max(1, (options.BatchEpisodes + layout.Lanes * layout.Groups - 1) / (layout.Lanes * layout.Groups))
                        : maxEpisodeSteps;
                    workers[w] = new LockstepRollouts(policy, options, layout.Lanes, laneSteps, laneEpisodes, layout.KeepLogits, rolloutForward,
                        layout.KeepActivations);
                }
                else
                {
                    // A worker may run any share of the batch, up to all of it.
                    IEnvironment own = w == 0 ? environment
                        : environmentFactory?.Invoke() ?? CartPole.Create(options.EnvironmentId, options.Integrator, options.SuttonBartoReward, options.MaxEpisodeSteps);
                    workers[w] = new RolloutWorker(own, policy.Network.CreateWorkspace(1), outputSize,
                        new EpisodeBatch(environment.ObservationSize, maxBatchSteps, episodeCapacity, maskWidth), RunEpisode);
                }
                workerPadding[w + 1] = new byte[layout.PaddingBytes];
            }
            parallelRollouts = new ParallelRollouts(workers);
        }
        if (layout.SplitWorkers > 1 && splitChooser is not null)
        {
            splitUpdate = new SplitUpdate(policy, layout.SplitWorkers);
            this.splitChooser = splitChooser;
            if (parallelRollouts is not null)
            {
                // A rollout helper that has finished its episodes serves the pass while still awake (SplitUpdate.HelpWithNextPass).
                parallelRollouts.AfterBatch = splitUpdate.HelpWithNextPass;
            }
        }
    }

    /// <summary>The layout this engine runs (tests check which path they exercise).</summary>
    internal Layout Shape { get; }

    /// <summary>The workers of the split pass (1 when the pass is never split).</summary>
    internal int SplitWorkers => splitUpdate?.WorkerCount ?? 1;

    /// <summary>The split chooser, or null when the pass is never split.</summary>
    internal SplitChooser? SplitChooser => splitChooser;

    public EpisodeBatch Collect(long firstEpisode)
    {
        // Rollout helpers that finish their episodes wait for the split pass unless the batch turns out too small for it.
        bool splitPreferred = splitChooser is not null && splitChooser.PreferSplit();
        if (splitPreferred)
        {
            splitUpdate!.ExpectPass();
        }
        try
        {
            rolloutForward?.Refresh(); // the weights stand still until the batch is collected
            if (parallelRollouts is not null)
            {
                parallelRollouts.Collect(firstEpisode, options.BatchEpisodes, options.BatchSteps, batch, ConcurrentEpisodes());
            }
            else
            {
                // The sequential rule: start another episode while the batch has fewer than BatchEpisodes episodes (or BatchSteps steps).
                batch.Clear();
                while (options.BatchSteps is int target ? batch.Steps < target : batch.Episodes < options.BatchEpisodes)
                {
                    RunEpisode(sequentialWorker, batch, firstEpisode + batch.Episodes);
                }
            }
        }
        catch
        {
            splitUpdate?.CancelExpectedPass();
            throw;
        }
        splitThisBatch = splitPreferred && batch.Steps >= splitChooser!.MinimumRows;
        if (splitPreferred && !splitThisBatch)
        {
            splitUpdate!.CancelExpectedPass();
        }
        return batch;
    }

    public PolicyLoss AccumulateGradients(EpisodeBatch batch)
    {
        float entropyCoefficient = (float)options.EntropyCoefficient;
        splitChooser?.StartPass(batch.Steps);
        PolicyLoss loss = splitThisBatch
            ? splitUpdate!.AccumulateGradients(batch.ObservationMemory, batch.ActionMemory, batch.WeightMemory, entropyCoefficient,
                options.LossReduction, batch.DropoutMaskMemory)
            : BatchPass.Run(policy, batch.Observations, batch.Actions, batch.Weights, entropyCoefficient, options.LossReduction,
                batch.DropoutMasks, Shape.KeepLogits ? batch.KeptLogits() : default, Shape.KeepActivations ? batch.KeptActivations() : default);
        splitChooser?.EndPass(splitThisBatch, batch.Steps);
        return loss;
    }

    public void Step(Optimizer optimizer, ParameterBuffer parameters) => optimizer.Step(parameters.Values, parameters.Gradients);

    // How many episodes to run at once: by episodes, all; by steps, about as many as the target needs at the last batch's
    // mean episode length (rounded up), so that few episodes past the kept prefix are run for nothing. Only a speed
    // choice: the coordinator's rule decides which episodes the batch keeps, whatever this is.
    private int ConcurrentEpisodes()
    {
        if (options.BatchSteps is not int target || batch.Episodes == 0)
        {
            return int.MaxValue;
        }
        long meanLength = Math.Max(1, batch.Steps / batch.Episodes);
        return (int)Math.Clamp((target + meanLength - 1) / meanLength, 1, int.MaxValue);
    }

    // One episode into `episodes`, with the worker's environment, workspace and generator (reads the weights only, so
    // workers can run episodes at the same time). Stream k: the reset seed, then per step the dropout masks (none when
    // p = 0) and the action's draw — the reference's episode loop.
    private void RunEpisode(RolloutWorker worker, EpisodeBatch episodes, long episodeIndex)
    {
        Pcg64 rng = worker.Rng;
        float[] observation = worker.Observation, output = worker.Output;
        rng.Reseed(options.Seed, (ulong)episodeIndex);
        long resetSeed = (long)(rng.NextUInt64() >> 1);
        worker.Environment.Reset(observation, resetSeed);
        for (int t = 0; t < maxEpisodeSteps; t++)
        {
            observation.CopyTo(episodes.NextObservation());
            Span<float> masks = episodes.NextDropoutMask();
            if (!masks.IsEmpty)
            {
                Dropout.DrawMask(options.Dropout, rng, masks);
            }
            if (masks.IsEmpty && rolloutForward is not null)
            {
                rolloutForward.Forward(observation, 1, worker.Workspace, output); // Mlp.Forward's bits, W₁ kept as columns
            }
            else
            {
                policy.Network.Forward(observation, 1, worker.Workspace, output, masks);
            }
            int action = policy.Head.Sample(output, rng);
            StepResult result = worker.Environment.Step(action, observation);
            episodes.CommitStep(action, (float)result.Reward);
            if (result.IsDone)
            {
                break;
            }
        }
        episodes.EndEpisode();
    }
}
