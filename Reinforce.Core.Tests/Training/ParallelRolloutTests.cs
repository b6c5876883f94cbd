using System.Runtime.CompilerServices;
using Reinforce.Environments;
using Reinforce.Execution.Fast;
using Reinforce.NeuralNetworks;
using Reinforce.Policies;
using Reinforce.Randomness;
using Reinforce.Training;

namespace Reinforce.Tests.Training;

/// <summary>
/// Parallel rollouts give the sequential run bit for bit (tolerance: none; float bit patterns and counters must be
/// equal): episode k always uses stream k of the seed and the batch keeps the episodes the sequential rule keeps,
/// whatever the number of workers. Expected values come from the same run with <c>Threads = 1</c>.
/// </summary>
[TestFixture]
public sealed class ParallelRolloutTests
{
    private const int Updates = 6;

    private static TrainerOptions ByEpisodes(int threads) => new()
    {
        Seed = 2024,
        HiddenSizes = [16],
        BatchEpisodes = 7,
        MaxUpdates = Updates,
        StopWhenSolved = false,
        Threads = threads,
    };

    private static TrainerOptions BySteps(int threads) => ByEpisodes(threads) with { BatchSteps = 300 };

    [TestCase(2)]
    [TestCase(3)]
    public void Train_ByEpisodes_GivesTheSequentialRunBitForBit(int threads)
        => AssertSameRun(ByEpisodes(1), ByEpisodes(threads));

    [TestCase(2)]
    [TestCase(3)]
    public void Train_BySteps_GivesTheSequentialRunBitForBit(int threads)
        => AssertSameRun(BySteps(1), BySteps(threads));

    /// <summary>With dropout every step also draws its masks from the episode's stream: the masks, and so the run, are the same whoever runs the episode.</summary>
    [TestCase(2, false)]
    [TestCase(3, true)]
    public void Train_WithDropout_GivesTheSequentialRunBitForBit(int threads, bool bySteps)
    {
        TrainerOptions options = (bySteps ? BySteps(1) : ByEpisodes(1)) with { Dropout = 0.6 };
        AssertSameRun(options, options with { Threads = threads });
    }

    [Test]
    public void Train_BySteps_KeepsTheSequentialPrefix_WhenEpisodesAreLongAndTheTargetSmall()
    {
        // A batch target below one episode's length: the sequential loop keeps exactly one episode per batch,
        // while idle workers have already started the next ones.
        TrainerOptions options = BySteps(1) with { BatchSteps = 5, HiddenSizes = [8] };
        AssertSameRun(options, options with { Threads = 3 });
    }

    [Test]
    public void Train_WithAnEnvironmentFactory_GivesEachWorkerItsOwnEnvironment()
    {
        var created = new List<IEnvironment>();
        IEnvironment Factory()
        {
            var environment = new CartPole(CartPoleVersion.V0);
            lock (created)
            {
                created.Add(environment);
            }
            return environment;
        }
        var sequential = new ReinforceTrainer(ByEpisodes(1), () => new CartPole(CartPoleVersion.V0));
        var parallel = new ReinforceTrainer(ByEpisodes(3), Factory);
        sequential.Train();
        parallel.Train();

        Assert.That(created.Distinct().Count(), Is.EqualTo(3));
        AssertSameState(parallel, sequential);
    }

    [Test]
    public void Update_WithThreads_ThrowsTheWorkersException()
    {
        var trainer = new ReinforceTrainer(ByEpisodes(2), () => new FailingEnvironment());
        Assert.That(() => trainer.Update(), Throws.InvalidOperationException.With.Message.Contains("failing environment"));
    }

    /// <summary>
    /// The helper threads hold their rollouts only weakly between batches: once nothing else refers to them the collector
    /// reclaims them (and the helpers, which look every <see cref="ParallelRollouts.IdleCheckMilliseconds"/>, then end).
    /// Collected again until reclaimed: a helper holds them strongly for a moment at each of its checks.
    /// </summary>
    [Test]
    public void ParallelRollouts_OnceAbandoned_AreCollected()
    {
        WeakReference rollouts = UsedAndAbandonedRollouts();

        Assert.That(CollectedWithin(rollouts, attempts: 100), Is.True);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference UsedAndAbandonedRollouts()
    {
        var policy = Policy.Create(4, [8], Activation.ReLU, new CategoricalHead(2), new Pcg64(1));
        RolloutWorker Worker() => new(new CartPole(), policy.Network.CreateWorkspace(1), 2, new EpisodeBatch(4, 16, 4),
            static (worker, batch, episode) =>
            {
                batch.NextObservation().Clear();
                batch.CommitStep(0, 1f);
                batch.EndEpisode();
            });
        var rollouts = new ParallelRollouts([Worker(), Worker(), Worker()]);
        rollouts.Collect(0, 4, null, new EpisodeBatch(4, 16, 4));
        return new WeakReference(rollouts);
    }

    internal static bool CollectedWithin(WeakReference target, int attempts)
    {
        for (int i = 0; i < attempts && target.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            if (target.IsAlive)
            {
                Thread.Sleep(10);
            }
        }
        return !target.IsAlive;
    }

    private static void AssertSameRun(TrainerOptions sequentialOptions, TrainerOptions parallelOptions)
    {
        var sequential = new ReinforceTrainer(sequentialOptions);
        var parallel = new ReinforceTrainer(parallelOptions);
        for (int update = 0; update < Updates; update++)
        {
            UpdateStatistics expected = sequential.Update();
            UpdateStatistics actual = parallel.Update();
            Assert.That(actual.EpisodeLengths.ToArray(), Is.EqualTo(expected.EpisodeLengths.ToArray()).AsCollection, $"update {update + 1}");
            Assert.That(Bits(parallel.LastBatch.Observations.ToArray()), Is.EqualTo(Bits(sequential.LastBatch.Observations.ToArray())).AsCollection);
            Assert.That(parallel.LastBatch.Actions.ToArray(), Is.EqualTo(sequential.LastBatch.Actions.ToArray()).AsCollection);
            Assert.That(Bits(parallel.LastBatch.DropoutMasks.ToArray()), Is.EqualTo(Bits(sequential.LastBatch.DropoutMasks.ToArray())).AsCollection);
        }
        AssertSameState(parallel, sequential);
    }

    private static void AssertSameState(ReinforceTrainer actual, ReinforceTrainer expected)
    {
        Assert.Multiple(() =>
        {
            Assert.That(actual.EpisodesCompleted, Is.EqualTo(expected.EpisodesCompleted));
            Assert.That(actual.StepsCompleted, Is.EqualTo(expected.StepsCompleted));
            Assert.That(BitConverter.DoubleToInt64Bits(actual.RunningReward), Is.EqualTo(BitConverter.DoubleToInt64Bits(expected.RunningReward)));
            Assert.That(Bits(actual.Policy.Parameters.Values), Is.EqualTo(Bits(expected.Policy.Parameters.Values)).AsCollection);
            for (int i = 0; i < expected.Optimizer.StateBuffers.Count; i++)
            {
                Assert.That(Bits(actual.Optimizer.StateBuffers[i].Buffer), Is.EqualTo(Bits(expected.Optimizer.StateBuffers[i].Buffer)).AsCollection);
            }
        });
    }

    private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();

    private sealed class FailingEnvironment : IEnvironment
    {
        public string Id => "Failing-v0";
        public int ObservationSize => 4;
        public int ActionCount => 2;
        public int? MaxEpisodeSteps => 10;
        public double? RewardThreshold => null;
        public void Reset(Span<float> observation, long? seed = null) => observation.Clear();
        public StepResult Step(int action, Span<float> observation) => throw new InvalidOperationException("failing environment");
    }
}
