using System.Diagnostics;
using System.Text;
using Reinforce.Checkpoints;
using Reinforce.Randomness;

namespace Reinforce.Tests.Cli;

/// <summary>
/// The CLI as a real child process, stopped the hard way: SIGKILL and SIGTERM after seeded random updates of a run,
/// then a resume. What must hold: the checkpoint loads, every CSV holds whole rows only, and the resumed run
/// ends with exactly the weights, Adam state, metrics and episodes of an uninterrupted run. And two writers
/// started on the same folder: the second is refused, the first's run is intact.
/// </summary>
/// <remarks>
/// The child is signalled at a chosen point, never in a race with its speed: the tool's test hook
/// (REINFORCE_TEST_PAUSE_AFTER_UPDATE, see Reinforce.Cli/Program.cs) makes it stop after update N and say so on stderr,
/// and the test signals it only once it has read that line, so a fast idle machine and a slow busy one leave the same files.
/// </remarks>
[TestFixture]
[Category(CliTestBase.CliRobustness)]
[Platform(Exclude = "Win", Reason = "signals")]
public sealed class KillTests : CliTestBase
{
    private const int Updates = 200;

    // A run long enough to be stopped in the middle: the default configuration, kept going after it solves.
    private static readonly string[] RunFlags = ["--max-updates", "200", "--no-stop-when-solved", "--checkpoint-interval", "3", "--log-interval", "1"];

    [Test]
    public void KilledOrTerminatedAtRandomPoints_ThenResumed_EqualsAnUninterruptedRun()
    {
        string whole = InFolder("whole");
        Assert.That(Run(["train", "--out", whole, "--quiet", .. RunFlags]).ExitCode, Is.Zero);
        var rng = new Pcg64(11);

        for (int trial = 0; trial < 6; trial++)
        {
            bool terminate = trial % 2 == 1;
            int stopAfter = 5 + (int)(rng.NextUInt64() % 150); // the update after which the child is signalled
            string run = InFolder($"run{trial}");
            using var child = Start(["train", "--out", run, .. RunFlags], pauseAfterUpdate: stopAfter);
            bool paused = WaitForLine(child, $"paused after update {stopAfter}", out int progressLines);
            if (paused)
            {
                Signal(child, terminate ? "TERM" : "KILL");
            }
            string rest = child.StandardError.ReadToEnd();
            child.WaitForExit();
            string context = $"trial {trial}: {(terminate ? "SIGTERM" : "SIGKILL")} after update {stopAfter}, exit {child.ExitCode}\n{rest}";
            Assert.That(paused, Is.True, $"the child never paused; {context}");
            Assert.That(progressLines, Is.EqualTo(stopAfter), context);
            string folder = terminate ? run : run + ".partial";
            long checkpointed;
            if (terminate)
            {
                // SIGTERM is Ctrl-C: the run ends after the update it was in (here the one it had just finished), the
                // checkpoint is written, the folder is published.
                Assert.That(child.ExitCode, Is.EqualTo(143), context);
                Assert.That(rest, Does.Contain($"--resume {run}"), context);
                Assert.That(Directory.Exists(run), Is.True, context);
                checkpointed = stopAfter;
            }
            else
            {
                // SIGKILL: the folder stays .partial with the rows of every update and the last checkpoint due (every 3).
                Assert.That(child.ExitCode, Is.EqualTo(137), context);
                Assert.That(Directory.Exists(run + ".partial"), Is.True, context);
                checkpointed = stopAfter - stopAfter % 3;
            }
            AssertCsvFilesAreWhole(folder, context);
            string monitorHeader = File.ReadAllLines(Path.Combine(folder, "monitor.csv"))[0];
            Assert.That(File.ReadAllLines(Path.Combine(folder, "metrics.csv")), Has.Length.EqualTo(stopAfter + 1), $"a row per update; {context}");
            Assert.That(TrainingCheckpoint.Load(Path.Combine(folder, "checkpoint.safetensors")).Progress.UpdatesCompleted, Is.EqualTo(checkpointed), context);

            CliResult resumed = Run(["train", "--resume", run, "--quiet"]);

            Assert.That(resumed.ExitCode, Is.Zero, $"{context}\n{resumed}");
            Assert.That(Directory.Exists(run + ".partial"), Is.False, context);
            Assert.That(Directory.GetFiles(run).Select(Path.GetFileName), Has.None.EndWith(".tmp"), context);
            Assert.That(Weights(run), Is.EqualTo(Weights(whole)), context);
            Assert.That(MetricsWithoutWallTime(run), Is.EqualTo(MetricsWithoutWallTime(whole)), context);
            Assert.That(EpisodesWithoutWallTime(run), Is.EqualTo(EpisodesWithoutWallTime(whole)), context);
            Assert.That(MonitorWithoutTime(run), Is.EqualTo(MonitorWithoutTime(whole)), $"monitor.csv's r and l; {context}");
            Assert.That(File.ReadAllLines(Path.Combine(run, "monitor.csv"))[0], Is.EqualTo(monitorHeader), $"monitor.csv keeps its t_start; {context}");
        }
    }

    [Test]
    public void TwoWritersOnTheSameFolder_TheSecondIsRefused_AndTheFirstRunIsIntact()
    {
        string run = InFolder("run");
        Assert.That(Run("train", "--out", run, "--max-updates", "1", "--quiet").ExitCode, Is.Zero);

        // The first writer holds the folder, paused after its first update, until the second has been refused.
        string proceed = InFolder("proceed");
        using var first = Start(["train", "--out", run, "--force", "--seed", "5", .. RunFlags], pauseAfterUpdate: 1, continueFile: proceed);
        Assert.That(WaitForLine(first, "paused after update 1", out _), Is.True, "the first writer has taken the folder and paused");
        using var second = Start("train", "--out", run, "--force", "--seed", "6", "--max-updates", "3", "--quiet");
        string secondError = second.StandardError.ReadToEnd();
        second.WaitForExit();
        File.WriteAllText(proceed, "");
        first.StandardError.ReadToEnd();
        first.WaitForExit();

        Assert.That(second.ExitCode, Is.EqualTo(2), secondError);
        Assert.That(secondError, Does.Contain(OperatingSystem.IsLinux() ? $"is being written by pid {first.Id}" : "is being written by another process"));
        Assert.That(first.ExitCode, Is.Zero);
        TrainingCheckpoint checkpoint = TrainingCheckpoint.Load(Path.Combine(run, "checkpoint.safetensors"));
        Assert.That((checkpoint.Options.Seed, checkpoint.Progress.UpdatesCompleted), Is.EqualTo((5UL, Updates)), "the first writer's whole run");
        Assert.That(File.ReadAllLines(Path.Combine(run, "metrics.csv")), Has.Length.EqualTo(Updates + 1), "its rows only, each once");
    }

    // Every line of every CSV ends with its newline and has the header's number of cells.
    private static void AssertCsvFilesAreWhole(string folder, string context)
    {
        foreach (string name in new[] { "metrics.csv", "episodes.csv" })
        {
            string text = File.ReadAllText(Path.Combine(folder, name));
            Assert.That(text, Does.EndWith("\n"), $"{name} ends with a whole line; {context}");
            string[] lines = text[..^1].Split('\n');
            int cells = lines[0].Split(',').Length;
            Assert.That(lines.Select(l => l.Split(',').Length), Has.All.EqualTo(cells), $"{name}: every row whole; {context}");
        }
        // monitor.csv: its #{...} line (which holds a comma of its own), then the columns r,l,t and rows of three cells.
        string monitor = File.ReadAllText(Path.Combine(folder, "monitor.csv"));
        Assert.That(monitor, Does.EndWith("\n"), $"monitor.csv ends with a whole line; {context}");
        string[] rows = monitor[..^1].Split('\n');
        Assert.That(rows[0], Does.StartWith("#{"), context);
        Assert.That(rows[1], Is.EqualTo("r,l,t"), context);
        Assert.That(rows.Skip(2).Select(l => l.Split(',').Length), Has.All.EqualTo(3), $"monitor.csv: every row whole; {context}");
    }

    // Reads the child's stderr up to the line `expected` (true) or its end (false), counting the progress lines before it.
    private static bool WaitForLine(Process child, string expected, out int progressLines)
    {
        progressLines = 0;
        string? line;
        while ((line = child.StandardError.ReadLine()) is not null)
        {
            if (line == expected)
            {
                return true;
            }
            if (line.StartsWith("update", StringComparison.Ordinal))
            {
                progressLines++;
            }
        }
        return false;
    }

    private static Process Start(params string[] args) => Start(args, pauseAfterUpdate: null);

    // With pauseAfterUpdate: the tool's test hook (Reinforce.Cli/Program.cs) pauses the run after that update, until
    // continueFile exists (when given) or a signal interrupts it.
    private static Process Start(string[] args, int? pauseAfterUpdate, string? continueFile = null)
    {
        string cli = Path.Combine(AppContext.BaseDirectory, "reinforce.dll");
        string? host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (host is null && Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            host = Environment.ProcessPath;
        }
        if (host is null || !File.Exists(cli))
        {
            Assert.Ignore("no dotnet host to start reinforce.dll as a child process (e.g. a self-contained test run)");
        }
        var start = new ProcessStartInfo(host!) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false, StandardErrorEncoding = Encoding.UTF8 };
        start.ArgumentList.Add(cli);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["NO_COLOR"] = "1";
        if (pauseAfterUpdate is int update)
        {
            start.Environment["REINFORCE_TEST_PAUSE_AFTER_UPDATE"] = update.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (continueFile is not null)
            {
                start.Environment["REINFORCE_TEST_CONTINUE_FILE"] = continueFile;
            }
        }
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { }; // stdout is not read line by line; drain it so the child never blocks
        process.BeginOutputReadLine();
        return process;
    }

    private static void Signal(Process process, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-s", signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
        kill.WaitForExit();
    }
}
