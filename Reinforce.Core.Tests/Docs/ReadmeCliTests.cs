using System.Text.RegularExpressions;
using Reinforce.Tests.Cli;

namespace Reinforce.Tests.Docs;

/// <summary>
/// docs/cli.md's copy of the command line's own text stays the command line's: the <c>reinforce train --help</c> block
/// is the program's output (from its first group of flags on), and every command the program has is in the
/// Commands table of docs/cli.md.
/// </summary>
[TestFixture]
public sealed partial class ReadmeCliTests : CliTestBase
{
    private static readonly string Readme = File.ReadAllText(Path.Combine(Repository.Root, "docs", "cli.md"));

    [Test]
    public void TheTrainHelpBlock_IsWhatTrainHelpPrints()
    {
        Match block = TrainHelpBlock().Match(Readme);
        Assert.That(block.Success, Is.True, "the README shows `reinforce train --help` in a ```text block");
        string help = Run("train", "--help").Output;
        string flags = help[help.IndexOf("Configuration:", StringComparison.Ordinal)..help.LastIndexOf("\n\n", StringComparison.Ordinal)].TrimEnd();

        Assert.That(block.Groups[1].Value.TrimEnd(), Is.EqualTo(flags), "paste the output of `reinforce train --help` (from Configuration: to the last flag) into the README");
    }

    [Test]
    public void EveryCommand_IsInTheCommandsTable()
    {
        string help = Run("--help").Output;
        int start = help.IndexOf("Commands:", StringComparison.Ordinal);
        string[] commands = [.. CommandLine().Matches(help[start..help.IndexOf("--help", start, StringComparison.Ordinal)]).Select(m => m.Groups[1].Value)];

        Assert.That(commands, Is.Not.Empty);
        Assert.That(commands, Has.All.Matches<string>(c => Readme.Contains($"| `reinforce {c}", StringComparison.Ordinal)));
    }

    [GeneratedRegex(@"`reinforce train --help`[^\n]*\n+```text\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex TrainHelpBlock();

    [GeneratedRegex(@"^  ([a-z]+) ", RegexOptions.Multiline)]
    private static partial Regex CommandLine();
}
