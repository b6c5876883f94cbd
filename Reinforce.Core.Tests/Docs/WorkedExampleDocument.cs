using System.Globalization;
using System.Text.RegularExpressions;

namespace Reinforce.Tests.Docs;

/// <summary>
/// Reads the numbers of docs/worked-example.md. Every <c>```text</c> block of the document holds
/// lines <c>label = number number …</c>, comment lines starting with <c>#</c>, or blank lines;
/// anything else is an error, so a number cannot hide from the test in a malformed line.
/// </summary>
internal static partial class WorkedExampleDocument
{
    /// <summary>The document's path: docs/worked-example.md of the repository.</summary>
    public static string Locate() => Path.Combine(Repository.Root, "docs", "worked-example.md");

    /// <summary>Label → the numbers printed after it, as text (the text fixes the tolerance).</summary>
    public static Dictionary<string, string[]> Read(string path)
    {
        var values = new Dictionary<string, string[]>(StringComparer.Ordinal);
        bool inside = false;
        int lineNumber = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNumber++;
            if (line.StartsWith("```", StringComparison.Ordinal))
            {
                inside = !inside && line == "```text";
                continue;
            }
            if (!inside || string.IsNullOrWhiteSpace(line) || line.StartsWith('#'))
            {
                continue;
            }
            Match match = ValueLine().Match(line);
            if (!match.Success)
            {
                throw new FormatException($"{path}:{lineNumber}: expected 'label = numbers', got '{line}'.");
            }
            string[] numbers = match.Groups[2].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            foreach (string number in numbers)
            {
                _ = Parse(number);
            }
            if (!values.TryAdd(match.Groups[1].Value, numbers))
            {
                throw new FormatException($"{path}:{lineNumber}: the label '{match.Groups[1].Value}' appears twice.");
            }
        }
        return values;
    }

    /// <summary>A number as printed (<c>-0.123456</c>, <c>1.2345e-04</c>, <c>3</c>).</summary>
    public static double Parse(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>One unit in the last printed digit: 10⁻⁶ for <c>0.123456</c>, 10⁻⁸ for <c>1.2345e-04</c>, 0 for an integer.</summary>
    public static double UnitInLastDigit(string text)
    {
        int e = text.IndexOfAny(['e', 'E']);
        string mantissa = e < 0 ? text : text[..e];
        int exponent = e < 0 ? 0 : int.Parse(text[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        int dot = mantissa.IndexOf('.');
        return dot < 0 ? 0 : Math.Pow(10, exponent - (mantissa.Length - dot - 1));
    }

    [GeneratedRegex(@"^(\S+) +=  *(\S.*)$")]
    private static partial Regex ValueLine();
}
