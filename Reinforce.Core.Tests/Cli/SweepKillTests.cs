using System.Diagnostics;
using System.Globalization;
using Reinforce.Randomness;

namespace Reinforce.Tests.Cli;

/// <summary>
/// Sweeps as real child processes of the built command: N shards run as N processes at once and merged equal the sweep
/// run whole (and each process writes the same identity file, so the hash is the same in every process); and sweeps and
/// shards stopped the hard way — SIGKILL or SIGTERM right after run k, or SIGKILL in the middle of writing run k's file —
/// at points drawn from a seed, then resumed, leave the folder an uninterrupted sweep leaves (compared file by file,
/// only the documented wall-clock and machine fields masked: <see cref="SweepFolderAssert"/>).
/// </summary>
/// <remarks>
/// The child stops at the chosen point, never in a race with its speed: the tool's test hooks
/// (REINFORCE_TEST_PAUSE_AFTER_SWEEP_RUN, REINFORCE_TEST_PAUSE_WRITING_SWEEP_RUN; Reinforce.Cli/Program.cs) make it wait
/// there and say so on stderr, and the test signals it only once it has read that line. Every sweep runs on one worker,
/// so "after run k" means exactly k runs recorded, on a fast idle machine and a slow busy one alike.
/// </remarks>
[TestFixture]
[Category(CliTestBase.CliRobustness)]
[Platform(Exclude = "Win", Reason = "signals")]
public sealed class SweepKillTests : CliTestBase
{
    // 3 configurations × 10 seeds = 30 runs; shard 2/3 holds the 10 runs of seeds 3 (configuration 1) to 6 (configuration 1).
    private static readonly string[] Small =
    [
        "--grid", "lr=0.01,0.02,0.04", "--seeds", "10", "--max-episodes", "16", "--hidden", "8", "--reward-threshold", "25",
        "--running-reward-weight", "0.3", "--eval-episodes", "2", "--bootstrap-resamples", "200", "--threads", "1", "--quiet",
    ];

    [Test]
    public void ShardsAsSeparateProcesses_ThenMerged_AreTheWholeSweep()
    {
        string whole = SweepShardTests.WholeSweep(InFolder("whole"), SweepShardTests.Grid);
        string shards = InFolder("shards");
        Directory.CreateDirectory(shards);
        const int n = 4;

        // All four at once, as an array job would run them.
        var children = Enumerable.Range(1, n).Select(k => StartCli(["sweep", .. SweepShardTests.Grid, "--shard", $"{k}/{n}", "--out", $"s{k}"], workingDirectory: shards)).ToList();
        foreach (var (child, k) in children.Select((c, i) => (c, i + 1)))
        {
            string error = child.StandardError.ReadToEnd();
            child.WaitForExit();
            Assert.That(child.ExitCode, Is.Zero, $"shard {k}: {error}");
            child.Dispose();
        }
        string merged = InFolder("merged");
        Directory.CreateDirectory(merged);
        CliResult merge = InCurrentFolder(merged, () => Run(["sweep", "merge", .. Enumerable.Range(1, n).Select(k => Path.Combine(shards, $"s{k}")), "--out", "sweep", "--quiet"]));

        Assert.That(merge.ExitCode, Is.Zero, merge.ToString());
        SweepFolderAssert.AreSame(whole, Path.Combine(merged, "sweep"), "shards as child processes");
        // The identity each process computed: byte for byte the whole sweep's (SHA-256 of the same canonical text in every process).
        byte[] identity = File.ReadAllBytes(Path.Combine(whole, "sweep-identity.json"));
        for (int k = 1; k <= n; k++)
        {
            Assert.That(File.ReadAllBytes(Path.Combine(shards, $"s{k}", "sweep-identity.json")), Is.EqualTo(identity), $"shard {k}");
        }
    }

    private enum Stop
    {
        KillAfterRun,
        TerminateAfterRun,
        KillWhileWriting,
    }

    [Test]
    public void KilledOrTerminatedAtSeededPoints_ThenResumed_IsTheUninterruptedSweep()
    {
        string whole = SweepShardTests.WholeSweep(InFolder("whole"), Small);
        // The shards the stopped one is merged with: 1/3 and 3/3, uninterrupted.
        string shards = InFolder("shards");
        Directory.CreateDirectory(shards);
        foreach (int k in new[] { 1, 3 })
        {
            Assert.That(InCurrentFolder(shards, () => Run(["sweep", .. Small, "--shard", $"{k}/3", "--out", $"s{k}"])).ExitCode, Is.Zero);
        }
        var rng = new Pcg64(23);

        for (int trial = 0; trial < 6; trial++)
        {
            var stop = (Stop)(trial % 3);
            bool sharded = trial >= 3;
            int runs = sharded ? 10 : 30;
            int k = 1 + (int)(rng.NextUInt64() % (ulong)(runs - 1)); // stopped at run k of runs, 1 ≤ k < runs
            string folder = InFolder($"trial{trial}");
            Directory.CreateDirectory(folder);
            string[] flags = [.. Small, .. sharded ? new[] { "--shard", "2/3" } : []];
            string variable = stop == Stop.KillWhileWriting ? "REINFORCE_TEST_PAUSE_WRITING_SWEEP_RUN" : "REINFORCE_TEST_PAUSE_AFTER_SWEEP_RUN";
            string expectedLine = stop == Stop.KillWhileWriting ? $"paused writing sweep run {k}" : $"paused after sweep run {k}";
            using Process child = StartCli(["sweep", .. flags, "--out", "sweep"], new Dictionary<string, string> { [variable] = k.ToString(CultureInfo.InvariantCulture) }, folder);
            bool paused = WaitForLine(child, expectedLine);
            if (paused)
            {
                Signal(child, stop == Stop.TerminateAfterRun ? "TERM" : "KILL");
            }
            string rest = child.StandardError.ReadToEnd();
            child.WaitForExit();
            string context = $"trial {trial}: {stop} at run {k} of {runs}{(sharded ? " of shard 2/3" : "")}, exit {child.ExitCode}\n{rest}";
            Assert.That(paused, Is.True, $"the child never paused; {context}");

            string left;
            if (stop == Stop.TerminateAfterRun)
            {
                // SIGTERM is Ctrl-C: no new run starts, the folder is published as interrupted with the runs done.
                Assert.That(child.ExitCode, Is.EqualTo(143), context);
                left = Path.Combine(folder, "sweep");
                Assert.That(rest, Does.Contain("--resume sweep"), context);
            }
            else
            {
                Assert.That(child.ExitCode, Is.EqualTo(137), context);
                left = Path.Combine(folder, "sweep.partial");
            }
            string[] files = Directory.GetFiles(Path.Combine(left, "finished-runs")).Select(Path.GetFileName).ToArray()!;
            int temporary = files.Count(f => f.EndsWith(".tmp", StringComparison.Ordinal));
            Assert.That(files.Length - temporary, Is.EqualTo(stop == Stop.KillWhileWriting ? k - 1 : k), $"the runs recorded; {context}");
            Assert.That(temporary, Is.EqualTo(stop == Stop.KillWhileWriting ? 1 : 0), $"the write cut short; {context}");

            CliResult resumed = InCurrentFolder(folder, () => Run(["sweep", .. flags, "--resume", "sweep"]));

            Assert.That(resumed.ExitCode, Is.Zero, $"{context}\n{resumed}");
            Assert.That(Directory.Exists(Path.Combine(folder, "sweep.partial")), Is.False, context);
            if (!sharded)
            {
                SweepFolderAssert.AreSame(whole, Path.Combine(folder, "sweep"), context);
                continue;
            }
            string merged = InFolder($"merged{trial}");
            Directory.CreateDirectory(merged);
            CliResult merge = InCurrentFolder(merged, () => Run("sweep", "merge", Path.Combine(shards, "s1"), Path.Combine(folder, "sweep"), Path.Combine(shards, "s3"),
                "--out", "sweep", "--quiet"));
            Assert.That(merge.ExitCode, Is.Zero, $"{context}\n{merge}");
            SweepFolderAssert.AreSame(whole, Path.Combine(merged, "sweep"), context);
        }
    }

    // Reads the child's stderr up to the line `expected` (true) or its end (false).
    private static bool WaitForLine(Process child, string expected)
    {
        string? line;
        while ((line = child.StandardError.ReadLine()) is not null)
        {
            if (line == expected)
            {
                return true;
            }
        }
        return false;
    }

    private static void Signal(Process process, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-s", signal, process.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
        kill.WaitForExit();
    }
}
