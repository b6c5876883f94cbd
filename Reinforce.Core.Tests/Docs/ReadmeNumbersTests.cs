using System.Globalization;
using Reinforce.NeuralNetworks;
using Reinforce.Returns;
using Reinforce.Statistics;
using Reinforce.Training;

namespace Reinforce.Tests.Docs;

/// <summary>
/// Every number of the README that a command reproduces exactly — episodes, steps, solve counts, medians and IQMs of
/// episodes to solve — is recomputed here and must both come out and be printed in the README as stated. Timings are
/// not (they are the machine's). The numbers were first measured by the commands the README names: the first run by
/// <c>reinforce train</c> (seed 0), the table by <c>tools/choose-default.sh</c> (its stages 3 and 4, seeds 0–999, at most
/// 5,000 episodes, solved by the mean of the last 100 returns). Exact: training is deterministic on every machine.
/// The table's trainings take about a minute of CPU, so the category keeps them out of the slow reruns of CI.
/// </summary>
[TestFixture]
[Category("ReadmeTable")]
public sealed class ReadmeNumbersTests
{
    private static readonly string Readme = File.ReadAllText(Path.Combine(Repository.Root, "README.md"));

    [Test]
    public void TheFirstRun_IsTheDefaultWithSeed0_AsTheReadmePrintsIt()
    {
        var trainer = new ReinforceTrainer(TrainerOptions.Default with { Seed = 0 });
        trainer.Train();
        Assert.Multiple(() =>
        {
            Assert.That((trainer.Solved, trainer.EpisodesCompleted, trainer.StepsCompleted), Is.EqualTo((true, 280L, 64054L)));
            Assert.That((trainer.RunningRewardSolvedAtEpisode, trainer.MeanOfLast100SolvedAtEpisode), Is.EqualTo(((long?)233, (long?)275)));
            Assert.That(Readme, Does.Contain("Solved CartPole-v1 after 280 episodes (64054 steps)"));
            Assert.That(Readme, Does.Contain("running reward > 475.00 at episode 233; mean of the last 100 returns ≥ 475.00 at episode 275"));
            Assert.That(Readme, Does.Contain("solved after 280 episodes, 64,054 steps"));
        });
    }

    /// <summary>The rows of "Choosing the default": solved of 1,000, median and IQM (SciPy's trim_mean(x, 0.25)) of episodes to solve.</summary>
    private static IEnumerable<TestCaseData> Rows()
    {
        TrainerOptions tanh32 = TrainerOptions.Default;
        yield return new TestCaseData(tanh32, 1000, "285", "292.7", "| 1000/1000 [99.6, 100 %] | **285** [275, 295] | 292.7 [285.9, 300.5] |").SetName("TheDefault");
        yield return new TestCaseData(tanh32 with { LearningRate = 0.04, EntropyCoefficient = 0.01 }, 1000, "287", "289.6",
            "| 1000/1000 [99.6, 100 %] | 287 [281, 292] | 289.6 [283.8, 295.0] |").SetName("Lr004Entropy001");
        yield return new TestCaseData(tanh32 with { EntropyCoefficient = 0.01 }, 999, "283", "287.3",
            "| 999/1000 [99.4, 100 %] | 283 [273, 290] | 287.3 [280.6, 294.6] |").SetName("Entropy001");
        yield return new TestCaseData(tanh32 with { LearningRate = 0.03, BatchEpisodes = 4, EntropyCoefficient = 0 }, 997, "247", "254.1",
            "| 997/1000 [99.1, 99.9 %] | 247 [242, 255] | 254.1 [248.6, 260.5] |").SetName("Fastest");
        yield return new TestCaseData(new TrainerOptions { MaxEpisodes = 5000, SolvedBy = SolvedCriterion.MeanOfLast100 }, 999, "315", "317.9",
            "| 999/1000 [99.4, 100 %] | 315 [305, 322] | 317.9 [311.4, 324.6] |").SetName("PreviousDefault");
    }

    [TestCaseSource(nameof(Rows))]
    public void EachRowOfChoosingTheDefault_IsWhatItsConfigurationGivesOnSeeds0To999(TrainerOptions options, int solved, string median, string iqm, string row)
    {
        var episodes = new long?[1000];
        Parallel.For(0, episodes.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, seed =>
        {
            var trainer = new ReinforceTrainer(options with { Seed = (ulong)seed, Threads = 1 });
            trainer.Train();
            episodes[seed] = trainer.MeanOfLast100SolvedAtEpisode;
        });
        double[] solvedAt = [.. episodes.Where(e => e is not null).Select(e => (double)e!.Value)];
        Assert.Multiple(() =>
        {
            Assert.That(solvedAt, Has.Length.EqualTo(solved));
            Assert.That(Descriptive.Median(solvedAt).ToString(CultureInfo.InvariantCulture), Is.EqualTo(median));
            Assert.That(Descriptive.TrimmedMean(solvedAt, 0.25).ToString("0.0", CultureInfo.InvariantCulture), Is.EqualTo(iqm));
            Assert.That(Readme, Does.Contain(row), "the README's row");
        });
    }
}
