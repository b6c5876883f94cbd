using System.Text.Json.Nodes;
using Reinforce.Checkpoints;
using Reinforce.Cli;

namespace Reinforce.Tests.Cli;

/// <summary>
/// Reproductions of the file-safety defects behind the README's "Nothing lost, nothing crashes", one test each (Repro01, Repro02, …):
/// every one must end with exit code 2 (bad input) or 1 (runtime failure), one line, and nothing lost.
/// </summary>
[TestFixture]
[Category(CliTestBase.CliRobustness)]
public sealed class FileSafetyTests : CliTestBase
{
    [Test]
    public void Repro01_Force_OnAFolderThatIsNotARunFolder_DeletesNothing()
    {
        string folder = InFolder("x");
        Directory.CreateDirectory(Path.Combine(folder, "sub"));
        File.WriteAllText(Path.Combine(folder, "precious.txt"), "keep");
        string[] before = Snapshot(Folder);

        CliResult result = Run("train", "--out", folder, "--force", "--max-updates", "1", "--quiet");

        AssertUsageError(result, "--force replaces only a run folder");
        Assert.That(result.Error, Does.Contain("'precious.txt'").And.Contain("'sub/'"));
        Assert.That(Snapshot(Folder), Is.EqualTo(before), "nothing created, changed or deleted");
    }

    [Test]
    public void Repro01_Force_OnAFolderWithOnlyAConfigJson_DeletesNothing()
    {
        // A user's folder can hold files with a run folder's names; without the marker or a reinforce checkpoint it is not a run folder.
        string folder = InFolder("project");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "config.json"), "{ \"mine\": true }");

        CliResult result = Run("train", "--out", folder, "--force", "--max-updates", "1", "--quiet");

        AssertUsageError(result, "not a run folder");
        Assert.That(File.ReadAllText(Path.Combine(folder, "config.json")), Is.EqualTo("{ \"mine\": true }"));
    }

    [Test]
    public void Force_ReplacesARunFolder_OnlyWhenTheNewRunHasEnded()
    {
        string run = InFolder("run");
        Assert.That(Run("train", "--max-updates", "1", "--out", run, "--quiet").ExitCode, Is.Zero);

        CliResult forced = Run("train", "--max-updates", "2", "--out", run, "--force", "--quiet");

        Assert.That(forced.ExitCode, Is.Zero, forced.ToString());
        Assert.That(File.ReadAllLines(Path.Combine(run, "metrics.csv")), Has.Length.EqualTo(3), "the new run's two updates");
        Assert.That(Directory.GetFiles(run).Select(Path.GetFileName), Does.Not.Contain(".lock"), "the lock file goes when the run ends");
        Assert.That(Directory.Exists(run + ".partial"), Is.False);
    }

    [TestCase(".")]
    [TestCase("..")]
    [TestCase("./")]
    [TestCase("CWD")]
    public void Repro02_Out_TheCurrentFolderOrAnAncestor_IsRefused_WithOrWithoutForce(string outArgument)
    {
        string here = InFolder("here");
        Directory.CreateDirectory(here);
        File.WriteAllText(Path.Combine(here, "notes.txt"), "keep");
        string[] before = Snapshot(Folder);
        string target = outArgument == "CWD" ? here : outArgument;

        CliResult plain = InCurrentFolder(here, () => Run("train", "--out", target, "--max-updates", "1", "--quiet"));
        CliResult forced = InCurrentFolder(here, () => Run("train", "--out", target, "--force", "--max-updates", "1", "--quiet"));

        AssertUsageError(plain, "is the current folder or one of its parents");
        AssertUsageError(forced, "is the current folder or one of its parents");
        Assert.That(Snapshot(Folder), Is.EqualTo(before));
    }

    [Test]
    public void Repro02_Out_AnEmptyCurrentFolder_IsRefused()
    {
        string here = InFolder("empty");
        Directory.CreateDirectory(here);

        CliResult result = InCurrentFolder(here, () => Run("train", "--out", ".", "--max-updates", "1", "--quiet"));

        AssertUsageError(result, "current folder");
        Assert.That(Directory.Exists(here), Is.True);
        Assert.That(Directory.EnumerateFileSystemEntries(Folder).Select(Path.GetFileName), Is.EqualTo(new[] { "empty" }));
    }

    [Test]
    public void Out_ASymbolicLink_IsRefused()
    {
        string target = InFolder("target"), link = InFolder("link");
        Assert.That(Run("train", "--max-updates", "1", "--out", target, "--quiet").ExitCode, Is.Zero);
        Directory.CreateSymbolicLink(link, target);
        string[] before = Snapshot(target);

        AssertUsageError(Run("train", "--out", link, "--force", "--max-updates", "1", "--quiet"), "is a symbolic link");
        Assert.That(Snapshot(target), Is.EqualTo(before));
    }

    // Each output flag against each kind of non-regular file; /dev/full and a fifo only where they exist.
    private static IEnumerable<TestCaseData> NonRegularTargets()
    {
        string[][] commands =
        [
            ["render", "--baseline", "--out", "TARGET"],
            ["eval", "RUN", "--episodes", "1", "--svg", "TARGET"],
            ["plot", "RUN", "--out", "TARGET"],
            ["baseline", "--episodes", "1", "--svg", "TARGET"],
        ];
        foreach (string[] command in commands)
        {
            foreach (string kind in new[] { "directory", "symlink", "device", "fifo" })
            {
                yield return new TestCaseData(command, kind).SetName($"Repro03_{command[0]}_{command[^2].TrimStart('-')}_Refuses_A_{kind}");
            }
        }
    }

    [TestCaseSource(nameof(NonRegularTargets))]
    public void Repro03_Outputs_NeverReplaceANonRegularFile(string[] command, string kind)
    {
        string run = InFolder("run");
        Assert.That(Run("train", "--max-updates", "1", "--out", run, "--quiet").ExitCode, Is.Zero);
        string target;
        switch (kind)
        {
            case "directory":
                target = InFolder("folder");
                Directory.CreateDirectory(target);
                break;
            case "symlink":
                File.WriteAllText(InFolder("real.svg"), "keep");
                target = InFolder("link.svg");
                File.CreateSymbolicLink(target, InFolder("real.svg"));
                break;
            case "device":
                if (!File.Exists("/dev/full"))
                {
                    Assert.Ignore("no /dev/full on this system");
                }
                target = "/dev/full";
                break;
            default:
                if (OperatingSystem.IsWindows())
                {
                    Assert.Ignore("no named pipes in the file system on Windows");
                }
                target = InFolder("pipe");
                MakeFifo(target);
                break;
        }
        string[] before = Snapshot(Folder);

        CliResult result = Run([.. command.Select(a => a == "TARGET" ? target : a == "RUN" ? run : a)]);

        AssertUsageError(result, "expected a new or regular file");
        Assert.That(Snapshot(Folder), Is.EqualTo(before));
        Assert.That(FileKind.Of(target), Is.Not.EqualTo(PathKind.RegularFile), "the target keeps its kind");
    }

    [Test]
    public void Repro04_ASecondWriter_IsRefused_NamingTheHolder_EvenWithForce()
    {
        string run = InFolder("run");
        Assert.That(Run("train", "--max-updates", "1", "--out", run, "--quiet").ExitCode, Is.Zero);
        string[] before = Snapshot(run);
        Directory.CreateDirectory(run + ".partial");
        // The first writer: the lock a running `reinforce train --out run --force` holds.
        using RunFolderLock first = RunFolderLock.TryAcquire(run + ".partial", out _)!;
        first.WriteMarker();

        CliResult second = Run("train", "--max-updates", "1", "--out", run, "--force", "--quiet");
        CliResult resume = Run("train", "--resume", run + ".partial", "--force", "--quiet");

        AssertUsageError(second, OperatingSystem.IsLinux() ? $"is being written by pid {Environment.ProcessId}" : "is being written by another process");
        AssertUsageError(resume, "is being written by");
        Assert.That(Snapshot(run), Is.EqualTo(before), "the finished run is untouched");
    }

    [Test]
    public void Repro04_ALockLeftByAKilledWriter_IsTakenOverOnResume()
    {
        string whole = InFolder("whole"), run = InFolder("run");
        Assert.That(Run("train", "--max-updates", "4", "--out", whole, "--quiet").ExitCode, Is.Zero);
        Assert.That(Run("train", "--max-updates", "2", "--out", run, "--quiet").ExitCode, Is.Zero);
        // What a kill -9 leaves: DIR.partial with its lock file, a marker naming a writer that is gone, a stale temporary file.
        Directory.Move(run, run + ".partial");
        File.WriteAllText(Path.Combine(run + ".partial", ".lock"), "");
        File.WriteAllText(Path.Combine(run + ".partial", ".reinforce-run"), "reinforce run folder\nwriter: pid 999999 on elsewhere, since 2026-01-01T00:00:00Z\n");
        string stale = Path.Combine(run + ".partial", ".checkpoint.safetensors.999999.0123456789abcdef0123456789abcdef.tmp");
        File.WriteAllText(stale, "torn");

        CliResult resumed = Run("train", "--resume", run, "--max-updates", "4");

        Assert.That(resumed.ExitCode, Is.Zero, resumed.ToString());
        Assert.That(resumed.Error, Does.Contain("Taking over").And.Contain("pid 999999"));
        Assert.That(Directory.GetFiles(run).Select(Path.GetFileName), Has.None.EndsWith(".tmp"), "stale temporary files are removed");
        Assert.That(Weights(run), Is.EqualTo(Weights(whole)));
    }

    [Test]
    public void Repro05_Resume_WithAStalePartialNextToAFinishedRun_IsRefusedBeforeWritingAnything()
    {
        string run = InFolder("s");
        Assert.That(Run("train", "--max-updates", "2", "--out", run, "--quiet").ExitCode, Is.Zero);
        CopyFolder(run, run + ".partial");
        string[] before = Snapshot(Folder);

        CliResult result = Run("train", "--resume", run, "--max-updates", "4", "--quiet");

        AssertUsageError(result, "both");
        Assert.That(result.Error, Does.Contain("s.partial' (an unfinished one)"));
        Assert.That(Snapshot(Folder), Is.EqualTo(before));
    }

    [Test]
    public void Resume_OfAPartialOverAFinishedRun_NeedsForce_AndThenReplacesIt()
    {
        string run = InFolder("s");
        Assert.That(Run("train", "--max-updates", "2", "--out", run, "--quiet").ExitCode, Is.Zero);
        CopyFolder(run, run + ".partial");

        CliResult refused = Run("train", "--resume", run + ".partial", "--max-updates", "3", "--quiet");
        CliResult forced = Run("train", "--resume", run + ".partial", "--max-updates", "3", "--force", "--quiet");

        AssertUsageError(refused, "pass --force");
        Assert.That(forced.ExitCode, Is.Zero, forced.ToString());
        Assert.That(TrainingCheckpoint.Load(Path.Combine(run, "checkpoint.safetensors")).Progress.UpdatesCompleted, Is.EqualTo(3));
        Assert.That(Directory.Exists(run + ".partial"), Is.False);
    }

    [TestCase("adam", "1e38")]
    [TestCase("sgd", "3e38")]
    public void Repro06_Divergence_LeavesACheckpointOfTheLastGoodUpdate_ThatEvalLoads(string optimizer, string lr)
    {
        // With these rates the step overflows a weight (Adam: lr/(1 − β₁) = 1e39 > float max) or the next loss.
        string run = InFolder("d");

        CliResult result = Run(["train", "--out", run, .. PreviousDefaultWith("--optimizer", optimizer, "--lr", lr), "--checkpoint-interval", "1", "--quiet"]);

        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(result.ErrorLines, Has.Length.EqualTo(1));
        Assert.That(result.Error, Does.Contain("diverged"));
        TrainingCheckpoint checkpoint = TrainingCheckpoint.Load(Path.Combine(run, "checkpoint.safetensors"));
        Assert.That(checkpoint.Parameters.Concat(checkpoint.OptimizerState).SelectMany(t => t.Values), Has.All.Matches<float>(float.IsFinite));
        Assert.That(result.Error, Does.Contain($"last good checkpoint (update {checkpoint.Progress.UpdatesCompleted})"));
        Assert.That(Run("eval", run, "--episodes", "2").ExitCode, Is.Zero);
    }

    [TestCase("eval|")]
    [TestCase("render|")]
    [TestCase("render|--baseline|--out|")]
    [TestCase("eval|RUN|--svg|")]
    [TestCase("baseline|--svg|")]
    [TestCase("plot|RUN|--out|")]
    [TestCase("plot|")]
    [TestCase("train|--out|")]
    [TestCase("train|--config|")]
    [TestCase("train|--resume|")]
    public void Repro07_EmptyPaths_AreBadInput_AndCreateNothing(string arguments)
    {
        string run = InFolder("run");
        Assert.That(Run("train", "--max-updates", "1", "--out", run, "--quiet").ExitCode, Is.Zero);
        string[] before = Snapshot(Folder);

        CliResult result = InCurrentFolder(Folder, () => Run([.. arguments.Split('|').Select(a => a == "RUN" ? run : a)]));

        AssertUsageError(result, "is empty");
        Assert.That(Snapshot(Folder), Is.EqualTo(before), "no ./.partial or anything else");
    }

    [TestCase("eval")]
    [TestCase("render")]
    [TestCase("resume")]
    public void Repro08_ACheckpointHeaderWithInvalidUtf8_IsBadInput(string command)
    {
        string run = InFolder("run");
        Assert.That(Run("train", "--max-updates", "1", "--out", run, "--quiet").ExitCode, Is.Zero);
        string checkpoint = Path.Combine(run, "checkpoint.safetensors");
        byte[] bytes = File.ReadAllBytes(checkpoint);
        int name = bytes.AsSpan().IndexOf("\"0.weight\""u8);
        bytes[name + 1] ^= 0x80; // '0' (0x30) becomes 0xB0, a lone continuation byte
        File.WriteAllBytes(checkpoint, bytes);

        CliResult result = command switch
        {
            "eval" => Run("eval", run),
            "render" => Run("render", run, "--out", InFolder("x.svg")),
            _ => Run("train", "--resume", run, "--quiet"),
        };

        AssertUsageError(result, "not valid UTF-8");
    }

    [TestCase("abc")]
    [TestCase("1e400")]
    [TestCase("NaN")]
    [TestCase("Infinity")]
    public void Repro09_BadRewardThresholdMetadata_IsBadInputOnResume(string value)
    {
        string run = InFolder("run");
        Assert.That(Run("train", "--max-updates", "1", "--out", run, "--quiet").ExitCode, Is.Zero);
        SetMetadata(Path.Combine(run, "checkpoint.safetensors"), "cli.reward_threshold", value);
        string[] before = Snapshot(Folder);

        CliResult result = Run("train", "--resume", run, "--max-updates", "2", "--quiet");

        AssertUsageError(result, $"cli.reward_threshold metadata '{value}' is not accepted");
        Assert.That(Snapshot(Folder), Is.EqualTo(before));
    }

    [TestCase("--entropy-coef|1e300", "--entropy-coef '1e300' overflows a float32")]
    [TestCase("--lr|1e39", "--lr '1e39' overflows a float32")]
    [TestCase("--lr|1e-50", "--lr '1e-50' rounds to 0 as a float32")]
    [TestCase("--lr|1e-46", "--lr '1e-46' rounds to 0 as a float32")]
    public void Repro10_NumbersAreCheckedInTheTypeTheyAreUsedIn(string arguments, string expected)
    {
        string run = InFolder("run");

        AssertUsageError(Run(["train", "--out", run, .. arguments.Split('|')]), expected);
        Assert.That(Directory.EnumerateFileSystemEntries(Folder), Is.Empty, "no run folder, no .partial");
    }

    [Test]
    public void Repro10_TheSmallestAndLargestFloat32Rates_AreAccepted()
    {
        // 1.4e-45 rounds to the smallest subnormal float, 3e38 is below float.MaxValue: both are valid float32 rates.
        Assert.That(Run("train", "--out", InFolder("a"), "--optimizer", "sgd", "--lr", "1.4e-45", "--max-updates", "1", "--quiet").ExitCode, Is.Zero);
        Assert.That(Run("train", "--out", InFolder("b"), "--entropy-coef", "3e38", "--max-updates", "1", "--quiet").ExitCode, Is.AnyOf(0, 1));
    }

    [TestCase("eval|/dev/zero", "not a regular file")]
    [TestCase("render|/dev/zero", "not a regular file")]
    [TestCase("train|--config|/dev/zero", "not a regular file")]
    [TestCase("train|--config|FIFO", "not a regular file")]
    [TestCase("eval|FIFO", "not a regular file")]
    [TestCase("plot|FIFO", "expected a run folder")]
    public void Repro11_DevicesAndPipes_AreNeverRead(string arguments, string expected)
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Ignore("devices and pipes are told apart from regular files on Linux (statx)");
        }
        string fifo = InFolder("fifo");
        MakeFifo(fifo);

        // A read of /dev/zero would never end, an open of a fifo would block: the command must answer at once.
        CliResult result = Run([.. arguments.Split('|').Select(a => a == "FIFO" ? fifo : a)]);

        AssertUsageError(result, expected);
    }

    [Test]
    public void Repro12_ASavedThreadCountAboveTheFlagsLimit_IsBadInputOnResume()
    {
        string run = InFolder("run");
        Assert.That(Run("train", "--max-updates", "1", "--out", run, "--quiet").ExitCode, Is.Zero);
        SetSavedOption(Path.Combine(run, "checkpoint.safetensors"), "threads", 100000);

        AssertUsageError(Run("train", "--resume", run, "--max-updates", "2", "--quiet"), "Threads = 100000 is not accepted; expected an integer in [1, 1024]");
    }

    [Test]
    public void Repro12_ANegativeSecondMoment_IsBadInput_InEveryCommand()
    {
        string run = InFolder("run");
        Assert.That(Run("train", "--max-updates", "1", "--out", run, "--quiet").ExitCode, Is.Zero);
        string checkpoint = Path.Combine(run, "checkpoint.safetensors");
        EditSafetensors(checkpoint, _ => { }, (data, header) =>
        {
            int offset = header["optimizer.exp_avg_sq.0.weight"]!["data_offsets"]![0]!.GetValue<int>();
            BitConverter.TryWriteBytes(data.AsSpan(offset, 4), -1f);
        });

        foreach (string[] command in new[] { new[] { "eval", run }, ["render", run, "--out", InFolder("x.svg")], ["train", "--resume", run, "--quiet"] })
        {
            AssertUsageError(Run(command), "negative value; Adam's second moment");
        }
    }

    [Test]
    public void Repro12_BufferSizesBeyondTheLimit_AreBadInput_NotAnOutOfMemoryError()
    {
        AssertUsageError(Run("train", "--out", InFolder("run"), "--batch-episodes", "100000000"), "MiB of buffers");
        AssertUsageError(Run("train", "--out", InFolder("run"), "--hidden", "65536,65536"), "MiB of buffers");
    }

    [Test]
    public void Smaller_HiddenEmpty_IsRefused_AndNoneMeansALinearPolicy()
    {
        AssertUsageError(Run("train", "--out", InFolder("a"), "--hidden", ""), "--hidden '' is empty");
        Assert.That(Run("train", "--out", InFolder("b"), "--hidden", "none", "--max-updates", "1", "--quiet").ExitCode, Is.Zero);
    }

    [TestCase("--lr|1\n\u001b[31mred", @"'1\n\u{1b}[31mred'")]
    [TestCase("--preset|a\u202Eb", @"'a\u{202e}b'")]
    [TestCase("--hidden|\t", @"'\t'")]
    public void Smaller_ControlCharactersInValues_AreEscapedInTheMessage(string arguments, string quoted)
    {
        CliResult result = Run(["train", "--out", InFolder("run"), .. arguments.Split('|')]);

        AssertUsageError(result, quoted);
        Assert.That(result.Error.TrimEnd('\n'), Has.No.Member('\u001b').And.No.Member('\r').And.No.Member('\u202E'));
    }

    [Test]
    public void Smaller_AHugeValue_IsShortenedInTheMessage()
    {
        CliResult result = Run("train", "--out", InFolder("run"), "--lr", new string('9', 100_000) + "x");

        AssertUsageError(result, "(100001 characters)");
        Assert.That(result.Error.Length, Is.LessThan(300));
    }

    [Test]
    public void Smaller_AFailedWrite_NamesTheFlagAndTheFile_NotTheTemporaryFile()
    {
        // A folder on the way turns into a file between the check and the write: the write, not the check, meets it.
        string path = Path.Combine(InFolder("gone"), "x.svg");
        PathArguments.OutputFile("--out", path);
        File.WriteAllText(InFolder("gone"), "in the way");

        var error = Assert.Throws<UsageException>(() => PathArguments.Write("--out", path, "<svg/>"));

        Assert.That(error!.Message, Is.EqualTo($"cannot write --out '{path}': '{InFolder("gone")}' is a regular file, not a folder"));
        Assert.That(File.ReadAllText(InFolder("gone")), Is.EqualTo("in the way"));
    }

    [Test]
    public void Smaller_AWriteTheFileSystemRefuses_NamesTheFlagAndTheFile_NotTheTemporaryFile()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Ignore("/proc is Linux's");
        }
        // Unchecked, the temporary file is what the system refuses (ENOENT from proc): the message names the file the user gave.
        const string path = "/proc/reinforce-test.svg";

        var error = Assert.Throws<UsageException>(() => PathArguments.Write("--out", path, "<svg/>"));

        Assert.That(error!.Message, Is.EqualTo($"cannot write --out '{path}': '/proc' is on proc, a special file system that does not take new files"));
    }

    [TestCase("header-only")]
    [TestCase("torn")]
    [TestCase("short-row")]
    [TestCase("not-a-number")]
    public void Smaller_Plot_RefusesAnIncompleteMetricsCsv(string kind)
    {
        string run = InFolder("run");
        Assert.That(Run("train", "--max-updates", "2", "--out", run, "--quiet").ExitCode, Is.Zero);
        string metrics = Path.Combine(run, "metrics.csv");
        string[] lines = File.ReadAllLines(metrics);
        File.WriteAllText(metrics, kind switch
        {
            "header-only" => lines[0] + "\n",
            "torn" => string.Join('\n', lines) + "\n" + lines[2][..10],
            "short-row" => lines[0] + "\n" + lines[1][..lines[1].LastIndexOf(',')] + "\n",
            _ => lines[0] + "\n" + string.Join(',', lines[1].Split(',').Select((cell, i) => i == 4 ? "x" : cell)) + "\n", // mean_return
        });
        string[] before = Snapshot(Folder);

        CliResult result = Run("plot", run);

        AssertUsageError(result, kind switch
        {
            "header-only" => "has a header but no rows",
            "torn" => "the last line is cut off",
            "short-row" => "cells where the header has",
            _ => "not a finite number",
        });
        Assert.That(Snapshot(Folder), Is.EqualTo(before));
    }

    [Test]
    public void Smaller_TheEpisodeStreamMetadata_MustEqualTheEpisodeCount()
    {
        string run = InFolder("run");
        Assert.That(Run(["train", .. PreviousDefault, "--max-updates", "2", "--out", run, "--quiet"]).ExitCode, Is.Zero);
        SetMetadata(Path.Combine(run, "checkpoint.safetensors"), "rng.next_episode_stream", "3");

        AssertUsageError(Run("eval", run), "rng.next_episode_stream 3 but progress.episodes 8");
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }
}
