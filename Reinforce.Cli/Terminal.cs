using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Reinforce.Cli;

/// <summary>
/// Colour for a human at a terminal: on only when the writer is the real console, it is not
/// redirected, and NO_COLOR (https://no-color.org) is unset or empty.
/// </summary>
internal sealed class Style(bool enabled)
{
    public static Style None { get; } = new(false);

    public bool Enabled => enabled;

    public static Style For(TextWriter writer, bool isStandardError)
    {
        string? noColor = Environment.GetEnvironmentVariable("NO_COLOR");
        bool console = isStandardError
            ? ReferenceEquals(writer, Console.Error) && !Console.IsErrorRedirected
            : ReferenceEquals(writer, Console.Out) && !Console.IsOutputRedirected;
        return new Style(console && string.IsNullOrEmpty(noColor) && Environment.GetEnvironmentVariable("TERM") != "dumb");
    }

    public string Green(string text) => Wrap("32", text);

    public string Yellow(string text) => Wrap("33", text);

    public string Red(string text) => Wrap("31", text);

    public string Bold(string text) => Wrap("1", text);

    public string Dim(string text) => Wrap("2", text);

    private string Wrap(string code, string text) => enabled ? $"\u001b[{code}m{text}\u001b[0m" : text;
}

/// <summary>Whether a writer is an interactive terminal, how wide it is, and how text is laid out to a width.</summary>
internal static partial class Terminal
{
    /// <summary>
    /// A space <see cref="Wrap"/> breaks at only when the words it joins are wider than a whole line: the spaces inside a
    /// "[default: …]" or a header's clause. Written out as a plain space.
    /// </summary>
    public const char Glue = '\u00A0';

    /// <summary>
    /// The column count of the terminal <paramref name="writer"/> writes to, or null when it is not the real console, is
    /// redirected, or TERM is dumb. The width comes from the console, else COLUMNS, else 80.
    /// </summary>
    public static int? Width(TextWriter writer, bool isStandardError)
    {
        bool console = isStandardError
            ? ReferenceEquals(writer, Console.Error) && !Console.IsErrorRedirected
            : ReferenceEquals(writer, Console.Out) && !Console.IsOutputRedirected;
        if (!console || Environment.GetEnvironmentVariable("TERM") == "dumb")
        {
            return null;
        }
        try
        {
            if (Console.WindowWidth > 0)
            {
                return Console.WindowWidth;
            }
        }
        catch (Exception e) when (e is IOException or PlatformNotSupportedException)
        {
            // No size from the console: fall back on COLUMNS.
        }
        return int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), out int columns) && columns > 0 ? columns : 80;
    }

    /// <summary>
    /// The columns <paramref name="text"/> takes on a terminal: escape sequences take none, combining marks and format
    /// characters none, East Asian wide and fullwidth characters two, every other character one.
    /// </summary>
    public static int DisplayWidth(string text)
    {
        int width = 0;
        foreach (Rune rune in EscapeSequence().Replace(text, "").EnumerateRunes())
        {
            UnicodeCategory category = Rune.GetUnicodeCategory(rune);
            if (Rune.IsControl(rune) || category is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark or UnicodeCategory.Format)
            {
                continue;
            }
            width += IsWide(rune.Value) ? 2 : 1;
        }
        return width;
    }

    /// <summary>
    /// <paramref name="text"/> broken at its spaces into lines of at most <paramref name="width"/> columns: the first line
    /// starts with <paramref name="first"/>, the others with <paramref name="next"/>. A run of spaces inside a line is kept;
    /// the run at a break is dropped. A word is never cut: one wider than a line breaks at its <see cref="Glue"/>s, else
    /// after a slash (a path), else has a line of its own and goes over the width.
    /// </summary>
    public static List<string> Wrap(string text, int width, string first = "", string next = "")
    {
        var lines = new List<string>();
        var line = new StringBuilder(first);
        bool empty = true; // the line holds its prefix only
        foreach (Match word in Word().Matches(text))
        {
            Place(word.Groups[1].Value, word.Groups[2].Value);
        }
        lines.Add(Finished(line));
        return lines;

        void Place(string gap, string word)
        {
            if (!empty && DisplayWidth(line.ToString()) + gap.Length + DisplayWidth(word) <= width)
            {
                line.Append(gap).Append(word);
                return;
            }
            int fresh = empty ? DisplayWidth(line.ToString()) : DisplayWidth(next);
            if (fresh + DisplayWidth(word) > width && word.Contains(Glue, StringComparison.Ordinal))
            {
                string[] parts = word.Split(Glue);
                Place(gap, parts[0]);
                foreach (string part in parts.Skip(1))
                {
                    Place(" ", part);
                }
                return;
            }
            int slash = word.IndexOf('/', StringComparison.Ordinal);
            if (fresh + DisplayWidth(word) > width && slash >= 0 && slash < word.Length - 1)
            {
                // A path wider than a line breaks after a slash ("runs/" then "<preset>-…"), never inside a name or number.
                int at = slash + 1;
                Place(gap, word[..at]);
                Place("", word[at..]);
                return;
            }
            if (!empty)
            {
                lines.Add(Finished(line));
                line = new StringBuilder(next);
            }
            line.Append(word);
            empty = false;
        }
    }

    /// <summary><paramref name="text"/> with every space a <see cref="Glue"/>: <see cref="Wrap"/> keeps it on one line when it fits one.</summary>
    public static string Glued(string text) => text.Replace(' ', Glue);

    private static string Finished(StringBuilder line) => line.ToString().Replace(Glue, ' ').TrimEnd(' ');

    // Unicode's East Asian Width W and F ranges (Hangul, CJK, fullwidth forms, the emoji blocks), as terminals draw them.
    private static bool IsWide(int c) => c is >= 0x1100 and <= 0x115F or >= 0x2E80 and <= 0x303E or >= 0x3041 and <= 0xA4CF
        or >= 0xAC00 and <= 0xD7A3 or >= 0xF900 and <= 0xFAFF or >= 0xFE30 and <= 0xFE4F or >= 0xFF00 and <= 0xFF60
        or >= 0xFFE0 and <= 0xFFE6 or >= 0x1F300 and <= 0x1F64F or >= 0x1F900 and <= 0x1F9FF or >= 0x20000 and <= 0x3FFFD;

    // CSI sequences (colour, erase, cursor, modes), OSC strings (a title), and ESC = / ESC > (the keypad modes).
    [GeneratedRegex(@"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[=>]")]
    private static partial Regex EscapeSequence();

    // A word (no plain space inside; a Glue may be) with the run of spaces before it.
    [GeneratedRegex("( *)([^ ]+)")]
    private static partial Regex Word();
}
