using BenchmarkDotNet.Attributes;
using Reinforce.NeuralNetworks;
using Reinforce.Optimizers;
using Reinforce.Policies;
using Reinforce.Randomness;

namespace Reinforce.Benchmarks;

/// <summary>
/// One REINFORCE update of the default network (4→128 ReLU→2, Adam) on a 500-step episode, the rollout
/// excluded: zero the gradients, forward the 500 states, the loss and ∂L/∂logits, backward, one Adam step.
/// </summary>
[MemoryDiagnoser]
public class UpdateBenchmarks
{
    public const int T = 500;
    private Policy policy = null!;
    private Adam adam = null!;
    private float[] states = [], weights = [];
    private int[] actions = [];

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
