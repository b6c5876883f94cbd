using System.Text;
using Reinforce.Cli;

namespace Reinforce.Tests.Cli;

/// <summary>
/// One rule for every output path (<c>train</c>/<c>sweep --out</c>, <c>render</c>/<c>plot --out</c>, <c>eval</c>/<c>baseline
/// --svg</c>): missing parent folders are created, as <c>mkdir -p</c> does, and only those (existing folders are left as they
/// are); a parent that is not a folder is refused. And no output lands inside a run or sweep folder, where <c>--force</c>
/// would delete it as its own or refuse the folder: <c>--force</c> deletes only the files a run writes, and refuses a folder
/// holding anything else, before the run or when it ends.
/// </summary>
[TestFixture]
[Category(CliTestBase.CliRobustness)]
public sealed class OutputFolderTests : CliTestBase
{
    private static readonly string[] TinyRun = ["--max-updates", "1", "--hidden", "8", "--quiet"];
    private static readonly string[] TinySweep = ["--seeds", "1", "--max-updates", "1", "--hidden", "4", "--eval-episodes", "0", "--quiet"];

    // (command line with TARGET for the output path and RUN for a finished run, whether the output is a folder)
    private static IEnumerable<TestCaseData> Outputs()
    {
        yield return new TestCaseData((string[])["train", "--out", "TARGET", .. TinyRun], true).SetName("Train_Out");
        yield return new TestCaseData((string[])["sweep", "--out", "TARGET", .. TinySweep], true).SetName("Sweep_Out");
        yield return new TestCaseData((string[])["render", "--baseline", "--out", "TARGET"], false).SetName("Render_Out");
        yield return new TestCaseData((string[])["plot", "RUN", "--out", "TARGET"], false).SetName("Plot_Out");
        yield return new TestCaseData((string[])["eval", "RUN", "--episodes", "1", "--svg", "TARGET"], false).SetName("Eval_Svg");
        yield return new TestCaseData((string[])["baseline", "--episodes", "1", "--svg", "TARGET"], false).SetName("Baseline_Svg");
    }

    [TestCaseSource(nameof(Outputs))]
    public void EveryOutput_CreatesItsMissingParentFolders_AndLeavesTheExistingOnesAsTheyWere(string[] arguments, bool isFolder)
    {
        // docs/ exists (with a file of the user's), docs/images/figures/ does not: the command runs outside the repository root.
        Directory.CreateDirectory(InFolder("docs"));
        File.WriteAllText(InFolder("docs", "notes.md"), "keep");
        string run = arguments.Contains("RUN") ? FinishedRun() : "";
        string[] docsBefore = Snapshot(InFolder("docs"));
        string target = Path.Combine("docs", "images", "figures", isFolder ? "out" : "x.svg");

        CliResult result = InCurrentFolder(Folder, () => Run([.. arguments.Select(a => a == "TARGET" ? target : a == "RUN" ? run : a)]));

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(isFolder ? Directory.Exists(InFolder(target)) : File.Exists(InFolder(target)), Is.True, result.ToString());
        Assert.That(File.ReadAllText(InFolder("docs", "notes.md")), Is.EqualTo("keep"));
        Assert.That(Snapshot(InFolder("docs")).Where(e => !e.StartsWith("images", StringComparison.Ordinal)), Is.EqualTo(docsBefore),
            "the existing folder keeps its entries (its own time changes only because images/ was added to it)");
        Assert.That(Directory.GetFileSystemEntries(InFolder("docs", "images")).Select(Path.GetFileName), Is.EqualTo(new[] { "figures" }), "only the missing folders are new");
    }

    [TestCaseSource(nameof(Outputs))]
    public void EveryOutput_RefusesAParentThatIsNotAFolder_BeforeAnyWork(string[] arguments, bool isFolder)
    {
        File.WriteAllText(InFolder("notes.txt"), "keep");
        string run = arguments.Contains("RUN") ? FinishedRun() : "";
        string target = Path.Combine("notes.txt", "images", isFolder ? "out" : "x.svg");
        string[] before = Snapshot(Folder);

        CliResult result = InCurrentFolder(Folder, () => Run([.. arguments.Select(a => a == "TARGET" ? target : a == "RUN" ? run : a)]));

        AssertUsageError(result, $"'{target}': 'notes.txt' is a regular file, not a folder");
        Assert.That(Snapshot(Folder), Is.EqualTo(before));
    }

    [Test]
    public void AParentThatIsALinkToAFolder_IsFollowed_AsMkdirFollowsIt()
    {
        Directory.CreateDirectory(InFolder("real"));
        Directory.CreateSymbolicLink(InFolder("link"), InFolder("real"));

        CliResult result = Run("render", "--baseline", "--out", InFolder("link", "new", "x.svg"));

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(File.Exists(InFolder("real", "new", "x.svg")), Is.True);
    }

    [Test]
    public void AWriteThatFails_RemovesTheFoldersItCreated_AndNothingElse()
    {
        // The folders can be made, the file cannot (a name of 256 bytes; Write is called without OutputFile's check, which refuses it).
        Directory.CreateDirectory(InFolder("keep"));
        File.WriteAllText(InFolder("keep", "mine.txt"), "keep");
        string path = InFolder("keep", "new", "deeper", new string('n', 256));
        string[] before = Snapshot(Folder);

        var error = Assert.Throws<UsageException>(() => PathArguments.Write("--out", path, "<svg/>"));

        Assert.That(error!.Message, Does.Contain("name too long"));
        Assert.That(Snapshot(Folder).Where(e => !e.StartsWith("keep ", StringComparison.Ordinal)), Is.EqualTo(before.Where(e => !e.StartsWith("keep ", StringComparison.Ordinal))),
            "keep/new and keep/new/deeper are gone again; keep/mine.txt is untouched");
    }

    // (arguments, with RUN a finished run and OTHER another one; the line's reason)
    [TestCase("plot|RUN|--out|RUN/x.svg", "--out 'RUN/x.svg' is inside 'RUN', a run folder (written by reinforce train): --resume and --force refuse a folder holding a file reinforce did not write")]
    [TestCase("render|--baseline|--out|RUN/figures/x.svg", "--out 'RUN/figures/x.svg' is inside 'RUN', a run folder")]
    [TestCase("eval|RUN|--episodes|1|--svg|RUN/learning-curve.svg", "--svg 'RUN/learning-curve.svg' would replace the 'learning-curve.svg' of 'RUN', a run folder (written by reinforce train), which --force deletes as its own")]
    [TestCase("baseline|--episodes|1|--svg|RUN/config.json", "--svg 'RUN/config.json' would replace the 'config.json' of 'RUN'")]
    [TestCase("plot|OTHER|--out|RUN/learning-curve.svg", "--out 'RUN/learning-curve.svg' would replace the 'learning-curve.svg' of 'RUN'")]
    [TestCase("plot|RUN|OTHER|--out|RUN/learning-curve.svg", "would replace the 'learning-curve.svg' of 'RUN'")]
    [TestCase("plot|RUN|--out|RUN/metrics.csv", "would replace the 'metrics.csv' of 'RUN'")]
    public void AnOutputInsideARunFolder_IsRefused_AndForceCanStillReplaceTheRun(string arguments, string expected)
    {
        string run = FinishedRun("RUN");
        FinishedRun("OTHER");
        string[] before = Snapshot(Folder);

        CliResult result = InCurrentFolder(Folder, () => Run(arguments.Split('|')));

        AssertUsageError(result, expected);
        Assert.That(Snapshot(Folder), Is.EqualTo(before), "nothing written in the run folder");
        CliResult forced = Run(["train", "--out", run, "--force", .. TinyRun]);
        Assert.That(forced.ExitCode, Is.Zero, forced.ToString());
    }

    [Test]
    public void AnOutputInsideASweepFolder_IsRefused_ButPlotWritesTheSweepsOwnFigure()
    {
        CliResult sweep = Run(["sweep", "--out", InFolder("sweep"), .. TinySweep]);
        Assert.That(sweep.ExitCode, Is.Zero, sweep.ToString());

        CliResult inside = InCurrentFolder(Folder, () => Run("render", "--baseline", "--out", "sweep/x.svg"));
        CliResult own = InCurrentFolder(Folder, () => Run("plot", "sweep", "--out", "sweep/learning-curves.svg"));

        AssertUsageError(inside, "--out 'sweep/x.svg' is inside 'sweep', a sweep folder (written by reinforce sweep)");
        Assert.That(own.ExitCode, Is.Zero, own.ToString());
    }

    [Test]
    public void Plot_WritesItsOwnFigure_InTheRunFolderItPlots()
    {
        string run = FinishedRun();
        File.Delete(Path.Combine(run, "learning-curve.svg"));

        CliResult named = InCurrentFolder(Folder, () => Run("plot", "run", "--out", "run/learning-curve.svg"));
        CliResult byDefault = Run("plot", run);

        Assert.That(named.ExitCode, Is.Zero, named.ToString());
        Assert.That(byDefault.ExitCode, Is.Zero, byDefault.ToString());
        Assert.That(File.Exists(Path.Combine(run, "learning-curve.svg")), Is.True);
        Assert.That(Run(["train", "--out", run, "--force", .. TinyRun]).ExitCode, Is.Zero, "the figure is the run's own: --force replaces the folder");
    }

    [Test]
    public void Force_AndResume_RefuseARunFolderHoldingAFileTheUserPutThere_AndKeepIt()
    {
        // As `cp notes.txt run/` would: reinforce never wrote it, so neither --force nor --resume may take the folder.
        string run = FinishedRun();
        File.WriteAllText(Path.Combine(run, "notes.txt"), "keep");
        string[] before = Snapshot(Folder);

        CliResult forced = Run(["train", "--out", run, "--force", .. TinyRun]);
        CliResult resumed = Run("train", "--resume", run, "--max-updates", "2", "--quiet");

        AssertUsageError(forced, "--force replaces only a run folder, and it holds an entry reinforce did not write ('notes.txt'); nothing was changed");
        AssertUsageError(resumed, "cannot be continued: it holds an entry reinforce did not write ('notes.txt')");
        Assert.That(Snapshot(Folder), Is.EqualTo(before));
    }

    [Test]
    public void Force_KeepsAFileThatAppearsInTheOldRunWhileTheNewOneTrains_AndLeavesTheNewRunInItsPartialFolder()
    {
        string run = FinishedRun();
        string[] oldRun = Snapshot(run);
        string notes = Path.Combine(run, "notes.txt");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        // After the new run's first update (the hook runs between updates, whatever the machine's speed) a file appears in the old run.
        var context = new CliContext(stdout, stderr, CancellationToken.None, Style.None, Style.None)
        {
            AfterUpdate = update =>
            {
                if (update == 1)
                {
                    File.WriteAllText(notes, "keep");
                }
            },
        };

        int exit = Reinforce.Cli.Cli.Run(["train", "--out", run, "--force", "--max-updates", "2", "--hidden", "8", "--quiet"], context);

        Assert.That(exit, Is.EqualTo(1), stderr.ToString());
        Assert.That(stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(new[]
        {
            $"reinforce train: '{run}' can no longer be replaced: it holds an entry reinforce did not write ('notes.txt'); the run is in '{run}.partial'",
        }));
        Assert.That(File.ReadAllText(notes), Is.EqualTo("keep"));
        Assert.That(Snapshot(run).Where(e => !e.StartsWith("notes.txt ", StringComparison.Ordinal)), Is.EqualTo(oldRun), "the old run is untouched");
        Assert.That(File.ReadAllLines(Path.Combine(run + ".partial", "metrics.csv")), Has.Length.EqualTo(3), "the new run's two updates are kept");
    }

    private string FinishedRun(string name = "run")
    {
        string run = InFolder(name);
        CliResult result = Run(["train", "--out", run, .. TinyRun]);
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        return run;
    }
}
