using BenchmarkDotNet.Attributes;
using Reinforce.Environments;

namespace Reinforce.Benchmarks;

/// <summary>
/// CartPole-v1: one step of the single environment (reset when an episode ends, as a rollout does), and
/// one whole episode with the hand-written baseline policy (reset + about 40 steps).
/// </summary>
[MemoryDiagnoser]
public class CartPoleBenchmarks
{
    private readonly CartPole environment = new();
    private readonly float[] observation = new float[CartPole.ObservationLength];
    private long episode;

    [GlobalSetup]
    public void Setup() => environment.Reset(observation, 0);

    /// <summary>One step with the baseline action; a reset (with its seeding) when the episode ends.</summary>
    [Benchmark]
    public bool Step()
    {
        StepResult result = environment.Step(BaselinePolicy.Act(observation), observation);
        if (result.IsDone)
        {
            environment.Reset(observation, episode++);
        }
        return result.Terminated;
    }

    /// <summary>A seeded reset and a whole episode with the baseline policy.</summary>
    [Benchmark]
    public int BaselineEpisode()
    {
        environment.Reset(observation, episode++);
        int steps = 0;
        while (true)
        {
            steps++;
            if (environment.Step(BaselinePolicy.Act(observation), observation).IsDone)
            {
                return steps;
            }
        }
    }
}
