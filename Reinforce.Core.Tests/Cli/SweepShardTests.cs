using Reinforce.Cli;

namespace Reinforce.Tests.Cli;

/// <summary>
/// <c>reinforce sweep --shard K/N</c>, <c>sweep merge</c> and <c>sweep --resume</c> in-process: the shards partition the
/// runs as docs/cluster.md says, their merge is the sweep run whole file by file (bytes compared, only the documented
/// wall-clock and machine fields masked: <see cref="SweepFolderAssert"/>), the identity moves with every setting that
/// changes a number and with nothing else, and a sweep interrupted after run k resumes to the uninterrupted sweep's folder.
/// </summary>
[TestFixture]
public sealed class SweepShardTests : CliTestBase
{
    // 3 configurations × 30 seeds = 90 runs of at most 24 episodes of an 8-unit network: seconds in all. The low threshold
    // with a fast running reward leaves some runs solved and some not, so every statistic of the summary has a sample. On
    // the previous default (PreviousDefault), as written: solved by that running reward, reward-to-go over 4-episode batches.
    internal static readonly string[] Grid =
    [
        "--grid", "lr=0.01,0.02,0.04", "--seeds", "30", "--max-episodes", "24", "--hidden", "8", "--reward-threshold", "25",
        "--running-reward-weight", "0.3", "--eval-episodes", "2", "--bootstrap-resamples", "200", "--threads", "1", "--quiet",
        .. PreviousDefaultWithout("--lr", "--hidden"),
    ];

    private const int Runs = 90;

    /// <summary>The whole sweep, written as `--out sweep` from <paramref name="folder"/> (so its command line names the same --out as a merge's).</summary>
    internal static string WholeSweep(string folder, string[] flags)
    {
        Directory.CreateDirectory(folder);
        CliResult result = InCurrentFolder(folder, () => Run(["sweep", .. flags, "--out", "sweep"]));
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        return Path.Combine(folder, "sweep");
    }

    // Expected sizes: ⌊k·90/N⌋ − ⌊(k − 1)·90/N⌋ worked out by hand (N = 4: 0, 22, 45, 67, 90; N = 7: 0, 12, 25, 38, 51, 64, 77, 90).
    [TestCase(4, new[] { 22, 23, 22, 23 })]
    [TestCase(7, new[] { 12, 13, 13, 13, 13, 13, 13 })]
    public void Shards_MergedInAnyOrder_AreTheWholeSweep_FileByFile(int n, int[] sizes)
    {
        string whole = WholeSweep(InFolder("whole"), Grid);
        string shards = InFolder("shards");
        Directory.CreateDirectory(shards);
        for (int k = 1; k <= n; k++)
        {
            CliResult shard = InCurrentFolder(shards, () => Run(["sweep", .. Grid, "--shard", $"{k}/{n}", "--out", $"s{k}"]));
            Assert.That(shard.ExitCode, Is.Zero, shard.ToString());
        }
        var runFiles = Enumerable.Range(1, n).Select(k => Directory.GetFiles(Path.Combine(shards, $"s{k}", "finished-runs")).Select(Path.GetFileName).ToList()).ToList();
        string[] before = Snapshot(shards);
        string merged = InFolder("merged");
        Directory.CreateDirectory(merged);

        // The shards given last to first: the merge orders them by K.
        CliResult merge = InCurrentFolder(merged, () => Run(["sweep", "merge", .. Enumerable.Range(1, n).Reverse().Select(k => Path.Combine(shards, $"s{k}")), "--out", "sweep", "--quiet"]));

        Assert.That(merge.ExitCode, Is.Zero, merge.ToString());
        Assert.That(runFiles.Select(f => f.Count), Is.EqualTo(sizes), "each shard's runs");
        Assert.That(runFiles.SelectMany(f => f).Distinct().Count(), Is.EqualTo(Runs), "every run in exactly one shard");
        SweepFolderAssert.AreSame(whole, Path.Combine(merged, "sweep"), $"N = {n}");
        Assert.That(File.Exists(Path.Combine(merged, "sweep", "shards.json")), Is.True);
        Assert.That(Snapshot(shards), Is.EqualTo(before), "the merge changed no shard");
        Assert.That(Table(whole, "summary.csv").Select(r => r[4]).Select(int.Parse).Sum(), Is.InRange(1, Runs - 1), "some runs solved, some not: the statistics are not empty");
    }

    [Test]
    public void ShardRanges_PartitionTheRuns_IntoContiguousRangesOfFloorOrCeilingSize()
    {
        // Every T up to 120 runs and every N ≤ T: the ranges follow each other from 0 to T, each of ⌊T/N⌋ or ⌈T/N⌉ jobs. Exact.
        for (int total = 1; total <= 120; total++)
        {
            for (int n = 1; n <= total; n++)
            {
                int next = 0;
                for (int k = 1; k <= n; k++)
                {
                    ShardRange range = new ShardSpec(k, n).Range(total);
                    Assert.That(range.Start, Is.EqualTo(next), $"T {total}, shard {k}/{n}");
                    Assert.That(range.Count, Is.InRange(total / n, (total + n - 1) / n), $"T {total}, shard {k}/{n}");
                    next = range.End;
                }
                Assert.That(next, Is.EqualTo(total), $"T {total}, N {n}");
            }
        }
        // The largest sweep: 10⁶ runs over 10⁵ shards, without overflow.
        Assert.That(new ShardSpec(100_000, 100_000).Range(1_000_000), Is.EqualTo(new ShardRange(999_990, 1_000_000)));
    }

    [TestCase("--threads", "2")]
    [TestCase("--out", "elsewhere")]
    [TestCase("--shard", "3/4")]
    [TestCase("--no-quiet", null)]
    [TestCase("--force", null)]
    public void Identity_IgnoresWhatChangesNoNumber(string flag, string? value)
    {
        // Expected: the same SHA-256 as the plain grid's (a shard, the workers, the output and the display are not the sweep).
        Assert.That(Identity([.. Grid, flag, .. value is null ? Array.Empty<string>() : [value]]), Is.EqualTo(Identity(Grid)));
        // The flags in another order, and the seeds as a range instead of a count: the same sweep.
        Assert.That(Identity([.. Grid[4..], .. Grid[..4]]), Is.EqualTo(Identity(Grid)));
        Assert.That(Identity([.. Grid.Select(a => a == "30" ? "0..29" : a)]), Is.EqualTo(Identity(Grid)));
    }

    [TestCase("--eval-episodes", "3")]
    [TestCase("--bootstrap-resamples", "300")]
    [TestCase("--bootstrap-seed", "1")]
    [TestCase("--x", "steps")]
    [TestCase("--seeds", "31")]
    [TestCase("--seeds", "1..30")]
    [TestCase("--grid", "lr=0.01,0.04,0.02")]
    [TestCase("--gamma", "0.9")]
    [TestCase("--max-episodes", "25")]
    [TestCase("--execution", "reference")]
    public void Identity_ChangesWithEverySettingThatChangesAFile(string flag, string value)
    {
        // Expected: another SHA-256 (--execution changes no number but is written in sweep.json, so it is another folder).
        string[] changed = Grid.Contains(flag)
            ? [.. Grid.Select((a, i) => i > 0 && Grid[i - 1] == flag ? value : a)]
            : [.. Grid, flag, value];
        string a = Identity(Grid), b = Identity(changed);
        Assert.That(b, Is.Not.EqualTo(a));
        Assert.That(a, Does.Match("^[0-9a-f]{64}$"));
    }

    [Test]
    public void Identity_IsTheSha256OfItsCanonicalText_AndItsFileReadsBackToTheSameIdentity()
    {
        SweepIdentity identity = SweepIdentity.Of(Prepare(Grid));
        string folder = InFolder("identity");
        Directory.CreateDirectory(folder);
        identity.WriteFile(folder);

        SweepIdentity read = SweepIdentity.Read(folder);

        // Expected: the same hash and no difference found; a new process computes the same (SweepKillTests compares the files
        // that separate processes write). Tolerance: exact.
        Assert.That(read.Sha256, Is.EqualTo(identity.Sha256));
        Assert.That(read.Difference(identity, "a", "b"), Is.Null);
        Assert.That(read.FileText(), Is.EqualTo(File.ReadAllText(Path.Combine(folder, SweepIdentity.FileName))));
        Assert.That(SweepIdentity.Of(Prepare([.. Grid, "--eval-episodes", "5"])).Difference(identity, "here", "there"),
            Does.Contain("--eval-episodes '5' here, '2' there"));
    }

    // Ctrl-C right after run k has been recorded: on one worker no run is running then, so exactly k runs are done.
    [TestCase(1)]
    [TestCase(44)]
    [TestCase(89)]
    public void CtrlC_AfterRunK_ThenResume_IsTheUninterruptedSweep(int k)
    {
        string whole = WholeSweep(InFolder("whole"), Grid);
        string resumed = InFolder("resumed");
        Directory.CreateDirectory(resumed);
        using var interrupt = new CancellationTokenSource();

        CliResult stopped = InCurrentFolder(resumed, () => RunInterruptingSweep(interrupt.Token, done => { if (done == k) interrupt.Cancel(); },
            ["sweep", .. Grid, "--out", "sweep"]));

        string folder = Path.Combine(resumed, "sweep");
        Assert.That(stopped.ExitCode, Is.EqualTo(130), stopped.ToString());
        Assert.That(Directory.GetFiles(Path.Combine(folder, "finished-runs")), Has.Length.EqualTo(k), "the runs done, each in its file");
        Assert.That(stopped.Error, Does.Contain("--resume sweep"));

        CliResult resume = InCurrentFolder(resumed, () => Run(["sweep", .. Grid, "--resume", "sweep"]));

        Assert.That(resume.ExitCode, Is.Zero, resume.ToString());
        SweepFolderAssert.AreSame(whole, folder, $"interrupted after run {k}");
    }

    [Test]
    public void Resume_OfACompleteSweep_OrShard_IsANoOp_ThatChangesNothing()
    {
        string whole = WholeSweep(InFolder("whole"), Grid);
        Assert.That(InCurrentFolder(Folder, () => Run(["sweep", .. Grid, "--shard", "2/4", "--out", "s2"])).ExitCode, Is.Zero);
        string[] before = Snapshot(Folder);

        CliResult sweep = InCurrentFolder(InFolder("whole"), () => Run(["sweep", .. Grid, "--resume", "sweep"]));
        CliResult shard = InCurrentFolder(Folder, () => Run(["sweep", .. Grid, "--shard", "2/4", "--resume", "s2"]));

        Assert.That(sweep.ExitCode, Is.Zero, sweep.ToString());
        Assert.That(sweep.Output, Does.Contain("'sweep' is complete already (90 runs); nothing to do"));
        Assert.That(shard.ExitCode, Is.Zero, shard.ToString());
        Assert.That(shard.Output, Does.Contain("'s2' is complete already (23 runs of shard 2/4); nothing to do"));
        Assert.That(Snapshot(Folder), Is.EqualTo(before));
        Assert.That(Directory.Exists(Path.Combine(whole, "finished-runs")), Is.False, "a complete sweep keeps no run files: its files hold every run");
    }

    internal static SweepCommand.Plan Prepare(string[] flags) =>
        SweepCommand.Prepare(ParsedArguments.Parse("sweep", flags, SweepCommand.Flags, 0, ""));

    private static string Identity(string[] flags) => SweepIdentity.Of(Prepare(flags)).Sha256;

    private static List<string[]> Table(string folder, string file) =>
        [.. File.ReadAllLines(Path.Combine(folder, file)).Skip(1).Select(l => l.Split(','))];
}
