using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Reinforce.Execution;
using Reinforce.Training;

namespace Reinforce.Benchmarks;

/// <summary>
/// End to end: CartPole-v1 trained until the running reward exceeds 475, one training run per iteration (the
/// Allocated column includes building the trainer). <c>PyTorchExample</c> is reinforce.py's configuration
/// (<see cref="Compare.PyTorchExample"/>, one episode per update, seed 543); <c>CliDefault</c> is what
/// <c>reinforce train</c> runs with no flags, <see cref="TrainerOptions.Default"/> (<see cref="Compare.CliDefault"/>, seed 0).
/// </summary>
[MemoryDiagnoser]
[MedianColumn, MinColumn, MaxColumn]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 2, iterationCount: 15)]
public class TrainingBenchmarks
{
    [Benchmark]
    public long PyTorchExample()
    {
        var trainer = new ReinforceTrainer(Compare.PyTorchExample(543));
        trainer.Train();
        return trainer.StepsCompleted;
    }

    [Benchmark]
    public long CliDefault()
    {
        var trainer = new ReinforceTrainer(Compare.CliDefault(0));
        trainer.Train();
        return trainer.StepsCompleted;
    }

    /// <summary><c>CliDefault</c> with the update recomputing the whole forward instead of reading the logits and activations the rollout kept (the same run bit for bit).</summary>
    [Benchmark]
    public long CliDefaultRecomputed()
    {
        var trainer = new ReinforceTrainer(Compare.CliDefault(0), null, new ExecutionPolicy { KeepLogits = false });
        trainer.Train();
        return trainer.StepsCompleted;
    }
}
