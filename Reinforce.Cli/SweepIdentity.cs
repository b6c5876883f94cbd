using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Reinforce.Checkpoints;
using Reinforce.Environments;
using Reinforce.Text;
using Reinforce.Training;

namespace Reinforce.Cli;

/// <summary>
/// What a sweep computes, and its SHA-256: everything that changes a byte of a sweep folder other than its wall times,
/// its machines and its command line — the tool's version, the seeds, the statistics settings (evaluation episodes,
/// bootstrap resamples and seed, the figures' x axis) and every configuration in full (name, preset, reward threshold,
/// CartPole's trig, every trainer option with the seed left out). A shard's K, the workers, the output folder and the
/// time are not in it, so every shard of a sweep, a resumed sweep and the sweep run whole have the same identity.
/// </summary>
/// <remarks>
/// The hash is SHA-256 of the canonical text: the fields as compact UTF-8 JSON in the fixed order of <see cref="WriteFields"/>
/// (numbers as .NET's shortest round-trip form, so the text is a function of the values alone, the same in every process
/// and on every machine). <c>sweep-identity.json</c> holds the fields and the hash; reading it recomputes the hash from the
/// values read, so a file whose values were changed is refused.
/// </remarks>
internal sealed record SweepIdentity(
    string Tool,
    string SeedsText,
    IReadOnlyList<ulong> Seeds,
    int EvalEpisodes,
    int Resamples,
    ulong BootstrapSeed,
    bool StepsAxis,
    IReadOnlyList<SweepIdentity.Configuration> Configurations)
{
    public const string FileName = "sweep-identity.json";

    public const string Format = "reinforce sweep identity 1";

    /// <summary>The largest identity file read: 100,000 seeds and 1,000 configurations in full fit with room to spare.</summary>
    public const long MaxFileBytes = 16L << 20;

    /// <summary>The longest configuration or preset name read back (names of --grid cells join every value).</summary>
    public const int MaxNameLength = 4096;

    /// <summary>One configuration: its label, preset, reward threshold override, trig and options (seed 0).</summary>
    internal sealed record Configuration(string Name, string Preset, double? RewardThreshold, CartPoleTrig Trig, TrainerOptions Options);

    private string? sha256;

    /// <summary>The identity's SHA-256 as 64 lower-case hex digits.</summary>
    public string Sha256 => sha256 ??= Convert.ToHexStringLower(SHA256.HashData(Canonical()));

    /// <summary>The identity of a prepared sweep.</summary>
    public static SweepIdentity Of(SweepCommand.Plan plan) => new(
        $"reinforce {Cli.Version}",
        plan.SeedsText,
        plan.Seeds,
        plan.EvalEpisodes,
        plan.Resamples,
        plan.BootstrapSeed,
        plan.StepsAxis,
        [.. plan.Cells.Select(c => new Configuration(c.Name, c.Settings.PresetName, c.Settings.RewardThreshold, TrigOf(c.Settings.Options),
            (c.Settings.Options with { Seed = 0 })))]);

    /// <summary>
    /// Where the configuration's CartPole takes sin and cos from: the command line builds every environment with
    /// <see cref="CartPole.Create"/>'s default, so this is the trig its runs and evaluations use.
    /// </summary>
    private static CartPoleTrig TrigOf(TrainerOptions o) =>
        CartPole.Create(o.EnvironmentId, o.Integrator, o.SuttonBartoReward, o.MaxEpisodeSteps).Trig;

    /// <summary>The sweep's plan rebuilt from the identity alone (for a merge): the configurations, seeds and statistics settings.</summary>
    public SweepCommand.Plan ToPlan(int workers, string commandLine) => new(
        [.. Configurations.Select((c, i) => new SweepCell(i, c.Name,
            new RunSettings(c.Options, c.Preset, c.RewardThreshold, TrainCommand.DefaultLogInterval, TrainCommand.DefaultCheckpointInterval)))],
        Seeds, SeedsText, workers, EvalEpisodes, Resamples, BootstrapSeed, StepsAxis, commandLine);

    private byte[] Canonical()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("format", Format);
            WriteFields(json);
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private void WriteFields(Utf8JsonWriter json)
    {
        json.WriteString("tool", Tool);
        json.WriteString("seedsText", SeedsText);
        json.WriteStartArray("seeds");
        foreach (ulong seed in Seeds)
        {
            json.WriteNumberValue(seed);
        }
        json.WriteEndArray();
        json.WriteNumber("evalEpisodes", EvalEpisodes);
        json.WriteNumber("bootstrapResamples", Resamples);
        json.WriteNumber("bootstrapSeed", BootstrapSeed);
        json.WriteString("x", StepsAxis ? "steps" : "episodes");
        json.WriteStartArray("configurations");
        foreach (var (index, c) in Configurations.Index())
        {
            json.WriteStartObject();
            json.WriteNumber("index", index);
            json.WriteString("name", c.Name);
            json.WriteString("preset", c.Preset);
            if (c.RewardThreshold is double threshold)
            {
                json.WriteNumber("rewardThreshold", threshold);
            }
            else
            {
                json.WriteNull("rewardThreshold");
            }
            json.WriteString("trig", TrigName(c.Trig));
            json.WritePropertyName("trainer");
            TrainerOptionsJson.Write(c.Options, json);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    private static string TrigName(CartPoleTrig trig) => trig == CartPoleTrig.Platform ? "platform" : "library";

    /// <summary>sweep-identity.json: the format, the hash, then the fields (indented, to be read by people too).</summary>
    public string FileText()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("format", Format);
            json.WriteString("sha256", Sha256);
            WriteFields(json);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    public void WriteFile(string folder)
    {
        try
        {
            OutputFiles.WriteAllText(Path.Combine(folder, FileName), FileText());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OutputException($"cannot write {FileName} in {Display.Quote(folder)}: {PathArguments.Reason(e)}");
        }
    }

    /// <summary>
    /// Reads <c>folder/sweep-identity.json</c> as strictly as a flag: every key once, of its type and range, nothing
    /// else, and the hash recomputed from the values read equal to the one written. Anything else is bad input (exit 2)
    /// naming the file.
    /// </summary>
    public static SweepIdentity Read(string folder)
    {
        string path = Path.Combine(folder, FileName);
        string expected = $"a {FileName} written by reinforce sweep";
        string text = PathArguments.ReadText("", path, MaxFileBytes, expected);
        string label = Display.Quote(path);
        try
        {
            using var document = JsonDocument.Parse(text);
            var root = new StrictObject(document.RootElement, "the file");
            if (root.String("format") != Format)
            {
                throw new FormatException($"its format is not {Display.Quote(Format)}");
            }
            string stored = root.String("sha256");
            string tool = root.String("tool");
            if (tool.Length is 0 or > 100 || !IsPrintable(tool))
            {
                throw new FormatException("'tool' must name the tool that wrote it");
            }
            string seedsText = root.String("seedsText");
            if (seedsText.Length is 0 or > 200 || !IsPrintable(seedsText))
            {
                throw new FormatException("'seedsText' must be a short description of the seeds");
            }
            JsonElement seedsElement = root.Array("seeds");
            int seedCount = seedsElement.GetArrayLength();
            if (seedCount is 0 or > SweepCommand.MaxSeeds)
            {
                throw new FormatException($"'seeds' must hold 1 to {SweepCommand.MaxSeeds} seeds");
            }
            var seeds = new List<ulong>(seedCount);
            var distinct = new HashSet<ulong>();
            foreach (JsonElement s in seedsElement.EnumerateArray())
            {
                if (s.ValueKind != JsonValueKind.Number || !s.TryGetUInt64(out ulong seed) || !distinct.Add(seed))
                {
                    throw new FormatException("'seeds' must hold distinct integers in [0, 2⁶⁴)");
                }
                seeds.Add(seed);
            }
            int evalEpisodes = root.Int("evalEpisodes", 0, 100_000);
            int resamples = root.Int("bootstrapResamples", 100, 1_000_000);
            ulong bootstrapSeed = root.UInt64("bootstrapSeed");
            string x = root.String("x");
            if (x is not ("episodes" or "steps"))
            {
                throw new FormatException("'x' must be \"episodes\" or \"steps\"");
            }
            JsonElement configurations = root.Array("configurations");
            int cellCount = configurations.GetArrayLength();
            if (cellCount is 0 or > SweepCommand.MaxCells || (long)cellCount * seedCount > SweepCommand.MaxRuns)
            {
                throw new FormatException($"'configurations' must hold 1 to {SweepCommand.MaxCells} configurations, at most {SweepCommand.MaxRuns} runs with the seeds");
            }
            var cells = new List<Configuration>(cellCount);
            foreach (JsonElement element in configurations.EnumerateArray())
            {
                string where = $"configuration {cells.Count}";
                var c = new StrictObject(element, where);
                if (c.Int("index", 0, int.MaxValue) != cells.Count)
                {
                    throw new FormatException($"{where}: 'index' must be {cells.Count}");
                }
                string name = c.String("name"), preset = c.String("preset");
                if (name.Length is 0 or > MaxNameLength || !IsPrintable(name) || preset.Length is 0 or > MaxNameLength || !IsPrintable(preset))
                {
                    throw new FormatException($"{where}: 'name' and 'preset' must be 1 to {MaxNameLength} printable characters");
                }
                double? threshold = c.NullableFinite("rewardThreshold");
                CartPoleTrig trig = c.String("trig") switch
                {
                    "library" => CartPoleTrig.Library,
                    "platform" => CartPoleTrig.Platform,
                    _ => throw new FormatException($"{where}: 'trig' must be \"library\" or \"platform\""),
                };
                TrainerOptions options;
                try
                {
                    options = TrainerOptionsJson.Read(c.Element("trainer"), new TrainerOptions(), requireAll: true);
                }
                catch (FormatException e)
                {
                    throw new FormatException($"{where}: 'trainer': {e.Message}");
                }
                if (options.Seed != 0 || (options.MaxEpisodes is null && options.MaxUpdates is null))
                {
                    throw new FormatException($"{where}: 'trainer' must have seed 0 and a budget (maxEpisodes or maxUpdates), as a sweep writes it");
                }
                c.End();
                cells.Add(new Configuration(name, preset, threshold, trig, options));
            }
            root.End();
            var identity = new SweepIdentity(tool, seedsText, seeds, evalEpisodes, resamples, bootstrapSeed, x == "steps", cells);
            if (identity.Sha256 != stored)
            {
                throw new FormatException("its sha256 is not the hash of its values (the file was changed after reinforce wrote it, or damaged)");
            }
            return identity;
        }
        catch (JsonException e)
        {
            throw new UsageException($"{label}: not valid JSON ({Display.Escape(e.Message, 120)}); expected {expected}");
        }
        catch (FormatException e)
        {
            throw new UsageException($"{label}: {e.Message}; expected {expected}");
        }
    }

    /// <summary>
    /// The first differences between this identity (<paramref name="thisName"/>) and <paramref name="other"/>
    /// (<paramref name="otherName"/>), in a short clause naming the flag or key: null when the two are the same sweep.
    /// </summary>
    public string? Difference(SweepIdentity other, string thisName, string otherName)
    {
        if (Sha256 == other.Sha256)
        {
            return null;
        }
        var found = new List<string>();
        void Compare(string what, string mine, string theirs)
        {
            if (mine != theirs && found.Count < 2)
            {
                found.Add($"{what} {Display.Quote(mine, 40)} {thisName}, {Display.Quote(theirs, 40)} {otherName}");
            }
        }
        Compare("the tool", Tool, other.Tool);
        Compare("--seeds", SeedsText, other.SeedsText);
        if (SeedsText == other.SeedsText && !Seeds.SequenceEqual(other.Seeds) && found.Count < 2)
        {
            found.Add($"--seeds: other seeds {thisName} than {otherName}");
        }
        Compare("--eval-episodes", I(EvalEpisodes), I(other.EvalEpisodes));
        Compare("--bootstrap-resamples", I(Resamples), I(other.Resamples));
        Compare("--bootstrap-seed", BootstrapSeed.ToString(CultureInfo.InvariantCulture), other.BootstrapSeed.ToString(CultureInfo.InvariantCulture));
        Compare("--x", StepsAxis ? "steps" : "episodes", other.StepsAxis ? "steps" : "episodes");
        Compare("the number of configurations", I(Configurations.Count), I(other.Configurations.Count));
        for (int i = 0; i < Math.Min(Configurations.Count, other.Configurations.Count) && found.Count < 2; i++)
        {
            Configuration a = Configurations[i], b = other.Configurations[i];
            string where = $"configuration {i}";
            Compare($"{where}'s name", a.Name, b.Name);
            string named = $"{where} ({Display.Quote(a.Name, 40)}):";
            Compare($"{named} the preset", a.Preset, b.Preset);
            Compare($"{named} --reward-threshold", a.RewardThreshold?.ToString("R", CultureInfo.InvariantCulture) ?? "the env's",
                b.RewardThreshold?.ToString("R", CultureInfo.InvariantCulture) ?? "the env's");
            Compare($"{named} the trig", TrigName(a.Trig), TrigName(b.Trig));
            using var mine = JsonDocument.Parse(TrainerOptionsJson.Serialize(a.Options, indented: false));
            using var theirs = JsonDocument.Parse(TrainerOptionsJson.Serialize(b.Options, indented: false));
            foreach (string key in TrainerOptionsJson.Keys)
            {
                Compare($"{named} {key}", mine.RootElement.GetProperty(key).GetRawText(), theirs.RootElement.GetProperty(key).GetRawText());
            }
        }
        return found.Count > 0 ? string.Join("; ", found) : $"identity {Sha256[..12]}… {thisName}, {other.Sha256[..12]}… {otherName}";
    }

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);

    internal static bool IsPrintable(string value) => Display.Escape(value, int.MaxValue) == value;
}

/// <summary>
/// A JSON object read key by key, strictly: each key read at most once and of its type, an unknown or repeated key refused
/// at <see cref="End"/>. Errors are <see cref="FormatException"/>s naming the key.
/// </summary>
internal sealed class StrictObject
{
    private readonly Dictionary<string, JsonElement> properties = new(StringComparer.Ordinal);
    private readonly HashSet<string> read = new(StringComparer.Ordinal);
    private readonly string where;

    public StrictObject(JsonElement element, string where)
    {
        this.where = where;
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"{where} must be a JSON object");
        }
        foreach (JsonProperty p in element.EnumerateObject())
        {
            if (!properties.TryAdd(p.Name, p.Value))
            {
                throw new FormatException($"{where}: key {Display.Quote(p.Name, 40)} appears twice");
            }
        }
    }

    public bool Has(string key) => properties.ContainsKey(key);

    public JsonElement Element(string key)
    {
        if (!properties.TryGetValue(key, out JsonElement value))
        {
            throw new FormatException($"{where} has no key '{key}'");
        }
        read.Add(key);
        return value;
    }

    public string String(string key) => Element(key) is { ValueKind: JsonValueKind.String } e ? e.GetString()! : throw Type(key, "a string");

    public bool Boolean(string key) => Element(key).ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw Type(key, "true or false"),
    };

    public JsonElement Array(string key) => Element(key) is { ValueKind: JsonValueKind.Array } e ? e : throw Type(key, "an array");

    public int Int(string key, int min, int max) =>
        Element(key) is { ValueKind: JsonValueKind.Number } e && e.TryGetInt32(out int value) && value >= min && value <= max
            ? value
            : throw Type(key, $"an integer in [{min}, {max}]");

    public long Long(string key, long min, long max) =>
        Element(key) is { ValueKind: JsonValueKind.Number } e && e.TryGetInt64(out long value) && value >= min && value <= max
            ? value
            : throw Type(key, $"an integer in [{min}, {max}]");

    public long? NullableLong(string key, long min, long max) => Element(key).ValueKind == JsonValueKind.Null ? null : Long(key, min, max);

    public ulong UInt64(string key) =>
        Element(key) is { ValueKind: JsonValueKind.Number } e && e.TryGetUInt64(out ulong value) ? value : throw Type(key, "an integer in [0, 2⁶⁴)");

    public double Finite(string key) =>
        Element(key) is { ValueKind: JsonValueKind.Number } e && e.TryGetDouble(out double value) && double.IsFinite(value) ? value : throw Type(key, "a finite number");

    public double? NullableFinite(string key) => Element(key).ValueKind == JsonValueKind.Null ? null : Finite(key);

    /// <summary>Refuses keys that were not read.</summary>
    public void End()
    {
        if (properties.Keys.FirstOrDefault(k => !read.Contains(k)) is string unknown)
        {
            throw new FormatException($"{where} has the unknown key {Display.Quote(unknown, 40)}");
        }
    }

    private FormatException Type(string key, string expected) => new($"{where}: '{key}' must be {expected}");
}
