using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Reinforce.Tests.Cli;

/// <summary>
/// The built CLI at a real terminal: run as a child process under util-linux's script(1), which gives it a
/// pseudo-terminal of a chosen width (<c>stty cols N</c>), and read back everything it drew there. What must hold: every
/// line drawn (each stretch between carriage returns and newlines, escape sequences taking no columns) is narrower than
/// the terminal, so the last column stays free (docs/cli.md); the progress display drops whole fields, in the documented
/// priority, and never cuts a number; --log-interval is honoured; help wraps to the width and loses no word.
/// </summary>
/// <remarks>
/// Tolerance: none, every assertion is exact. The expected fields at each width come from the field widths of the
/// progress line (Reinforce.Cli/ProgressDisplay.cs, docs/cli.md): update 12, episodes 15, steps 14, return 20,
/// running 15, H 7, steps/s 13 columns, joined by two spaces: all seven take 108 columns, the four of highest priority
/// (update, running, return, episodes) 68, the two of highest 29. The run is seed 0's default configuration, which
/// reaches returns of 500 (three-digit fields) before update 50. Which updates keep a line does not depend on the
/// machine's speed: --log-interval is given in every run.
/// </remarks>
[TestFixture]
[Category(CliTestBase.CliRobustness)]
public sealed partial class TerminalTests : CliTestBase
{
    [TestCase(40, "update", "running")]
    [TestCase(80, "update", "episodes", "return", "running")]
    [TestCase(120, "update", "episodes", "steps", "return", "running", "entropy", "rate")]
    public void Train_AtATerminal_EveryLineFits_FieldsAreDroppedWhole_AndNoNumberIsCut(int columns, params string[] keptFields)
    {
        // At 120 columns NO_COLOR is set: the same layout without any colour.
        bool colour = columns != 120;
        // On the previous default (PreviousDefault), which this test's numbers were measured on.
        Drawn drawn = AtATerminal(columns, colour, $"train {string.Join(' ', PreviousDefault)} --out run --seed 0 --max-updates 50 --log-interval 5 2>&1 >stdout.txt");

        Assert.That(drawn.ExitCode, Is.Zero, drawn.Transcript);
        AssertEveryLineFits(drawn, columns);
        string[] kept = drawn.Shown.Where(line => line.StartsWith("update", StringComparison.Ordinal)).ToArray();
        Assert.That(kept.Select(line => KeptLine().Match(line).Groups["update"].Value),
            Is.EqualTo(Enumerable.Range(1, 10).Select(k => (5 * k).ToString(CultureInfo.InvariantCulture))), $"a kept line every 5 updates\n{drawn.Transcript}");
        foreach (string line in kept)
        {
            Match match = KeptLine().Match(line);
            Assert.That(match.Success, Is.True, $"a kept line of whole fields: {line}");
            string[] present = ["update", .. new[] { "episodes", "steps", "return", "running", "entropy", "rate" }.Where(f => match.Groups[f].Success)];
            Assert.That(present, Is.EqualTo(keptFields), $"the fields that fit {columns} columns, by priority: {line}");
        }
        Assert.That(drawn.Overwritten, Is.Not.Empty, "update 1 draws the status line (it is never a kept one here)");
        foreach (string status in drawn.Overwritten)
        {
            Assert.That(status.Split(" · "), Has.All.Matches<string>(field => StatusField().IsMatch(field)), $"a status line of whole fields: {status}");
            Assert.That(status, Does.StartWith("update "));
        }
        string first = drawn.Overwritten.First(line => line.StartsWith("update 1 ", StringComparison.Ordinal) || line == "update 1");
        Assert.That(first, columns >= 80 ? Does.Contain(" left") : Does.Not.Contain(" left"),
            "the time left (priority 3) fits from 80 columns on: update 1 · episode 4 · running 20.8/475 · return 20.0 ± 7.6 · ≤ 0:0s left takes 73");
        string header = string.Join(" ", drawn.Shown.TakeWhile(line => !line.StartsWith("update", StringComparison.Ordinal)));
        Assert.That(header, Does.StartWith("Training CartPole-v1,").And.Contain("seed 0").And.EndWith("→ run"), "the header wraps, losing nothing");
        Assert.That(drawn.Transcript.Contains("\u001b[2m", StringComparison.Ordinal), Is.EqualTo(colour), "colour (the dim header) unless NO_COLOR is set");
        Assert.That(File.ReadAllText(InFolder("stdout.txt")), Does.StartWith("Solved CartPole-v1 after 200 episodes"));
    }

    [Test]
    public void Train_AtATerminal_WithLogInterval1_KeepsOneLinePerUpdate()
    {
        Drawn drawn = AtATerminal(80, colour: false, "train --out run --seed 0 --max-updates 12 --log-interval 1 2>&1 >stdout.txt");

        Assert.That(drawn.ExitCode, Is.Zero, drawn.Transcript);
        AssertEveryLineFits(drawn, 80);
        Assert.That(drawn.Shown.Where(line => line.StartsWith("update", StringComparison.Ordinal)).Select(line => KeptLine().Match(line).Groups["update"].Value),
            Is.EqualTo(Enumerable.Range(1, 12).Select(k => k.ToString(CultureInfo.InvariantCulture))), drawn.Transcript);
        Assert.That(drawn.Overwritten, Is.Empty, "every update keeps its line, so no status line is drawn in between");
    }

    [Test]
    public void Help_AtAn80ColumnTerminal_HasNoLineOver80Columns_AndLosesNoWord()
    {
        string[] commands = ["", "train", "sweep", "eval", "baseline", "render", "plot", "presets", "explain"];
        Drawn drawn = AtATerminal(80, colour: false, $"for c in {string.Join(' ', commands.Select(c => $"'{c}'"))}; do \"$REINFORCE_HOST\" \"$REINFORCE_CLI\" $c --help || exit 1; done");

        Assert.That(drawn.ExitCode, Is.Zero, drawn.Transcript);
        AssertEveryLineFits(drawn, 80);
        string piped = string.Concat(commands.Select(c => Run(c == "" ? new[] { "--help" } : new[] { c, "--help" }).Output));
        Assert.That(piped.Split('\n').Max(line => line.Length), Is.GreaterThan(80), "piped, help is wider than 80 columns: the terminal's width made the difference");
        Assert.That(Words(string.Join("\n", drawn.Shown)), Is.EqualTo(Words(piped)), "the same text in the same order: wrapping only moved it");
    }

    // The text without its spaces and line breaks: equal for two layouts of the same words in the same order.
    private static string Words(string text) => string.Concat(text.Split([' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries));

    private static void AssertEveryLineFits(Drawn drawn, int columns)
    {
        foreach (string line in drawn.Shown.Concat(drawn.Overwritten))
        {
            Assert.That(DisplayWidth(line), Is.LessThan(columns), $"{columns} columns, the last left free: {line}\n{drawn.Transcript}");
        }
    }

    /// <summary>What the child drew: the lines left on screen, the status lines drawn over, the exit code and the raw transcript.</summary>
    private sealed record Drawn(int ExitCode, string[] Shown, string[] Overwritten, string Transcript);

    /// <summary>
    /// Runs <paramref name="command"/> (a shell command whose <c>"$REINFORCE_HOST" "$REINFORCE_CLI"</c> start the built
    /// CLI; a command not starting with "for" gets them put in front) in this test's folder, at a pseudo-terminal
    /// <paramref name="columns"/> wide, and splits what it drew: every stretch of text between carriage returns and
    /// newlines is drawn from the first column, so each is measured; the last stretch of each line stays on screen.
    /// </summary>
    private Drawn AtATerminal(int columns, bool colour, string command)
    {
        string script = ScriptTool();
        (string host, string cli) = BuiltCli();
        string shell = command.StartsWith("for ", StringComparison.Ordinal) ? command : $"exec \"$REINFORCE_HOST\" \"$REINFORCE_CLI\" {command}";
        var start = new ProcessStartInfo(script)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8, WorkingDirectory = Folder,
        };
        foreach (string arg in new[] { "-q", "-e", "-c", $"stty cols {columns} rows 24 && {shell}", "/dev/null" })
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["REINFORCE_HOST"] = host;
        start.Environment["REINFORCE_CLI"] = cli;
        start.Environment["TERM"] = "xterm-256color";
        start.Environment.Remove("COLUMNS");
        start.Environment.Remove("NO_COLOR");
        if (!colour)
        {
            start.Environment["NO_COLOR"] = "1";
        }
        using var process = Process.Start(start)!;
        process.StandardInput.Close(); // nothing typed: the child reads no input
        Task<string> error = process.StandardError.ReadToEndAsync();
        string transcript = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.That(error.Result, Is.Empty, "script(1) itself complained");

        var shown = new List<string>();
        var overwritten = new List<string>();
        string[] lines = transcript.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string[] stretches = lines[i].Split('\r').Select(StripEscapes).Where(s => s.Length > 0).ToArray();
            bool ended = i < lines.Length - 1; // followed by a newline: its last stretch stays
            for (int k = 0; k < stretches.Length; k++)
            {
                (ended && k == stretches.Length - 1 ? shown : overwritten).Add(stretches[k]);
            }
        }
        return new Drawn(process.ExitCode, [.. shown], [.. overwritten], transcript);
    }

    // The util-linux script(1) (Debian's bsdutils): -q -e -c COMMAND FILE. Missing or another script: the test fails and says what to install.
    private static string ScriptTool()
    {
        string? path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(folder => Path.Combine(folder, "script")).FirstOrDefault(File.Exists);
        Assert.That(path, Is.Not.Null, "this test needs script(1) from util-linux, to give the CLI a pseudo-terminal: install it (Debian/Ubuntu: apt-get install bsdutils; Fedora: util-linux-script); .ci/run installs it when missing");
        using var version = Process.Start(new ProcessStartInfo(path!, ["--version"]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false })!;
        string text = version.StandardOutput.ReadToEnd() + version.StandardError.ReadToEnd();
        version.WaitForExit();
        Assert.That(text, Does.Contain("util-linux"), $"{path} is not util-linux's script(1), whose -q -e -c this test uses: install util-linux's (Debian/Ubuntu: apt-get install bsdutils)");
        return path!;
    }

    // The dotnet host and the reinforce.dll built next to the tests (as Reinforce.Core.Tests/Cli/KillTests.cs starts it).
    private static (string Host, string Cli) BuiltCli()
    {
        string cli = Path.Combine(AppContext.BaseDirectory, "reinforce.dll");
        string? host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (host is null && Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            host = Environment.ProcessPath;
        }
        Assert.That(File.Exists(cli), Is.True, $"{cli} is missing: build the solution (dotnet build -c Release) before testing");
        Assert.That(host is not null && File.Exists(host), Is.True, "no dotnet host to start reinforce.dll with: run the tests with dotnet test (it sets DOTNET_HOST_PATH)");
        return (host!, cli);
    }

    // Columns on a terminal: escape sequences take none, each text element (a character with its combining marks) one.
    // The CLI's output has no East Asian wide characters, which would take two.
    private static int DisplayWidth(string text) => new StringInfo(text).LengthInTextElements;

    private static string StripEscapes(string text) => Escape().Replace(text, "");

    [GeneratedRegex(@"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[=>]")]
    private static partial Regex Escape();

    // A kept line at a terminal: the piped line's fields, any of them but update left out, each whole.
    [GeneratedRegex(@"^update +(?<update>\d+)(?<episodes>  episodes +\d+)?(?<steps>  steps +\d+)?(?<return>  return +\d+\.\d ± +\d+\.\d)?" +
        @"(?<running>  running +-?\d+\.\d\d)?(?<entropy>  H \d\.\d{3})?(?<rate>  +(\d{1,3}|\d\.\d\d[kMGT]|\d\d\.\d[kMGT]|\d{3}[kMGT]) steps/s)?$")]
    private static partial Regex KeptLine();

    // One whole field of the status line.
    [GeneratedRegex(@"^(update \d+|episode \d+|running -?\d+\.\d/\d+(\.\d)?|return -?\d+\.\d ± \d+\.\d|≤ (\d+:)?\d{1,2}:\d\d left|eval -?\d+\.\d|\d{1,3}(,\d{3})* steps)$")]
    private static partial Regex StatusField();
}
