using Reinforce.Cli;

namespace Reinforce.Tests.Cli;

/// <summary>
/// Help wraps: piped (or in a file) to <see cref="Reinforce.Cli.Cli.HelpWidth"/> columns, at a terminal to its width
/// less one column, continuation lines under the description column, never cutting a word. (The real terminal, through a
/// pseudo-terminal, is in <see cref="TerminalTests"/>; here the terminal's width is given to the command in-process.)
/// Tolerance: none; every width is an exact column count.
/// </summary>
[TestFixture]
public sealed class HelpLayoutTests : CliTestBase
{
    private static readonly string[][] Helps =
        [["--help"], ["train", "--help"], ["sweep", "--help"], ["eval", "--help"], ["baseline", "--help"], ["render", "--help"],
        ["plot", "--help"], ["presets", "--help"], ["explain", "--help"]];

    public static IEnumerable<TestCaseData> EveryHelp() => Helps.Select(args => new TestCaseData((object)args).SetArgDisplayNames(string.Join(' ', args)));

    [TestCaseSource(nameof(EveryHelp))]
    public void PipedHelp_HasNoLineOver100Columns(string[] args)
    {
        string help = Run(args).Output;

        Assert.That(help.Split('\n'), Has.All.Length.LessThanOrEqualTo(Reinforce.Cli.Cli.HelpWidth));
    }

    [Test]
    public void PipedTrainHelp_FillsItsLines_TowardThe100Columns()
    {
        // Not vacuous: train's longest descriptions take over 200 columns, so lines are filled toward the width: several
        // reach past 90 of the 100 columns.
        string[] lines = Run("train", "--help").Output.Split('\n');

        Assert.That(lines.Count(line => line.Length > Reinforce.Cli.Cli.HelpWidth - 10), Is.GreaterThanOrEqualTo(3));
        Assert.That(lines.Count(line => line.StartsWith(new string(' ', 27), StringComparison.Ordinal) && line[27] != ' '), Is.GreaterThan(10),
            "continuation lines start at the description column (27)");
    }

    [TestCaseSource(nameof(EveryHelp))]
    public void HelpAtANarrowTerminal_FitsIt_AndHasEveryWordOfThePipedHelp(string[] args)
    {
        foreach (int columns in new[] { 40, 60, 80 })
        {
            var stdout = new StringWriter();
            var context = new CliContext(stdout, new StringWriter(), CancellationToken.None, Style.None, Style.None, OutputIsTerminal: true)
            {
                OutputTerminalWidth = columns,
            };

            Assert.That(Reinforce.Cli.Cli.Run(args, context), Is.Zero);
            Assert.That(stdout.ToString().Split('\n'), Has.All.Length.LessThan(columns), $"{columns} columns, the last left free");
            Assert.That(Words(stdout.ToString()), Is.EqualTo(Words(Run(args).Output)), $"{columns} columns: the same text in the same order");
        }
    }

    [Test]
    public void Wrap_BreaksAtSpaces_IndentsContinuations_AndNeverCutsAWord()
    {
        Assert.That(Terminal.Wrap("one two three four", 10, "> ", "  "), Is.EqualTo(new[] { "> one two", "  three", "  four" }));
        Assert.That(Terminal.Wrap("a verylongwordindeed b", 8, "", "  "), Is.EqualTo(new[] { "a", "  verylongwordindeed", "  b" }),
            "a word wider than a line has a line of its own and is not cut");
        Assert.That(Terminal.Wrap("keep  two   spaces", 80), Is.EqualTo(new[] { "keep  two   spaces" }), "runs of spaces inside a line stay");
        Assert.That(Terminal.Wrap($"x {Terminal.Glued("[default: a b]")}", 14), Is.EqualTo(new[] { "x", "[default: a b]" }), "glued words move together");
        Assert.That(Terminal.Wrap($"x {Terminal.Glued("[default: a b c]")}", 11), Is.EqualTo(new[] { "x [default:", "a b c]" }),
            "and break at their spaces only when wider than a line");
        Assert.That(Terminal.Wrap("x runs/<preset>-<env>-s<seed>", 25, "", "  "), Is.EqualTo(new[] { "x runs/", "  <preset>-<env>-s<seed>" }),
            "a path wider than a line breaks after a slash");
        Assert.That(Terminal.DisplayWidth("\u001b[32m± · ≤\u001b[0m\u001b[K"), Is.EqualTo(5), "escape sequences take no column");
        Assert.That(Terminal.DisplayWidth("e\u0301漢"), Is.EqualTo(3), "a combining mark none, a CJK ideograph two");
    }

    // The text without its spaces and line breaks: equal for two layouts of the same words in the same order.
    private static string Words(string text) => string.Concat(text.Split([' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries));
}
