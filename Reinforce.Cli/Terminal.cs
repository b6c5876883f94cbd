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
