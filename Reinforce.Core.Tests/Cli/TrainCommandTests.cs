using System.Xml.Linq;
using Reinforce.Checkpoints;

namespace Reinforce.Tests.Cli;

/// <summary><c>reinforce train</c>: presets, the run folder, resume, Ctrl-C and divergence, driven in-process.</summary>
[TestFixture]
public sealed class TrainCommandTests : CliTestBase
{
    private static readonly string[] Presets =
        ["default", "pytorch-example", "pytorch-reinforce", "practical-rl", "gymnasium-torch", "handson-keras", "spinningup-simple", "spinningup-rtg"];

    [TestCaseSource(nameof(Presets))]
    public void EachPreset_TrainsAFewUpdates_AndWritesACompleteRunFolder(string preset)
    {
        string run = InFolder("run");

        CliResult result = Run("train", "--preset", preset, "--max-updates", "2", "--out", run, "--quiet");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        TrainingCheckpoint checkpoint = TrainingCheckpoint.Load(Path.Combine(run, "checkpoint.safetensors"));
        // best.safetensors once 100 episodes exist (the spinningup presets' ≥ 5000-step batches have them after 2 updates).
        string[] best = checkpoint.Progress.EpisodesCompleted >= 100 ? ["best.safetensors"] : [];
        Assert.That(Directory.GetFiles(run).Select(Path.GetFileName).Order(StringComparer.Ordinal),
            Is.EqualTo((string[])[".reinforce-run", .. best, "checkpoint.safetensors", "config.json", "episodes.csv", "learning-curve.svg", "metrics.csv", "monitor.csv", "reproducibility.json"]));
        Assert.That(Directory.Exists(run + ".partial"), Is.False);
        // Header + one row per update.
        Assert.That(File.ReadAllLines(Path.Combine(run, "metrics.csv")), Has.Length.EqualTo(3));
        Assert.That(checkpoint.Progress.UpdatesCompleted, Is.EqualTo(2));
        Assert.That(checkpoint.Extra["cli.preset"], Is.EqualTo(preset));
        Assert.That(() => XDocument.Parse(File.ReadAllText(Path.Combine(run, "learning-curve.svg"))), Throws.Nothing);
    }

    /// <summary>A run's time reads in milliseconds below a second, never "0.0 s"; from a second on, in seconds to a tenth.</summary>
    [TestCase(0.0, "1 ms")]
    [TestCase(0.0004, "1 ms")]
    [TestCase(0.0126, "13 ms")]
    [TestCase(0.2, "200 ms")]
    [TestCase(0.9994, "999 ms")]
    [TestCase(1.0, "1.0 s")]
    [TestCase(12.345, "12.3 s")]
    public void Elapsed_IsMillisecondsBelowASecond(double seconds, string expected) =>
        Assert.That(Reinforce.Cli.TrainingRun.Elapsed(seconds), Is.EqualTo(expected));

    [Test]
    public void Default_SolvesCartPoleV1_AndPrintsOnlyResultsOnStdout()
    {
        string run = InFolder("run");

        CliResult result = Run("train", "--out", run);

        // The default preset with seed 0 solves (measured: README, "Choosing the default"; 100/100 seeds).
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.OutputLines, Has.Length.EqualTo(3));
        Assert.That(result.OutputLines[0], Does.Match(@"^Solved CartPole-v1 after \d+ episodes \(\d+ steps\) in (\d+ ms|\d+\.\d s)"));
        Assert.That(result.OutputLines[1], Does.Match(@"^First solved: running reward > 475\.00 at episode \d+; mean of the last 100 returns ≥ 475\.00 (at episode \d+|not yet)"));
        Assert.That(result.OutputLines[2], Is.EqualTo($"Run folder: {run}"));
        Assert.That(result.ErrorLines.Skip(1), Has.All.Match(@"^update +\d+ +episodes"), "stderr: a header line, then progress lines");
        Assert.That(result.Error, Does.Not.Contain("\u001b["), "no colour when the writer is not a terminal");
    }

    /// <summary>
    /// The pytorch-reinforce preset logs as reinforce.py does: every 10th episode, f'Episode {i}\tLast reward: {R:.2f}\tAverage
    /// reward: {running:.2f}' — checked against episodes.csv and the recursion r ← 0.95·r + 0.05·R from 10 (exact text).
    /// Its run folder records the dropout (config.json, the checkpoint's options and its 0./3. names).
    /// </summary>
    [Test]
    public void PyTorchReinforcePreset_LogsTheScriptsLine_AndRecordsItsDropout()
    {
        string run = InFolder("run");

        CliResult result = Run("train", "--preset", "pytorch-reinforce", "--max-episodes", "30", "--out", run);

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        double[] returns = [.. File.ReadAllLines(Path.Combine(run, "episodes.csv")).Skip(1)
            .Select(line => double.Parse(line.Split(',')[2], System.Globalization.CultureInfo.InvariantCulture))];
        var expected = new List<string>();
        double running = 10;
        for (int i = 1; i <= returns.Length; i++)
        {
            running = 0.95 * running + 0.05 * returns[i - 1];
            if (i % 10 == 0)
            {
                expected.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Episode {i}\tLast reward: {returns[i - 1]:0.00}\tAverage reward: {running:0.00}"));
            }
        }
        Assert.That(result.ErrorLines.Skip(1), Is.EqualTo(expected), "stderr: the header line, then the script's lines");
        Assert.That(File.ReadAllText(Path.Combine(run, "config.json")), Does.Contain("\"dropout\": 0.6"));
        TrainingCheckpoint checkpoint = TrainingCheckpoint.Load(Path.Combine(run, "checkpoint.safetensors"));
        Assert.That(checkpoint.Options.Dropout, Is.EqualTo(0.6));
        Assert.That(checkpoint.Parameters.Select(t => t.Name), Is.EqualTo(new[] { "0.weight", "0.bias", "3.weight", "3.bias" }));
    }

    [Test]
    public void DropoutFlag_OverridesThePreset_AndTheEquivalentCommandRepeatsIt()
    {
        string run = InFolder("run");

        CliResult result = Run("train", "--dropout", "0.25", "--hidden", "8,8", "--max-updates", "1", "--out", run, "--quiet");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        string config = File.ReadAllText(Path.Combine(run, "config.json"));
        Assert.That(config, Does.Contain("--dropout 0.25").And.Contain("\"dropout\": 0.25"));
        Assert.That(TrainingCheckpoint.Load(Path.Combine(run, "checkpoint.safetensors")).Parameters.Select(t => t.Name),
            Is.EqualTo(new[] { "0.weight", "0.bias", "3.weight", "3.bias", "6.weight", "6.bias" }));
    }

    [Test]
    public void ConfigJson_HoldsEnoughToRerun_AndRerunningGivesTheSameWeights()
    {
        string first = InFolder("first"), second = InFolder("second");
        Assert.That(Run("train", "--preset", "handson-keras", "--max-updates", "3", "--seed", "5", "--out", first, "--quiet").ExitCode, Is.Zero);

        CliResult rerun = Run("train", "--config", Path.Combine(first, "config.json"), "--out", second, "--quiet");

        // Tolerance: bit-exact — same configuration and seed.
        Assert.That(rerun.ExitCode, Is.Zero, rerun.ToString());
        Assert.That(Weights(second), Is.EqualTo(Weights(first)));
    }

    [Test]
    public void Resume_AfterAFinishedRun_EqualsAnUninterruptedRun()
    {
        string whole = InFolder("whole"), split = InFolder("split");
        Assert.That(Run("train", "--max-updates", "8", "--out", whole, "--quiet").ExitCode, Is.Zero);
        Assert.That(Run("train", "--max-updates", "3", "--out", split, "--quiet").ExitCode, Is.Zero);

        CliResult resumed = Run("train", "--resume", split, "--max-updates", "8", "--quiet");

        // Expected: the uninterrupted run's weights, Adam moments and counters. Tolerance: bit-exact.
        Assert.That(resumed.ExitCode, Is.Zero, resumed.ToString());
        Assert.That(Weights(split), Is.EqualTo(Weights(whole)));
        Assert.That(MetricsWithoutWallTime(split), Is.EqualTo(MetricsWithoutWallTime(whole)));
        Assert.That(EpisodesWithoutWallTime(split), Is.EqualTo(EpisodesWithoutWallTime(whole)));
    }

    [Test]
    public void CtrlC_FinishesTheUpdate_WritesTheCheckpoint_Exits130_AndResumeEqualsAnUninterruptedRun()
    {
        string whole = InFolder("whole"), split = InFolder("split");
        Assert.That(Run(["train", .. PreviousDefault, "--max-updates", "9", "--out", whole, "--quiet"]).ExitCode, Is.Zero);
        using var interrupt = new CancellationTokenSource();

        // "Ctrl-C" arrives while the 4th progress line is written (log interval 1).
        int lines = 0;
        CliResult interrupted = Run(interrupt.Token, line =>
        {
            if (line.StartsWith("update", StringComparison.Ordinal) && ++lines == 4)
            {
                interrupt.Cancel();
            }
        }, ["train", .. PreviousDefault, "--max-updates", "9", "--out", split, "--log-interval", "1"]);

        Assert.That(interrupted.ExitCode, Is.EqualTo(130), interrupted.ToString());
        Assert.That(interrupted.OutputLines[0], Does.StartWith("Interrupted after 16 episodes"));
        Assert.That(interrupted.Error, Does.Contain($"reinforce train --resume {split}"));
        Assert.That(TrainingCheckpoint.Load(Path.Combine(split, "checkpoint.safetensors")).Progress.UpdatesCompleted, Is.EqualTo(4));

        CliResult resumed = Run("train", "--resume", split, "--quiet");

        Assert.That(resumed.ExitCode, Is.Zero, resumed.ToString());
        Assert.That(Weights(split), Is.EqualTo(Weights(whole)));
    }

    [Test]
    public void Resume_OfAKilledRun_ContinuesFromTheLastCheckpoint_AndDropsLaterRows()
    {
        // A run killed after update 5 with a checkpoint at update 4: metrics has 5 rows and a torn 6th line.
        string whole = InFolder("whole"), run = InFolder("killed");
        Assert.That(Run("train", "--max-updates", "7", "--out", whole, "--quiet").ExitCode, Is.Zero);
        Assert.That(Run("train", "--max-updates", "4", "--out", run, "--quiet").ExitCode, Is.Zero);
        string partial = run + ".partial";
        Directory.Move(run, partial);
        File.AppendAllText(Path.Combine(partial, "metrics.csv"), File.ReadAllLines(Path.Combine(whole, "metrics.csv"))[5] + "\n6,24,99");

        CliResult resumed = Run("train", "--resume", run, "--max-updates", "7", "--quiet");

        Assert.That(resumed.ExitCode, Is.Zero, resumed.ToString());
        Assert.That(Directory.Exists(partial), Is.False);
        Assert.That(Weights(run), Is.EqualTo(Weights(whole)));
        Assert.That(MetricsWithoutWallTime(run), Is.EqualTo(MetricsWithoutWallTime(whole)));
    }

    [Test]
    public void Divergence_ExitsWith1_NamesTheReason_AndKeepsTheLastGoodCheckpoint()
    {
        // SGD with lr 1e30 overflows the logits in update 2 (found by trying; any finite lr this large does).
        string run = InFolder("run");

        CliResult result = Run(["train", .. PreviousDefaultWith("--optimizer", "sgd", "--lr", "1e30", "--normalize", "none"), "--out", run, "--quiet"]);

        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(result.ErrorLines, Has.Length.EqualTo(1));
        Assert.That(result.Error, Does.Contain("diverged").And.Contain("non-finite"));
        TrainingCheckpoint checkpoint = TrainingCheckpoint.Load(Path.Combine(run, "checkpoint.safetensors"));
        Assert.That(checkpoint.Progress.UpdatesCompleted, Is.EqualTo(1));
        Assert.That(checkpoint.Extra["cli.status"], Is.EqualTo("diverged"));
    }

    [Test]
    public void ExistingOutFolder_IsBadInput_UnlessForced()
    {
        string run = InFolder("run");
        Assert.That(Run("train", "--max-updates", "1", "--out", run, "--quiet").ExitCode, Is.Zero);

        CliResult again = Run("train", "--max-updates", "1", "--out", run, "--quiet");
        CliResult forced = Run("train", "--max-updates", "2", "--out", run, "--quiet", "--force");

        Assert.That(again.ExitCode, Is.EqualTo(2));
        Assert.That(again.Error, Does.Contain("--out").And.Contain("--force"));
        Assert.That(forced.ExitCode, Is.Zero, forced.ToString());
        Assert.That(File.ReadAllLines(Path.Combine(run, "metrics.csv")), Has.Length.EqualTo(3));
    }

    [Test]
    public void Flags_OverrideThePreset()
    {
        string run = InFolder("run");

        Assert.That(Run("train", "--preset", "spinningup-rtg", "--hidden", "8,8", "--lr", "0.003", "--batch-episodes", "2", "--max-updates", "1", "--out", run, "--quiet").ExitCode, Is.Zero);

        TrainingCheckpoint checkpoint = TrainingCheckpoint.Load(Path.Combine(run, "checkpoint.safetensors"));
        Assert.That(checkpoint.Options.HiddenSizes, Is.EqualTo(new[] { 8, 8 }));
        Assert.That(checkpoint.Options.LearningRate, Is.EqualTo(0.003));
        Assert.That(checkpoint.Options.BatchSteps, Is.Null);
        Assert.That(checkpoint.Options.BatchEpisodes, Is.EqualTo(2));
        Assert.That(checkpoint.Options.Returns, Is.EqualTo(Reinforce.Returns.ReturnKind.RewardToGo), "kept from the preset");
        Assert.That(checkpoint.Parameters.Select(p => p.Name), Is.EqualTo(new[] { "0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias" }));
    }
}
