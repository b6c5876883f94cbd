using Reinforce.Checkpoints;
using Reinforce.Cli;

namespace Reinforce.Tests.Cli;

/// <summary>
/// Where a run or sweep may be written, checked before any work: never inside a folder reinforce wrote (which its
/// own checks would then refuse to continue or replace), and never onto a folder another process holds the lock of.
/// </summary>
[TestFixture]
[Category(CliTestBase.CliRobustness)]
public sealed class RunFolderGuardTests : CliTestBase
{
    private static readonly string[] TinyRun = ["--max-updates", "2", "--hidden", "8", "--quiet"];
    private static readonly string[] TinySweep = ["--seeds", "1", "--max-updates", "1", "--hidden", "4", "--eval-episodes", "0", "--quiet"];

    [TestCase("train", "run")]
    [TestCase("sweep", "run")]
    [TestCase("train", "sweep")]
    [TestCase("sweep", "sweep")]
    public void OutInsideARunOrSweepFolder_IsRefusedBeforeAnyWork_AndTheParentStaysUsable(string command, string parentKind)
    {
        string parent = CreateParent(parentKind);
        string[] before = Snapshot(Folder);

        CliResult inside = InCurrentFolder(Folder, () => Run([command, "--out", $"{parentKind}/sub", .. command == "train" ? TinyRun : TinySweep]));
        CliResult deeper = InCurrentFolder(Folder, () => Run([command, "--out", $"{parentKind}/a/b", .. command == "train" ? TinyRun : TinySweep]));

        string expected = parentKind == "run" ? "a run folder (written by reinforce train)" : "a sweep folder (written by reinforce sweep)";
        AssertUsageError(inside, $"--out '{parentKind}/sub' is inside '{parentKind}', {expected}");
        AssertUsageError(deeper, $"--out '{parentKind}/a/b' is inside '{parentKind}'");
        Assert.That(Snapshot(Folder), Is.EqualTo(before), "nothing created, changed or deleted");
        // The parent can still be continued or replaced.
        CliResult replaced = parentKind == "run"
            ? Run(["train", "--resume", parent, "--max-updates", "3", "--quiet"])
            : Run(["sweep", "--out", parent, "--force", .. TinySweep]);
        Assert.That(replaced.ExitCode, Is.Zero, replaced.ToString());
    }

    [Test]
    public void ResumeInsideARunFolder_IsRefused_NamingTheParent()
    {
        CreateParent("run");
        Directory.CreateDirectory(InFolder("run", "sub"));

        CliResult result = InCurrentFolder(Folder, () => Run("train", "--resume", "run/sub", "--quiet"));

        AssertUsageError(result, "--resume 'run/sub' is inside 'run', a run folder");
    }

    [TestCase("train", "run")]
    [TestCase("sweep", "sweep")]
    [TestCase("train", "sweep")]
    public void ForceOntoAFolderWhoseLockIsHeld_IsRefusedBeforeAnyWork_NamingTheHolderNotTheMarker(string command, string targetKind)
    {
        string target = CreateParent(targetKind);
        // The marker names an earlier writer; the holder is this test process.
        File.WriteAllText(Path.Combine(target, ".reinforce-run"), File.ReadAllLines(Path.Combine(target, ".reinforce-run"))[0] +
            "\nwriter: pid 999999 on elsewhere, since 2026-01-01T00:00:00Z\n");
        using var held = new FileStream(Path.Combine(target, ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        string[] before = Snapshot(Folder);

        string[] work = command == "train" ? ["--max-updates", "300", "--hidden", "16", "--quiet"] : TinySweep;
        CliResult result = InCurrentFolder(Folder, () => Run([command, "--out", targetKind, "--force", .. work]));

        AssertUsageError(result, $"--out '{targetKind}': '{targetKind}' is being written by ");
        Assert.That(result.Error, Does.Not.Contain("999999"), "the marker's last writer is not the holder");
        if (OperatingSystem.IsLinux())
        {
            Assert.That(result.Error, Does.Contain($"is being written by pid {Environment.ProcessId}"), "the holder, from /proc/locks");
        }
        Assert.That(Directory.Exists(InFolder(targetKind + ".partial")), Is.False, "no work was started");
        Assert.That(Snapshot(Folder), Is.EqualTo(before), "nothing created, changed or deleted");
    }

    [Test]
    public void ResumeOfAFolderWhosePartialIsASymbolicLink_NamesThePartial()
    {
        Directory.CreateDirectory(InFolder("elsewhere"));
        Directory.CreateSymbolicLink(InFolder("d.partial"), InFolder("elsewhere"));

        CliResult result = InCurrentFolder(Folder, () => Run("train", "--resume", "d", "--quiet"));

        AssertUsageError(result, "--resume 'd': 'd.partial' is a symbolic link");
    }

    [Test]
    public void LockHolder_OfAFreeLock_IsAnotherProcess_AndOfAHeldLockIsItsPid()
    {
        string lockFile = InFolder(".lock");
        File.WriteAllText(lockFile, "");
        Assert.That(RunFolderLock.LockHolder(lockFile), Is.EqualTo("another process"), "nobody holds it: nothing to name");
        using var held = new FileStream(lockFile, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
        Assert.That(RunFolderLock.LockHolder(lockFile), OperatingSystem.IsLinux()
            ? Does.StartWith($"pid {Environment.ProcessId}")
            : Is.EqualTo("another process"));
    }

    private string CreateParent(string kind)
    {
        string folder = InFolder(kind);
        CliResult made = kind == "run" ? Run(["train", "--out", folder, .. TinyRun]) : Run(["sweep", "--out", folder, .. TinySweep]);
        Assert.That(made.ExitCode, Is.Zero, made.ToString());
        Assert.That(FileKind.Of(Path.Combine(folder, ".reinforce-run")), Is.EqualTo(PathKind.RegularFile));
        return folder;
    }
}
