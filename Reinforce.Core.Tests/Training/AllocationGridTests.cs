using Reinforce.Execution;
using Reinforce.NeuralNetworks;
using Reinforce.Training;

namespace Reinforce.Tests.Training;

/// <summary>
/// Steady state allocates nothing in any configuration of the named grid: hidden units {8, 32, 128, 2048} × episodes per
/// update {1, 4, 16, 64, 256} × threads {1, 2} with ReLU, and the 32 units with tanh (the default's layer), skipping only the cells the options refuse as too large. Exact: 0 bytes on
/// the calling thread (<see cref="GC.GetAllocatedBytesForCurrentThread"/>) in at least one of three windows of updates,
/// after warm-up updates that grew every buffer: an allocation of the code recurs in every window, while a one-off of the
/// runtime's tiered JIT landing on the test's thread shows in one window only (every window's count is in the message). The fast engine with its choices fixed (<see cref="ExecutionMode.Fast"/>: a two-thread batch of
/// at least the split's minimum rows always splits), so no cell depends on timing. The policy is the untrained one (its
/// episodes are ~10–40 steps), trained on with a learning rate of 1e-6 so that the episodes' lengths, and with them the
/// buffers the batches need, stay in the range the warm-up saw.
/// </summary>
[TestFixture]
[Category(Category)]
public sealed class AllocationGridTests
{
    /// <summary>
    /// The grid's category: .ci/run runs it on x64 with and without AVX-512 and at 16 lanes, and leaves it out of the runs
    /// without intrinsics and under ARM64 emulation, where its large cells take minutes and the engine's paths are the
    /// same ones (the allocation tests of <see cref="AllocationTests"/> still run there).
    /// </summary>
    public const string Category = "AllocationGrid";

    public static IEnumerable<TestCaseData> Cells()
    {
        foreach (int hidden in new[] { 8, 32, 128, 2048 })
        {
            foreach (int episodes in new[] { 1, 4, 16, 64, 256 })
            {
                foreach (int threads in new[] { 1, 2 })
                {
                    yield return new TestCaseData(hidden, episodes, threads, "relu").SetName($"Update_AllocatesNothing_InSteadyState(hidden {hidden}, {episodes} episodes, {threads} thread(s))");
                    if (hidden == 32)
                    {
                        // The default's tanh layer: its one-thread batches keep the rollout's hidden activations too.
                        yield return new TestCaseData(hidden, episodes, threads, "tanh").SetName($"Update_AllocatesNothing_InSteadyState(hidden {hidden} tanh, {episodes} episodes, {threads} thread(s))");
                    }
                }
            }
        }
    }

    [TestCaseSource(nameof(Cells))]
    public void Update_AllocatesNothing_InSteadyState(int hidden, int episodes, int threads, string activation)
    {
        var options = new TrainerOptions
        {
            HiddenSizes = [hidden], HiddenActivation = Activation.Parse(activation), BatchEpisodes = episodes, Threads = threads, Seed = 5, LearningRate = 1e-6,
            MaxEpisodes = null, StopWhenSolved = false, Execution = ExecutionMode.Fast,
        };
        try
        {
            options.Validate();
        }
        catch (ArgumentException refused)
        {
            Assert.Ignore($"the options refuse this cell: {refused.Message}");
        }
        var trainer = new ReinforceTrainer(options);
        int warmup = Math.Max(6, 256 / episodes), measured = Math.Max(4, 64 / episodes);
        for (int u = 0; u < warmup; u++)
        {
            trainer.Update();
        }
        var bytes = new long[3];
        for (int window = 0; window < bytes.Length; window++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int u = 0; u < measured; u++)
            {
                trainer.Update();
            }
            bytes[window] = GC.GetAllocatedBytesForCurrentThread() - before;
        }
        Assert.That(bytes.Min(), Is.Zero, $"bytes allocated by windows of {measured} updates after {warmup}: {string.Join(", ", bytes)}");
    }
}
