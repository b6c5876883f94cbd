using System.Globalization;
using Reinforce.Checkpoints;
using Reinforce.Cli;

namespace Reinforce.Tests.Cli;

/// <summary>
/// What <c>reinforce train</c> reports besides training: evaluation during training (eval.csv, best.safetensors,
/// --best), "solved" by both rules, warnings for flags without effect, and the progress display at a terminal.
/// </summary>
[TestFixture]
public sealed class TrainReportingTests : CliTestBase
{
    [Test]
    public void EvaluationDuringTraining_ChangesNoTrainingNumber_AndKeepsTheBestPolicy()
    {
        string plain = InFolder("plain"), evaluated = InFolder("evaluated");
        string[] run = ["--max-updates", "12", "--seed", "2", "--quiet"];
        Assert.That(Run(["train", "--out", plain, .. run]).ExitCode, Is.Zero);

        CliResult result = Run(["train", "--out", evaluated, "--eval-interval", "3", "--eval-episodes", "4", .. run]);

        // Tolerance: bit-exact — evaluation plays its own environment on its own seeds and does not touch the trainer.
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(Weights(evaluated), Is.EqualTo(Weights(plain)));
        Assert.That(MetricsWithoutWallTime(evaluated), Is.EqualTo(MetricsWithoutWallTime(plain)));
        Assert.That(EpisodesWithoutWallTime(evaluated), Is.EqualTo(EpisodesWithoutWallTime(plain)));

        var rows = LearningCurve.ReadCsv(Path.Combine(evaluated, "eval.csv"), ["update", "eval_episodes", "mean_return"]);
        Assert.That(rows.Select(r => r["update"]), Is.EqualTo(new[] { 3.0, 6, 9, 12 }));
        Assert.That(rows.Select(r => r["eval_episodes"]), Has.All.EqualTo(4.0));
        // The best is the highest mean, the earliest of equal ones.
        double best = rows.Max(r => r["mean_return"]);
        double bestUpdate = rows.First(r => r["mean_return"] == best)["update"];
        TrainingCheckpoint kept = TrainingCheckpoint.Load(Path.Combine(evaluated, "best.safetensors"));
        Assert.That(kept.Progress.UpdatesCompleted, Is.EqualTo((int)bestUpdate));
        Assert.That(double.Parse(kept.Extra["cli.best.eval_mean"], CultureInfo.InvariantCulture), Is.EqualTo(best));
        Assert.That(result.Output, Does.Contain($"Best policy (evaluation mean return {best.ToString("0.00", CultureInfo.InvariantCulture)}, update {bestUpdate}) → "));
        Assert.That(kept.Extra["cli.best.rule"], Is.EqualTo("eval"));
    }

    [Test]
    public void EvalAndRender_WithBest_PlayTheBestPolicy_AndWithoutOne_SayHowToGetIt()
    {
        string run = InFolder("run"), plain = InFolder("plain");
        Assert.That(Run("train", "--out", run, "--max-updates", "4", "--eval-interval", "2", "--eval-episodes", "3", "--quiet").ExitCode, Is.Zero);
        Assert.That(Run("train", "--out", plain, "--max-updates", "1", "--quiet").ExitCode, Is.Zero);

        CliResult eval = Run("eval", run, "--best", "--episodes", "3");
        CliResult render = Run("render", run, "--best", "--out", InFolder("best.svg"));

        Assert.That(eval.ExitCode, Is.Zero, eval.ToString());
        Assert.That(eval.Output, Does.Contain("best.safetensors"));
        Assert.That(render.ExitCode, Is.Zero, render.ToString());
        AssertUsageError(Run("eval", plain, "--best"), "has no best.safetensors; a run keeps one once it has 100 episodes (with --eval-interval N: from its first evaluation)");
        AssertUsageError(Run("eval", Path.Combine(run, "checkpoint.safetensors"), "--best"), "--best needs a run folder");
        AssertUsageError(Run("render", "--baseline", "--best"), "cannot be given with --baseline");
    }

    [Test]
    public void Resume_KeepsEvaluating_AsTheUninterruptedRunDid()
    {
        string whole = InFolder("whole"), split = InFolder("split");
        Assert.That(Run("train", "--out", whole, "--max-updates", "8", "--eval-interval", "2", "--eval-episodes", "3", "--quiet").ExitCode, Is.Zero);
        Assert.That(Run("train", "--out", split, "--max-updates", "3", "--eval-interval", "2", "--eval-episodes", "3", "--quiet").ExitCode, Is.Zero);

        CliResult resumed = Run("train", "--resume", split, "--max-updates", "8", "--quiet");

        Assert.That(resumed.ExitCode, Is.Zero, resumed.ToString());
        Assert.That(File.ReadAllText(Path.Combine(split, "eval.csv")), Is.EqualTo(File.ReadAllText(Path.Combine(whole, "eval.csv"))));
        Assert.That(File.ReadAllBytes(Path.Combine(split, "best.safetensors")).Length, Is.GreaterThan(0));
        Assert.That(Weights(split, "best.safetensors"), Is.EqualTo(Weights(whole, "best.safetensors")));
    }

    [Test]
    public void SolvedByTheMeanOfTheLast100_StopsThere_AndBothRulesAreReported()
    {
        string running = InFolder("running"), mean = InFolder("mean");

        CliResult byRunning = Run("train", "--out", running, "--quiet");
        CliResult byMean = Run("train", "--out", mean, "--solved-by", "mean100", "--quiet");

        Assert.That(byRunning.ExitCode, Is.Zero, byRunning.ToString());
        Assert.That(byMean.ExitCode, Is.Zero, byMean.ToString());
        Assert.That(byMean.OutputLines[0], Does.Contain("(mean of the last 100 returns").And.Contain("≥ 475.00)"));
        long stoppedAt = TrainingCheckpoint.Load(Path.Combine(mean, "checkpoint.safetensors")).Progress.EpisodesCompleted;
        Assert.That(byMean.OutputLines[1], Does.Match($@"mean of the last 100 returns ≥ 475\.00 at episode \d+$"));
        Assert.That(stoppedAt, Is.GreaterThanOrEqualTo(100), "Gymnasium's rule needs 100 episodes");
        Assert.That(byRunning.OutputLines[1], Does.StartWith("First solved: running reward > 475.00 at episode"));
    }

    [Test]
    public void NoStopWhenSolved_StillSaysWhenTheRunWasFirstSolved()
    {
        string run = InFolder("run");

        CliResult result = Run("train", "--out", run, "--no-stop-when-solved", "--max-episodes", "600", "--quiet");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.OutputLines[0], Does.Contain("after 600 episodes"));
        Assert.That(result.OutputLines[1], Does.Match(@"^First solved: running reward > 475\.00 at episode \d{3}; mean of the last 100 returns ≥ 475\.00 "));
    }

    [TestCase("--gamma|0.5", "--gamma has no effect here: only discounted returns use γ")]
    [TestCase("--normalize|none|--normalize-eps|1e-3", "--normalize-eps has no effect here")]
    [TestCase("--baseline", "--baseline has no effect here: normalising the weights (batch)")]
    [TestCase("--hidden|none|--activation|tanh", "--activation has no effect here: a linear policy")]
    [TestCase("--hidden|none|--dropout|0.5", "--dropout has no effect here")]
    [TestCase("--batch-episodes|1|--threads|2", "--threads has no effect here: a batch of one episode")]
    [TestCase("--quiet|--log-interval|5", "--log-interval has no effect with --quiet")]
    [TestCase("--eval-episodes|5", "--eval-episodes has no effect without --eval-interval")]
    public void AFlagWithoutEffect_IsWarnedAbout_InOneLine_AndTheRunGoesOn(string arguments, string warning)
    {
        CliResult result = Run(["train", "--out", InFolder("run"), "--max-updates", "1", "--quiet", .. PreviousDefaultWith(arguments.Split('|'))]);

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.ErrorLines, Has.Exactly(1).Contains("warning:").And.Contains(warning));
    }

    [Test]
    public void AFlagWithEffect_IsNotWarnedAbout()
    {
        CliResult result = Run("train", "--out", InFolder("run"), "--max-updates", "1", "--quiet", "--returns", "discounted", "--gamma", "0.5",
            "--normalize", "none", "--baseline", "--threads", "2", "--batch-episodes", "2");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Error, Does.Not.Contain("warning"));
    }

    [Test]
    public void TheEquivalentCommand_ShowsOnlyEffectiveValues()
    {
        string defaults = TrainCommand.CommandLine(new Reinforce.Training.TrainerOptions(), null); // reward-to-go: γ unused
        string discounted = TrainCommand.CommandLine(new Reinforce.Training.TrainerOptions { Returns = Reinforce.Returns.ReturnKind.Discounted }, null);

        Assert.That(defaults, Does.Not.Contain("--gamma"));
        Assert.That(discounted, Does.Contain("--gamma 0.99"));
        Assert.That(TrainCommand.CommandLine(new Reinforce.Training.TrainerOptions { HiddenSizes = [] }, null), Does.Not.Contain("--activation"));
    }

    /// <summary>
    /// At a terminal without --log-interval: a status line rewritten in place, and a line kept every
    /// <see cref="ProgressDisplay.KeptLineEvery"/>. The display's clock is stepped 1 s per update
    /// (<see cref="CliContext.ProgressClock"/>), so exactly updates 5, 10, …, 40 keep a line, whatever the machine's speed.
    /// </summary>
    [Test]
    public void AtATerminal_WithoutLogInterval_OneStatusLineIsRewrittenInPlace_AndALineIsKeptEvery5Seconds()
    {
        (int exit, string error, string[] kept) = AtATerminal(60, [.. PreviousDefault, "--max-updates", "40"]);

        Assert.That(exit, Is.Zero, error);
        Assert.That(kept.Where(line => line.StartsWith("update", StringComparison.Ordinal)).Select(line => line[..12]),
            Is.EqualTo(Enumerable.Range(1, 8).Select(k => $"update {5 * k,5}")), "not one line per update: a line kept every 5 s, and the last");
        Assert.That(error, Does.Contain("\r"), "the status line is rewritten in place between them");
        Assert.That(kept.Where(line => !line.StartsWith('→')), Has.All.Length.LessThan(60), "every line fits a 60-column terminal (but the folder's path)");
        Assert.That(kept[^1], Does.StartWith("update    40"), "the last update is kept");
    }

    /// <summary>
    /// At a terminal with --log-interval N: a line kept every N updates, and the last, whatever the clock says (stepped
    /// 1 s per update, so the 5 s rule would keep 5, 10, …); the status line in between.
    /// </summary>
    [TestCase(1, new[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 })]
    [TestCase(3, new[] { 3, 6, 9, 12 })]
    [TestCase(7, new[] { 7, 12 })]
    public void AtATerminal_LogInterval_KeepsALineEveryNUpdates(int interval, int[] keptUpdates)
    {
        (int exit, string error, string[] kept) = AtATerminal(80, "--max-updates", "12", "--log-interval", interval.ToString(CultureInfo.InvariantCulture));

        Assert.That(exit, Is.Zero, error);
        Assert.That(kept.Where(line => line.StartsWith("update", StringComparison.Ordinal)).Select(line => line[..12]),
            Is.EqualTo(keptUpdates.Select(k => $"update {k,5}")));
        Assert.That(error.Contains('\r', StringComparison.Ordinal), Is.EqualTo(interval > 1), "a status line only between kept lines");
    }

    // Trains at a terminal of the given width with the display's clock stepped 1 s per update; the lines kept (the text
    // after each line's last carriage return, the erase sequence removed).
    private (int Exit, string Error, string[] Kept) AtATerminal(int columns, params string[] flags)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int ticks = 0;
        var context = new CliContext(stdout, stderr, CancellationToken.None, Style.None, Style.None, ErrorTerminalWidth: columns)
        {
            ProgressClock = () => TimeSpan.FromSeconds(++ticks),
        };
        int exit = Reinforce.Cli.Cli.Run(["train", "--out", InFolder("run"), .. flags], context);
        string[] kept = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line[(line.LastIndexOf('\r') + 1)..].Replace("\u001b[K", "", StringComparison.Ordinal)).ToArray();
        return (exit, stderr.ToString(), kept);
    }

    /// <summary>
    /// One format for the rate at every magnitude: three significant digits, an SI suffix from 1,000 on. Expected strings
    /// by hand from that rule, at each rounding boundary (999.5 rounds up into the next unit; tolerance: exact strings).
    /// </summary>
    [TestCase(0, "0")]
    [TestCase(818.4, "818")]
    [TestCase(999.4, "999")]
    [TestCase(999.5, "1.00k")]
    [TestCase(8_182, "8.18k")]
    [TestCase(9_994, "9.99k")]
    [TestCase(9_995, "10.0k")]
    [TestCase(12_345, "12.3k")]
    [TestCase(99_949, "99.9k")]
    [TestCase(99_950, "100k")]
    [TestCase(101_000, "101k")]
    [TestCase(320_080, "320k")]
    [TestCase(999_499, "999k")]
    [TestCase(999_500, "1.00M")]
    [TestCase(3_200_000, "3.20M")]
    [TestCase(1_234_567_890, "1.23G")]
    public void Compact_IsOneFormatForTheRate_AtMostFiveCharacters(double rate, string expected)
    {
        Assert.That(ProgressDisplay.Compact(rate), Is.EqualTo(expected));
        Assert.That(expected, Has.Length.LessThanOrEqualTo(5));
    }

    [Test]
    public void Fit_DropsWholeFields_HighestRankFirst_AndNeverCutsOne()
    {
        ProgressDisplay.Field[] fields = [new("update 5", 0), new("episode 20", 2), new("running 12.0/475", 1), new("\u001b[32m1,234 steps\u001b[0m", 3)];

        // "update 5 · episode 20 · running 12.0/475 · 1,234 steps" takes 54 columns, colour taking none; dropping 1,234 steps
        // (rank 3) leaves 40, then episode 20 (rank 2) leaves 27, then only update 5 (rank 0, always kept) is left.
        Assert.That(ProgressDisplay.Fit(fields, " · ", 55), Is.EqualTo("update 5 · episode 20 · running 12.0/475 · \u001b[32m1,234 steps\u001b[0m"));
        Assert.That(ProgressDisplay.Fit(fields, " · ", 54), Is.EqualTo("update 5 · episode 20 · running 12.0/475"));
        Assert.That(ProgressDisplay.Fit(fields, " · ", 41), Is.EqualTo("update 5 · episode 20 · running 12.0/475"));
        Assert.That(ProgressDisplay.Fit(fields, " · ", 40), Is.EqualTo("update 5 · running 12.0/475"));
        Assert.That(ProgressDisplay.Fit(fields, " · ", 27), Is.EqualTo("update 5"));
        Assert.That(ProgressDisplay.Fit(fields, " · ", 5), Is.EqualTo("update 5"), "the first field stays, even wider than the terminal");
        Assert.That(ProgressDisplay.Duration(TimeSpan.FromSeconds(3725)), Is.EqualTo("1:02:05"));
        Assert.That(ProgressDisplay.Duration(TimeSpan.FromSeconds(65)), Is.EqualTo("1:05"));
    }

    /// <summary>The run's first line: unchanged when it fits; else wrapped between clauses, then the folder on its own line, nothing dropped.</summary>
    [Test]
    public void Header_WrapsBetweenClauses_AndKeepsTheSeedAndTheFolder()
    {
        const string what = "Training CartPole-v1, 4-128-2 relu, categorical, adam lr 0.015, 4 episode(s) per update, seed 0";

        Assert.That(ProgressDisplay.Header(what, "runs/a", null), Is.EqualTo(what + " → runs/a"), "piped: one line");
        Assert.That(ProgressDisplay.Header(what, "runs/a", 120), Is.EqualTo(what + " → runs/a"), "it fits 119 columns (104)");
        Assert.That(ProgressDisplay.Header(what, "runs/a", 80), Is.EqualTo(
            "Training CartPole-v1, 4-128-2 relu, categorical, adam lr 0.015,\n  4 episode(s) per update, seed 0 → runs/a"));
        Assert.That(ProgressDisplay.Header(what, "runs/a-folder-with-a-long-name", 40), Is.EqualTo(
            "Training CartPole-v1, 4-128-2 relu,\n  categorical, adam lr 0.015,\n  4 episode(s) per update, seed 0\n→ runs/a-folder-with-a-long-name"));
        Assert.That(ProgressDisplay.Header("Resuming at update 12 (episode 48): CartPole-v1, seed 0", "r", 30), Is.EqualTo(
            "Resuming at update 12\n  (episode 48): CartPole-v1,\n  seed 0 → r"), "a clause wider than a line breaks at its spaces");
    }
}
