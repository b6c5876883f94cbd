using Reinforce.Environments;
using Reinforce.Execution;
using Reinforce.Execution.Fast;
using Reinforce.NeuralNetworks;
using Reinforce.Policies;
using Reinforce.Training;

namespace Reinforce.Tests.Execution;

/// <summary>
/// One matrix instead of a chain of pairs: the reference (<c>Reinforce.Core/Reference/</c>, which defines the bits) against
/// every engine, each engine over every variant of the options one at a time plus a few combined, over several updates.
/// Tolerance: none. After every update every tensor — weights, gradients, both Adam moments — and every counter (updates,
/// episodes, steps, optimizer steps, running reward, the update's loss and entropy) must be the reference's bits. On a
/// mismatch the message has one line per tensor with the largest absolute difference and its first index (as llm.c's
/// <c>test_gpt2.c</c> prints its <c>check_tensor</c> lines). Worker counts are given to the engines as numbers, so 3
/// workers run 3 threads on a 2-core machine too.
/// </summary>
[TestFixture]
public sealed class EquivalenceMatrixTests
{
    private const int Updates = 4;

    /// <summary>An engine: threads, mode and the execution policy that forces one of its paths.</summary>
    public sealed class Engine
    {
        internal Engine(string name, int threads, ExecutionMode mode, ExecutionPolicy policy) => (Name, Threads, Mode, Policy) = (name, threads, mode, policy);

        public string Name { get; }

        public int Threads { get; }

        public ExecutionMode Mode { get; }

        internal ExecutionPolicy Policy { get; }

        public override string ToString() => Name;
    }

    private static readonly Engine[] Engines =
    [
        new("fast, 1 thread (lockstep, kept logits)", 1, ExecutionMode.Fast, ExecutionPolicy.Default),
        new("fast, 1 thread, logits recomputed", 1, ExecutionMode.Fast, new ExecutionPolicy { KeepLogits = false }),
        new("fast, 1 thread, kept logits, activations recomputed", 1, ExecutionMode.Fast, new ExecutionPolicy { KeepActivations = false }),
        new("fast, 1 thread, one episode at a time", 1, ExecutionMode.Fast, new ExecutionPolicy { Lockstep = false }),
        new("fast, 2 workers, kept logits", 2, ExecutionMode.Fast, new ExecutionPolicy { KeepLogits = true, SplitWorkers = 1 }),
        new("fast, 2 workers, one episode at a time", 2, ExecutionMode.Fast, new ExecutionPolicy { Lockstep = false, SplitWorkers = 1 }),
        new("fast, 2 workers, pass never split", 2, ExecutionMode.Fast, new ExecutionPolicy { SplitWorkers = 2, Split = SplitUpdateMode.Never }),
        new("fast, 2 workers, pass split", 2, ExecutionMode.Fast, new ExecutionPolicy { SplitWorkers = 2, SplitMinimumRows = 1 }),
        new("fast, 3 workers, pass split", 3, ExecutionMode.Fast, new ExecutionPolicy { SplitWorkers = 3, SplitMinimumRows = 1 }),
        new("auto, 2 workers (picks by timing)", 2, ExecutionMode.Auto, new ExecutionPolicy { SplitWorkers = 2, SplitMinimumRows = 1 }),
    ];

    // Small networks and few episodes keep the matrix well under a minute (CI runs the suite five times, once emulated).
    private static readonly TrainerOptions Base = new()
    {
        Seed = 11,
        HiddenSizes = [16],
        BatchEpisodes = 4,
        LearningRate = 0.01,
        MaxUpdates = Updates,
        StopWhenSolved = false,
    };

    private static readonly (string Name, TrainerOptions Options, bool CustomEnvironment)[] Variants =
    [
        ("default", Base, false),
        ("by steps", Base with { BatchSteps = 300 }, false),
        ("dropout", Base with { Dropout = 0.3 }, false),
        ("tanh", Base with { HiddenActivation = Activation.Tanh }, false),
        ("tanh, by steps, 37 hidden units", Base with { HiddenActivation = Activation.Tanh, BatchSteps = 300, HiddenSizes = [37] }, false),
        ("TrainerOptions.Default (4-32-2 tanh, 8 episodes, entropy)", TrainerOptions.Default with
        {
            Seed = 11, MaxUpdates = Updates, StopWhenSolved = false,
        }, false),
        ("ELU", Base with { HiddenActivation = Activation.Elu() }, false),
        ("Bernoulli head", Base with { Head = "bernoulli" }, false),
        ("summed loss", Base with { LossReduction = LossReduction.Sum }, false),
        ("entropy bonus", Base with { EntropyCoefficient = 0.01 }, false),
        ("37 hidden units", Base with { HiddenSizes = [37] }, false),
        ("two hidden layers", Base with { HiddenSizes = [16, 8] }, false),
        ("one episode per update", Base with { BatchEpisodes = 1 }, false),
        ("a custom environment", Base, true),
        ("combined: by steps, dropout, tanh, entropy", Base with { BatchSteps = 700, Dropout = 0.5, HiddenActivation = Activation.Tanh, EntropyCoefficient = 0.01 }, false),
        ("combined: ELU, Bernoulli, summed, two layers, SGD", Base with
        {
            HiddenActivation = Activation.Elu(), Head = "bernoulli", LossReduction = LossReduction.Sum, HiddenSizes = [12, 9], Optimizer = "sgd",
        }, false),
    ];

    public static IEnumerable<TestCaseData> Cases()
    {
        foreach (Engine engine in Engines)
        {
            foreach (var (name, options, custom) in Variants)
            {
                yield return new TestCaseData(engine, options, custom).SetName($"Engine_GivesTheReferenceBits({engine.Name}; {name})");
            }
        }
    }

    [TestCaseSource(nameof(Cases))]
    public void Engine_GivesTheReferenceBits(Engine engine, TrainerOptions options, bool customEnvironment)
    {
        Func<IEnvironment>? factory = customEnvironment ? () => new CartPole(CartPoleVersion.V1) : null;
        var reference = new ReinforceTrainer(options with { Execution = ExecutionMode.Reference }, factory);
        var fast = new ReinforceTrainer(options with { Threads = engine.Threads, Execution = engine.Mode }, factory, engine.Policy);
        Assert.That(fast.Engine, Is.InstanceOf<FastEngine>(), "the engine under test");
        for (int update = 1; update <= Updates; update++)
        {
            UpdateStatistics expected = reference.Update();
            UpdateStatistics actual = fast.Update();
            string mismatches = Mismatches(reference, fast, expected, actual);
            Assert.That(mismatches, Is.Empty, $"after update {update}:\n{mismatches}");
        }
        AssertThePathRan((FastEngine)fast.Engine, engine, fast.Policy, options, customEnvironment);
    }

    // The engine really ran the path its name says, so that a row cannot pass by falling back to another.
    private static void AssertThePathRan(FastEngine engine, Engine row, Policy policy, TrainerOptions options, bool customEnvironment)
    {
        bool severalEpisodes = options.BatchSteps is not null || options.BatchEpisodes > 1;
        bool lockstep = row.Policy.Lockstep && severalEpisodes && !customEnvironment;
        Assert.That(engine.Shape.Lockstep, Is.EqualTo(lockstep), "lockstep");
        Assert.That(engine.Shape.Groups, Is.EqualTo(severalEpisodes ? row.Threads : 1), "rollout workers");
        // The kept activations: with the kept logits, for a tanh hidden layer (every variant's batch is far below the size limit).
        Assert.That(engine.Shape.KeepActivations, Is.EqualTo(engine.Shape.KeepLogits && policy.Network.CanRecordHiddenLayer && row.Policy.KeepActivations != false),
            "kept activations");
        bool splits = row.Policy.SplitWorkers > 1 && policy.Network.LayerCount == 2 && !engine.Shape.KeepLogits;
        Assert.That(engine.SplitWorkers, Is.EqualTo(splits ? row.Policy.SplitWorkers : 1), "workers of the split pass");
        if (splits && row.Policy.Split != SplitUpdateMode.Never)
        {
            // Auto measures the one-worker pass first, then the split, so after two eligible batches both have run.
            Assert.That(engine.SplitChooser!.SplitPasses, Is.GreaterThan(0), "split passes");
            Assert.That(engine.SplitChooser.OneWorkerPasses, Is.EqualTo(row.Mode == ExecutionMode.Auto ? Updates - engine.SplitChooser.SplitPasses : 0),
                "one-worker passes");
        }
    }

    /// <summary>One line per tensor or counter that differs: its name, the largest absolute difference and its first index.</summary>
    internal static string Mismatches(ReinforceTrainer expected, ReinforceTrainer actual, UpdateStatistics expectedUpdate, UpdateStatistics actualUpdate)
    {
        var lines = new List<string>();
        ParameterBuffer e = expected.Policy.Parameters, a = actual.Policy.Parameters;
        foreach (ParameterTensor tensor in e.Tensors)
        {
            Check(tensor.Name, ParameterBuffer.View(e.Values, tensor), ParameterBuffer.View(a.Values, tensor), lines);
            Check($"grad {tensor.Name}", ParameterBuffer.View(e.Gradients, tensor), ParameterBuffer.View(a.Gradients, tensor), lines);
            for (int b = 0; b < expected.Optimizer.StateBuffers.Count; b++)
            {
                var (name, buffer) = expected.Optimizer.StateBuffers[b];
                Check($"{name} {tensor.Name}", ParameterBuffer.View(buffer, tensor),
                    ParameterBuffer.View(actual.Optimizer.StateBuffers[b].Buffer, tensor), lines);
            }
        }
        Counter("updates", expected.UpdatesCompleted, actual.UpdatesCompleted, lines);
        Counter("episodes", expected.EpisodesCompleted, actual.EpisodesCompleted, lines);
        Counter("steps", expected.StepsCompleted, actual.StepsCompleted, lines);
        Counter("optimizer steps", expected.Optimizer.StepCount, actual.Optimizer.StepCount, lines);
        Counter("running reward", BitConverter.DoubleToInt64Bits(expected.RunningReward), BitConverter.DoubleToInt64Bits(actual.RunningReward), lines);
        Counter("loss", BitConverter.DoubleToInt64Bits(expectedUpdate.Loss), BitConverter.DoubleToInt64Bits(actualUpdate.Loss), lines);
        Counter("entropy", BitConverter.DoubleToInt64Bits(expectedUpdate.Entropy), BitConverter.DoubleToInt64Bits(actualUpdate.Entropy), lines);
        return string.Join('\n', lines);
    }

    private static void Check(string name, ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, List<string> lines)
    {
        int first = -1;
        double largest = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
            {
                first = first < 0 ? i : first;
                double difference = Math.Abs((double)expected[i] - actual[i]);
                largest = double.IsNaN(difference) ? double.PositiveInfinity : Math.Max(largest, difference);
            }
        }
        if (first >= 0)
        {
            lines.Add($"{name,-22} max |diff| {largest:G9} first at [{first}]: {expected[first]:G9} expected, {actual[first]:G9}");
        }
    }

    private static void Counter(string name, long expected, long actual, List<string> lines)
    {
        if (expected != actual)
        {
            lines.Add($"{name,-22} {expected} expected, {actual}");
        }
    }
}
