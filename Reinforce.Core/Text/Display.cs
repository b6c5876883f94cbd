using System.Globalization;
using System.Text;

namespace Reinforce.Text;

/// <summary>
/// A value from outside (a flag, a path, a name read from a file) made safe to print in a one-line
/// message: quoted, with control and invisible formatting characters escaped, and shortened.
/// </summary>
public static class Display
{
    /// <summary>The longest quoted value printed whole, in characters between the quotes.</summary>
    public const int DefaultMaxLength = 80;

    /// <summary>
    /// <paramref name="value"/> in single quotes. Newlines, tabs, escapes and every other control or
    /// invisible formatting character (bidirectional overrides, zero-width spaces, line separators)
    /// are written as <c>\n</c>, <c>\t</c>, <c>\u{1b}</c>…, so a value can neither break the line nor
    /// restyle the terminal. A value longer than <paramref name="maxLength"/> is cut, ending in
    /// <c>…</c> and followed by its length: <c>'aaaa…' (100000 characters)</c>.
    /// </summary>
    public static string Quote(string? value, int maxLength = DefaultMaxLength)
    {
        if (value is null)
        {
            return "(none)";
        }
        string escaped = Escape(value, maxLength, out bool cut);
        return cut
            ? string.Create(CultureInfo.InvariantCulture, $"'{escaped}…' ({value.Length} characters)")
            : $"'{escaped}'";
    }

    /// <summary>Like <see cref="Quote"/> without the quotes: for text that is already a sentence, such as a system error message.</summary>
    public static string Escape(string? value, int maxLength = DefaultMaxLength) =>
        value is null ? "" : Escape(value, maxLength, out bool cut) + (cut ? "…" : "");

    private static string Escape(string value, int maxLength, out bool cut)
    {
        var text = new StringBuilder(Math.Min(value.Length, maxLength) + 8);
        int written = 0;
        cut = false;
        for (int i = 0; i < value.Length; i++)
        {
            string piece;
            int width = 1;
            char c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                int codePoint = char.ConvertToUtf32(c, value[i + 1]);
                piece = Rune.GetUnicodeCategory(new Rune(codePoint)) == UnicodeCategory.Format ? Escape(codePoint) : value.Substring(i, 2);
                width = 2;
            }
            else
            {
                piece = c switch
                {
                    '\n' => "\\n",
                    '\r' => "\\r",
                    '\t' => "\\t",
                    '\0' => "\\0",
                    _ when char.IsSurrogate(c) || NeedsEscape(c) => Escape(c),
                    _ => c.ToString(),
                };
            }
            if (written + piece.Length > maxLength)
            {
                cut = true;
                break;
            }
            text.Append(piece);
            written += piece.Length;
            i += width - 1;
        }
        return text.ToString();
    }

    /// <summary>
    /// "; did you mean 'x'?" for a mistyped <paramref name="input"/>, or "": the known name equal to it but for case, else
    /// those it is a prefix of (case aside: "pytorch" → pytorch-example, pytorch-reinforce), else the nearest by edit
    /// distance when that is at most max(2, a third of its length).
    /// </summary>
    public static string DidYouMean(string input, IEnumerable<string> known)
    {
        ArgumentNullException.ThrowIfNull(input);
        string[] names = [.. known];
        string[] matches = names.Where(n => n.Equals(input, StringComparison.OrdinalIgnoreCase)).ToArray();
        if (matches.Length == 0 && input.Length >= 3)
        {
            matches = names.Where(n => n.StartsWith(input, StringComparison.OrdinalIgnoreCase)).ToArray();
        }
        if (matches.Length == 0)
        {
            matches = names.Select(n => (n, d: Distance(input.ToLowerInvariant(), n.ToLowerInvariant())))
                .Where(x => x.d <= Math.Max(2, input.Length / 3)).OrderBy(x => x.d).Take(1).Select(x => x.n).ToArray();
        }
        return matches.Length == 0 ? "" : $"; did you mean {OneOf([.. matches.Take(3).Select(m => $"'{m}'")])}?";
    }

    /// <summary>The Levenshtein distance between two strings (insertions, deletions and substitutions of one character).</summary>
    public static int Distance(string a, string b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }

    /// <summary>"a", "a or b", "a, b or c": the names of a registry as a help text or an error message lists them.</summary>
    public static string OneOf(IReadOnlyList<string> names) =>
        names.Count <= 1 ? string.Join("", names) : $"{string.Join(", ", names.Take(names.Count - 1))} or {names[^1]}";

    /// <summary>
    /// An exception's message for a one-line error: an <see cref="ArgumentException"/>'s without the
    /// " (Parameter 'name')" the runtime appends, its lines joined, without a final period (the caller ends the sentence).
    /// </summary>
    public static string MessageOf(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        string message = exception is ArgumentException { ParamName: string name }
            ? exception.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal)
            : exception.Message;
        // ArgumentOutOfRangeException puts "Actual value was …" on a line of its own.
        return string.Join(' ', message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).TrimEnd('.');
    }

    private static bool NeedsEscape(char c) => char.IsControl(c) || CharUnicodeInfo.GetUnicodeCategory(c)
        is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;

    private static string Escape(int codePoint) => string.Create(CultureInfo.InvariantCulture, $"\\u{{{codePoint:x}}}");
}
