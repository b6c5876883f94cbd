using BenchmarkDotNet.Attributes;
using Reinforce.Execution;
using Reinforce.Training;

namespace Reinforce.Benchmarks;

/// <summary>
/// Collecting one batch of 4 or 16 CartPole-v1 episodes on one thread, one episode at a time (the sequential loop,
/// the baseline) or in lockstep (all episodes advanced together: one VectorCartPole step and one batched forward per
/// step). Both give the same batch bit for bit (LockstepRolloutTests). "trained" is a policy that solved CartPole-v1
/// (episodes of up to 500 steps), "initial" the untrained one (~20 steps). Divide by the batch's steps (printed by
/// <c>Steps</c>) for the time per environment step, action included.
/// </summary>
[MemoryDiagnoser]
public class LockstepRolloutBenchmarks
{
    private ReinforceTrainer trainer = null!;

    [Params(4, 16)]
    public int Episodes { get; set; }

    [Params("initial", "trained")]
    public string Policy { get; set; } = "initial";

    [Params(false, true)]
    public bool Lockstep { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        trainer = new ReinforceTrainer(new TrainerOptions { BatchEpisodes = Episodes, LearningRate = 1e-6, Seed = 7 }, null,
            new ExecutionPolicy { Lockstep = Lockstep });
        if (Policy == "trained")
        {
            var solved = new ReinforceTrainer(new TrainerOptions());
            solved.Train();
            solved.Policy.Parameters.Values.CopyTo(trainer.Policy.Parameters.Values, 0);
        }
        // Buffers grow to the batch once, outside the measurement; every call then collects the same episodes 0 … N − 1.
        Console.WriteLine($"// {Episodes} episodes, {Policy}: {trainer.Engine.Collect(0).Steps} steps per batch");
    }

    [Benchmark]
    public int Collect() => trainer.Engine.Collect(0).Steps;
}
