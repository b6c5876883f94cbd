using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Reinforce.Tests.Cli;

/// <summary>
/// What <c>sweep merge</c> and <c>sweep --resume</c> refuse, each with exit 2 and one line naming the folder or file and
/// what is accepted, before anything is written, and never changing a shard: shards of two sweeps, a shard twice, a
/// shard missing, an incomplete, unfinished or whole sweep, every file of a shard damaged or edited by hand (even with its
/// checksum recomputed), an --out that exists or is a shard; a resume with other flags, of a run folder, of a folder
/// another process writes, or with --out.
/// </summary>
[TestFixture]
[Category(CliTestBase.CliRobustness)]
public sealed partial class SweepMergeRobustnessTests : CliTestBase
{
    // 3 configurations × 4 seeds in 4 shards of 3 runs.
    private static readonly string[] Small =
    [
        "--grid", "lr=0.01,0.02,0.04", "--seeds", "4", "--max-episodes", "8", "--hidden", "4", "--eval-episodes", "2", "--bootstrap-resamples", "100",
        "--threads", "1", "--quiet",
    ];

    private string[] shards = [];

    [SetUp]
    public void CreateShards()
    {
        shards = [.. Enumerable.Range(1, 4).Select(k => InFolder($"s{k}"))];
        for (int k = 1; k <= 4; k++)
        {
            CliResult result = Run(["sweep", .. Small, "--shard", $"{k}/4", "--out", shards[k - 1]]);
            Assert.That(result.ExitCode, Is.Zero, result.ToString());
        }
    }

    private CliResult Merge(params string[] folders) => Run(["sweep", "merge", .. folders, "--out", InFolder("merged"), "--quiet"]);

    [Test]
    public void TheFourShards_Merge()
    {
        CliResult merged = Merge(shards);
        Assert.That(merged.ExitCode, Is.Zero, merged.ToString());
        Assert.That(File.ReadAllLines(InFolder("merged", "runs.csv")), Has.Length.EqualTo(13), "12 runs and the header");
    }

    [Test]
    public void ShardsOfAnotherSweep_ATwiceGivenShard_AndMissingShards_AreRefused()
    {
        string other = InFolder("other");
        Assert.That(Run(["sweep", .. Small, "--eval-episodes", "3", "--shard", "2/4", "--out", other]).ExitCode, Is.Zero);
        string copy = InFolder("copy");
        CopyFolder(shards[0], copy);
        string split3 = InFolder("split3");
        Assert.That(Run(["sweep", .. Small, "--shard", "2/3", "--out", split3]).ExitCode, Is.Zero);
        string[] before = Snapshot(Folder);

        AssertUsageError(Merge(shards[0], other, shards[2], shards[3]), $"'{other}' is a shard of another sweep than '{shards[0]}' (--eval-episodes '2' in '{shards[0]}', '3' in '{other}')");
        AssertUsageError(Merge(shards[0], shards[1], split3), "is shard 2/3 and");
        AssertUsageError(Merge([.. shards, copy]), $"'{shards[0]}' and '{copy}' are both shard 1/4; give each shard once");
        AssertUsageError(Merge(shards[0], shards[1], shards[3]), "shard 3 of 4 is missing (1 of 4; given: 3)");
        AssertUsageError(Merge(shards[1]), "shards 1, 3, 4 of 4 are missing (3 of 4; given: 1)");
        Assert.That(Snapshot(Folder), Is.EqualTo(before), "nothing written, no shard changed");
    }

    [Test]
    public void IncompleteUnfinishedOrWholeSweeps_AndFoldersThatAreNoShards_AreRefused()
    {
        string whole = InFolder("whole"), user = InFolder("user"), incomplete = InFolder("incomplete");
        Assert.That(Run(["sweep", .. Small, "--out", whole]).ExitCode, Is.Zero);
        Directory.CreateDirectory(user);
        File.WriteAllText(Path.Combine(user, "notes.txt"), "mine");
        CopyFolder(shards[2], incomplete);
        File.Delete(Directory.GetFiles(Path.Combine(incomplete, "finished-runs"))[0]);
        Directory.Move(shards[3], shards[3] + ".partial");
        string[] before = Snapshot(Folder);

        AssertUsageError(Merge(shards[0], shards[1], incomplete, shards[3] + ".partial"), "is an unfinished shard");
        AssertUsageError(Merge(shards[0], shards[1], incomplete, shards[3]), "holds an unfinished shard");
        Directory.Move(shards[3] + ".partial", shards[3]);
        before = Snapshot(Folder);
        AssertUsageError(Merge(shards[0], shards[1], incomplete, shards[3]), $"'{incomplete}' (shard 3/4) is incomplete: 2 of its 3 runs are done; reinforce sweep … --shard 3/4 --resume");
        AssertUsageError(Merge(whole), "is a whole sweep (written without --shard), not a shard");
        AssertUsageError(Merge(user), "has no shard.json");
        AssertUsageError(Merge(InFolder("missing")), "no such folder");
        AssertUsageError(Merge(Path.Combine(user, "notes.txt")), "is a regular file");
        AssertUsageError(Run("sweep", "merge", "--out", InFolder("merged")), "no shard folders given");
        AssertUsageError(Run(["sweep", "merge", .. shards]), "--out is missing");
        Assert.That(Snapshot(Folder), Is.EqualTo(before), "nothing written, no shard changed");
    }

    // Each edit of one file of shard 2, and the words the refusal must say about it.
    private static readonly (string File, string Expected, Action<string> Edit)[] Edits =
    [
        ("finished-runs/c0-s1.json", "not valid JSON", path => File.WriteAllBytes(path, File.ReadAllBytes(path)[..100])),
        ("finished-runs/c0-s1.json", "its sha256 is not the hash of its run", path => EditRun(path, run => run["lengths"]![0] = 9, rehash: false)),
        ("finished-runs/c0-s1.json", "episode 1: its return", path => EditRun(path, run => run["lengths"]![0] = run["lengths"]![0]!.GetValue<int>() + 1, rehash: true)),
        ("finished-runs/c0-s1.json", "are not what its returns give", path => EditRun(path, run => run["finalRunningReward"] = 1.5, rehash: true)),
        ("finished-runs/c0-s1.json", "'evaluation': its seed is not the run's evaluation seed", path => EditRun(path, run => run["evaluation"]!["seed"] = 7, rehash: true)),
        ("finished-runs/c0-s1.json", "unknown key 'extra'", path => EditRun(path, run => run["extra"] = 1, rehash: true)),
        ("finished-runs/c0-s1.json", "its configuration and seed are not the 0 and 1 of its name", path => EditRun(path, run => run["seed"] = 2, rehash: true)),
        ("finished-runs/c0-s1.json", "it is a run of another sweep", path => EditRun(path, run => run["identity"] = new string('0', 64), rehash: true)),
        ("finished-runs/c0-s0.json", "is a run of another shard's share", path => File.Copy(path.Replace($"{Path.DirectorySeparatorChar}s2{Path.DirectorySeparatorChar}", $"{Path.DirectorySeparatorChar}s1{Path.DirectorySeparatorChar}", StringComparison.Ordinal), path)),
        ("finished-runs/notes.txt", "is not a run file of reinforce sweep", path => File.WriteAllText(path, "mine")),
        ("sweep-identity.json", "its sha256 is not the hash of its values", path => File.WriteAllText(path, File.ReadAllText(path).Replace("\"evalEpisodes\": 2", "\"evalEpisodes\": 3", StringComparison.Ordinal))),
        ("sweep-identity.json", "'evalEpisodes' must be an integer in [0, 100000]", path => File.WriteAllText(path, File.ReadAllText(path).Replace("\"evalEpisodes\": 2", "\"evalEpisodes\": -2", StringComparison.Ordinal))),
        ("shard.json", "it says 4 runs, but shard 2/4 of this sweep has 3", path => File.WriteAllText(path, File.ReadAllText(path).Replace("\"runs\": 3", "\"runs\": 4", StringComparison.Ordinal))),
        ("shard.json", "its identity is not the one of sweep-identity.json", path => File.WriteAllText(path, IdentityPattern().Replace(File.ReadAllText(path), $"\"identity\": \"{new string('a', 64)}\""))),
        ("shard.json", "a machine has no cpu", path => File.WriteAllText(path, System.Text.RegularExpressions.Regex.Replace(File.ReadAllText(path), "\"cpu\": \"[^\"]*\",", ""))),
        ("shard.json", "not valid JSON", path => File.WriteAllText(path, "{")),
    ];

    private static IEnumerable<TestCaseData> EditCases() => Edits.Select((e, i) => new TestCaseData(i).SetName($"AnEditedShardFile_IsRefused_NamingIt({i}: {e.File}: {e.Expected})"));

    [TestCaseSource(nameof(EditCases))]
    public void AnEditedShardFile_IsRefused_NamingIt(int edit)
    {
        var (file, expected, apply) = Edits[edit];
        string path = Path.Combine(shards[1], file);
        apply(path);
        string[] before = Snapshot(Folder);

        CliResult result = Merge(shards);

        AssertUsageError(result, expected);
        Assert.That(result.Error, Does.Contain(Path.GetFileName(path)), "names the file");
        Assert.That(Snapshot(Folder), Is.EqualTo(before), "nothing written, no shard changed");
    }

    [Test]
    public void AnOutThatExists_OrIsAShard_IsRefused_AndForceReplacesOnlyAnOwnSweep()
    {
        string user = InFolder("user");
        Directory.CreateDirectory(user);
        File.WriteAllText(Path.Combine(user, "notes.txt"), "mine");
        Assert.That(Merge(shards).ExitCode, Is.Zero);
        string[] before = Snapshot(Folder);

        AssertUsageError(Merge(shards), "the folder exists and is not empty; --force replaces a sweep or run folder");
        AssertUsageError(Run(["sweep", "merge", .. shards, "--out", shards[1], "--force"]), $"--out '{shards[1]}' is the shard '{shards[1]}'; the merge never changes a shard");
        AssertUsageError(Run(["sweep", "merge", .. shards, "--out", Path.Combine(shards[1], "inside")]), "is inside");
        AssertUsageError(Run(["sweep", "merge", .. shards, "--out", user, "--force"]), "--force replaces only a sweep or run folder");
        Assert.That(Snapshot(Folder), Is.EqualTo(before));

        CliResult again = Run(["sweep", "merge", .. shards, "--out", InFolder("merged"), "--force", "--quiet"]);
        Assert.That(again.ExitCode, Is.Zero, again.ToString());
        AssertUsageError(Run("plot", shards[0]), "is one shard of a sweep (sweep --shard K/N), which has no figures of its own");

        // --force replaces a shard folder, its finished-runs/ included, only while everything in it is reinforce's.
        File.WriteAllText(Path.Combine(shards[2], "finished-runs", "notes.txt"), "mine");
        before = Snapshot(Folder);
        AssertUsageError(Run(["sweep", .. Small, "--out", shards[2], "--force"]), "it holds an entry reinforce did not write ('finished-runs/notes.txt')");
        Assert.That(Snapshot(Folder), Is.EqualTo(before));
        CliResult replaced = Run(["sweep", .. Small, "--out", shards[3], "--force"]);
        Assert.That(replaced.ExitCode, Is.Zero, replaced.ToString());
        Assert.That(Directory.Exists(Path.Combine(shards[3], "finished-runs")), Is.False, "the shard's run files went with it");
        Assert.That(File.Exists(Path.Combine(shards[3], "shard.json")), Is.False);
        Assert.That(File.ReadAllLines(Path.Combine(shards[3], "runs.csv")), Has.Length.EqualTo(13), "the whole sweep in its place");
    }

    [Test]
    public void Resume_WithOtherFlags_OfARunFolder_OfAFolderBeingWritten_OrWithOut_IsRefused()
    {
        string run = InFolder("run"), partial = InFolder("partial");
        Assert.That(Run("train", "--max-updates", "1", "--out", run, "--quiet").ExitCode, Is.Zero);
        using (var interrupt = new CancellationTokenSource())
        {
            CliResult stopped = RunInterruptingSweep(interrupt.Token, done => { if (done == 2) interrupt.Cancel(); }, ["sweep", .. Small, "--out", partial]);
            Assert.That(stopped.ExitCode, Is.EqualTo(130), stopped.ToString());
        }
        string[] before = Snapshot(Folder);

        AssertUsageError(Run(["sweep", .. Small, "--max-episodes", "9", "--resume", partial]),
            $"--resume: the sweep in '{partial}' was started with other settings (configuration 0 ('lr=0.01'): maxEpisodes '8' in the folder, '9' given");
        AssertUsageError(Run(["sweep", .. Small, "--seeds", "5", "--resume", partial]), "(--seeds 'seeds 0..3' in the folder, 'seeds 0..4' given");
        AssertUsageError(Run(["sweep", .. Small, "--shard", "1/4", "--resume", partial]), "holds a whole sweep, not a shard; leave out --shard 1/4");
        AssertUsageError(Run(["sweep", .. Small, "--resume", shards[1]]), "holds shard 2/4 of a sweep; give --shard 2/4");
        AssertUsageError(Run(["sweep", .. Small, "--resume", run]), "is not a sweep folder");
        AssertUsageError(Run(["sweep", .. Small, "--resume", InFolder("missing")]), "no such sweep folder");
        AssertUsageError(Run(["sweep", .. Small, "--resume", partial, "--out", partial]), "give --resume without --out");
        using (new FileStream(Path.Combine(partial, ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            before = Snapshot(Folder);
            AssertUsageError(Run(["sweep", .. Small, "--resume", partial]), "is being written by");
            Assert.That(Snapshot(Folder), Is.EqualTo(before));
        }
        File.Delete(Path.Combine(partial, ".lock"));

        CliResult resumed = Run(["sweep", .. Small, "--resume", partial]);

        Assert.That(resumed.ExitCode, Is.Zero, $"with the flags it was started with, and nobody writing it; {resumed}");
        Assert.That(File.ReadAllLines(Path.Combine(partial, "runs.csv")), Has.Length.EqualTo(13));
    }

    private static void EditRun(string path, Action<JsonObject> edit, bool rehash)
    {
        JsonObject file = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        JsonObject run = file["run"]!.AsObject();
        edit(run);
        string body = run.ToJsonString();
        if (rehash)
        {
            file["sha256"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body)));
        }
        File.WriteAllText(path, $"{{\"format\":{file["format"]!.ToJsonString()},\"sha256\":{file["sha256"]!.ToJsonString()},\"run\":{body}}}\n");
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (string entry in Directory.EnumerateFileSystemEntries(from, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(to, Path.GetRelativePath(from, entry));
            if (Directory.Exists(entry))
            {
                Directory.CreateDirectory(target);
            }
            else
            {
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(entry, target);
            }
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex("\"identity\": \"[0-9a-f]{64}\"")]
    private static partial System.Text.RegularExpressions.Regex IdentityPattern();
}
