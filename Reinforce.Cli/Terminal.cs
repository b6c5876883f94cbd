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

/// <summary>Whether a writer is an interactive terminal, and how wide it is.</summary>
internal static class Terminal
{
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
}
