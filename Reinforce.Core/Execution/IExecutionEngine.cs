using Reinforce.NeuralNetworks;
using Reinforce.Optimizers;
using Reinforce.Policies;
using Reinforce.Training;

namespace Reinforce.Execution;

/// <summary>
/// The seam between what an update computes (<see cref="ReinforceTrainer.Update"/>, in the order of the derivation)
/// and how fast it is computed. The reference (<c>Reference/</c>) implements it in plain scalar code; the fast engines
/// implement it with lockstep rollouts, fused SIMD kernels and worker threads, and are proven bit-equal to the reference
/// by the equivalence matrix. An engine reads and writes the policy's <see cref="ParameterBuffer"/> it was built with.
/// </summary>
internal interface IExecutionEngine
{
    /// <summary>
    /// Collects the next batch: episodes <paramref name="firstEpisode"/>, <paramref name="firstEpisode"/> + 1, … (episode k
    /// on stream k of the seed), <see cref="TrainerOptions.BatchEpisodes"/> of them, or with
    /// <see cref="TrainerOptions.BatchSteps"/> the shortest run of them with at least that many steps. Returns the engine's
    /// batch (valid until the next call); its <see cref="EpisodeBatch.Weights"/> are the caller's to fill.
    /// </summary>
    EpisodeBatch Collect(long firstEpisode);

    /// <summary>
    /// Forward, loss and ∂L/∂logits, backward over the batch <see cref="Collect"/> returned, with its weights wₜ and the
    /// dropout masks the rollout drew: adds ∂L/∂θ to the gradients (the caller zeroes them) and returns L.
    /// </summary>
    PolicyLoss AccumulateGradients(EpisodeBatch batch);

    /// <summary>One step of <paramref name="optimizer"/> on the parameters from their gradients.</summary>
    void Step(Optimizer optimizer, ParameterBuffer parameters);
}
