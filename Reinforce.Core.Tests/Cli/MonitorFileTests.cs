using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Reinforce.Cli;
using Reinforce.Tests.Docs;

namespace Reinforce.Tests.Cli;

/// <summary>
/// A run folder's monitor.csv, Stable-Baselines3's Monitor log: parsed the way SB3's <c>load_results</c> reads it
/// (stable_baselines3/common/monitor.py: the first line is <c>#</c> and JSON, then a CSV with columns r, l, t), its rows
/// against episodes.csv, its numbers in Python's float form, and what a resume leaves (the same rows as an
/// uninterrupted run, the same t_start). The kill tests check it after SIGKILL (KillTests).
/// </summary>
[TestFixture]
public sealed class MonitorFileTests : CliTestBase
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>What load_results gets from a monitor.csv: the header object and the rows, each r, l, t as text.</summary>
    internal static (JsonElement Header, string[][] Rows) LoadResults(string run)
    {
        string text = File.ReadAllText(Path.Combine(run, "monitor.csv"));
        Assert.That(text, Does.EndWith("\n"), "whole lines only");
        string[] lines = text[..^1].Split('\n');
        Assert.That(lines[0], Does.StartWith("#"), "load_results: assert first_line[0] == \"#\"");
        using var header = JsonDocument.Parse(lines[0][1..]);
        Assert.That(lines[1], Is.EqualTo("r,l,t"), "pandas.read_csv's header: the columns r, l, t");
        string[][] rows = [.. lines.Skip(2).Select(l => l.Split(','))];
        Assert.That(rows, Has.All.Length.EqualTo(3), "every row has the header's three cells");
        return (header.RootElement.Clone(), rows);
    }

    private static double UnixNow() => (DateTime.UtcNow - DateTime.UnixEpoch).TotalSeconds;

    [TestCase("CartPole-v1")]
    [TestCase("CartPole-v0", "--sutton-barto-reward")]
    public void MonitorCsv_ReadsAsLoadResultsReadsIt_WithARowPerEpisodeOfEpisodesCsv(string environment, params string[] more)
    {
        string run = InFolder("run");
        double before = UnixNow();

        CliResult result = Run(["train", .. PreviousDefault, "--env", environment, "--max-updates", "6", "--out", run, "--quiet", .. more]);

        double after = UnixNow();
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        var (header, rows) = LoadResults(run);
        Assert.That(header.EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "t_start", "env_id" }), "SB3's Monitor header keys, in its order");
        Assert.That(header.GetProperty("env_id").GetString(), Is.EqualTo(environment));
        double tStart = header.GetProperty("t_start").GetDouble();
        // Expected: the run started between the two readings of the clock (each is UTC since the Unix epoch).
        Assert.That(tStart, Is.InRange(before, after));
        Assert.That(File.ReadAllLines(Path.Combine(run, "monitor.csv"))[0], Does.Match(@"^#\{""t_start"": [0-9]+\.[0-9]+, ""env_id"": ""CartPole-v[01]""\}$"),
            "Python's json.dumps separators: \", \" and \": \"");

        // Expected: episodes.csv's return and length of each episode, in order. Tolerance: exact (CartPole's returns are
        // integers, which SB3's 6-decimal rounding leaves alone).
        string[][] episodes = [.. File.ReadAllLines(Path.Combine(run, "episodes.csv")).Skip(1).Select(l => l.Split(','))];
        Assert.That(rows, Has.Length.EqualTo(episodes.Length).And.Length.EqualTo(6 * 4), "batches of 4 episodes, 6 updates");
        Assert.That(rows.Select(r => double.Parse(r[0], Invariant)), Is.EqualTo(episodes.Select(e => double.Parse(e[2], Invariant))));
        Assert.That(rows.Select(r => r[1]), Is.EqualTo(episodes.Select(e => e[3])));
        Assert.That(rows.Select(r => r[0]), Has.All.Match(@"^-?[0-9]+\.[0-9]+$"), "a float as Python writes it: 21.0, -1.0");
        Assert.That(rows.Select(r => r[1]), Has.All.Match(@"^[0-9]+$"), "an int");
        double[] t = [.. rows.Select(r => double.Parse(r[2], Invariant))];
        Assert.That(t, Has.All.GreaterThanOrEqualTo(0.0));
        Assert.That(t, Is.Ordered, "t never decreases");
        // Every row was written by the end of the run; 1e-5 s allows for t's 6-decimal rounding.
        Assert.That(tStart + t[^1], Is.LessThanOrEqualTo(after + 1e-5));
        if (more.Contains("--sutton-barto-reward"))
        {
            Assert.That(rows.Select(r => r[0]), Has.All.EqualTo("-1.0").Or.EqualTo("0.0"), "reward 0 per step and −1 on failure");
        }
    }

    /// <summary>Expected: CPython 3.11's <c>repr</c> of each double (the form Python's csv module writes a float in).</summary>
    [TestCase(500.0, "500.0")]
    [TestCase(-1.0, "-1.0")]
    [TestCase(0.0, "0.0")]
    [TestCase(-0.0, "-0.0")]
    [TestCase(0.1, "0.1")]
    [TestCase(1.0 / 3, "0.3333333333333333")]
    [TestCase(0.0001, "0.0001")]
    [TestCase(0.00001, "1e-05")]
    [TestCase(2.5e-07, "2.5e-07")]
    [TestCase(123456.789, "123456.789")]
    [TestCase(1e15, "1000000000000000.0")]
    [TestCase(1e16, "1e+16")]
    [TestCase(12345678901234567.0, "1.2345678901234568e+16")]
    [TestCase(1.5e300, "1.5e+300")]
    [TestCase(double.MaxValue, "1.7976931348623157e+308")]
    [TestCase(double.Epsilon, "5e-324")]
    [TestCase(1796324519.994027, "1796324519.994027")]
    public void PythonFloat_IsPythonsRepr(double value, string expected) => Assert.That(MonitorLog.PythonFloat(value), Is.EqualTo(expected));

    /// <summary>Expected: what SB3 writes, <c>round(x, 6)</c> of r and t in CPython 3.11 (e.g. round(2.5e-07, 6) is 0.0).</summary>
    [TestCase(21.0, 21, 0.1253014, "21.0,21,0.125301")]
    [TestCase(500.0, 500, 12.0, "500.0,500,12.0")]
    [TestCase(-1.0, 9, 2.5e-07, "-1.0,9,0.0")]
    [TestCase(1.0 / 3, 1, 1.0 / 3, "0.333333,1,0.333333")]
    public void Row_RoundsRAndTTo6Decimals_AsSb3Does(double r, int l, double t, string expected) =>
        Assert.That(MonitorLog.Row(r, l, t), Is.EqualTo(expected));

    [Test]
    public void Resume_OfAKilledRun_KeepsTStart_DropsTheRowsAfterTheCheckpoint_AndEqualsAnUninterruptedRun()
    {
        // A run killed after update 5 with its checkpoint at update 4: monitor.csv has a 5th update's rows and a torn line.
        string whole = InFolder("whole"), run = InFolder("killed");
        Assert.That(Run(["train", .. PreviousDefault, "--max-updates", "7", "--out", whole, "--quiet"]).ExitCode, Is.Zero);
        Assert.That(Run(["train", .. PreviousDefault, "--max-updates", "4", "--out", run, "--quiet"]).ExitCode, Is.Zero);
        string partial = run + ".partial";
        Directory.Move(run, partial);
        double tStart = LoadResults(partial).Header.GetProperty("t_start").GetDouble();
        string[] wholeLines = File.ReadAllLines(Path.Combine(whole, "monitor.csv"));
        File.AppendAllText(Path.Combine(partial, "monitor.csv"), string.Join('\n', wholeLines.Skip(2 + 16).Take(4)) + "\n21.0,2");

        CliResult resumed = Run("train", "--resume", run, "--max-updates", "7", "--quiet");

        // Expected: the uninterrupted run's r and l, row for row; the first session's t_start. Tolerance: exact.
        Assert.That(resumed.ExitCode, Is.Zero, resumed.ToString());
        Assert.That(MonitorWithoutTime(run), Is.EqualTo(MonitorWithoutTime(whole)).And.Length.EqualTo(28));
        var (header, rows) = LoadResults(run);
        Assert.That(header.GetProperty("t_start").GetDouble(), Is.EqualTo(tStart));
        Assert.That(rows.Select(r => double.Parse(r[2], Invariant)), Is.Ordered, "t goes on from the kept rows");
    }

    [Test]
    public void Resume_OfARunFolderWithoutMonitorCsv_RebuildsItFromEpisodesCsv()
    {
        // A run folder of a version before monitor.csv: the same folder without the file.
        string run = InFolder("old");
        Assert.That(Run(["train", .. PreviousDefault, "--max-updates", "3", "--out", run, "--quiet"]).ExitCode, Is.Zero);
        File.Delete(Path.Combine(run, "monitor.csv"));

        CliResult resumed = Run("train", "--resume", run, "--max-updates", "5", "--quiet");

        // Expected: a row per episode of episodes.csv, its return and length; the first 12 rows' t its wall_seconds.
        Assert.That(resumed.ExitCode, Is.Zero, resumed.ToString());
        var (_, rows) = LoadResults(run);
        string[][] episodes = [.. File.ReadAllLines(Path.Combine(run, "episodes.csv")).Skip(1).Select(l => l.Split(','))];
        Assert.That(rows, Has.Length.EqualTo(20).And.Length.EqualTo(episodes.Length));
        Assert.That(rows.Select(r => double.Parse(r[0], Invariant)), Is.EqualTo(episodes.Select(e => double.Parse(e[2], Invariant))));
        Assert.That(rows.Select(r => r[1]), Is.EqualTo(episodes.Select(e => e[3])));
        Assert.That(rows.Take(12).Select(r => double.Parse(r[2], Invariant)), Is.EqualTo(episodes.Take(12).Select(e => double.Parse(e[4], Invariant))));
        Assert.That(rows.Select(r => double.Parse(r[2], Invariant)), Is.Ordered);
    }

    /// <summary>
    /// tools/reference/monitor_check.py reads the file with pandas as load_results does and checks it against
    /// episodes.csv. Optional: ignored where no python3 with pandas is installed.
    /// </summary>
    [Test]
    public void Pandas_ReadsItAsLoadResultsDoes()
    {
        string? python = new[] { "python3", "/usr/bin/python3" }.FirstOrDefault(p => Exec(p, ["-c", "import pandas"], out _) == 0);
        if (python is null)
        {
            Assert.Ignore("no python3 with pandas here: the check with pandas is optional");
        }
        string run = InFolder("run");
        Assert.That(Run(["train", .. PreviousDefault, "--max-updates", "5", "--out", run, "--quiet"]).ExitCode, Is.Zero);

        int exit = Exec(python!, [Path.Combine(Repository.Root, "tools", "reference", "monitor_check.py"), run], out string output);

        Assert.That(exit, Is.Zero, output);
        Assert.That(output, Does.StartWith("ok: 20 episodes of CartPole-v1"));
    }

    private static int Exec(string program, string[] args, out string output)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(program, args)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            })!;
            Task<string> error = process.StandardError.ReadToEndAsync();
            output = process.StandardOutput.ReadToEnd() + error.Result;
            process.WaitForExit();
            return process.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            output = e.Message;
            return -1;
        }
    }
}
