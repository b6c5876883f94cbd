using BenchmarkDotNet.Attributes;
using Reinforce.Environments;

namespace Reinforce.Benchmarks;

/// <summary>
/// CartPole-v1: one step of the single environment, a seeded reset, one whole episode with the hand-written baseline policy (reset + about 40 steps), and <see cref="VectorCartPole"/> with
/// 256 environments, reported per environment-step (OperationsPerInvoke = 256) so it reads next to the single one.
/// </summary>
[MemoryDiagnoser]
public class CartPoleBenchmarks
{
    private readonly CartPole environment = new();
    private readonly float[] observation = new float[CartPole.ObservationLength];
    private const int VectorCount = 256;
    private readonly VectorCartPole vector = new(VectorCount);
    private readonly float[] vectorObservations = new float[VectorCount * CartPole.ObservationLength];
    private readonly int[] vectorActions = new int[VectorCount];
    private readonly float[] vectorRewards = new float[VectorCount];
    private readonly bool[] vectorTerminated = new bool[VectorCount], vectorTruncated = new bool[VectorCount];
    private long episode;
    private CartPoleState start;

    [GlobalSetup]
    public void Setup()
    {
        environment.Reset(observation, 0);
        start = environment.State;
        vector.Reset(vectorObservations, Enumerable.Range(0, VectorCount).Select(i => (long)i).ToArray());
    }

    /// <summary>
    /// One step with the baseline action. When the episode ends the state goes back to the start state with
    /// <see cref="CartPole.SetState"/> (no seeding), so the row is the step itself; <see cref="SeededReset"/> is
    /// the reset's own cost.
    /// </summary>
    [Benchmark]
    public bool Step()
    {
        StepResult result = environment.Step(BaselinePolicy.Act(observation), observation);
        if (result.IsDone)
        {
            environment.SetState(start);
        }
        return result.Terminated;
    }

    /// <summary>A reset with a seed: NumPy's SeedSequence hashing and PCG64 seeding, then four uniform draws.</summary>
    [Benchmark]
    public void SeededReset() => environment.Reset(observation, episode++);

    /// <summary>
    /// What a step cannot avoid: <see cref="Math.Sin"/> and <see cref="Math.Cos"/> of the angle (the C library's,
    /// which keep the dynamics bit-identical to Gymnasium's), on a varying angle so nothing is hoisted.
    /// </summary>
    [Benchmark]
    public double SinAndCosOnly()
    {
        double theta = observation[2] + episode * 1e-9;
        return Math.Sin(theta) + Math.Cos(theta);
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

    /// <summary>One step of each of 256 environments with the baseline action (autoreset included); time per environment-step.</summary>
    [Benchmark(OperationsPerInvoke = VectorCount)]
    public void VectorStepPerEnvironment()
    {
        for (int i = 0; i < VectorCount; i++)
        {
            vectorActions[i] = vectorObservations[i * CartPole.ObservationLength + 2] > 0f ? 1 : 0;
        }
        vector.Step(vectorActions, vectorObservations, vectorRewards, vectorTerminated, vectorTruncated);
    }
}
