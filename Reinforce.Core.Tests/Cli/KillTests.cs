using System.Diagnostics;
using System.Text;
using Reinforce.Checkpoints;
using Reinforce.Randomness;

namespace Reinforce.Tests.Cli;

/// <summary>
/// The CLI as a real child process, stopped the hard way: SIGKILL and SIGTERM at seeded random points of a run,
/// then a resume. What must hold: the checkpoint loads, every CSV holds whole rows only, and the resumed run
/// ends with exactly the weights, Adam state, metrics and episodes of an uninterrupted run. And two writers
/// started on the same folder: the second is refused, the first's run is intact.
/// </summary>
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
        int stopped = 0;

        for (int trial = 0; trial < 6; trial++)
        {
            bool terminate = trial % 2 == 1;
            int stopAfter = 5 + (int)(rng.NextUInt64() % 150); // progress lines seen before the signal
            string run = InFolder($"run{trial}");
            using var child = Start(["train", "--out", run, .. RunFlags]);
            int seen = 0;
            string? line;
            while ((line = child.StandardError.ReadLine()) is not null)
            {
                if (line.StartsWith("update", StringComparison.Ordinal) && ++seen == stopAfter)
                {
                    Signal(child, terminate ? "TERM" : "KILL");
                    break;
                }
            }
            string rest = child.StandardError.ReadToEnd();
            child.WaitForExit();
            string context = $"trial {trial}: {(terminate ? "SIGTERM" : "SIGKILL")} after {seen} progress lines, exit {child.ExitCode}\n{rest}";
            if (seen < stopAfter)
            {
                Assert.That(child.ExitCode, Is.Zero, context); // it finished first: nothing to resume, but it must be whole
                continue;
            }
            stopped++;
            if (terminate)
            {
                // SIGTERM is Ctrl-C: the update in progress ends, the checkpoint is written, the folder is published.
                Assert.That(child.ExitCode, Is.EqualTo(143), context);
                Assert.That(rest, Does.Contain($"--resume {run}"), context);
                Assert.That(Directory.Exists(run), Is.True, context);
            }
            else
            {
                Assert.That(child.ExitCode, Is.EqualTo(137), context);
                Assert.That(Directory.Exists(run + ".partial"), Is.True, context);
            }
            string folder = terminate ? run : run + ".partial";
            AssertCsvFilesAreWhole(folder, context);
            Assert.That(() => TrainingCheckpoint.Load(Path.Combine(folder, "checkpoint.safetensors")), Throws.Nothing, context);

            CliResult resumed = Run(["train", "--resume", run, "--quiet"]);

            Assert.That(resumed.ExitCode, Is.Zero, $"{context}\n{resumed}");
            Assert.That(Directory.Exists(run + ".partial"), Is.False, context);
            Assert.That(Directory.GetFiles(run).Select(Path.GetFileName), Has.None.EndWith(".tmp"), context);
            Assert.That(Weights(run), Is.EqualTo(Weights(whole)), context);
            Assert.That(MetricsWithoutWallTime(run), Is.EqualTo(MetricsWithoutWallTime(whole)), context);
            Assert.That(EpisodesWithoutWallTime(run), Is.EqualTo(EpisodesWithoutWallTime(whole)), context);
        }
        Assert.That(stopped, Is.GreaterThanOrEqualTo(4), "most trials must really be stopped mid-run, or the test proves little");
    }

    [Test]
    public void TwoWritersOnTheSameFolder_TheSecondIsRefused_AndTheFirstRunIsIntact()
    {
        string run = InFolder("run");
        Assert.That(Run("train", "--out", run, "--max-updates", "1", "--quiet").ExitCode, Is.Zero);

        using var first = Start(["train", "--out", run, "--force", "--seed", "5", .. RunFlags]);
        Assert.That(first.StandardError.ReadLine(), Does.StartWith("Training"), "the first writer has taken the folder");
        Assert.That(first.StandardError.ReadLine(), Does.StartWith("update"));
        using var second = Start("train", "--out", run, "--force", "--seed", "6", "--max-updates", "3", "--quiet");
        string secondError = second.StandardError.ReadToEnd();
        second.WaitForExit();
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
    }

    private static Process Start(params string[] args)
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
