using Reinforce.Checkpoints;
using Reinforce.Cli;

namespace Reinforce.Tests.Cli;

/// <summary>
/// Where a run or sweep may be written, checked before any work: never inside a folder reinforce wrote (which its
/// own checks would then refuse to continue or replace).
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

    [Test]
    public void ResumeOfAFolderWhosePartialIsASymbolicLink_NamesThePartial()
    {
        Directory.CreateDirectory(InFolder("elsewhere"));
        Directory.CreateSymbolicLink(InFolder("d.partial"), InFolder("elsewhere"));

        CliResult result = InCurrentFolder(Folder, () => Run("train", "--resume", "d", "--quiet"));

        AssertUsageError(result, "--resume 'd': 'd.partial' is a symbolic link");
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
