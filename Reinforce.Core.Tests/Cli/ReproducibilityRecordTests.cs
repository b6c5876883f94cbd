using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text.Json;
using Reinforce.Cli;
using Reinforce.Tests.Docs;
using Reinforce.Tests.Numerics;

namespace Reinforce.Tests.Cli;

/// <summary>
/// reproducibility.json in run and sweep folders: every field present and what this test process sees of the same
/// machine (the CLI runs in-process, so its vector width, instruction sets and runtime are the test's), the commit the
/// checkout's git names, and one session per start of a run.
/// </summary>
[TestFixture]
public sealed class ReproducibilityRecordTests : CliTestBase
{
    private static JsonElement Record(string folder)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "reproducibility.json")));
        JsonElement root = document.RootElement.Clone();
        Assert.That(root.GetProperty("schema").GetString(), Is.EqualTo("reinforce.reproducibility/1"));
        return root;
    }

    [Test]
    public void TrainAndSweepFolders_HoldARecordOfThisProcessAndMachine()
    {
        string run = InFolder("run"), sweep = InFolder("sweep");
        string[] train = ["train", "--max-updates", "1", "--out", run, "--quiet"];
        string[] sweepArgs = ["sweep", "--seeds", "2", "--max-episodes", "4", "--eval-episodes", "0", "--out", sweep, "--quiet", "--grid", "hidden=16;8,8"];
        DateTime before = DateTime.UtcNow;

        Assert.That(Run(train).ExitCode, Is.Zero);
        Assert.That(Run(sweepArgs).ExitCode, Is.Zero);

        DateTime after = DateTime.UtcNow;
        foreach (var (folder, args) in new[] { (run, train), (sweep, sweepArgs) })
        {
            JsonElement session = Record(folder).GetProperty("sessions").EnumerateArray().Single();
            // Expected: this test process's own view of the runtime and the machine (the command ran in it).
            Assert.Multiple(() =>
            {
                Assert.That(session.GetProperty("arguments").EnumerateArray().Select(a => a.GetString()), Is.EqualTo(args), "the command line as given");
                Assert.That(session.GetProperty("commandLine").GetString(), Is.EqualTo(folder == sweep
                    ? $"reinforce sweep --seeds 2 --max-episodes 4 --eval-episodes 0 --out {sweep} --quiet --grid 'hidden=16;8,8'"
                    : $"reinforce train --max-updates 1 --out {run} --quiet"), "quoted where a shell needs it (;)");
                Assert.That(session.GetProperty("workingDirectory").GetString(), Is.EqualTo(Directory.GetCurrentDirectory()));
                DateTime started = DateTime.Parse(session.GetProperty("startedAt").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);
                // The record keeps milliseconds: the start lies in [before, after] to within one.
                Assert.That(started, Is.InRange(before.AddMilliseconds(-1), after));
                Assert.That(session.GetProperty("version").GetString(), Is.EqualTo(Reinforce.Cli.Cli.Version));
                Assert.That(session.GetProperty("tool").GetString(), Is.EqualTo($"reinforce {Reinforce.Cli.Cli.Version}"));
                Assert.That(session.GetProperty("runtime").GetString(), Is.EqualTo(RuntimeInformation.FrameworkDescription));
                Assert.That(session.GetProperty("runtimeIdentifier").GetString(), Is.EqualTo(RuntimeInformation.RuntimeIdentifier));
                Assert.That(session.GetProperty("nativeAot").GetBoolean(), Is.False, "the tests run the JIT build");
                Assert.That(session.GetProperty("os").GetString(), Is.EqualTo(RuntimeInformation.OSDescription).And.Not.Empty);
                Assert.That(session.GetProperty("processArchitecture").GetString(), Is.EqualTo(RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant()));
                Assert.That(session.GetProperty("logicalProcessors").GetInt32(), Is.EqualTo(Environment.ProcessorCount));
                Assert.That(session.GetProperty("vectorFloatCount").GetInt32(), Is.EqualTo(Vector<float>.Count));
                Assert.That(session.GetProperty("instructionSets").GetString(), Is.EqualTo(InstructionSetTests.Describe(InstructionSetTests.Observed())),
                    "the ISA description of Numerics/InstructionSetTests, of this process");
                Assert.That(session.GetProperty("cpu").GetString(), Is.EqualTo(ExpectedCpu()).And.Not.Empty);
            });
        }
    }

    [Test]
    public void Commit_IsTheCheckoutsHead_OrUnknownWithoutACheckout()
    {
        string run = InFolder("run");
        Assert.That(Run("train", "--max-updates", "1", "--out", run, "--quiet").ExitCode, Is.Zero);

        string commit = Record(run).GetProperty("sessions")[0].GetProperty("commit").GetString()!;

        // Expected: `git rev-parse HEAD` of the repository the tests were built from (the CLI was built from it too, in
        // the same build); a build outside a checkout records "unknown". Run the tests after building the commit they test.
        Assert.That(commit, Is.EqualTo(ReproducibilityRecord.BuildCommit));
        bool checkout = Path.Exists(Path.Combine(Repository.Root, ".git"));
        if (!checkout)
        {
            Assert.That(commit, Is.EqualTo("unknown"));
            return;
        }
        string? head = GitHead();
        if (head is null)
        {
            Assert.That(commit, Does.Match("^[0-9a-f]{40}$"), "no git program to ask; a commit all the same");
            Assert.Ignore("a checkout without a git program: the commit was not compared with git rev-parse HEAD");
        }
        Assert.That(commit, Is.EqualTo(head), "git rev-parse HEAD; a stale build (tests built before the last commit) differs: rebuild");
    }

    [Test]
    public void Resume_AppendsASession_AndKeepsTheEarlierOnes()
    {
        string run = InFolder("run");
        Assert.That(Run("train", "--max-updates", "1", "--out", run, "--quiet").ExitCode, Is.Zero);
        string first = Record(run).GetProperty("sessions")[0].GetRawText();

        Assert.That(Run("train", "--resume", run, "--max-updates", "2", "--quiet").ExitCode, Is.Zero);

        JsonElement[] sessions = [.. Record(run).GetProperty("sessions").EnumerateArray()];
        Assert.That(sessions, Has.Length.EqualTo(2));
        Assert.That(sessions[0].GetRawText(), Is.EqualTo(first), "the first session, unchanged");
        Assert.That(sessions[1].GetProperty("arguments").EnumerateArray().Select(a => a.GetString()),
            Is.EqualTo(new[] { "train", "--resume", run, "--max-updates", "2", "--quiet" }));
    }

    // /proc/cpuinfo's first "model name" on Linux x64 (as lscpu shows it); elsewhere the record's fallbacks are only required to be non-empty.
    private static string? ExpectedCpu()
    {
        if (!OperatingSystem.IsLinux())
        {
            return ReproducibilityRecord.CpuModel();
        }
        string? line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
        return line is null ? ReproducibilityRecord.CpuModel() : line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
    }

    private static string? GitHead()
    {
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", ["-C", Repository.Root, "rev-parse", "HEAD"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            })!;
            Task<string> error = git.StandardError.ReadToEndAsync();
            string output = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            _ = error.Result;
            return git.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
