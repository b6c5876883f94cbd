using Reinforce.Cli;
using Reinforce.Environments;
using Reinforce.NeuralNetworks;
using Reinforce.Optimizers;
using Reinforce.Policies;
using Reinforce.Randomness;
using Reinforce.Reference;
using Reinforce.Returns;
using Reinforce.Tests.Docs;
using Reinforce.Tests.Training;
using Reinforce.Training;

namespace Reinforce.Tests.Reference;

/// <summary>
/// The reference (plain scalar code in <c>Reinforce.Core/Reference/</c>) gives today's trainer's numbers. Tolerance: none —
/// every float is compared as a bit pattern. The expected numbers come from two places: the golden runs' pinned hashes
/// (<see cref="GoldenRunTests"/>, the fast trainer's output on x86-64), and a <see cref="ReinforceTrainer"/> run side by
/// side with the same options. The reference has no vector code, so it is the same bits under any
/// <c>DOTNET_EnableHWIntrinsic</c> or vector width.
/// </summary>
[TestFixture]
public sealed class ReferenceEngineTests
{
    private const int Updates = 3;

    /// <summary>A reference built as <see cref="ReinforceTrainer"/>'s constructor builds its policy and optimizer.</summary>
    private sealed class ReferenceRun
    {
        public ReferenceRun(TrainerOptions options)
        {
            IEnvironment environment = CartPole.Create(options.EnvironmentId, options.Integrator, options.SuttonBartoReward, options.MaxEpisodeSteps);
            int maxEpisodeSteps = options.MaxEpisodeSteps ?? environment.MaxEpisodeSteps!.Value;
            PolicyHead head = PolicyHead.Create(options.Head, environment.ActionCount);
            Policy = Policy.Create(environment.ObservationSize, options.HiddenSizes, options.HiddenActivation, head,
                new Pcg64(options.Seed), options.Initialization, options.Dropout);
            Optimizer = Optimizer.Create(options.Optimizer, Policy.Parameters.Length, options.LearningRate);
            Engine = new ReferenceEngine(options, Policy, environment, maxEpisodeSteps);
        }

        public Policy Policy { get; }

        public Optimizer Optimizer { get; }

        public ReferenceEngine Engine { get; }

        public long Episodes { get; private set; }

        public long Steps { get; private set; }

        public void Update()
        {
            Engine.Update(Episodes, Optimizer);
            Episodes += Engine.Batch.Episodes;
            Steps += Engine.Batch.Steps;
        }
    }

    [TestCaseSource(typeof(GoldenRunTests), nameof(GoldenRunTests.Runs))]
    public void Reference_GivesTheGoldenRunsWeights(string preset, int updates, long episodes, long steps, ulong weightsHash)
    {
        TrainerOptions options = Preset.Find(preset)!.Options with { MaxUpdates = updates, MaxEpisodes = null, StopWhenSolved = false };
        var run = new ReferenceRun(options);
        for (int u = 0; u < updates; u++)
        {
            run.Update();
        }
        ulong hash = GoldenRunTests.Fnv1a64(run.Policy.Parameters.Values);
        TestContext.Out.WriteLine($"{preset}: {run.Episodes} episodes, {run.Steps} steps, weights 0x{hash:X16}");
        Assert.That((run.Episodes, run.Steps, $"0x{hash:X16}"), Is.EqualTo((episodes, steps, $"0x{weightsHash:X16}")));
    }

    private static readonly TrainerOptions Small = new()
    {
        Seed = 11, HiddenSizes = [16], BatchEpisodes = 3, MaxEpisodes = null, StopWhenSolved = false,
    };

    private static TrainerOptions Variant(string name) => name switch
    {
        "small" => Small,
        "batch-steps" => Small with { BatchSteps = 150 },
        "dropout" => Small with { Dropout = 0.3 },
        "tanh" => Small with { HiddenActivation = Activation.Tanh },
        "elu" => Small with { HiddenActivation = Activation.Elu() },
        "leaky-relu" => Small with { HiddenActivation = Activation.LeakyReLU() },
        "bernoulli" => Small with { Head = "bernoulli" },
        "summed-loss" => Small with { LossReduction = LossReduction.Sum, LearningRate = 0.002 },
        "entropy" => Small with { EntropyCoefficient = 0.05 },
        "37-hidden" => Small with { HiddenSizes = [37] },
        "two-hidden" => Small with { HiddenSizes = [40, 12], Dropout = 0.2, HiddenActivation = Activation.Tanh },
        "sgd" => Small with { Optimizer = "sgd", LearningRate = 0.05 },
        "baseline-per-episode" => Small with { Baseline = true, Normalization = Normalization.PerEpisode },
        "discounted" => Small with { Returns = ReturnKind.Discounted, Gamma = 0.95, Normalization = Normalization.None, LearningRate = 0.001 },
        _ => throw new ArgumentException(name),
    };

    /// <summary>
    /// After three updates every tensor is the trainer's bit for bit — the weights, the gradients of the last update and
    /// Adam's two moments — and so are the episode, step and optimizer-step counters. (Two hidden layers: 40 inputs to
    /// the second layer put its dot products through a full 32-lane block and a tail; 37 does the same for the logits.)
    /// </summary>
    [TestCase("small")]
    [TestCase("batch-steps")]
    [TestCase("dropout")]
    [TestCase("tanh")]
    [TestCase("elu")]
    [TestCase("leaky-relu")]
    [TestCase("bernoulli")]
    [TestCase("summed-loss")]
    [TestCase("entropy")]
    [TestCase("37-hidden")]
    [TestCase("two-hidden")]
    [TestCase("sgd")]
    [TestCase("baseline-per-episode")]
    [TestCase("discounted")]
    public void Reference_GivesTheTrainersTensorsBitForBit(string variant)
    {
        TrainerOptions options = Variant(variant);
        var trainer = new ReinforceTrainer(options);
        var run = new ReferenceRun(options);
        for (int u = 0; u < Updates; u++)
        {
            trainer.Update();
            run.Update();
        }

        var lines = new List<string>();
        bool equal = Compare("values", run.Policy.Parameters, run.Policy.Parameters.Values, trainer.Policy.Parameters.Values, lines);
        equal &= Compare("gradients", run.Policy.Parameters, run.Policy.Parameters.Gradients, trainer.Policy.Parameters.Gradients, lines);
        for (int b = 0; b < trainer.Optimizer.StateBuffers.Count; b++)
        {
            equal &= Compare(trainer.Optimizer.StateBuffers[b].Name, run.Policy.Parameters, run.Optimizer.StateBuffers[b].Buffer,
                trainer.Optimizer.StateBuffers[b].Buffer, lines);
        }
        foreach (string line in lines)
        {
            TestContext.Out.WriteLine(line);
        }
        Assert.Multiple(() =>
        {
            Assert.That(equal, Is.True, string.Join(Environment.NewLine, lines));
            Assert.That((run.Episodes, run.Steps, run.Optimizer.StepCount),
                Is.EqualTo((trainer.EpisodesCompleted, trainer.StepsCompleted, trainer.Optimizer.StepCount)));
        });
    }

    // One line per named tensor of one buffer: the largest |reference − trainer| and the first index whose bits differ.
    private static bool Compare(string buffer, ParameterBuffer layout, float[] reference, float[] trainer, List<string> lines)
    {
        bool equal = true;
        foreach (ParameterTensor tensor in layout.Tensors)
        {
            ReadOnlySpan<float> x = ParameterBuffer.View(reference, tensor), y = ParameterBuffer.View(trainer, tensor);
            double largest = 0;
            int first = -1;
            for (int i = 0; i < x.Length; i++)
            {
                if (BitConverter.SingleToUInt32Bits(x[i]) != BitConverter.SingleToUInt32Bits(y[i]))
                {
                    first = first < 0 ? i : first;
                    largest = Math.Max(largest, Math.Abs((double)x[i] - y[i]));
                }
            }
            equal &= first < 0;
            lines.Add(first < 0
                ? $"{buffer} {tensor.Name}: bit-equal"
                : $"{buffer} {tensor.Name}: max |Δ| = {largest:G9}, first differing index {first}");
        }
        return equal;
    }

    /// <summary>
    /// A steady-state reference update allocates 0 bytes on this thread (<see cref="GC.GetAllocatedBytesForCurrentThread"/>):
    /// after two warm-up updates, at least one of five measured updates allocates nothing (a one-off of the runtime, such as
    /// tiered JIT work on this thread, shows in one measurement only; an allocation of the update recurs in all).
    /// </summary>
    [Test]
    public void ReferenceUpdate_AllocatesNothing_InSteadyState()
    {
        var run = new ReferenceRun(Small with { Dropout = 0.2 });
        run.Update();
        run.Update();
        var bytes = new long[5];
        for (int w = 0; w < bytes.Length; w++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            run.Update();
            bytes[w] = GC.GetAllocatedBytesForCurrentThread() - before;
        }
        Assert.That(bytes.Min(), Is.Zero, $"bytes per update: {string.Join(", ", bytes)}");
    }

    /// <summary>
    /// The reference stays a reference: at most 6 files and 800 lines in Reinforce.Core/Reference (doc comments
    /// included), and none of the fast path's means — no vector types or intrinsics, no Unsafe, no threads or timing,
    /// and no call into the SIMD kernels or the network's and heads' own forward, backward and sampling.
    /// </summary>
    [Test]
    public void TheReferenceFolder_IsSmallAndPlainScalarCode()
    {
        string[] files = Directory.GetFiles(Path.Combine(Repository.Root, "Reinforce.Core", "Reference"), "*.cs");
        string[] forbidden =
        [
            "Vector<", "Vector128", "Vector256", "Vector512", "System.Numerics", "Intrinsics", "Unsafe", "System.Threading",
            "Thread", "Task", "Parallel", "Stopwatch", "SimdKernels", "ScalarKernels", "ScalarMath", "ElementWise.", "Dense.",
            ".Forward(", ".Backward(", ".Sample(", "LossAndGradient(", "Dropout.DrawMask",
        ];
        var found = new List<string>();
        foreach (string file in files)
        {
            string text = File.ReadAllText(file);
            found.AddRange(forbidden.Where(word => text.Contains(word, StringComparison.Ordinal)).Select(word => $"{Path.GetFileName(file)}: {word}"));
        }
        int lines = files.Sum(file => File.ReadAllLines(file).Length);
        Assert.Multiple(() =>
        {
            Assert.That(files, Has.Length.InRange(1, 6));
            Assert.That(lines, Is.AtMost(800));
            Assert.That(found, Is.Empty);
        });
    }
}
