using Reinforce.Environments;
using Reinforce.NeuralNetworks;
using Reinforce.Optimizers;
using Reinforce.Policies;
using Reinforce.Randomness;
using Reinforce.Training;

namespace Reinforce.Tests.Training;

/// <summary>
/// The hot path allocates nothing in steady state: bytes allocated on this thread
/// (<see cref="GC.GetAllocatedBytesForCurrentThread"/>) must not change across the measured calls,
/// after warm-up calls have grown every buffer and JIT-compiled every method. Exact: 0 bytes.
/// </summary>
public class AllocationTests
{
    /// <summary>
    /// Twenty updates allocate nothing. The runtime itself occasionally allocates on the calling thread while the
    /// tiered JIT promotes the methods of a long-running loop (seen as 1,912 bytes once in a full suite run, and under
    /// ARM64 emulation, never when the test runs alone), so up to five windows of twenty updates are measured and one
    /// of them must allocate nothing; an allocation in the update itself would show in every window.
    /// </summary>
    [Test]
    public void TrainerUpdate_AllocatesNothing_InSteadyState()
    {
        var trainer = new ReinforceTrainer(new TrainerOptions { Seed = 3, BatchEpisodes = 2 });
        for (int i = 0; i < 5; i++)
        {
            trainer.Update();
        }
        var windows = new List<long>();
        for (int window = 0; window < 5 && (windows.Count == 0 || windows[^1] != 0); window++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 20; i++)
            {
                trainer.Update();
            }
            windows.Add(GC.GetAllocatedBytesForCurrentThread() - before);
        }
        Assert.That(windows, Has.Some.Zero, $"bytes allocated per window of 20 updates: {string.Join(", ", windows)}");
    }

    [Test]
    public void PolicyActAndEnvironmentStep_AllocateNothing()
    {
        var policy = Policy.Create(4, [128], Activation.ReLU, new CategoricalHead(2), new Pcg64(1));
        var env = new CartPole();
        var rng = new Pcg64(2);
        float[] observation = new float[4];
        env.Reset(observation, 0);
        policy.Act(observation, rng);
        policy.ActGreedy(observation);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            if (env.Step(policy.Act(observation, rng), observation).IsDone)
            {
                env.Reset(observation, i);
            }
        }
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }

    [Test]
    public void AdamStep_AllocatesNothing()
    {
        var adam = new Adam(10_000, 1e-3);
        float[] parameters = new float[10_000], gradients = new float[10_000];
        adam.Step(parameters, gradients);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++)
        {
            adam.Step(parameters, gradients);
        }
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }
}
