using BenchmarkDotNet.Attributes;
using Reinforce.Training;

namespace Reinforce.Benchmarks;

/// <summary>
/// Parallel rollouts: a batch of 16 episodes collected on 1 or 2 workers (<see cref="TrainerOptions.Threads"/>),
/// with the initial policy ("initial", short episodes of ~20 steps) and with a policy trained to solve CartPole-v1
/// ("trained", episodes of up to 500 steps). <c>Collect</c> is the rollout alone; <c>Update</c> adds the returns,
/// the batched forward/backward and Adam (learning rate 1e-6 so the trained policy stays trained).
/// </summary>
[MemoryDiagnoser]
public class ParallelRolloutBenchmarks
{
    private ReinforceTrainer trainer = null!;

    [Params(1, 2)]
    public int Threads { get; set; }

    [Params("initial", "trained")]
    public string Policy { get; set; } = "initial";

    [GlobalSetup]
    public void Setup()
    {
        trainer = new ReinforceTrainer(new TrainerOptions { BatchEpisodes = 16, Threads = Threads, LearningRate = 1e-6, Seed = 7 });
        if (Policy == "trained")
        {
            var solved = new ReinforceTrainer(new TrainerOptions());
            solved.Train();
            solved.Policy.Parameters.Values.CopyTo(trainer.Policy.Parameters.Values, 0);
        }
        trainer.Update(); // buffers grow to the batch once, outside the measurement
    }

    [Benchmark]
    public int Collect() => trainer.Engine.Collect(trainer.EpisodesCompleted).Steps; // the next update's episodes, collected again and again

    [Benchmark]
    public int Update() => trainer.Update().Steps;
}
