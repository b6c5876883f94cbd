using BenchmarkDotNet.Attributes;
using Reinforce.Execution;
using Reinforce.NeuralNetworks;
using Reinforce.Optimizers;
using Reinforce.Policies;
using Reinforce.Randomness;
using Reinforce.Training;

namespace Reinforce.Benchmarks;

/// <summary>
/// One REINFORCE update of the default network (4→128 ReLU→2, Adam) on a 500-step episode, the rollout
/// excluded: zero the gradients, forward the 500 states, the loss and ∂L/∂logits, backward, one Adam step. The reference
/// (plain scalar code, <c>Reference/</c>) is the baseline of the Ratio column; the fast engine's one-thread pass gives the
/// same bits.
/// </summary>
[MemoryDiagnoser]
public class UpdateBenchmarks
{
    public const int T = 500;
    private Policy policy = null!;
    private Adam adam = null!;
    private float[] states = [], weights = [];
    private int[] actions = [];
    private IExecutionEngine reference = null!;
    private EpisodeBatch batch = null!;
    private Policy referencePolicy = null!;
    private Adam referenceAdam = null!;

    [GlobalSetup]
    public void Setup()
    {
        policy = Policy.Create(4, [128], Activation.ReLU, new CategoricalHead(2), new Pcg64(543));
        adam = new Adam(policy.Parameters.Length, 1e-2);
        var random = new Random(42);
        states = Enumerable.Range(0, 4 * T).Select(_ => (float)(random.NextDouble() * 0.2 - 0.1)).ToArray();
        actions = Enumerable.Range(0, T).Select(_ => random.Next(2)).ToArray();
        weights = Enumerable.Range(0, T).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        Update(); // the workspace grows to 500 rows once, outside the measurement

        // The same episode for the reference, as one batch of one 500-step episode.
        var options = new TrainerOptions { BatchEpisodes = 1, MaxEpisodeSteps = T };
        var trainer = new ReinforceTrainer(options with { Execution = ExecutionMode.Reference });
        policy.Parameters.Values.CopyTo(trainer.Policy.Parameters.Values, 0);
        (reference, referencePolicy) = (trainer.Engine, trainer.Policy);
        referenceAdam = new Adam(referencePolicy.Parameters.Length, 1e-2);
        batch = new EpisodeBatch(4, T, 1);
        for (int t = 0; t < T; t++)
        {
            states.AsSpan(4 * t, 4).CopyTo(batch.NextObservation());
            batch.CommitStep(actions[t], 1f);
        }
        batch.EndEpisode();
        weights.CopyTo(batch.Weights);
    }

    [Benchmark(Baseline = true)]
    public double Reference()
    {
        referencePolicy.Parameters.ZeroGradients();
        double loss = reference.AccumulateGradients(batch).Loss;
        reference.Step(referenceAdam, referencePolicy.Parameters);
        return loss;
    }

    [Benchmark]
    public double Update()
    {
        policy.Parameters.ZeroGradients();
        double loss = policy.AccumulateGradients(states, actions, weights, 0f).Loss;
        // A tiny learning rate would change nothing measurable; the policy drifts, which does not change the work.
        adam.Step(policy.Parameters.Values, policy.Parameters.Gradients);
        return loss;
    }
}
