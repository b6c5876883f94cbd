using Reinforce.Cli;
using System.Xml.Linq;

namespace Reinforce.Tests.Cli;

/// <summary>help, version, presets, eval, baseline, render and plot, driven in-process.</summary>
[TestFixture]
public sealed class OtherCommandsTests : CliTestBase
{
    [Test]
    public void TrainHelp_ListsEveryFlagOfTheIssue_WithDefaults()
    {
        CliResult result = Run("train", "--help");

        Assert.That(result.ExitCode, Is.Zero);
        // The flags train was specified with, plus the ones this CLI adds for checkpoints and presets.
        string[] flags =
        [
            "--env", "--hidden", "--activation", "--head", "--init", "--optimizer", "--lr", "--gamma", "--returns", "--normalize",
            "--baseline", "--entropy-coef", "--batch-episodes", "--batch-steps", "--max-episodes", "--max-updates", "--stop-when-solved",
            "--seed", "--threads", "--out", "--log-interval", "--quiet", "--preset", "--resume", "--checkpoint-interval",
        ];
        Assert.That(flags, Has.All.Matches<string>(flag => result.Output.Contains($"  {flag} ", StringComparison.Ordinal) || result.Output.Contains($"  {flag}\n", StringComparison.Ordinal)));
        Assert.That(result.Output, Does.Contain("[default: 0.99]"));
    }

    [TestCase("eval")]
    [TestCase("baseline")]
    [TestCase("render")]
    [TestCase("plot")]
    [TestCase("presets")]
    [TestCase("explain")]
    public void EveryCommand_HasHelp(string command)
    {
        CliResult result = Run(command, "--help");

        Assert.That(result.ExitCode, Is.Zero);
        Assert.That(result.Output, Does.StartWith($"reinforce {command} — ").And.Contain("Usage: reinforce " + command));
    }

    [Test]
    public void ToolHelp_AndVersion()
    {
        CliResult help = Run("--help");
        CliResult version = Run("--version");

        Assert.That(help.ExitCode, Is.Zero);
        Assert.That(help.Output, Does.Contain("train").And.Contain("eval").And.Contain("baseline").And.Contain("render").And.Contain("plot").And.Contain("presets"));
        Assert.That(version.Output, Does.Match(@"^reinforce \d+\.\d+\.\d+\n$"));
    }

    /// <summary>
    /// The library's defaults are the CLI's default configuration (so a library user and a CLI user get the same
    /// run from "no settings"). Compared as the checkpoint's JSON, which holds every option. Exact.
    /// </summary>
    [Test]
    public void NewTrainerOptions_IsTheDefaultPreset()
    {
        // The default preset is TrainerOptions.Default with the preset's seed; new TrainerOptions() keeps the previous
        // default's values (128 ReLU units, lr 0.015, …) on purpose, so it is not the preset.
        Reinforce.Training.TrainerOptions preset = Preset.Find(Preset.DefaultName)!.Options;

        Assert.That(Reinforce.Checkpoints.TrainerOptionsJson.Serialize(preset),
            Is.EqualTo(Reinforce.Checkpoints.TrainerOptionsJson.Serialize(Reinforce.Training.TrainerOptions.Default with { Seed = preset.Seed })));
        Assert.That(Reinforce.Checkpoints.TrainerOptionsJson.Serialize(preset),
            Is.Not.EqualTo(Reinforce.Checkpoints.TrainerOptionsJson.Serialize(new Reinforce.Training.TrainerOptions() with { Seed = preset.Seed })));
        Assert.That(preset.RunningRewardStart, Is.Null, "the running reward starts at the first episode's return");
    }

    [Test]
    public void Presets_ListsEveryPreset_WithItsSource_AndOneInFull()
    {
        CliResult list = Run("presets");
        CliResult one = Run("presets", "handson-keras");

        Assert.That(list.ExitCode, Is.Zero);
        Assert.That(new[] { "pytorch-example", "practical-rl", "gymnasium-torch", "handson-keras", "spinningup-simple", "spinningup-rtg" },
            Has.All.Matches<string>(name => list.Output.Contains(name, StringComparison.Ordinal)));
        Assert.That(list.Output, Does.Contain("reinforcement_learning/reinforce.py").And.Contain("Spinning Up").And.Not.Contain("notebook 00"));
        Assert.That(list.Output.Split('\n'), Has.All.Matches<string>(line => line.TrimEnd('\r').Length <= 80), "the list fits 80 columns");
        Assert.That(one.Output, Does.Contain("4-16-1 elu, bernoulli").And.Contain("glorot").And.Contain("γ 0.95")
            .And.Contain("reinforce train --env CartPole-v1 --max-steps 200 --reward-threshold 195"));
    }

    [Test]
    public void PresetCommandLine_TrainsTheSameRunAsThePreset()
    {
        // `reinforce presets NAME` prints an equivalent command; running it must give the preset's weights (bit-exact).
        string viaPreset = InFolder("preset"), viaFlags = InFolder("flags");
        string command = Run("presets", "pytorch-example").OutputLines.Last().Trim();
        string[] flags = command.Split(' ')[2..];

        Assert.That(Run("train", "--preset", "pytorch-example", "--max-updates", "3", "--out", viaPreset, "--quiet").ExitCode, Is.Zero);
        Assert.That(Run(["train", .. flags, "--max-updates", "3", "--out", viaFlags, "--quiet"]).ExitCode, Is.Zero);

        Assert.That(EpisodesWithoutWallTime(viaFlags), Is.EqualTo(EpisodesWithoutWallTime(viaPreset)));
    }

    [Test]
    public void Eval_ReportsReturns_AndAHistogram_AndWritesAWellFormedSvg()
    {
        string run = InFolder("run");
        Assert.That(Run("train", "--out", run, "--quiet").ExitCode, Is.Zero);
        string svg = InFolder("hist.svg");

        CliResult result = Run("eval", run, "--episodes", "20", "--svg", svg);

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.OutputLines[0], Does.StartWith("CartPole-v1 (time limit 500) · greedy policy from"));
        Assert.That(result.OutputLines[1], Does.Match(@"^return  mean \d+\.\d\d  std \d+\.\d\d  min \d+  max \d+$"));
        Assert.That(result.Output, Does.Contain("│"));
        Assert.That(() => XDocument.Parse(File.ReadAllText(svg)), Throws.Nothing);
    }

    [TestCase("baseline")]
    [TestCase("eval")]
    public void EvalAndBaseline_AtATerminal_ShowAStatusLine_ClearedAtTheEnd_AndTheSameNumbers(string command)
    {
        string run = InFolder("run");
        if (command == "eval")
        {
            Assert.That(Run("train", "--out", run, "--max-updates", "2", "--hidden", "8", "--quiet").ExitCode, Is.Zero);
        }
        string[] args = command == "eval" ? ["eval", run, "--episodes", "1000", "--policy", "sample"] : ["baseline", "--episodes", "1000"];
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var context = new CliContext(stdout, stderr, CancellationToken.None, Style.None, Style.None, ErrorTerminalWidth: 60);

        int exit = Reinforce.Cli.Cli.Run(args, context);
        CliResult piped = Run(args);

        Assert.That(exit, Is.Zero, stderr.ToString());
        string status = stderr.ToString();
        Assert.That(status, Does.StartWith("\rplaying: 256/1,000 episodes"), "drawn after the first chunk");
        Assert.That(status, Does.EndWith("\r\u001b[K"), "and cleared, so the report starts on a clean line");
        Assert.That(status, Does.Not.Contain("\n"), "redrawn in place, never a new line");
        Assert.That(status.Split('\r', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Replace("\u001b[K", "", StringComparison.Ordinal)),
            Has.All.Length.LessThan(60), "cut to the terminal's width");
        Assert.That(piped.Error, Is.Empty, "nothing on stderr when it is not a terminal");
        Assert.That(stdout.ToString(), Is.EqualTo(piped.Output), "the episodes do not depend on the chunks");
    }

    [Test]
    public void Baseline_LastsAboutFortySteps()
    {
        CliResult result = Run("baseline", "--episodes", "100");

        // The θ > 0 policy averages ≈ 41 steps (41.04 over Gymnasium seeds 0–99, BaselinePolicyTests; ≈ 42 in the
        // Hands-on ML text). These episodes use other seeds, so the tolerance is wide: mean in [35, 50], max < 100.
        Assert.That(result.ExitCode, Is.Zero);
        var match = System.Text.RegularExpressions.Regex.Match(result.Output, @"mean (\d+\.\d+)  std [\d.]+  min (\d+)  max (\d+)");
        Assert.That(match.Success, Is.True, result.Output);
        Assert.That(double.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), Is.InRange(35.0, 50.0));
        Assert.That(int.Parse(match.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture), Is.LessThan(100));
        Assert.That(result.Output, Does.Contain("reached the time limit: 0/100"));
    }

    [Test]
    public void Render_WritesAWellFormedAnimatedSvg_WithOneFramePerStep()
    {
        string svg = InFolder("baseline.svg");

        CliResult result = Run("render", "--baseline", "--out", svg);

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        XDocument document = XDocument.Parse(File.ReadAllText(svg));
        XNamespace ns = "http://www.w3.org/2000/svg";
        var animations = document.Descendants(ns + "animateTransform").ToList();
        int steps = int.Parse(System.Text.RegularExpressions.Regex.Match(result.Output, @"(\d+) steps").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        // Cart, pole and one digit strip per decimal place; each has the states 0..steps plus 50 held frames.
        Assert.That(animations, Has.Count.EqualTo(2 + steps.ToString(System.Globalization.CultureInfo.InvariantCulture).Length));
        Assert.That(animations, Has.All.Matches<XElement>(a => a.Attribute("values")!.Value.Split(';').Length == steps + 1 + 50));
        Assert.That(animations[0].Attribute("repeatCount")!.Value, Is.EqualTo("indefinite"));
    }

    [Test]
    public void RenderAscii_PrintsFrames_AndHowTheEpisodeEnded()
    {
        CliResult result = Run("render", "--baseline", "--ascii", "--every", "10");

        Assert.That(result.ExitCode, Is.Zero);
        Assert.That(result.Output, Does.Contain("step   0/500").And.Contain("=====").And.Contain("[###]"));
        Assert.That(result.OutputLines.Last(), Does.Match(@"^The pole fell after \d+ steps\.$"));
        Assert.That(result.Output, Does.Contain("|=").And.Contain("=|").And.Contain("-2.4 m").And.Contain("+2.4 m"), "the track's ends are marked");
        Assert.That(result.Output, Does.Not.Contain("-+").And.Not.Contain("+-").And.Not.Contain("-0.0°"));
    }

    /// <summary>
    /// The ASCII render is ASCII: every character of its output, every frame of a whole baseline episode and frames at
    /// the track's ends with the pole far over to either side, is below U+0080 (no box drawing, no U+2212 minus sign,
    /// no θ or degree sign).
    /// </summary>
    [Test]
    public void RenderAscii_IsPureAscii()
    {
        CliResult result = Run("render", "--baseline", "--ascii");
        string[] frames =
        [
            RenderCommand.AsciiFrame(new Reinforce.Environments.CartPoleState(-2.4, -1.5, -0.21, -2.0), 7, 500),
            RenderCommand.AsciiFrame(new Reinforce.Environments.CartPoleState(2.4, 1.5, 0.21, 2.0), 493, 500),
        ];

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.OutputLines, Has.Length.GreaterThan(13 * 10), "a frame is 13 lines; the baseline's episode has ≈ 40 steps");
        Assert.That(frames[0], Does.Contain("x  -2.40 m").And.Contain("theta  -12.0 deg"), "negative values have an ASCII minus");
        Assert.Multiple(() =>
        {
            foreach (string text in (string[])[result.Output, .. frames])
            {
                int index = text.AsSpan().IndexOfAnyExceptInRange('\0', '\x7F');
                Assert.That(index, Is.EqualTo(-1), () => $"U+{(int)text[index]:X4} at {index}: {text[Math.Max(0, index - 40)..Math.Min(text.Length, index + 10)]}");
            }
        });
    }

    /// <summary>
    /// baseline plays the hand-written policy and reads no checkpoint: its help does not speak of one (its --env default
    /// is CartPole-v1), while eval's, which plays a checkpoint, keeps "the checkpoint's".
    /// </summary>
    [Test]
    public void BaselineHelp_SpeaksOfNoCheckpoint()
    {
        CliResult baseline = Run("baseline", "--help");
        CliResult eval = Run("eval", "--help");

        Assert.That(baseline.ExitCode, Is.Zero);
        Assert.That(baseline.Output, Does.Not.Contain("checkpoint").IgnoreCase);
        Assert.That(baseline.OutputLines, Has.One.Matches<string>(l => l.TrimStart().StartsWith("--env", StringComparison.Ordinal) && l.EndsWith("[default: CartPole-v1]", StringComparison.Ordinal)));
        Assert.That(eval.OutputLines, Has.One.Matches<string>(l => l.TrimStart().StartsWith("--env", StringComparison.Ordinal) && l.EndsWith("[default: the checkpoint's]", StringComparison.Ordinal)));
    }

    [TestCase(-0.0, 1, "+0.0")]
    [TestCase(-0.04, 1, "+0.0")]
    [TestCase(-0.06, 1, "-0.1")]
    [TestCase(0.06, 1, "+0.1")]
    [TestCase(-1.234, 2, "-1.23")]
    [TestCase(-0.004, 2, "+0.00")]
    public void Signed_NeverPrintsANegativeZero(double value, int decimals, string expected) =>
        Assert.That(RenderCommand.Signed(value, decimals), Is.EqualTo(expected));

    [Test]
    public void Plot_RedrawsTheLearningCurve_AsWellFormedSvg_WithTheThreshold()
    {
        string run = InFolder("run");
        Assert.That(Run("train", "--preset", "handson-keras", "--max-updates", "5", "--out", run, "--quiet").ExitCode, Is.Zero);
        string svg = InFolder("curve.svg");

        CliResult result = Run("plot", run, "--out", svg);

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Output, Does.Contain("25 episodes, 5 updates"));
        XDocument document = XDocument.Parse(File.ReadAllText(svg));
        Assert.That(document.Root!.Value, Does.Contain("solved: running reward > 195").And.Contain("episode").And.Contain("return"));
    }
}
