using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Reinforce.Training;

namespace Reinforce.Benchmarks;

/// <summary>
/// End to end: <c>new ReinforceTrainer(new TrainerOptions()).Train()</c>, the default configuration
/// (CartPole-v1, 4→128 ReLU→2, Adam 1e-2, one episode per update, seed 543) until the running reward
/// exceeds 475. One training run per iteration; the Allocated column includes building the trainer.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 9)]
public class TrainingBenchmarks
{
    [Benchmark]
    public long TrainToSolvedDefault()
    {
        var trainer = new ReinforceTrainer(new TrainerOptions());
        trainer.Train();
        return trainer.StepsCompleted;
    }
}
