using System.Globalization;
using Reinforce.Cli;

namespace Reinforce.Tests.Docs;

/// <summary>
/// Reads the numbers of docs/worked-example.md with the parser of <c>reinforce explain --inputs</c>
/// (<see cref="LabelledNumbers"/>): every <c>```text</c> block of the document holds lines
/// <c>label = number number …</c>, comment lines starting with <c>#</c>, or blank lines; anything
/// else is an error, so a number cannot hide from the test in a malformed line.
/// </summary>
internal static class WorkedExampleDocument
{
    /// <summary>The document's path: docs/worked-example.md of the repository.</summary>
    public static string Locate() => Path.Combine(Repository.Root, "docs", "worked-example.md");

    /// <summary>Label → the numbers printed after it, as text (the text fixes the tolerance), read by the CLI's own parser.</summary>
    public static Dictionary<string, string[]> Read(string path) =>
        LabelledNumbers.Read(path, File.ReadAllText(path), markdown: true).ToDictionary(kv => kv.Key, kv => kv.Value.Values, StringComparer.Ordinal);

    /// <summary>A number as printed (<c>-0.123456</c>, <c>1.2345e-04</c>, <c>3</c>).</summary>
    public static double Parse(string text) => LabelledNumbers.Parse(text);

    /// <summary>One unit in the last printed digit: 10⁻⁶ for <c>0.123456</c>, 10⁻⁸ for <c>1.2345e-04</c>, 0 for an integer.</summary>
    public static double UnitInLastDigit(string text)
    {
        int e = text.IndexOfAny(['e', 'E']);
        string mantissa = e < 0 ? text : text[..e];
        int exponent = e < 0 ? 0 : int.Parse(text[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        int dot = mantissa.IndexOf('.');
        return dot < 0 ? 0 : Math.Pow(10, exponent - (mantissa.Length - dot - 1));
    }
}
