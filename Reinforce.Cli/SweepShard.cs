using System.Globalization;
using System.Text;
using System.Text.Json;
using Reinforce.Text;

namespace Reinforce.Cli;

/// <summary>A contiguous range of a sweep's jobs, <c>[Start, End)</c>.</summary>
internal readonly record struct ShardRange(int Start, int End)
{
    public int Count => End - Start;

    public bool Contains(int job) => job >= Start && job < End;
}

/// <summary>
/// <c>--shard K/N</c>: shard K (from 1, as Slurm numbers array tasks) of N. The T = configurations × seeds runs of a sweep
/// are numbered in seed-major order, job j = (seed index) × configurations + configuration, the order in which a whole
/// sweep starts them; shard K runs the contiguous jobs ⌊(K − 1)·T/N⌋ ≤ j &lt; ⌊K·T/N⌋. The N ranges partition the jobs,
/// each holds ⌊T/N⌋ or ⌈T/N⌉ of them, and each spans every configuration over a range of seeds (so shards of configurations
/// that differ in cost take about as long).
/// </summary>
internal sealed record ShardSpec(int Index, int Count)
{
    /// <summary>The most shards a sweep is split into.</summary>
    public const int MaxShards = 100_000;

    public string Label => string.Create(CultureInfo.InvariantCulture, $"shard {Index}/{Count}");

    public string Flag => string.Create(CultureInfo.InvariantCulture, $"--shard {Index}/{Count}");

    public static ShardSpec Parse(string text)
    {
        string accepted = $"expected K/N, shard K of N with 1 ≤ K ≤ N ≤ {MaxShards} (K from 1, as Slurm's SLURM_ARRAY_TASK_ID; e.g. --shard 3/8)";
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !int.TryParse(text.AsSpan(0, slash), NumberStyles.None, CultureInfo.InvariantCulture, out int k)
            || !int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int n))
        {
            throw new UsageException($"--shard {Display.Quote(text, 60)} is not K/N; {accepted}");
        }
        if (n < 1 || n > MaxShards || k < 1 || k > n)
        {
            throw new UsageException($"--shard {Display.Quote(text, 60)} is out of range; {accepted}");
        }
        return new ShardSpec(k, n);
    }

    /// <summary>This shard's jobs among <paramref name="total"/>.</summary>
    public ShardRange Range(int total) => new((int)((long)(Index - 1) * total / Count), (int)((long)Index * total / Count));
}

/// <summary>
/// <c>shard.json</c>, written in a shard's folder when it starts and again when it ends: which shard of which sweep it is
/// (the sweep's identity, K, N, its number of runs), the sweep's flags as given (the merged folder's command line is
/// the first shard's, without <c>--shard</c>), the machines that ran it and its wall time in all (both outside the
/// numbers).
/// </summary>
internal sealed record ShardRecord(string Identity, int Index, int Count, int Runs, IReadOnlyList<(string Flag, string Value)> Arguments,
    IReadOnlyList<MachineRecord> Machines, double Seconds)
{
    public const string FileName = "shard.json";

    public const string Format = "reinforce sweep shard 1";

    private const int MaxArguments = 10_000, MaxArgumentLength = 100_000, MaxMachines = 1000;

    public ShardSpec Spec => new(Index, Count);

    public void WriteFile(string folder)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("format", Format);
            json.WriteString("identity", Identity);
            json.WriteNumber("shard", Index);
            json.WriteNumber("shards", Count);
            json.WriteNumber("runs", Runs);
            json.WriteStartArray("arguments");
            foreach (var (flag, value) in Arguments)
            {
                json.WriteStartArray();
                json.WriteStringValue(flag);
                json.WriteStringValue(value);
                json.WriteEndArray();
            }
            json.WriteEndArray();
            json.WriteStartArray("machines");
            foreach (MachineRecord machine in Machines)
            {
                machine.Write(json);
            }
            json.WriteEndArray();
            json.WriteNumber("seconds", Math.Round(Seconds, 3));
            json.WriteEndObject();
        }
        try
        {
            OutputFiles.WriteAllText(Path.Combine(folder, FileName), Encoding.UTF8.GetString(buffer.ToArray()) + "\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OutputException($"cannot write {FileName} in {Display.Quote(folder)}: {PathArguments.Reason(e)}");
        }
    }

    /// <summary>Reads <c>folder/shard.json</c> as strictly as a flag; bad input (exit 2) naming the file otherwise.</summary>
    public static ShardRecord Read(string folder)
    {
        string path = Path.Combine(folder, FileName);
        string expected = $"a {FileName} written by reinforce sweep --shard";
        string text = PathArguments.ReadText("", path, PathArguments.MaxConfigBytes * 16, expected);
        try
        {
            using var document = JsonDocument.Parse(text);
            var root = new StrictObject(document.RootElement, "the file");
            if (root.String("format") != Format)
            {
                throw new FormatException($"its format is not {Display.Quote(Format)}");
            }
            string identity = root.String("identity");
            if (identity.Length != 64 || identity.Any(c => !char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c)))
            {
                throw new FormatException("'identity' must be a SHA-256 in 64 lower-case hex digits");
            }
            int count = root.Int("shards", 1, ShardSpec.MaxShards);
            int index = root.Int("shard", 1, count);
            int runs = root.Int("runs", 1, SweepCommand.MaxRuns);
            var arguments = new List<(string, string)>();
            foreach (JsonElement pair in root.Array("arguments").EnumerateArray())
            {
                if (pair.ValueKind != JsonValueKind.Array || pair.GetArrayLength() != 2 || pair[0].ValueKind != JsonValueKind.String
                    || pair[1].ValueKind != JsonValueKind.String || arguments.Count == MaxArguments)
                {
                    throw new FormatException($"'arguments' must hold at most {MaxArguments} [flag, value] pairs of strings");
                }
                string flag = pair[0].GetString()!, value = pair[1].GetString()!;
                if (SweepCommand.Flags.All(f => f.Name != flag) || value.Length > MaxArgumentLength)
                {
                    throw new FormatException($"'arguments' holds {Display.Quote(flag, 40)}, not a flag of reinforce sweep with a value of at most {MaxArgumentLength} characters");
                }
                arguments.Add((flag, value));
            }
            var machines = new List<MachineRecord>();
            foreach (JsonElement machine in root.Array("machines").EnumerateArray())
            {
                machines.Add(MachineRecord.Read(machine));
            }
            if (machines.Count is 0 or > MaxMachines)
            {
                throw new FormatException($"'machines' must list 1 to {MaxMachines} machines");
            }
            double seconds = root.Finite("seconds");
            if (seconds < 0)
            {
                throw new FormatException("'seconds' must be ≥ 0");
            }
            root.End();
            return new ShardRecord(identity, index, count, runs, arguments, machines, seconds);
        }
        catch (JsonException e)
        {
            throw new UsageException($"{Display.Quote(path)}: not valid JSON ({Display.Escape(e.Message, 120)}); expected {expected}");
        }
        catch (FormatException e)
        {
            throw new UsageException($"{Display.Quote(path)}: {e.Message}; expected {expected}");
        }
    }
}
