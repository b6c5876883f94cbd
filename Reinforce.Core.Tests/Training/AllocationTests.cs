using Reinforce.Environments;
using Reinforce.Execution;
using Reinforce.Execution.Fast;
using Reinforce.Execution.Split;
using Reinforce.NeuralNetworks;
using Reinforce.Optimizers;
using Reinforce.Policies;
using Reinforce.Randomness;
using Reinforce.Training;

namespace Reinforce.Tests.Training;

/// <summary>
/// The hot path allocates nothing in steady state: bytes allocated on this thread
/// (<see cref="GC.GetAllocatedBytesForCurrentThread"/>) must not change across the measured calls,
/// after warm-up calls have grown every buffer and JIT-compiled every method. Exact: 0 bytes (for the
/// trainer's update: 0 bytes in at least one of five windows, see AllocatedPerWindow).
/// </summary>
public class AllocationTests
{
    /// <summary>
    /// Bytes allocated by <paramref name="windows"/> windows of <paramref name="calls"/> calls each, after
    /// <paramref name="warmup"/> calls. The hot path must allocate nothing in at least one window: an allocation of
    /// the code under test recurs in every window, while a one-off of the runtime (seen about twice in ten runs of
    /// the whole suite on a loaded 2-core machine and under ARM64 emulation, during a trainer update: tiered JIT work
    /// landing on the test's thread) shows in one window only. Every window's count is in the failure message.
    /// </summary>
    private static long[] AllocatedPerWindow(Action call, int warmup = 5, int windows = 5, int calls = 20)
    {
        for (int i = 0; i < warmup; i++)
        {
            call();
        }
        var bytes = new long[windows];
        for (int w = 0; w < windows; w++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < calls; i++)
            {
                call();
            }
            bytes[w] = GC.GetAllocatedBytesForCurrentThread() - before;
        }
        return bytes;
    }

    [Test]
    public void TrainerUpdate_AllocatesNothing_InSteadyState()
    {
        var trainer = new ReinforceTrainer(new TrainerOptions { Seed = 3, BatchEpisodes = 2 });

        long[] bytes = AllocatedPerWindow(() => trainer.Update());

        Assert.That(bytes.Min(), Is.Zero, $"bytes per window: {string.Join(", ", bytes)}");
    }

    /// <summary>
    /// A batch of several episodes is collected in lockstep (a VectorCartPole of lanes, one batched forward per step):
    /// by episodes (above) and by steps, where lanes take new episode indices as they finish, still 0 bytes.
    /// </summary>
    [Test]
    public void TrainerUpdate_InLockstepBySteps_AllocatesNothing_InSteadyState()
    {
        var trainer = new ReinforceTrainer(new TrainerOptions { Seed = 3, BatchSteps = 600 });
        Assert.That(((FastEngine)trainer.Engine).Shape.Lockstep, Is.True);

        long[] bytes = AllocatedPerWindow(() => trainer.Update());

        Assert.That(bytes.Min(), Is.Zero, $"bytes per window: {string.Join(", ", bytes)}");
    }

    /// <summary>
    /// Two workers, each running a lockstep group over its share of 16 episodes, then the update in 128-row chunks:
    /// 0 bytes on the calling thread (worker 0's group runs on it). However slow the machine, no update starts a thread:
    /// the helpers are started with the trainer and never end while it is in use (the two tests below wait through the
    /// idle periods that used to end a helper, and so re-create it on the calling thread, on a loaded machine).
    /// </summary>
    [Test]
    public void TrainerUpdate_OnTwoWorkers_AllocatesNothing_InSteadyState()
    {
        var trainer = new ReinforceTrainer(new TrainerOptions { Seed = 3, BatchEpisodes = 16, Threads = 2 });

        long[] bytes = AllocatedPerWindow(() => trainer.Update());

        Assert.That(bytes.Min(), Is.Zero, $"bytes per window: {string.Join(", ", bytes)}");
    }

    /// <summary>
    /// Two workers with the gradient pass split across them for every batch (layer 1 and the backward by hidden units,
    /// layer 2 and the head by rows): 0 bytes on the calling thread, also with dropout (the masks' columns per worker).
    /// </summary>
    [TestCase(0.0)]
    [TestCase(0.6)]
    public void TrainerUpdate_WithTheSplitPass_AllocatesNothing_InSteadyState(double dropout)
    {
        var trainer = new ReinforceTrainer(new TrainerOptions { Seed = 3, BatchEpisodes = 16, Threads = 2, Dropout = dropout, Execution = ExecutionMode.Fast },
            null, new ExecutionPolicy { SplitWorkers = 2, SplitMinimumRows = 1 });
        Assert.That(((FastEngine)trainer.Engine).SplitWorkers, Is.EqualTo(2), "the pass is split");

        long[] bytes = AllocatedPerWindow(() => trainer.Update());

        Assert.That(bytes.Min(), Is.Zero, $"bytes per window: {string.Join(", ", bytes)}");
    }

    /// <summary>
    /// Parallel rollouts on two workers whose helper has waited a whole idle period (<see cref="ParallelRollouts.IdleChecks"/>,
    /// shortened to 1 ms) before every batch — what a slow update on a loaded machine does to it: 0 bytes on the calling thread.
    /// Worker 0's first episode of each batch waits until the helper has finished one, so both workers run in every batch.
    /// </summary>
    [Test]
    public void ParallelRollouts_AfterTheirHelperHasIdled_AllocateNothing()
    {
        const int episodes = 8;
        var policy = Policy.Create(4, [8], Activation.ReLU, new CategoricalHead(2), new Pcg64(1));
        int helperEpisodes = 0;
        RolloutWorker Worker(bool caller) => new(new CartPole(), policy.Network.CreateWorkspace(1), 2, new EpisodeBatch(4, 64, episodes),
            (worker, batch, episode) =>
            {
                if (caller)
                {
                    while (Volatile.Read(ref helperEpisodes) == 0)
                    {
                        Thread.Yield();
                    }
                }
                for (int t = 0; t < 3; t++)
                {
                    batch.NextObservation().Fill((float)episode);
                    batch.CommitStep(0, 1f);
                }
                batch.EndEpisode();
                if (!caller)
                {
                    Interlocked.Increment(ref helperEpisodes);
                }
            });
        var rollouts = new ParallelRollouts([Worker(caller: true), Worker(caller: false)], idleCheckMilliseconds: 1);
        var collected = new EpisodeBatch(4, 64 * 2, episodes);
        long first = 0;
        void CollectAfterAnIdlePeriod()
        {
            int seen = rollouts.IdleChecks;
            while (rollouts.IdleChecks == seen)
            {
                Thread.Sleep(1);
            }
            Volatile.Write(ref helperEpisodes, 0);
            rollouts.Collect(first, episodes, null, collected);
            first += episodes;
        }

        long[] bytes = AllocatedPerWindow(CollectAfterAnIdlePeriod);

        Assert.That(bytes.Min(), Is.Zero, $"bytes per window: {string.Join(", ", bytes)}");
        Assert.That(collected.Episodes, Is.EqualTo(episodes));
    }

    /// <summary>
    /// The split gradient pass on two workers whose helper has waited a whole idle period (<see cref="SplitUpdate.IdleChecks"/>,
    /// shortened to 1 ms) before every pass: 0 bytes on the calling thread.
    /// </summary>
    [Test]
    public void SplitUpdate_AfterItsHelperHasIdled_AllocatesNothing()
    {
        var policy = Policy.Create(4, [64], Activation.ReLU, new CategoricalHead(2), new Pcg64(1));
        const int rows = 200;
        float[] states = TestSupport.TestData.Uniform(4 * rows, 1), weights = TestSupport.TestData.Uniform(rows, 2);
        int[] actions = Enumerable.Range(0, rows).Select(t => t % 2).ToArray();
        var split = new SplitUpdate(policy, 2, 64, idleCheckMilliseconds: 1);
        void PassAfterAnIdlePeriod()
        {
            int seen = split.IdleChecks;
            while (split.IdleChecks == seen)
            {
                Thread.Sleep(1);
            }
            split.AccumulateGradients(states, actions, weights, 0.01f);
        }

        long[] bytes = AllocatedPerWindow(PassAfterAnIdlePeriod);

        Assert.That(bytes.Min(), Is.Zero, $"bytes per window: {string.Join(", ", bytes)}");
    }

    /// <summary>With dropout the rollout also draws and stores masks, and the update applies them: still 0 bytes.</summary>
    [Test]
    public void TrainerUpdate_WithDropout_AllocatesNothing_InSteadyState()
    {
        var trainer = new ReinforceTrainer(new TrainerOptions { Seed = 3, BatchEpisodes = 2, Dropout = 0.6 });

        long[] bytes = AllocatedPerWindow(() => trainer.Update());

        Assert.That(bytes.Min(), Is.Zero, $"bytes per window: {string.Join(", ", bytes)}");
    }

    /// <summary>
    /// The update from the rollout's kept logits: the lockstep groups also copy each step's logits into their episode
    /// buffers, and the update reads them, on one worker and on two: still 0 bytes.
    /// </summary>
    [TestCase(1)]
    [TestCase(2)]
    public void TrainerUpdate_FromTheKeptLogits_AllocatesNothing_InSteadyState(int threads)
    {
        var trainer = new ReinforceTrainer(new TrainerOptions { Seed = 3, BatchEpisodes = 4, Threads = threads, Dropout = 0.2 }, null,
            new ExecutionPolicy { KeepLogits = true });
        Assert.That(((FastEngine)trainer.Engine).Shape.KeepLogits, Is.True);

        long[] bytes = AllocatedPerWindow(() => trainer.Update());

        Assert.That(bytes.Min(), Is.Zero, $"bytes per window: {string.Join(", ", bytes)}");
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

    /// <summary>The fused ReLU kernels of the update (first-layer forward + ReLU, dA₁ + ReLU backward, and their
    /// fallbacks for other widths), T = 500: 0 bytes in at least one window (AllocatedPerWindow: a one-off of the
    /// tiered JIT on this thread showed once in a window here).</summary>
    [TestCase(4, 128, 2)]
    [TestCase(32, 40, 12)]
    public void FusedReluKernels_AllocateNothing(int inputs, int hidden, int outputs)
    {
        const int batch = 500;
        float[] x = new float[batch * inputs], w1 = new float[hidden * inputs], b1 = new float[hidden], z = new float[batch * hidden];
        float[] a = new float[batch * hidden], dy = new float[batch * outputs], w2 = new float[outputs * hidden], dz = new float[batch * hidden];
        void Call()
        {
            Reinforce.Numerics.SimdKernels.MatMulTransposedBRelu(x, w1, b1, batch, z, a);
            Reinforce.Numerics.SimdKernels.MatMulReluBackward(dy, w2, z, batch, dz);
        }
        long[] bytes = AllocatedPerWindow(Call);
        Assert.That(bytes.Min(), Is.Zero, $"bytes per window: {string.Join(", ", bytes)}");
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
