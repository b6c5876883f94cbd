using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Reinforce.Training;

namespace Reinforce.Benchmarks;

/// <summary>
/// End to end: CartPole-v1 trained until the running reward exceeds 475, one training run per iteration (the
/// Allocated column includes building the trainer). <c>PyTorchExample</c> is reinforce.py's configuration
/// (<see cref="Compare.PyTorchExample"/>, one episode per update, seed 543); <c>CliDefault</c> is what
/// <c>reinforce train</c> runs with no flags and <c>new TrainerOptions()</c> (<see cref="Compare.CliDefault"/>, seed 0).
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

    /// <summary>
    /// <c>CliDefault</c> with the update recomputing the whole forward (benchmarks/notes.md#keep-forward: the trainer's default on one thread
    /// reads the logits the lockstep rollout kept; the same run bit for bit).
    /// </summary>
    [Benchmark]
    public long CliDefaultRecomputed()
    {
        var trainer = new ReinforceTrainer(Compare.CliDefault(0), null, lockstep: true, RolloutForwardKept.Nothing);
        trainer.Train();
        return trainer.StepsCompleted;
    }

    /// <summary><c>CliDefault</c> with the update reading the logits and hidden activations the rollout kept: no forward in the update.</summary>
    [Benchmark]
    public long CliDefaultKeptAll()
    {
        var trainer = new ReinforceTrainer(Compare.CliDefault(0), null, lockstep: true, RolloutForwardKept.Everything);
        trainer.Train();
        return trainer.StepsCompleted;
    }
}
