using System.Globalization;
using System.Numerics;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Reinforce.Checkpoints;

namespace Reinforce.Cli;

/// <summary>
/// What a run or sweep folder's <c>reproducibility.json</c> records of one start of the command: the tool and the commit
/// it was built from, the runtime, the machine (OS, CPU, the vector width and instruction sets the kernels chose their
/// paths from) and the command line as given. The numbers do not depend on the machine (every kernel is bit-exact
/// across instruction sets); the record says where a run's wall times came from and how to run it again.
/// </summary>
/// <remarks>
/// The file holds <c>{"schema": "reinforce.reproducibility/1", "sessions": [record, …]}</c>: a new run writes one session, and
/// each <c>train --resume</c> appends one, keeping those before it. Written atomically when the run starts.
/// </remarks>
internal sealed record ReproducibilityRecord(
    DateTimeOffset StartedAt,
    IReadOnlyList<string> Arguments,
    string WorkingDirectory,
    string Version,
    string Commit,
    string Runtime,
    string RuntimeIdentifier,
    bool NativeAot,
    string OperatingSystem,
    string ProcessArchitecture,
    string Cpu,
    int LogicalProcessors,
    int VectorFloatCount,
    string InstructionSets)
{
    public const string FileName = "reproducibility.json";

    public const string Schema = "reinforce.reproducibility/1";

    /// <summary>The value of <see cref="Commit"/> for a tool built without a git checkout (from a source archive).</summary>
    public const string UnknownCommit = "unknown";

    /// <summary>The metadata key under which the build embeds the commit (Reinforce.Cli.csproj).</summary>
    internal const string CommitMetadataKey = "SourceRevisionId";

    /// <summary>The largest reproducibility.json read back to append a session (a larger one is started afresh).</summary>
    private const int MaxFileBytes = 1 << 20;

    /// <summary>This process, started with <paramref name="arguments"/> (what follows the program's name).</summary>
    public static ReproducibilityRecord Capture(IReadOnlyList<string> arguments) => new(
        DateTimeOffset.UtcNow,
        arguments,
        Directory.GetCurrentDirectory(),
        Cli.Version,
        BuildCommit,
        RuntimeInformation.FrameworkDescription,
        RuntimeInformation.RuntimeIdentifier,
        !RuntimeFeature.IsDynamicCodeSupported,
        RuntimeInformation.OSDescription,
        RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant(),
        CpuModel(),
        Environment.ProcessorCount,
        Vector<float>.Count,
        HardwareCheck.InstructionSets());

    /// <summary>The commit the tool was built from (40 hexadecimal digits), or <see cref="UnknownCommit"/>.</summary>
    public static string BuildCommit { get; } = ReadBuildCommit();

    private static string ReadBuildCommit()
    {
        string? embedded = typeof(Cli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == CommitMetadataKey)?.Value;
        return embedded is { Length: 40 } && embedded.All(char.IsAsciiHexDigit) ? embedded.ToLowerInvariant() : UnknownCommit;
    }

    /// <summary>
    /// The CPU's model name: Linux's /proc/cpuinfo (<c>model name</c> on x86, else <c>Hardware</c> or <c>Model</c> on ARM),
    /// Windows' PROCESSOR_IDENTIFIER, else the process architecture.
    /// </summary>
    internal static string CpuModel()
    {
        if (System.OperatingSystem.IsLinux())
        {
            try
            {
                var fields = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (string line in File.ReadLines("/proc/cpuinfo").Take(4096))
                {
                    int colon = line.IndexOf(':', StringComparison.Ordinal);
                    if (colon > 0)
                    {
                        fields.TryAdd(line[..colon].Trim(), line[(colon + 1)..].Trim());
                    }
                }
                foreach (string key in new[] { "model name", "Hardware", "Model" })
                {
                    if (fields.GetValueOrDefault(key) is { Length: > 0 } model)
                    {
                        return model;
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // No /proc (a container without it): the architecture below.
            }
        }
        if (Environment.GetEnvironmentVariable("PROCESSOR_IDENTIFIER") is { Length: > 0 } identifier)
        {
            return identifier;
        }
        return RuntimeInformation.ProcessArchitecture.ToString();
    }

    /// <summary>The command line as a POSIX shell reads it back: <c>reinforce</c> and each argument, quoted where a shell needs it.</summary>
    public string CommandLine => string.Join(' ', Arguments.Select(Quote).Prepend("reinforce"));

    private static string Quote(string argument) =>
        argument.Length > 0 && argument.All(c => char.IsAsciiLetterOrDigit(c) || "-_.,/:=+@%".Contains(c, StringComparison.Ordinal))
            ? argument
            : $"'{argument.Replace("'", "'\\''", StringComparison.Ordinal)}'";

    /// <summary>Writes this record as one JSON object.</summary>
    public void WriteTo(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteString("startedAt", StartedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        json.WriteStartArray("arguments");
        foreach (string argument in Arguments)
        {
            json.WriteStringValue(argument);
        }
        json.WriteEndArray();
        json.WriteString("commandLine", CommandLine);
        json.WriteString("workingDirectory", WorkingDirectory);
        json.WriteString("tool", $"reinforce {Version}");
        json.WriteString("version", Version);
        json.WriteString("commit", Commit);
        json.WriteString("runtime", Runtime);
        json.WriteString("runtimeIdentifier", RuntimeIdentifier);
        json.WriteBoolean("nativeAot", NativeAot);
        json.WriteString("os", OperatingSystem);
        json.WriteString("processArchitecture", ProcessArchitecture);
        json.WriteString("cpu", Cpu);
        json.WriteNumber("logicalProcessors", LogicalProcessors);
        json.WriteNumber("vectorFloatCount", VectorFloatCount);
        json.WriteString("instructionSets", InstructionSets);
        json.WriteEndObject();
    }

    /// <summary>
    /// Writes <c>folder/reproducibility.json</c> atomically: the sessions it holds already (a resumed run's), then this one.
    /// A file that is not this tool's record (unreadable, not JSON, another shape) is replaced by one holding this session.
    /// </summary>
    public void Write(string folder)
    {
        string path = Path.Combine(folder, FileName);
        using JsonDocument? earlier = ReadEarlier(path);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("schema", Schema);
            json.WriteStartArray("sessions");
            if (earlier is not null)
            {
                foreach (JsonElement session in earlier.RootElement.GetProperty("sessions").EnumerateArray())
                {
                    session.WriteTo(json);
                }
            }
            WriteTo(json);
            json.WriteEndArray();
            json.WriteEndObject();
        }
        OutputFiles.WriteAllText(path, Encoding.UTF8.GetString(buffer.ToArray()) + "\n");
    }

    private static JsonDocument? ReadEarlier(string path)
    {
        try
        {
            if (FileKind.Of(path) != PathKind.RegularFile || new FileInfo(path).Length > MaxFileBytes)
            {
                return null;
            }
            var document = JsonDocument.Parse(File.ReadAllBytes(path));
            JsonElement root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("schema", out JsonElement schema) && schema.ValueKind == JsonValueKind.String
                && schema.GetString() == Schema && root.TryGetProperty("sessions", out JsonElement sessions) && sessions.ValueKind == JsonValueKind.Array)
            {
                return document;
            }
            document.Dispose();
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }
}
