using System.Text;
using System.Text.Json;
using Reinforce.Environments;
using Reinforce.Execution;
using Reinforce.NeuralNetworks;
using Reinforce.Policies;
using Reinforce.Returns;
using Reinforce.Text;
using Reinforce.Training;

namespace Reinforce.Checkpoints;

/// <summary>
/// <see cref="TrainerOptions"/> as a JSON object with one key per option (camelCase property
/// names; enums by their command-line names, e.g. <c>"normalization": "episode"</c>). Every key is
/// always written, so a file saved today means the same run after the defaults change. Keys added
/// after the first checkpoints were written (<see cref="KeysSinceVersion2"/>: <c>dropout</c>, <c>solvedBy</c>) read as
/// their "off" value when a file lacks them, so those files keep meaning the run they recorded. Keys that choose only how
/// the numbers are computed, never the numbers (<see cref="KeysWithDefault"/>: <c>execution</c>), may be missing from any
/// file and read as their default.
/// </summary>
public static class TrainerOptionsJson
{
    /// <summary>The keys, in the order they are written.</summary>
    public static IReadOnlyList<string> Keys { get; } =
    [
        "environmentId", "integrator", "suttonBartoReward", "maxEpisodeSteps", "hiddenSizes", "hiddenActivation",
        "hiddenActivationParameter", "dropout", "head", "initialization", "optimizer", "learningRate", "gamma", "returns",
        "normalization", "normalizationEpsilon", "baseline", "entropyCoefficient", "lossReduction", "batchEpisodes",
        "batchSteps", "maxEpisodes", "maxUpdates", "stopWhenSolved", "solvedBy", "runningRewardWeight", "runningRewardStart", "seed",
        "threads", "execution",
    ];

    /// <summary>
    /// Keys added with checkpoint format version 2 (dropout, the solved criterion). A version 1 checkpoint may lack
    /// them; its options keep their defaults for these keys (no dropout, the running reward).
    /// </summary>
    public static IReadOnlyList<string> KeysSinceVersion2 { get; } = ["dropout", "solvedBy"];

    /// <summary>
    /// Keys that any file may lack, whatever its version: they choose how the updates are computed, not what they compute
    /// (every <see cref="ExecutionMode"/> gives the same numbers bit for bit), so a file written before the key existed
    /// means the same run with the default (<c>execution</c>: auto). Added without a new checkpoint format version.
    /// </summary>
    public static IReadOnlyList<string> KeysWithDefault { get; } = ["execution"];

    /// <summary>Names of <see cref="ExecutionMode"/> values, in the order the help lists them: "auto" (the default), "fast", "reference".</summary>
    public static IReadOnlyList<string> ExecutionModeNames { get; } = ["auto", "fast", "reference"];

    /// <summary>The canonical name of an execution mode: "auto", "fast" or "reference".</summary>
    public static string Name(this ExecutionMode mode) => mode switch
    {
        ExecutionMode.Fast => "fast",
        ExecutionMode.Reference => "reference",
        ExecutionMode.Auto => "auto",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "not an ExecutionMode"),
    };

    /// <summary>Parses "auto", "fast" or "reference" (any case).</summary>
    public static ExecutionMode ParseExecutionMode(string name) => name.ToLowerInvariant() switch
    {
        "auto" => ExecutionMode.Auto,
        "fast" => ExecutionMode.Fast,
        "reference" => ExecutionMode.Reference,
        _ => throw new ArgumentException($"Unknown execution mode {Display.Quote(name)}; accepted: {string.Join(", ", ExecutionModeNames)}.", nameof(name)),
    };

    /// <summary>Names of <see cref="SolvedCriterion"/> values: "running" (the default), "mean100".</summary>
    public static IReadOnlyList<string> SolvedCriterionNames { get; } = ["running", "mean100"];

    /// <summary>The canonical name of a solved criterion: "running" or "mean100".</summary>
    public static string Name(this SolvedCriterion criterion) => criterion == SolvedCriterion.MeanOfLast100 ? "mean100" : "running";

    /// <summary>Parses "running" or "mean100".</summary>
    public static SolvedCriterion ParseSolvedCriterion(string name) => name.ToLowerInvariant() switch
    {
        "running" => SolvedCriterion.RunningReward,
        "mean100" => SolvedCriterion.MeanOfLast100,
        _ => throw new ArgumentException($"Unknown solved criterion {Display.Quote(name)}; accepted: {string.Join(", ", SolvedCriterionNames)}.", nameof(name)),
    };

    /// <summary>Names of <see cref="CartPoleIntegrator"/> values: "euler", "semi-implicit-euler".</summary>
    public static IReadOnlyList<string> IntegratorNames { get; } = ["euler", "semi-implicit-euler"];

    /// <summary>The canonical name of an integrator.</summary>
    public static string Name(this CartPoleIntegrator integrator) => integrator == CartPoleIntegrator.Euler ? "euler" : "semi-implicit-euler";

    /// <summary>Parses "euler" or "semi-implicit-euler".</summary>
    public static CartPoleIntegrator ParseIntegrator(string name) => name.ToLowerInvariant() switch
    {
        "euler" => CartPoleIntegrator.Euler,
        "semi-implicit-euler" or "semi-implicit" => CartPoleIntegrator.SemiImplicitEuler,
        _ => throw new ArgumentException($"Unknown integrator {Display.Quote(name)}; accepted: {string.Join(", ", IntegratorNames)}.", nameof(name)),
    };

    /// <summary>The canonical name of a loss reduction: "mean" or "sum".</summary>
    public static string Name(this LossReduction reduction) => reduction == LossReduction.Sum ? "sum" : "mean";

    /// <summary>Parses "mean" or "sum".</summary>
    public static LossReduction ParseLossReduction(string name) => name.ToLowerInvariant() switch
    {
        "mean" => LossReduction.Mean,
        "sum" => LossReduction.Sum,
        _ => throw new ArgumentException($"Unknown loss reduction {Display.Quote(name)}; accepted: mean, sum.", nameof(name)),
    };

    /// <summary>The options as a JSON object.</summary>
    public static string Serialize(TrainerOptions options, bool indented = true)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented }))
        {
            Write(options, json);
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Writes the options as a JSON object (all keys of <see cref="Keys"/>).</summary>
    public static void Write(TrainerOptions options, Utf8JsonWriter json)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(json);
        json.WriteStartObject();
        json.WriteString("environmentId", options.EnvironmentId);
        json.WriteString("integrator", options.Integrator.Name());
        json.WriteBoolean("suttonBartoReward", options.SuttonBartoReward);
        WriteNullable(json, "maxEpisodeSteps", options.MaxEpisodeSteps);
        json.WriteStartArray("hiddenSizes");
        foreach (int size in options.HiddenSizes)
        {
            json.WriteNumberValue(size);
        }
        json.WriteEndArray();
        json.WriteString("hiddenActivation", options.HiddenActivation.Name);
        json.WriteNumber("hiddenActivationParameter", options.HiddenActivation.Parameter);
        json.WriteNumber("dropout", options.Dropout);
        json.WriteString("head", options.Head.ToLowerInvariant());
        json.WriteString("initialization", options.Initialization.Name());
        json.WriteString("optimizer", options.Optimizer.ToLowerInvariant());
        json.WriteNumber("learningRate", options.LearningRate);
        json.WriteNumber("gamma", options.Gamma);
        json.WriteString("returns", options.Returns.Name());
        json.WriteString("normalization", options.Normalization.Name());
        json.WriteNumber("normalizationEpsilon", options.NormalizationEpsilon);
        json.WriteBoolean("baseline", options.Baseline);
        json.WriteNumber("entropyCoefficient", options.EntropyCoefficient);
        json.WriteString("lossReduction", options.LossReduction.Name());
        json.WriteNumber("batchEpisodes", options.BatchEpisodes);
        WriteNullable(json, "batchSteps", options.BatchSteps);
        WriteNullable(json, "maxEpisodes", options.MaxEpisodes);
        WriteNullable(json, "maxUpdates", options.MaxUpdates);
        json.WriteBoolean("stopWhenSolved", options.StopWhenSolved);
        json.WriteString("solvedBy", options.SolvedBy.Name());
        json.WriteNumber("runningRewardWeight", options.RunningRewardWeight);
        WriteNullable(json, "runningRewardStart", options.RunningRewardStart);
        json.WriteNumber("seed", options.Seed);
        json.WriteNumber("threads", options.Threads);
        json.WriteString("execution", options.Execution.Name());
        json.WriteEndObject();
    }

    /// <summary>
    /// Reads options from a JSON object. Keys missing from it keep their value in
    /// <paramref name="defaults"/>, unless <paramref name="requireAll"/> is set (checkpoints: every
    /// key must be there, except those in <see cref="KeysWithDefault"/> and in <paramref name="mayBeMissing"/>, e.g.
    /// <see cref="KeysSinceVersion2"/> for a version 1 checkpoint). Unknown keys, wrong types and invalid values throw
    /// <see cref="FormatException"/> naming the key; the result is validated.
    /// </summary>
    public static TrainerOptions Deserialize(string json, TrainerOptions? defaults = null, bool requireAll = false,
        IReadOnlyList<string>? mayBeMissing = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new FormatException($"not valid JSON ({Display.Escape(e.Message, 200)})", e);
        }
        using (document)
        {
            return Read(document.RootElement, defaults ?? new TrainerOptions(), requireAll, mayBeMissing);
        }
    }

    /// <summary>Reads options from a JSON object element; see <see cref="Deserialize"/>.</summary>
    public static TrainerOptions Read(JsonElement element, TrainerOptions defaults, bool requireAll, IReadOnlyList<string>? mayBeMissing = null)
    {
        ArgumentNullException.ThrowIfNull(defaults);
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("the trainer options must be a JSON object");
        }
        // A file written before a key existed recorded a run without that feature: with every key
        // required (a checkpoint), a missing optional key means off, whatever the defaults say.
        var o = requireAll ? defaults with { Dropout = 0, Execution = ExecutionMode.Auto } : defaults;
        float? activationParameter = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (JsonProperty p in element.EnumerateObject())
        {
            if (!seen.Add(p.Name))
            {
                throw new FormatException($"key {Display.Quote(p.Name)} appears twice");
            }
            try
            {
                o = p.Name switch
                {
                    "environmentId" => o with { EnvironmentId = String(p) },
                    "integrator" => o with { Integrator = ParseIntegrator(String(p)) },
                    "suttonBartoReward" => o with { SuttonBartoReward = Boolean(p) },
                    "maxEpisodeSteps" => o with { MaxEpisodeSteps = NullableInt(p) },
                    "hiddenSizes" => o with { HiddenSizes = IntArray(p) },
                    "hiddenActivation" => o with { HiddenActivation = Activation.Parse(String(p)) },
                    "hiddenActivationParameter" => o,
                    "dropout" => o with { Dropout = Number(p) },
                    "head" => o with { Head = String(p) },
                    "initialization" => o with { Initialization = WeightInitializationExtensions.Parse(String(p)) },
                    "optimizer" => o with { Optimizer = String(p) },
                    "learningRate" => o with { LearningRate = Number(p) },
                    "gamma" => o with { Gamma = Number(p) },
                    "returns" => o with { Returns = ReturnCalculator.ParseKind(String(p)) },
                    "normalization" => o with { Normalization = ReturnCalculator.ParseNormalization(String(p)) },
                    "normalizationEpsilon" => o with { NormalizationEpsilon = Number(p) },
                    "baseline" => o with { Baseline = Boolean(p) },
                    "entropyCoefficient" => o with { EntropyCoefficient = Number(p) },
                    "lossReduction" => o with { LossReduction = ParseLossReduction(String(p)) },
                    "batchEpisodes" => o with { BatchEpisodes = Int(p) },
                    "batchSteps" => o with { BatchSteps = NullableInt(p) },
                    "maxEpisodes" => o with { MaxEpisodes = p.Value.ValueKind == JsonValueKind.Null ? null : Long(p) },
                    "maxUpdates" => o with { MaxUpdates = NullableInt(p) },
                    "stopWhenSolved" => o with { StopWhenSolved = Boolean(p) },
                    "solvedBy" => o with { SolvedBy = ParseSolvedCriterion(String(p)) },
                    "runningRewardWeight" => o with { RunningRewardWeight = Number(p) },
                    "runningRewardStart" => o with { RunningRewardStart = p.Value.ValueKind == JsonValueKind.Null ? null : Number(p) },
                    "seed" => o with { Seed = p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetUInt64(out ulong seed) ? seed : throw Type(p, "an integer in [0, 2⁶⁴)") },
                    "threads" => o with { Threads = Int(p) },
                    "execution" => o with { Execution = ParseExecutionMode(String(p)) },
                    _ => throw new FormatException(Display.DidYouMean(p.Name, Keys) is { Length: > 0 } hint
                        ? $"unknown key {Display.Quote(p.Name)}{hint} The keys are: {string.Join(", ", Keys)}"
                        : $"unknown key {Display.Quote(p.Name)}; the keys are: {string.Join(", ", Keys)}"),
                };
                if (p.Name == "hiddenActivationParameter")
                {
                    activationParameter = (float)Number(p);
                }
            }
            catch (ArgumentException e)
            {
                throw new FormatException($"key '{p.Name}': {Display.MessageOf(e)}", e);
            }
        }
        if (requireAll && Keys.FirstOrDefault(k => !seen.Contains(k) && !KeysWithDefault.Contains(k) && mayBeMissing?.Contains(k) != true) is string missing)
        {
            throw new FormatException($"missing key '{missing}'");
        }
        if (activationParameter is float parameter)
        {
            try
            {
                o = o with { HiddenActivation = o.HiddenActivation.WithParameter(parameter) };
            }
            catch (ArgumentException e)
            {
                throw new FormatException($"key 'hiddenActivationParameter': {Display.MessageOf(e)}", e);
            }
        }
        try
        {
            o.Validate();
        }
        catch (ArgumentException e)
        {
            throw new FormatException(Display.MessageOf(e), e);
        }
        return o;
    }

    private static void WriteNullable<T>(Utf8JsonWriter json, string name, T? value) where T : struct
    {
        switch (value)
        {
            case null: json.WriteNull(name); break;
            case int i: json.WriteNumber(name, i); break;
            case long l: json.WriteNumber(name, l); break;
            case double d: json.WriteNumber(name, d); break;
            default: throw new NotSupportedException(typeof(T).Name);
        }
    }

    private static string String(JsonProperty p) => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : throw Type(p, "a string");

    private static bool Boolean(JsonProperty p) => p.Value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw Type(p, "true or false"),
    };

    private static double Number(JsonProperty p) =>
        p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetDouble(out double value) && double.IsFinite(value) ? value : throw Type(p, "a finite number");

    private static int Int(JsonProperty p) => p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetInt32(out int value) ? value : throw Type(p, "an integer");

    private static long Long(JsonProperty p) => p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetInt64(out long value) ? value : throw Type(p, "an integer");

    private static int? NullableInt(JsonProperty p) => p.Value.ValueKind == JsonValueKind.Null ? null : Int(p);

    private static int[] IntArray(JsonProperty p)
    {
        if (p.Value.ValueKind != JsonValueKind.Array)
        {
            throw Type(p, "an array of integers");
        }
        return p.Value.EnumerateArray()
            .Select(e => e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int v) ? v : throw Type(p, "an array of integers"))
            .ToArray();
    }

    private static FormatException Type(JsonProperty p, string expected) => new($"key '{p.Name}' must be {expected}, not {Display.Quote(p.Value.GetRawText(), 40)}");
}
