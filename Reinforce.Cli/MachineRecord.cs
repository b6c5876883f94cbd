using System.Runtime.InteropServices;
using System.Text.Json;
using Reinforce.Text;

namespace Reinforce.Cli;

/// <summary>
/// Which machine ran a piece of work: enough to tell the machines of a sweep's shards apart and to see what they were,
/// never anything that changes a number (the numbers are the same on every machine). Written as a JSON object with
/// the keys <c>hostname</c>, <c>os</c>, <c>cpu</c> and <c>dotnet</c>, each a non-empty string of at most
/// <see cref="MaxLength"/> characters.
/// </summary>
internal sealed record MachineRecord(string Hostname, string OS, string Cpu, string DotNet)
{
    public const int MaxLength = 200;

    private static readonly string[] Keys = ["hostname", "os", "cpu", "dotnet"];

    /// <summary>This process's machine.</summary>
    public static MachineRecord Current() => new(
        Clean(Environment.MachineName),
        Clean(RuntimeInformation.OSDescription),
        Clean(CpuModel()),
        Clean(RuntimeInformation.FrameworkDescription));

    /// <summary>One line for a message or a table: "host (cpu, os, .NET)".</summary>
    public override string ToString() => $"{Hostname} ({Cpu}; {OS}; {DotNet})";

    public void Write(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteString("hostname", Hostname);
        json.WriteString("os", OS);
        json.WriteString("cpu", Cpu);
        json.WriteString("dotnet", DotNet);
        json.WriteEndObject();
    }

    /// <summary>Reads a record written by <see cref="Write"/>; anything else throws <see cref="FormatException"/> naming the key.</summary>
    public static MachineRecord Read(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("a machine must be a JSON object");
        }
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (JsonProperty p in element.EnumerateObject())
        {
            if (!Keys.Contains(p.Name))
            {
                throw new FormatException($"a machine has the unknown key {Display.Quote(p.Name, 40)}; its keys are {string.Join(", ", Keys)}");
            }
            if (p.Value.ValueKind != JsonValueKind.String || p.Value.GetString() is not { Length: > 0 and <= MaxLength } value || Clean(value) != value)
            {
                throw new FormatException($"a machine's {p.Name} must be a string of 1 to {MaxLength} printable characters");
            }
            if (!values.TryAdd(p.Name, value))
            {
                throw new FormatException($"a machine's {p.Name} is given twice");
            }
        }
        if (Keys.FirstOrDefault(k => !values.ContainsKey(k)) is string missing)
        {
            throw new FormatException($"a machine has no {missing}");
        }
        return new MachineRecord(values["hostname"], values["os"], values["cpu"], values["dotnet"]);
    }

    // The CPU's model name from /proc/cpuinfo on Linux ("model name" on x64; ARM64 kernels may give none), else the
    // architecture and the number of logical processors.
    private static string CpuModel()
    {
        string fallback = $"{RuntimeInformation.ProcessArchitecture}, {Environment.ProcessorCount} logical processors";
        if (!OperatingSystem.IsLinux())
        {
            return fallback;
        }
        try
        {
            foreach (string line in File.ReadLines("/proc/cpuinfo"))
            {
                int colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0 && line[..colon].Trim() is "model name" or "Model" or "cpu model" && line[(colon + 1)..].Trim() is { Length: > 0 } model)
                {
                    return $"{model}, {Environment.ProcessorCount} logical processors";
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // No /proc/cpuinfo to read: the architecture says what is known.
        }
        return fallback;
    }

    // Printable, single-line and bounded: what the system reports is outside input like any other.
    private static string Clean(string value)
    {
        string text = new([.. value.Select(c => char.IsControl(c) || char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Format ? ' ' : c)]);
        text = text.Trim();
        if (text.Length > MaxLength)
        {
            text = text[..MaxLength].TrimEnd();
        }
        return text.Length == 0 ? "unknown" : text;
    }
}
