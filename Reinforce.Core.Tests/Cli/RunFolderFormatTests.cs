using System.Globalization;
using System.Xml.Linq;
using Reinforce.Cli;

namespace Reinforce.Tests.Cli;

/// <summary>
/// Run folders named by preset, environment and seed; episodes.csv's wall-time column (also when an
/// older file is resumed); the running reward drawn per episode; the histogram's title with mean ± std.
/// </summary>
[TestFixture]
public sealed class RunFolderFormatTests : CliTestBase
{
    [Test]
    public void DefaultRunFolder_IsNamedByPresetEnvironmentAndSeed()
    {
        CliResult result = InCurrentFolder(Folder, () => Run("train", "--preset", "handson-keras", "--seed", "3", "--max-updates", "1", "--quiet"));

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        string name = Path.GetFileName(Directory.GetDirectories(InFolder("runs")).Single());
        Assert.That(name, Does.Match(@"^handson-keras-CartPole-v1-s3-\d{8}-\d{6}$"));
    }

    /// <summary>
    /// Two runs started in the same second compute the same default name; the one that loses the race for its lock takes
    /// the next free name instead of failing. The race is made certain here: the name is taken (its lock held by a writer
    /// of this test) after the loser chose it and before it locks it.
    /// </summary>
    [Test]
    public void DefaultRunFolder_TakenByAnotherRunFirst_GoesToTheNextFreeName()
    {
        string first = InFolder("runs", "default-s0"), second = InFolder("runs", "default-s0-2");
        RunFolderWriter? other = null;
        var names = new Queue<string>([first, second]);
        string NextFree()
        {
            string name = names.Dequeue();
            other ??= RunFolderWriter.StartNew(first, force: false); // the other run wins the first name
            return name;
        }

        using RunFolderWriter writer = RunFolderWriter.StartNewNamed(NextFree);
        using RunFolderWriter winner = other!;

        Assert.That((writer.FinalFolder, winner.FinalFolder), Is.EqualTo((second, first)), "each run its own folder");
    }

    [Test]
    public void EpisodesCsv_HasAWallTimeColumn_ThatNeverDecreases()
    {
        string run = InFolder("run");
        Assert.That(Run(["train", .. PreviousDefault, "--max-updates", "6", "--out", run, "--quiet"]).ExitCode, Is.Zero);

        string[] lines = File.ReadAllLines(Path.Combine(run, "episodes.csv"));

        Assert.That(lines[0], Is.EqualTo("episode,update,return,length,wall_seconds"));
        double[] wall = [.. lines.Skip(1).Select(l => double.Parse(l.Split(',')[4], CultureInfo.InvariantCulture))];
        Assert.That(wall, Has.Length.EqualTo(24), "6 updates of 4 episodes");
        Assert.That(wall, Is.Ordered, "the wall time of each episode's update, in update order");
        Assert.That(wall[0], Is.GreaterThanOrEqualTo(0));
    }

    [Test]
    public void Resume_OfAnOlderEpisodesCsvWithoutWallTime_WidensItWithEmptyCells()
    {
        string run = InFolder("run");
        Assert.That(Run(["train", .. PreviousDefault, "--max-updates", "3", "--out", run, "--quiet"]).ExitCode, Is.Zero);
        string path = Path.Combine(run, "episodes.csv");
        // The file as the previous version wrote it: four columns.
        File.WriteAllLines(path, File.ReadAllLines(path).Select(l => string.Join(',', l.Split(',').Take(4))));

        CliResult resumed = Run("train", "--resume", run, "--max-updates", "5", "--quiet");

        Assert.That(resumed.ExitCode, Is.Zero, resumed.ToString());
        string[] lines = File.ReadAllLines(path);
        Assert.That(lines[0], Is.EqualTo("episode,update,return,length,wall_seconds"));
        Assert.That(lines.Skip(1).Select(l => l.Split(',').Length), Has.All.EqualTo(5), "every row as wide as the header");
        Assert.That(lines.Skip(1).Take(12).Select(l => l.Split(',')[4]), Has.All.Empty, "the older rows have no wall time");
        Assert.That(lines.Skip(13).Select(l => l.Split(',')[4]), Has.All.Not.Empty, "the resumed rows have one");
        Assert.That(Run("plot", run, "--x", "seconds", "--out", InFolder("s.svg")).ExitCode, Is.Zero, "plot falls back to metrics.csv's wall time");
    }

    [Test]
    public void Plot_DrawsTheRunningReward_AfterEveryEpisode_WhateverTheBatch()
    {
        // 5000-step batches: a few updates, hundreds of episodes. The running-reward line must have one point per episode.
        string run = InFolder("run"), svg = InFolder("curve.svg");
        Assert.That(Run("train", "--batch-steps", "2000", "--max-updates", "2", "--out", run, "--quiet").ExitCode, Is.Zero);
        int episodes = File.ReadAllLines(Path.Combine(run, "episodes.csv")).Length - 1;

        Assert.That(Run("plot", run, "--out", svg).ExitCode, Is.Zero);

        XNamespace ns = "http://www.w3.org/2000/svg";
        var lines = XDocument.Parse(File.ReadAllText(svg)).Descendants(ns + "polyline").ToList();
        XElement running = lines.Single(l => l.Attribute("stroke")!.Value == "#1d4ed8");
        Assert.That(running.Attribute("points")!.Value.Trim().Split(' '), Has.Length.EqualTo(episodes));
        Assert.That(episodes, Is.GreaterThan(20), "far more episodes than updates, or the test shows nothing");
    }

    [Test]
    public void EvalHistogram_TitleShowsMeanAndStd_AndTheLongPathIsShortenedToFit()
    {
        string run = InFolder(new string('r', 150)), svg = InFolder("hist.svg");
        Assert.That(Run("train", "--max-updates", "2", "--out", run, "--quiet").ExitCode, Is.Zero);

        CliResult result = Run("eval", run, "--episodes", "5", "--svg", svg);

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        XNamespace ns = "http://www.w3.org/2000/svg";
        var texts = XDocument.Parse(File.ReadAllText(svg)).Descendants(ns + "text").Select(t => t.Value).ToList();
        Assert.That(texts[0], Does.Match(@"^CartPole-v1 · 5 episodes · return \d+\.\d ± \d+\.\d \(mean ± std\)$"));
        Assert.That(texts[1], Does.StartWith("greedy policy from").And.Contain("…"), "the 150-character folder name is cut in the middle");
        Assert.That(texts[1].Length, Is.LessThan(110), "the subtitle fits the 636-pixel width at 12 px");
    }
}
