using BenchmarkDotNet.Attributes;
using Reinforce.Execution;
using Reinforce.Training;

namespace Reinforce.Benchmarks;

/// <summary>
/// Collecting one batch of 4 or 16 CartPole-v1 episodes on one thread: the reference (plain scalar code, one episode at
/// a time: the baseline of the Ratio column), the fast engine one episode at a time, and the fast engine in lockstep (all
/// episodes advanced together: one VectorCartPole step and one batched forward per step). All three give the same batch
/// bit for bit (EquivalenceMatrixTests). "trained" is a policy that solved CartPole-v1 (episodes of up to 500 steps),
/// "initial" the untrained one (~20 steps). Divide by the batch's steps (printed at setup) for the time per environment
/// step, action included. Every call collects the same episodes 0 … N − 1.
/// </summary>
[MemoryDiagnoser]
public class LockstepRolloutBenchmarks
{
    private ReinforceTrainer reference = null!, oneAtATime = null!, lockstep = null!;

    [Params(4, 16)]
    public int Episodes { get; set; }

    [Params("initial", "trained")]
    public string Policy { get; set; } = "initial";

    [GlobalSetup]
    public void Setup()
    {
        var options = new TrainerOptions { BatchEpisodes = Episodes, LearningRate = 1e-6, Seed = 7 };
        reference = new ReinforceTrainer(options with { Execution = ExecutionMode.Reference });
        oneAtATime = new ReinforceTrainer(options, null, new ExecutionPolicy { Lockstep = false });
        lockstep = new ReinforceTrainer(options);
        if (Policy == "trained")
        {
            var solved = new ReinforceTrainer(new TrainerOptions());
            solved.Train();
            foreach (ReinforceTrainer trainer in new[] { reference, oneAtATime, lockstep })
            {
                solved.Policy.Parameters.Values.CopyTo(trainer.Policy.Parameters.Values, 0);
            }
        }
        // Buffers grow to the batch once, outside the measurement.
        Console.WriteLine($"// {Episodes} episodes, {Policy}: {lockstep.Engine.Collect(0).Steps} steps per batch");
    }

    [Benchmark(Baseline = true)]
    public int Reference() => reference.Engine.Collect(0).Steps;

    [Benchmark]
    public int OneAtATime() => oneAtATime.Engine.Collect(0).Steps;

    [Benchmark]
    public int Lockstep() => lockstep.Engine.Collect(0).Steps;
}
