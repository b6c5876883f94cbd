using System.Globalization;
using Reinforce.Cli;
using Reinforce.Randomness;
using Reinforce.Statistics;

namespace Reinforce.Tests.Cli;

/// <summary>
/// A sweep's comparisons between configurations (comparisons.csv, summary.csv's columns against the first, summary.md's
/// section) against Core's <see cref="Comparison"/> applied to the sweep's own runs.csv with the documented generators;
/// identical configurations; the warning on few solved runs; and the printed table fitted to a terminal's width.
/// </summary>
[TestFixture]
public sealed class SweepComparisonTests : CliTestBase
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    // Short runs where some seeds' running reward passes 60 within 60 episodes and some do not: a configuration pinned
    // here (128 ReLU units, reward-to-go normalised over batches of 4 episodes), so that the default preset may change.
    private static readonly string[] Short = ["--solved-by", "running", "--hidden", "128", "--activation", "relu", "--returns", "reward-to-go",
        "--normalize", "batch", "--batch-episodes", "4", "--entropy-coef", "0", "--reward-threshold", "60", "--max-episodes", "60",
        "--eval-episodes", "2", "--quiet"];

    [Test]
    public void Comparisons_AreCoresComparisonsOfTheRuns_WithTheDocumentedGenerators()
    {
        string folder = InFolder("three");
        CliResult result = Run(["sweep", "--seeds", "0..7", "--grid", "lr=0.01,0.02,0.03", "--out", folder, .. Short]);
        Assert.That(result.ExitCode, Is.Zero, result.ToString());

        var runs = SweepCommandTests.Table(folder, "runs.csv");
        var comparisons = SweepCommandTests.Table(folder, "comparisons.csv");
        var summary = SweepCommandTests.Table(folder, "summary.csv");
        Assert.That(runs.Count(r => r["solved"] == "0"), Is.InRange(1, runs.Count - 1), "solved and unsolved runs, or the ranking of unsolved runs is untested");

        // Rows: every configuration against every earlier one, ordered by the earlier, then the later.
        Assert.That(comparisons.Select(r => $"{r["x"]}>{r["y"]}"), Is.EqualTo(new[] { "1>0", "2>0", "2>1" }));
        foreach (var row in comparisons)
        {
            int x = int.Parse(row["x"], Invariant), y = int.Parse(row["y"], Invariant);
            var ofX = runs.Where(r => r["config"] == row["x"]).ToList();
            var ofY = runs.Where(r => r["config"] == row["y"]).ToList();

            // Expected: Core's functions on runs.csv, in seed order: episodes as the score −episodes (−∞ unsolved),
            // final returns as they are, episodes (null unsolved) paired by seed; comparison j of configurations
            // a < b from default_rng(SeedSequence(0, spawn_key=(j, a, b))), B = 10,000. Tolerance: exact (same draws, same
            // arithmetic; the CSV writes round-trip doubles).
            ConfidenceInterval fewer = Comparison.ProbabilityOfImprovementInterval(Scores(ofX), Scores(ofY), Generator(5, y, x), 10_000);
            ConfidenceInterval higher = Comparison.ProbabilityOfImprovementInterval(Returns(ofX), Returns(ofY), Generator(6, y, x), 10_000);
            PairedDifference difference = Comparison.PairedInterquartileMeanDifference(Episodes(ofX), Episodes(ofY), Generator(7, y, x), 10_000)!.Value;

            Assert.That(Doubles(row, "p_fewer_episodes", "p_fewer_episodes_low", "p_fewer_episodes_high"), Is.EqualTo(Ends(fewer)), $"{x} vs {y}");
            Assert.That(Doubles(row, "p_higher_eval_return", "p_higher_eval_return_low", "p_higher_eval_return_high"), Is.EqualTo(Ends(higher)), $"{x} vs {y}");
            Assert.That(Doubles(row, "episodes_iqm_diff", "episodes_iqm_diff_low", "episodes_iqm_diff_high"), Is.EqualTo(Ends(difference.Interval)), $"{x} vs {y}");
            Assert.That((row["x_runs"], row["y_runs"], row["paired_seeds"], row["episodes_iqm_diff_resamples"]),
                Is.EqualTo(("8", "8", "8", difference.DefinedReplicates.ToString(Invariant))));

            // The difference is that of the IQMs in summary.csv (each over its solved runs). Tolerance: exact.
            Assert.That(difference.Interval.Estimate,
                Is.EqualTo(double.Parse(summary[x]["episodes_iqm"], Invariant) - double.Parse(summary[y]["episodes_iqm"], Invariant)));
        }

        // summary.csv: its columns against the first are the rows of comparisons.csv with y = 0; empty on the first's own row.
        string[] against = ["p_fewer_episodes", "p_fewer_episodes_low", "p_fewer_episodes_high", "p_higher_eval_return", "p_higher_eval_return_low",
            "p_higher_eval_return_high", "episodes_iqm_diff", "episodes_iqm_diff_low", "episodes_iqm_diff_high"];
        Assert.That(against.Select(c => summary[0][VsFirst(c)]), Is.All.Empty);
        for (int c = 1; c < 3; c++)
        {
            var row = comparisons.Single(r => r["x"] == c.ToString(Invariant) && r["y"] == "0");
            Assert.That(against.Select(name => summary[c][VsFirst(name)]), Is.EqualTo(against.Select(name => row[name])), $"configuration {c}");
        }

        // summary.md: a row per pair, the probability to two decimals.
        string markdown = File.ReadAllText(Path.Combine(folder, "summary.md"));
        string p10 = double.Parse(comparisons[0]["p_fewer_episodes"], Invariant).ToString("0.00", Invariant);
        Assert.That(markdown, Does.Contain("## Comparisons").And.Contain($"| lr=0.02 | lr=0.01 | {p10} [")
            .And.Contain("| lr=0.03 | lr=0.01 | ").And.Contain("| lr=0.03 | lr=0.02 | ")
            .And.Contain("An unsolved run counts as slower than every solved one"));
        Assert.That(result.Output, Does.Contain("comparisons.csv"));
    }

    [Test]
    public void SummaryCsv_KeepsItsColumns_AndAppendsTheComparisonsAfterThem()
    {
        string folder = InFolder("two");
        Assert.That(Run(["sweep", "--seeds", "3", "--grid", "lr=0.01,0.02", "--out", folder, .. Short]).ExitCode, Is.Zero);

        // Expected: the 31 columns before comparisons, in their order (tools/choose-default.sh reads $2, $4, $5 and $13), then the 9 new ones.
        string[] header = File.ReadAllLines(Path.Combine(folder, "summary.csv"))[0].Split(',');
        Assert.That(header, Has.Length.EqualTo(40));
        Assert.That((header[1], header[3], header[4], header[12], header[30]), Is.EqualTo(("name", "runs", "solved", "episodes_median", "wall_seconds_total")));
        Assert.That(header[31], Is.EqualTo("p_fewer_episodes_vs_first"));
        Assert.That(header[^1], Is.EqualTo("episodes_iqm_diff_vs_first_high"));
    }

    [Test]
    public void IdenticalConfigurations_DifferByExactlyZero_AndTieOnAverage()
    {
        string folder = InFolder("same");
        CliResult result = Run(["sweep", "--seeds", "0..7", "--candidate", "a=--lr 0.02", "--candidate", "b=--lr 0.020", "--out", folder, .. Short]);
        Assert.That(result.ExitCode, Is.Zero, result.ToString());

        // The same configuration twice (0.02 spelled two ways, which the sweep does not take for a repeat) gives the same run per seed: every paired resample draws the same solved runs on
        // both sides, so the IQM difference is exactly 0 with the interval [0, 0], and by symmetry the probability of
        // fewer episodes (and of a higher return) is exactly ½. Tolerance: exact.
        var row = SweepCommandTests.Table(folder, "comparisons.csv").Single();
        Assert.That((row["episodes_iqm_diff"], row["episodes_iqm_diff_low"], row["episodes_iqm_diff_high"]), Is.EqualTo(("0", "0", "0")));
        Assert.That((row["p_fewer_episodes"], row["p_higher_eval_return"]), Is.EqualTo(("0.5", "0.5")));
        Assert.That(double.Parse(row["p_fewer_episodes_low"], Invariant), Is.LessThan(0.5), "the runs themselves are resampled independently");
    }

    [Test]
    public void FewSolvedRuns_AreWarnedOf_AndOneConfigurationHasNoComparison()
    {
        string folder = InFolder("five");
        CliResult result = Run(["sweep", "--seeds", "5", "--lr", "0.015", "--out", folder, .. Short]);
        Assert.That(result.ExitCode, Is.Zero, result.ToString());

        // Expected: "intervals over N solved runs are wide" with N the solved count of summary.csv (below 10 of 5 seeds),
        // in summary.md and in the printed summary; a single configuration has no comparisons.csv and empty columns.
        var summary = SweepCommandTests.Table(folder, "summary.csv").Single();
        int solved = int.Parse(summary["solved"], Invariant);
        Assert.That(solved, Is.InRange(1, 5), "some run solved, or the warning would be the other one");
        string warning = $"intervals over {solved} solved run{(solved == 1 ? "" : "s")} are wide: default";
        Assert.That(File.ReadAllText(Path.Combine(folder, "summary.md")), Does.Contain("**Warning**: " + warning).And.Not.Contain("## Comparisons"));
        Assert.That(result.Output, Does.Contain("warning: " + warning));
        Assert.That(File.Exists(Path.Combine(folder, "comparisons.csv")), Is.False);
        Assert.That(summary["p_fewer_episodes_vs_first"], Is.Empty);
    }

    [TestCase(80)]
    [TestCase(120)]
    public void PrintedTable_FitsTheTerminalWidth_LeavingOutWholeColumns(int width)
    {
        string folder = InFolder("wide");
        var stdout = new StringWriter();
        var context = new CliContext(stdout, new StringWriter(), CancellationToken.None, Style.None, Style.None) { OutputTerminalWidth = width };

        int exit = Reinforce.Cli.Cli.Run(["sweep", "--seeds", "0..7", "--grid", "lr=0.01,0.03", "--out", folder, .. Short], context);

        // Expected: no line wider than the terminal (the folder's path aside: it is printed whole, as a path must be),
        // and every cell of the printed table a whole cell of summary.md's table: columns are left out or renamed, never cut.
        Assert.That(exit, Is.Zero, stdout.ToString());
        string[] lines = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines.Where(l => !l.StartsWith("Sweep folder:", StringComparison.Ordinal)), Has.All.Length.LessThanOrEqualTo(width));
        var markdownCells = File.ReadAllLines(Path.Combine(folder, "summary.md")).Where(l => l.StartsWith("| lr=", StringComparison.Ordinal))
            .SelectMany(l => l.Split(" | ").Select(c => c.Trim('|', ' '))).ToHashSet();
        foreach (string row in lines.Where(l => l.StartsWith("lr=", StringComparison.Ordinal)))
        {
            string[] cells = row.Split("  ", StringSplitOptions.RemoveEmptyEntries).Select(c => c.Trim()).ToArray();
            Assert.That(cells.Distinct(), Is.SubsetOf(markdownCells), row);
            Assert.That(cells, Has.Length.EqualTo(lines[0].Split("  ", StringSplitOptions.RemoveEmptyEntries).Length), row);
        }
        int columns = lines[0].Split("  ", StringSplitOptions.RemoveEmptyEntries).Length;
        Assert.That(lines[0], Does.StartWith("configuration").And.Contain("solved").And.Contain("episodes: IQM"));
        Assert.That(stdout.ToString().Contains($"Left out to fit {width} columns:", StringComparison.Ordinal), Is.EqualTo(columns < 7),
            "the columns left out are named");
        if (width == 80)
        {
            Assert.That(columns, Is.LessThan(7), "the full table is about 160 columns wide: at 80 some must go");
        }
    }

    [Test]
    public void Fit_KeepsFullHeadersWhenTheyFit_ElseLeavesOutSRunStepsMedianAndFinalReturnInThatOrder()
    {
        // Rows of docs/cli.md's table of every preset over 100 seeds; widest cells: configuration 17 ("pytorch-reinforce"),
        // solved 30, median 19, IQM 23, steps 23, final return 23, s/run 4.
        List<string[]> rows =
        [
            ["default", "100/100 = 100 % [96.3, 100 %]", "276.5 [244, 295.5]", "270.2 [251.6, 291.1]", "62.2k [58.3k, 66.9k]", "500.0 [500.0, 500.0]", "0.05"],
            ["pytorch-reinforce", "87/100 = 87.0 % [79.0, 92.2 %]", "1209 [981, 1560]", "1273.5 [1080.4, 1537.1]", "184.8k [159.1k, 216.2k]", "1000.0 [1000.0, 1000.0]", "0.15"],
            ["spinningup-simple", "52/100 = 52.0 % [42.3, 61.5 %]", "3003 [2804, 3179.5]", "3006.2 [2847.5, 3166]", "206.8k [197.5k, 215.0k]", "200.0 [200.0, 200.0]", "0.15"],
        ];
        // By hand, with two spaces between columns. Full headers (13, 16, 35, 13, 33, 27, 5 wide against those cells):
        // 17 + 30 + 35 + 23 + 33 + 27 + 5 + 12 = 182. Short headers ("episodes: median" 16, "episodes: IQM" 13,
        // "steps: IQM" 10, "final return: IQM" 17): 17 + 30 + 19 + 23 + 23 + 23 + 5 + 12 = 152; without s/run 145; without
        // steps 120, which fits 120; without the median 99; without the final return 74, which fits 80.
        Assert.That(Describe(SweepSummary.Fit(rows, null)), Is.EqualTo("full: 0,1,2,3,4,5,6"), "not a terminal: the full table");
        Assert.That(Describe(SweepSummary.Fit(rows, 182)), Is.EqualTo("full: 0,1,2,3,4,5,6"));
        Assert.That(Describe(SweepSummary.Fit(rows, 181)), Is.EqualTo("short: 0,1,2,3,4,5,6"));
        Assert.That(Describe(SweepSummary.Fit(rows, 120)), Is.EqualTo("short: 0,1,2,3,5"));
        Assert.That(Describe(SweepSummary.Fit(rows, 119)), Is.EqualTo("short: 0,1,3,5"));
        Assert.That(Describe(SweepSummary.Fit(rows, 80)), Is.EqualTo("short: 0,1,3"));
        Assert.That(Describe(SweepSummary.Fit(rows, 40)), Is.EqualTo("short: 0,1,3"), "never fewer: the table is then wider than the terminal");
        Assert.That(SweepSummary.Fit(rows, 80).Width(rows), Is.EqualTo(74));
    }

    // "full: 0,1,2" or "short: 0,1,3": the headers and the columns kept.
    private static string Describe(SweepSummary.TableLayout layout) => $"{(layout.ShortHeaders ? "short" : "full")}: {string.Join(',', layout.Kept)}";

    // summary.csv's name of a comparisons.csv column: p_fewer_episodes_low → p_fewer_episodes_vs_first_low.
    private static string VsFirst(string column) => column.EndsWith("_low", StringComparison.Ordinal) ? column[..^4] + "_vs_first_low"
        : column.EndsWith("_high", StringComparison.Ordinal) ? column[..^5] + "_vs_first_high" : column + "_vs_first";

    private static Pcg64 Generator(ulong stream, int a, int b) => Pcg64.FromSeedSequence(new SeedSequence(0UL, stream, (ulong)a, (ulong)b));

    private static double[] Scores(List<Dictionary<string, string>> runs) =>
        [.. runs.Select(r => r["solved"] == "1" ? -double.Parse(r["episodes_to_solve"], Invariant) : double.NegativeInfinity)];

    private static double[] Returns(List<Dictionary<string, string>> runs) => [.. runs.Select(r => double.Parse(r["eval_mean_return"], Invariant))];

    private static double?[] Episodes(List<Dictionary<string, string>> runs) =>
        [.. runs.Select(r => r["solved"] == "1" ? double.Parse(r["episodes_to_solve"], Invariant) : (double?)null)];

    private static double[] Doubles(Dictionary<string, string> row, params string[] columns) => [.. columns.Select(c => double.Parse(row[c], Invariant))];

    private static double[] Ends(ConfidenceInterval interval) => [interval.Estimate, interval.Lower, interval.Upper];
}
