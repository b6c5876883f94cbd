using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Reinforce.Cli;

/// <summary>
/// The <c>--json</c> result of <c>train</c>, <c>eval</c>, <c>baseline</c> or <c>sweep</c> (docs/cli.md, "JSON output"):
/// exactly one JSON object on stdout, written by <see cref="Cli"/> when the command has returned, whatever it returned.
/// A command that got as far as a result sets its fields (<see cref="Set"/>), and the object is
/// <c>{"schema": "reinforce.COMMAND/1", "command", "exitCode", "error", …its fields}</c>; a command that failed before
/// (bad input, an internal error, an interruption before there was a result) gives
/// <c>{"schema": "reinforce.error/1", "command", "exitCode", "error"}</c>. The error line is on stderr in both cases, as
/// without <c>--json</c>.
/// </summary>
/// <remarks>
/// Numbers are written in round-trip form (the shortest text that parses back to the same double), never NaN or
/// ±Infinity: a value that is absent or not finite is written as null, and the documentation says what null means
/// for each field.
/// </remarks>
internal sealed class JsonResult(string command)
{
    /// <summary>The commands that take <c>--json</c>.</summary>
    public static readonly IReadOnlySet<string> Commands = new HashSet<string>(StringComparer.Ordinal) { "train", "eval", "baseline", "sweep" };

    public const string ErrorSchema = "reinforce.error/1";

    /// <summary>The flag, as each command lists it.</summary>
    public static Flag Flag(string group) =>
        new("--json", null, "print the result as one JSON object on stdout (docs/cli.md, JSON output); progress and messages stay on stderr", "off", group);

    private Action<Utf8JsonWriter>? fields;

    public string Command => command;

    /// <summary>Why the command failed (the message of its error line, without the prefix), or null.</summary>
    public string? Error { get; set; }

    /// <summary>Whether the command gave no result to report (<c>--help</c>): nothing is written.</summary>
    public bool Suppressed { get; set; }

    /// <summary>The command's own fields, written after schema, command, exitCode and error.</summary>
    public void Set(Action<Utf8JsonWriter> write) => fields = write;

    /// <summary>
    /// Whether <paramref name="args"/> asks for JSON: a command that takes <c>--json</c>, then the last of <c>--json</c>,
    /// <c>--json=true</c>, <c>--no-json</c> and <c>--json=false</c> before a <c>--</c> (a flag's value can never start with
    /// <c>--</c>, so each of them is the flag). Read from the raw arguments, so that bad input is reported in JSON too.
    /// </summary>
    public static bool Requested(IReadOnlyList<string> args)
    {
        if (args.Count == 0 || !Commands.Contains(args[0]))
        {
            return false;
        }
        bool json = false;
        foreach (string arg in args.Skip(1))
        {
            if (arg == "--")
            {
                break;
            }
            if (arg is "--json" or "--json=true")
            {
                json = true;
            }
            else if (arg is "--no-json" or "--json=false")
            {
                json = false;
            }
        }
        return json;
    }

    /// <summary>The object, on one line with its newline.</summary>
    public string Render(int exitCode)
    {
        using var buffer = new MemoryStream();
        // Relaxed escaping: quotes, backslashes and control characters are escaped, and ' < > & + and non-ASCII letters
        // are left as they are (the default escapes them for embedding in HTML, which stdout is not).
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("schema", fields is null ? ErrorSchema : $"reinforce.{command}/1");
            json.WriteString("command", command);
            json.WriteNumber("exitCode", exitCode);
            if (Error is null)
            {
                json.WriteNull("error");
            }
            else
            {
                json.WriteString("error", Error);
            }
            fields?.Invoke(json);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    /// <summary>A number, or null when it is absent or not finite (JSON has no NaN or Infinity).</summary>
    public static void Number(Utf8JsonWriter json, string name, double? value)
    {
        if (value is double v && double.IsFinite(v))
        {
            json.WriteNumber(name, v);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    /// <summary>An integer, or null when it is absent.</summary>
    public static void Integer(Utf8JsonWriter json, string name, long? value)
    {
        if (value is long v)
        {
            json.WriteNumber(name, v);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    /// <summary>A string, or null when it is absent.</summary>
    public static void String(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }
}
