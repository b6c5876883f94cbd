using System.Text.RegularExpressions;

namespace Reinforce.Tests.Docs;

/// <summary>
/// The package README (Reinforce.Core/README.md, the page a user of the Reinforce.Core package reads) keeps an example
/// that compiles and prints what the README says it prints: its code block is <see cref="PackageReadmeExample"/>'s text
/// (compiled with the tests), run in-process, and its output is the README's output block, character for character.
/// The run is deterministic on every machine (the repository README's Determinism section), so the numbers are pinned
/// exactly; they were measured by running the example. tools/ci-package-use.sh runs the same block as Program.cs of a
/// fresh console project that installs the packed package, and checks the same output.
/// </summary>
[TestFixture]
public sealed partial class PackageReadmeExampleTests
{
    /// <summary>
    /// What the example prints, measured by running it: ten updates of four episodes from seed 7, 40 episodes and 1912
    /// steps, then the greedy policy's mean return over ten evaluation episodes. Exact, character for character.
    /// </summary>
    private const string ExpectedOutput = """
        update 1: mean return 23.75, running reward 20.73
        update 2: mean return 28.50, running reward 22.40
        update 3: mean return 28.00, running reward 23.31
        update 4: mean return 41.75, running reward 26.78
        update 5: mean return 33.25, running reward 27.93
        update 6: mean return 32.50, running reward 28.74
        update 7: mean return 56.25, running reward 33.74
        update 8: mean return 76.50, running reward 41.57
        update 9: mean return 71.25, running reward 47.16
        update 10: mean return 86.25, running reward 54.55
        40 episodes, 1912 steps, solved: False
        greedy: mean return 82.4 over 10 episodes

        """;

    private static readonly string Readme = File.ReadAllText(Path.Combine(Repository.Root, "Reinforce.Core", "README.md"));

    private static readonly string Source =
        File.ReadAllText(Path.Combine(Repository.Root, "Reinforce.Core.Tests", "Docs", "PackageReadmeExample.cs"));

    [Test]
    public void TheCodeBlock_IsTheTestedExample()
    {
        string[] block = Lines(Single(CodeBlock(), "```csharp"));
        string[] usings = [.. block.TakeWhile(l => l.StartsWith("using ", StringComparison.Ordinal))];
        string[] statements = [.. block.Skip(usings.Length).SkipWhile(string.IsNullOrEmpty)];

        string[] sourceLines = Lines(Source);
        string[] sourceUsings = [.. sourceLines.Where(l => l.StartsWith("using ", StringComparison.Ordinal))];
        int begin = Array.FindIndex(sourceLines, l => l.Trim() == PackageReadmeExample.Begin);
        int end = Array.FindIndex(sourceLines, l => l.Trim() == PackageReadmeExample.End);
        Assert.That(begin, Is.GreaterThan(0), $"PackageReadmeExample.cs has a line {PackageReadmeExample.Begin}");
        Assert.That(end, Is.GreaterThan(begin), $"PackageReadmeExample.cs has a line {PackageReadmeExample.End} after it");
        const string indent = "        "; // the method body's: two levels of four spaces
        string[] body = [.. sourceLines[(begin + 1)..end].Select(l => l.StartsWith(indent, StringComparison.Ordinal) ? l[indent.Length..] : l)];

        Assert.That(usings, Is.Not.Empty, "the block starts with its using directives");
        Assert.That(usings, Is.EqualTo(sourceUsings), "the README's using directives are PackageReadmeExample.cs's");
        Assert.That(statements, Is.EqualTo(body), "the README's code block is PackageReadmeExample.Run's body, line for line");
    }

    [Test]
    public void TheExample_PrintsTheOutputTheReadmeShows()
    {
        var output = new StringWriter { NewLine = "\n" };
        PackageReadmeExample.Run(output);
        TestContext.Out.Write(output.ToString());

        Assert.That(output.ToString(), Is.EqualTo(ExpectedOutput), "the example's output (measured: deterministic on every machine)");
        Assert.That(Single(OutputBlock(), "```text output block"), Is.EqualTo(ExpectedOutput), "the README's output block is what the example prints");
    }

    [Test]
    public void TheReadme_StatesTheInstallCommand_AndLinksNowhere()
    {
        Assert.That(Readme, Does.Contain("dotnet add package Reinforce.Core --source "), "the install command for a local folder");
        // A package README is shown away from the repository, where a relative link breaks; the project has no public
        // address yet, so documents are named by their repository path, as text.
        Assert.That(Readme, Does.Not.Contain("://"), "no address");
        Assert.That(Readme, Does.Not.Match(@"\]\("), "no Markdown link");
    }

    private static string Single(Regex pattern, string what)
    {
        MatchCollection matches = pattern.Matches(Readme);
        Assert.That(matches, Has.Count.EqualTo(1), $"Reinforce.Core/README.md has one {what}");
        return matches[0].Groups[1].Value;
    }

    private static string[] Lines(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n').Split('\n');

    [GeneratedRegex(@"^```csharp\n(.*?)^```", RegexOptions.Singleline | RegexOptions.Multiline)]
    private static partial Regex CodeBlock();

    // The block after the line that says what the example prints.
    [GeneratedRegex(@"^It prints:\n+```text\n(.*?)^```", RegexOptions.Singleline | RegexOptions.Multiline)]
    private static partial Regex OutputBlock();
}
