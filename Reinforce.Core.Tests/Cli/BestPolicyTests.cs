using System.Globalization;
using Reinforce.Checkpoints;
using Reinforce.Cli;
using Reinforce.Training;

namespace Reinforce.Tests.Cli;

/// <summary>
/// A run that solves and then falls back: its summary says when it solved and where it ended, best.safetensors keeps
/// its best policy (by the mean of the last 100 training returns without --eval-interval, by evaluation with it), the
/// summary points to it when the end is clearly worse, and --resume carries the best over.
/// </summary>
[TestFixture]
public sealed class BestPolicyTests : CliTestBase
{
    // The previous default preset (PreviousDefault) with lr 0.05 on seed 2: solved (running reward) at episode 249, the
    // mean of the last 100 peaks at 481.33 after episode 300 and falls to 176.00 by episode 400. Training's numbers
    // (lines 1–2's counts, the first-solved episodes, the running reward 155.05, the final mean 176.00 and the final
    // policy's eval) were measured with `reinforce train --no-stop-when-solved --max-episodes 400 --lr 0.05 --seed 2` on
    // main (c38017f), when that preset was the default; every one is bit-exact (training is), so the tolerance is none.
    private static readonly string[] Collapsing = CollapsingWith();

    /// <summary>That run with <paramref name="flags"/> replacing the previous default's own (no flag given twice).</summary>
    private static string[] CollapsingWith(params string[] flags) =>
        [.. PreviousDefaultWith(["--lr", "0.05", .. flags]), "--no-stop-when-solved", "--seed", "2", "--quiet"];

    [Test]
    public void ARunThatSolvesThenCollapses_SaysWhenItSolved_AndPointsToItsBestPolicy()
    {
        string run = InFolder("run");

        CliResult result = Run(["train", "--out", run, "--max-episodes", "400", .. Collapsing]);

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        string[] lines = result.OutputLines;
        Assert.That(lines, Has.Length.EqualTo(5), result.ToString());
        Assert.That(lines[0], Does.Match(@"^Solved CartPole-v1 at episode 249 \(running reward > 475\.00\); after 400 episodes \(117714 steps\) in [0-9.]+ m?s the running reward is 155\.05, below the threshold$"));
        Assert.That(lines[1], Is.EqualTo("First solved: running reward > 475.00 at episode 249; mean of the last 100 returns ≥ 475.00 at episode 294"));
        Assert.That(lines[2], Is.EqualTo($"Best policy (mean of the last 100 training returns 481.33, episodes 201–300, update 75) → {run}/best.safetensors"));
        Assert.That(lines[3], Is.EqualTo("The final policy is worse than the best: the mean of the last 100 training returns is 176.00, 305.33 below " +
            $"(more than 10 % of the threshold); play the best with reinforce eval {run} --best or reinforce render {run} --best"));
        Assert.That(lines[4], Is.EqualTo($"Run folder: {run}"));

        // The best, derived again from episodes.csv: the highest mean of the last 100 returns at an update's end, the earliest of equal ones.
        var (mean, update, last) = BestFromEpisodes(run);
        Assert.That((mean, update, last), Is.EqualTo((481.33, 75, 300L)));
        TrainingCheckpoint best = TrainingCheckpoint.Load(Path.Combine(run, "best.safetensors"));
        Assert.That(best.Extra["cli.best.rule"], Is.EqualTo("train_mean100"));
        Assert.That(best.Extra["cli.best.update"], Is.EqualTo("75"));
        Assert.That(best.Extra["cli.best.train_mean100"], Is.EqualTo(mean.ToString("R", CultureInfo.InvariantCulture)));
        Assert.That(best.Extra["cli.best.first_episode"], Is.EqualTo("201"));
        Assert.That(best.Extra["cli.best.last_episode"], Is.EqualTo("300"));
        Assert.That((best.Progress.UpdatesCompleted, best.Progress.EpisodesCompleted), Is.EqualTo((75, 300L)), "the policy at the end of update 75");
        // The run's checkpoint records the best so far for --resume.
        TrainingCheckpoint final = TrainingCheckpoint.Load(Path.Combine(run, "checkpoint.safetensors"));
        Assert.That(final.Extra["cli.best_so_far.train_mean100"], Is.EqualTo("481.33"));
        Assert.That(final.Extra["cli.best_so_far.update"], Is.EqualTo("75"));
        Assert.That(final.Extra["cli.best_so_far.last_episode"], Is.EqualTo("300"));

        // eval --best plays it, and it scores higher than the final policy: greedy, 100 episodes, seed 0. The final
        // policy's 171.45 was measured on main; the best's 249.42 with `reinforce eval RUN --best --episodes 100` on this branch.
        CliResult playBest = Run("eval", run, "--best", "--episodes", "100");
        CliResult playFinal = Run("eval", run, "--episodes", "100");
        Assert.That(playBest.Output, Does.Contain("greedy policy from " + Path.Combine(run, "best.safetensors")));
        Assert.That(playBest.OutputLines[1], Does.StartWith("return  mean 249.42 "));
        Assert.That(playFinal.OutputLines[1], Does.StartWith("return  mean 171.45 "));
        Assert.That(Run("render", run, "--best", "--out", InFolder("best.svg")).ExitCode, Is.Zero);
    }

    [Test]
    public void SolvedByTheMeanOfTheLast100_TheEndIsWordedByThatRule()
    {
        // The same training (--solved-by only decides when a run stops, and this one does not): solved by the mean at episode 294.
        CliResult result = Run(["train", "--out", InFolder("run"), "--max-episodes", "400", .. CollapsingWith("--solved-by", "mean100")]);

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.OutputLines[0], Does.Match(@"^Solved CartPole-v1 at episode 294 \(mean of the last 100 returns ≥ 475\.00\); after 400 episodes \(117714 steps\) in [0-9.]+ m?s the mean of the last 100 returns is 176\.00, below the threshold$"));
        Assert.That(result.OutputLines[2], Does.StartWith("Best policy (mean of the last 100 training returns 481.33, episodes 201–300, update 75)"));
    }

    [TestCase(280, TestName = "Resume_BeforeTheBest_KeepsTheBestAsTheUninterruptedRunDoes")]
    [TestCase(320, TestName = "Resume_AfterTheBest_CarriesTheBestOver")]
    public void Resume_KeepsTheBest(int stopAt)
    {
        string whole = InFolder("whole"), split = InFolder("split");
        CliResult uninterrupted = Run(["train", "--out", whole, "--max-episodes", "400", .. Collapsing]);
        Assert.That(Run(["train", "--out", split, "--max-episodes", stopAt.ToString(CultureInfo.InvariantCulture), .. Collapsing]).ExitCode, Is.Zero);

        CliResult resumed = Run("train", "--resume", split, "--max-episodes", "400");

        Assert.That(resumed.ExitCode, Is.Zero, resumed.ToString());
        Assert.That(resumed.Error, Does.Not.Contain("afresh"));
        // Tolerance: bit-exact — the same policy, moments and counters (the wall time in its metadata differs).
        Assert.That(Weights(split, "best.safetensors"), Is.EqualTo(Weights(whole, "best.safetensors")));
        Assert.That(resumed.OutputLines[2..4], Is.EqualTo(uninterrupted.OutputLines[2..4].Select(l => l.Replace(whole, split))));
        TrainingCheckpoint best = TrainingCheckpoint.Load(Path.Combine(split, "best.safetensors"));
        Assert.That(best.Extra["cli.best.update"], Is.EqualTo("75"));
    }

    [Test]
    public void Resume_AfterAKillBetweenTheBestAndTheCheckpoint_AcceptsTheLaterBest_AndWritesItAgain()
    {
        // At 280 episodes the best is update 70's (447.27) and the end is not worse: no line says so.
        string whole = InFolder("whole"), killed = InFolder("killed");
        Assert.That(Run(["train", "--out", whole, "--max-episodes", "400", .. Collapsing]).ExitCode, Is.Zero);
        CliResult early = Run(["train", "--out", killed, "--max-episodes", "280", .. Collapsing]);
        Assert.That(early.OutputLines[2], Does.StartWith("Best policy (mean of the last 100 training returns 447.27, episodes 181–280, update 70)"));
        Assert.That(early.Output, Does.Not.Contain("worse"));
        // A kill after best.safetensors (update 75) was written and before the checkpoint that records it.
        File.Copy(Path.Combine(whole, "best.safetensors"), Path.Combine(killed, "best.safetensors"), overwrite: true);

        CliResult resumed = Run("train", "--resume", killed, "--max-episodes", "400", "--quiet");

        Assert.That(resumed.ExitCode, Is.Zero, resumed.ToString());
        Assert.That(Weights(killed, "best.safetensors"), Is.EqualTo(Weights(whole, "best.safetensors")));
        Assert.That(resumed.OutputLines[2], Does.StartWith("Best policy (mean of the last 100 training returns 481.33, episodes 201–300, update 75)"));
    }

    [Test]
    public void Resume_OfACheckpointWithoutTheRecord_TracksTheBestAfresh_AndSaysSo()
    {
        // A run folder written before this tracking existed: no record in its checkpoint, no best.safetensors.
        string run = InFolder("run");
        Assert.That(Run(["train", "--out", run, "--max-episodes", "320", .. Collapsing]).ExitCode, Is.Zero);
        string checkpoint = Path.Combine(run, "checkpoint.safetensors");
        EditSafetensors(checkpoint, header =>
        {
            var metadata = header["__metadata__"]!.AsObject();
            foreach (string key in metadata.Select(kv => kv.Key).Where(k => k.StartsWith("cli.best_so_far.", StringComparison.Ordinal)).ToList())
            {
                metadata.Remove(key);
            }
        });
        File.Delete(Path.Combine(run, "best.safetensors"));

        CliResult resumed = Run("train", "--resume", run, "--max-episodes", "400", "--log-interval", "100");

        Assert.That(resumed.ExitCode, Is.Zero, resumed.ToString());
        Assert.That(resumed.ErrorLines[1], Is.EqualTo(
            "This checkpoint holds no best mean of the last 100 training returns (it predates best.safetensors without --eval-interval): the best policy is tracked afresh from update 80."));
        // Afresh from the resumed policy: the mean after episode 320 (437.95, from episodes.csv) is the highest from there on.
        Assert.That(resumed.OutputLines[2], Does.StartWith("Best policy (mean of the last 100 training returns 437.95, episodes 221–320, update 80)"));
        Assert.That(TrainingCheckpoint.Load(Path.Combine(run, "best.safetensors")).Progress.UpdatesCompleted, Is.EqualTo(80));
    }

    [Test]
    public void Resume_WithoutItsBestFile_TracksAfresh_AndSaysSo()
    {
        string run = InFolder("run");
        Assert.That(Run(["train", "--out", run, "--max-episodes", "320", .. Collapsing]).ExitCode, Is.Zero);
        File.Delete(Path.Combine(run, "best.safetensors"));

        CliResult resumed = Run("train", "--resume", run, "--max-episodes", "324", "--log-interval", "100");

        Assert.That(resumed.ExitCode, Is.Zero, resumed.ToString());
        Assert.That(resumed.ErrorLines[1], Is.EqualTo(
            "best.safetensors is missing, though the checkpoint records a best policy at update 75: the best policy is tracked afresh from update 80."));
        Assert.That(TrainingCheckpoint.Load(Path.Combine(run, "best.safetensors")).Progress.UpdatesCompleted, Is.EqualTo(80));
    }

    [Test]
    public void Resume_WithEvaluation_KeepsTheBestByEvaluationFromThen_AndSaysSo()
    {
        string run = InFolder("run");
        Assert.That(Run(["train", "--out", run, "--max-episodes", "320", .. Collapsing]).ExitCode, Is.Zero);

        CliResult resumed = Run("train", "--resume", run, "--max-episodes", "340", "--eval-interval", "5", "--eval-episodes", "2", "--log-interval", "100");

        Assert.That(resumed.ExitCode, Is.Zero, resumed.ToString());
        Assert.That(resumed.ErrorLines[1], Is.EqualTo("From now on best.safetensors is the best evaluation (--eval-interval): the first one replaces " +
            "the best by the mean of the last 100 training returns (481.33, episodes 201–300)."));
        TrainingCheckpoint best = TrainingCheckpoint.Load(Path.Combine(run, "best.safetensors"));
        Assert.That(best.Extra["cli.best.rule"], Is.EqualTo("eval"));
        Assert.That(resumed.Output, Does.Contain("Best policy (evaluation mean return "));
        Assert.That(TrainingCheckpoint.Load(Path.Combine(run, "checkpoint.safetensors")).Extra.Keys, Has.None.StartsWith("cli.best_so_far."),
            "an evaluated run keeps its best in eval.csv");
    }

    [TestCase("cli.best_so_far.train_mean100", "fast", "cli.best_so_far.train_mean100 metadata 'fast' is not accepted")]
    [TestCase("cli.best_so_far.train_mean100", "NaN", "a mean return in [1, 500]")]
    [TestCase("cli.best_so_far.train_mean100", "500.5", "a mean return in [1, 500]")]
    [TestCase("cli.best_so_far.train_mean100", "none", "no entry when cli.best_so_far.train_mean100 is 'none'")]
    [TestCase("cli.best_so_far.train_mean100", "100", "at least the mean of the checkpoint's last 100 returns")]
    [TestCase("cli.best_so_far.update", "0", "an update in [1, 80]")]
    [TestCase("cli.best_so_far.update", "81", "an update in [1, 80]")]
    [TestCase("cli.best_so_far.update", "20", "an update after which 100 episodes exist")]
    [TestCase("cli.best_so_far.last_episode", "299", "the last episode of update 75, in [300, 300]")]
    [TestCase("cli.best_so_far.last_episode", "", "the last episode of update 75")]
    [Category(CliRobustness)]
    public void Resume_RefusesABestRecordThatCannotBe_BeforeTouchingTheFolder(string key, string value, string expected)
    {
        string run = InFolder("run");
        Assert.That(Run(["train", "--out", run, "--max-episodes", "320", .. Collapsing]).ExitCode, Is.Zero);
        SetMetadata(Path.Combine(run, "checkpoint.safetensors"), key, value);
        string[] before = Snapshot(Folder);

        AssertUsageError(Run("train", "--resume", run, "--quiet"), expected);
        Assert.That(Snapshot(Folder), Is.EqualTo(before), "nothing changed");
    }

    [Test]
    [Category(CliRobustness)]
    public void Resume_RefusesABestFileThatIsNotTheRecordedBest()
    {
        string run = InFolder("run");
        Assert.That(Run(["train", "--out", run, "--max-episodes", "320", .. Collapsing]).ExitCode, Is.Zero);
        File.Copy(Path.Combine(run, "checkpoint.safetensors"), Path.Combine(run, "best.safetensors"), overwrite: true);
        string[] before = Snapshot(Folder);

        AssertUsageError(Run("train", "--resume", run, "--quiet"),
            "best.safetensors' ('' at update '') is not the best policy the checkpoint records (mean of the last 100 training returns 481.33 at update 75); move it away to resume");
        Assert.That(Snapshot(Folder), Is.EqualTo(before), "nothing changed");
    }

    [Test]
    public void ARunOfFewerThan100Episodes_KeepsNoTrainingMeanBest_AndItsResumeStartsOneAt100()
    {
        string run = InFolder("run");

        CliResult result = Run(["train", .. PreviousDefault, "--out", run, "--max-episodes", "96", "--quiet"]);

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(File.Exists(Path.Combine(run, "best.safetensors")), Is.False);
        Assert.That(result.Output, Does.Not.Contain("Best policy"));
        Assert.That(TrainingCheckpoint.Load(Path.Combine(run, "checkpoint.safetensors")).Extra["cli.best_so_far.train_mean100"], Is.EqualTo("none"));
        AssertUsageError(Run("eval", run, "--best"), "has no best.safetensors; a run keeps one once it has 100 episodes");

        // Resumed to 120 episodes (measured on this branch; 129.36 is the mean of the last 100 returns main prints for the same
        // run, when PreviousDefault was the default).
        CliResult resumed = Run("train", "--resume", run, "--max-episodes", "120", "--quiet");

        Assert.That(resumed.ExitCode, Is.Zero, resumed.ToString());
        Assert.That(resumed.OutputLines[1], Does.EndWith("not yet (now 129.36)"));
        Assert.That(resumed.OutputLines[2], Is.EqualTo($"Best policy (mean of the last 100 training returns 129.36, episodes 21–120, update 30) → {run}/best.safetensors"));
        Assert.That(BestFromEpisodes(run), Is.EqualTo((129.36, 30, 120L)));
    }

    [Test]
    public void ADefaultRun_StopsOnSolving_AndPrintsWhatItPrintedBefore()
    {
        string run = InFolder("run");

        CliResult result = Run("train", "--out", run, "--quiet");

        // The three lines `reinforce train --out run --quiet` prints with the default preset (TrainerOptions.Default: 4-32-2
        // tanh, lr 0.05, 8 episodes per update, discounted returns, entropy 0.02, solved by the mean of the last 100
        // returns), but for the time, measured with that command on branch repin: no line about the best policy, since a
        // run that stops on solving ends on the policy that solved it. It stops at the end of update 35 (episode 280), the
        // first update to end with the mean of the last 100 returns at or above 475 (it first reached it at episode 275).
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.OutputLines, Has.Length.EqualTo(3), result.ToString());
        Assert.That(result.OutputLines[0], Does.Match(@"^Solved CartPole-v1 after 280 episodes \(64054 steps\) in [0-9.]+ m?s \(mean of the last 100 returns 484\.33 ≥ 475\.00\)$"));
        Assert.That(result.OutputLines[1], Is.EqualTo("First solved: running reward > 475.00 at episode 233; mean of the last 100 returns ≥ 475.00 at episode 275"));
        Assert.That(result.OutputLines[2], Is.EqualTo($"Run folder: {run}"));
        Assert.That(result.Error, Is.Empty);
        // The best is still kept: the mean rose to the end (484.33 after update 35, episodes 181–280).
        TrainingCheckpoint best = TrainingCheckpoint.Load(Path.Combine(run, "best.safetensors"));
        Assert.That((best.Extra["cli.best.update"], best.Extra["cli.best.train_mean100"]), Is.EqualTo(("35", "484.33")));
    }

    [Test]
    public void WithEvaluation_ALastEvaluationFarBelowTheBest_IsSaid()
    {
        string run = InFolder("run");

        CliResult result = Run(["train", "--out", run, "--max-episodes", "400", "--eval-interval", "5", .. Collapsing]);

        // eval.csv's means (10 greedy episodes every 5 updates) reach 500 first at update 30 and end at 169.6 at update 100
        // (measured with this command on this branch; eval.csv's rows are those main writes).
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.OutputLines[2], Is.EqualTo($"Best policy (evaluation mean return 500.00, update 30) → {run}/best.safetensors"));
        Assert.That(result.OutputLines[3], Does.StartWith("The last evaluation is worse than the best: mean return 169.60 at update 100, 330.40 below (more than 10 % of the threshold)"));
        var rows = LearningCurve.ReadCsv(Path.Combine(run, "eval.csv"), ["update", "mean_return"]);
        Assert.That(rows.First(r => r["mean_return"] == rows.Max(m => m["mean_return"]))["update"], Is.EqualTo(30));
        TrainingCheckpoint best = TrainingCheckpoint.Load(Path.Combine(run, "best.safetensors"));
        Assert.That((best.Extra["cli.best.rule"], best.Extra["cli.best.update"]), Is.EqualTo(("eval", "30")));
    }

    // The highest mean of the last 100 returns at an update's end (the earliest of equal ones), from episodes.csv:
    // integer returns, so any order of summation gives the same mean.
    private static (double Mean, int Update, long LastEpisode) BestFromEpisodes(string run)
    {
        var rows = LearningCurve.ReadCsv(Path.Combine(run, "episodes.csv"), ["episode", "update", "return"], optional: ["length", "wall_seconds"]);
        (double Mean, int Update, long LastEpisode) best = (double.NegativeInfinity, 0, 0);
        for (int i = ReinforceTrainer.SolvedWindowEpisodes - 1; i < rows.Count; i++)
        {
            bool updateEnds = i == rows.Count - 1 || rows[i + 1]["update"] != rows[i]["update"];
            double mean = rows.Skip(i + 1 - ReinforceTrainer.SolvedWindowEpisodes).Take(ReinforceTrainer.SolvedWindowEpisodes).Sum(r => r["return"]) / ReinforceTrainer.SolvedWindowEpisodes;
            if (updateEnds && mean > best.Mean)
            {
                best = (mean, (int)rows[i]["update"], (long)rows[i]["episode"]);
            }
        }
        return best;
    }
}
