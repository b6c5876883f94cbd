using System.Globalization;
using Reinforce.Text;

namespace Reinforce.Cli;

/// <summary>Bad input: the command prints the message as one line and exits with code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>One command-line flag: its name, the value it takes (null for a switch), help text and default.</summary>
internal sealed record Flag(string Name, string? Value, string Help, string? Default = null, string Group = "Options")
{
    public bool IsSwitch => Value is null;
}

/// <summary>
/// The parsed command line of one command: flag values by name (last one wins) and positional
/// arguments. Accepts <c>--flag value</c>, <c>--flag=value</c>, switches as <c>--flag</c>,
/// <c>--no-flag</c> or <c>--flag=true|false</c>, and <c>--</c> to end the flags.
/// </summary>
internal sealed class ParsedArguments
{
    private readonly Dictionary<string, string> values = new(StringComparer.Ordinal);
    private readonly List<string> order = [];
    private readonly List<(string Flag, string Value)> occurrences = [];

    private ParsedArguments(string command) => Command = command;

    public string Command { get; }

    public List<string> Positionals { get; } = [];

    /// <summary>The flags given, in the order first given.</summary>
    public IReadOnlyList<string> Given => order;

    public bool HelpRequested { get; private set; }

    public bool Has(string flag) => values.ContainsKey(flag);

    public string? Raw(string flag) => values.GetValueOrDefault(flag);

    /// <summary>Every value given to <paramref name="flag"/>, in order (for the flags a command lets repeat; <see cref="Raw"/> is the last).</summary>
    public IReadOnlyList<string> All(string flag) => occurrences.Where(o => o.Flag == flag).Select(o => o.Value).ToList();

    /// <summary>Every flag given, with its value, in the order given (a repeated flag once per occurrence).</summary>
    public IReadOnlyList<(string Flag, string Value)> Occurrences => occurrences;

    public static ParsedArguments Parse(string command, IReadOnlyList<string> args, IReadOnlyList<Flag> flags, int maxPositionals, string positionalName)
    {
        var result = new ParsedArguments(command);
        var byName = flags.ToDictionary(f => f.Name, StringComparer.Ordinal);
        bool flagsEnded = false;
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (flagsEnded || !arg.StartsWith('-') || arg == "-" || IsNumber(arg))
            {
                if (result.Positionals.Count == maxPositionals)
                {
                    throw new UsageException(maxPositionals == 0
                        ? $"unexpected argument {Display.Quote(arg)}; this command takes only flags"
                        : $"unexpected argument {Display.Quote(arg)}; this command takes at most {maxPositionals} {positionalName}");
                }
                result.Positionals.Add(arg);
                continue;
            }
            if (arg == "--")
            {
                flagsEnded = true;
                continue;
            }
            if (arg is "-h" or "--help")
            {
                result.HelpRequested = true;
                continue;
            }
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                throw new UsageException($"unknown flag {Display.Quote(arg)}; flags are written --name (see reinforce {command} --help)");
            }
            string name = arg;
            string? inline = null;
            int equals = arg.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                name = arg[..equals];
                inline = arg[(equals + 1)..];
            }
            if (!byName.TryGetValue(name, out Flag? flag))
            {
                // --no-X turns a switch off.
                if (name.StartsWith("--no-", StringComparison.Ordinal) && byName.TryGetValue("--" + name[5..], out Flag? negated) && negated.IsSwitch && inline is null)
                {
                    result.Set(negated.Name, "false");
                    continue;
                }
                throw new UsageException($"unknown flag {Display.Quote(name)}{Suggestion(name, byName.Keys)} (see reinforce {command} --help)");
            }
            if (flag.IsSwitch)
            {
                string text = inline ?? "true";
                if (text is not ("true" or "false"))
                {
                    throw new UsageException($"{Display.Quote($"{name}={text}")}: expected {name}, --no-{name[2..]}, {name}=true or {name}=false");
                }
                result.Set(name, text);
                continue;
            }
            if (inline is null)
            {
                if (i + 1 >= args.Count || (args[i + 1].StartsWith("--", StringComparison.Ordinal) && args[i + 1].Length > 2))
                {
                    throw new UsageException($"{name} needs a value: {name} {flag.Value}");
                }
                inline = args[++i];
            }
            result.Set(name, inline);
        }
        return result;
    }

    private void Set(string flag, string value)
    {
        if (!values.ContainsKey(flag))
        {
            order.Add(flag);
        }
        values[flag] = value;
        occurrences.Add((flag, value));
    }

    private static bool IsNumber(string text) => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    private static string Suggestion(string name, IEnumerable<string> known) => Display.DidYouMean(name, known);

    // Typed values. Each error names the flag, the value and what is accepted.

    public string? String(string flag) => Raw(flag);

    public bool? Switch(string flag) => Raw(flag) is string text ? text == "true" : null;

    public string? Choice(string flag, IReadOnlyList<string> accepted)
    {
        if (Raw(flag) is not string text)
        {
            return null;
        }
        string? match = accepted.FirstOrDefault(a => string.Equals(a, text, StringComparison.OrdinalIgnoreCase));
        return match ?? throw new UsageException($"{flag} {Display.Quote(text)} is not accepted; expected one of: {string.Join(", ", accepted)}{Suggestion(text, accepted)}");
    }

    /// <summary>
    /// A finite number in the given range (bounds inclusive unless said otherwise). With <paramref name="single"/>
    /// the value is used as a float32: it must also be finite as one, and nonzero where the minimum is an exclusive 0.
    /// </summary>
    public double? Number(string flag, double min, double max, bool minExclusive = false, string? accepted = null, bool single = false)
    {
        if (Raw(flag) is not string text)
        {
            return null;
        }
        accepted ??= minExclusive ? $"a finite number > {Format(min)}" : max >= double.MaxValue ? $"a finite number ≥ {Format(min)}" : $"a number in [{Format(min)}, {Format(max)}]";
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
        {
            throw new UsageException($"{flag} {Display.Quote(text)} is not a number; expected {accepted}");
        }
        if (!double.IsFinite(value))
        {
            throw new UsageException($"{flag} {Display.Quote(text)} is not finite; expected {accepted}");
        }
        if (value < min || value > max || (minExclusive && value == min))
        {
            throw new UsageException($"{flag} {Display.Quote(text)} is out of range; expected {accepted}");
        }
        if (single && !float.IsFinite((float)value))
        {
            throw new UsageException($"{flag} {Display.Quote(text)} overflows a float32 (the update computes in float32); expected {accepted}, at most 3.4028235e38");
        }
        if (single && minExclusive && min == 0 && (float)value == 0)
        {
            throw new UsageException($"{flag} {Display.Quote(text)} rounds to 0 as a float32 (the update computes in float32); expected {accepted}, at least 1.4e-45");
        }
        return value;
    }

    /// <summary>An integer in [min, max].</summary>
    public long? Integer(string flag, long min, long max = int.MaxValue)
    {
        if (Raw(flag) is not string text)
        {
            return null;
        }
        string accepted = max == int.MaxValue || max == long.MaxValue ? $"an integer ≥ {min}" : $"an integer in [{min}, {max}]";
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value))
        {
            throw new UsageException($"{flag} {Display.Quote(text)} is not an integer; expected {accepted}");
        }
        if (value < min || value > max)
        {
            throw new UsageException($"{flag} {Display.Quote(text)} is out of range; expected {accepted}");
        }
        return value;
    }

    public ulong? UnsignedInteger(string flag)
    {
        if (Raw(flag) is not string text)
        {
            return null;
        }
        return ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong value)
            ? value
            : throw new UsageException($"{flag} {Display.Quote(text)} is not accepted; expected an integer in [0, 18446744073709551615]");
    }

    internal static string Format(double value) => value.ToString("0.########", CultureInfo.InvariantCulture);
}
