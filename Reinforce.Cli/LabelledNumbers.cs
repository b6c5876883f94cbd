using System.Globalization;
using System.Text.RegularExpressions;
using Reinforce.Text;

namespace Reinforce.Cli;

/// <summary>
/// The text of docs/worked-example.md and of <c>reinforce explain</c>'s output, read by <c>explain --inputs</c> and by the
/// tests of the documents: lines <c>label = number number …</c>, comment lines starting with <c>#</c>, and blank lines; in a
/// Markdown file only the lines of its <c>```text</c> blocks count. Anything else is an error, so a number cannot hide
/// from a reader in a malformed line. What the labels mean is the reader's business.
/// </summary>
internal static partial class LabelledNumbers
{
    /// <summary>One line: its number in the file (from 1), its label, and its numbers as written (the text fixes a printed number's precision).</summary>
    internal sealed record Line(int Number, string Label, string[] Values);

    /// <summary>
    /// The lines of <paramref name="text"/> by label, each once. A malformed line, a value that is not a number (NaN and
    /// infinities are numbers here; a reader that needs finite ones checks) or a label given twice throws
    /// <see cref="UsageException"/> starting <c><paramref name="source"/>:line:</c>.
    /// </summary>
    public static Dictionary<string, Line> Read(string source, string text, bool markdown)
    {
        var lines = new Dictionary<string, Line>(StringComparer.Ordinal);
        bool inside = !markdown;
        int number = 0;
        foreach (string line in text.Split('\n').Select(l => l.TrimEnd('\r')))
        {
            number++;
            if (markdown && line.StartsWith("```", StringComparison.Ordinal))
            {
                inside = !inside && line == "```text";
                continue;
            }
            if (!inside || string.IsNullOrWhiteSpace(line) || line.StartsWith('#'))
            {
                continue;
            }
            Match match = LabelLine().Match(line);
            if (!match.Success)
            {
                throw new UsageException($"{source}:{number}: expected 'label = numbers', got {Display.Quote(line.Trim())}");
            }
            string label = match.Groups[1].Value;
            string[] values = match.Groups[2].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (values.FirstOrDefault(v => !double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out _)) is string bad)
            {
                throw new UsageException($"{source}:{number}: {Display.Quote(bad, 30)} in {Display.Quote(label, 40)} is not a number; expected decimal numbers such as 0.25, -1 or 1e-08");
            }
            if (!lines.TryAdd(label, new Line(number, label, values)))
            {
                throw new UsageException($"{source}:{number}: {Display.Quote(label, 40)} appears twice (first on line {lines[label].Number})");
            }
        }
        return lines;
    }

    /// <summary>A number as written, in the invariant culture (<c>-0.123456</c>, <c>1.2345e-04</c>, <c>3</c>).</summary>
    public static double Parse(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^(\S+) +=  *(\S.*)$")]
    private static partial Regex LabelLine();
}
