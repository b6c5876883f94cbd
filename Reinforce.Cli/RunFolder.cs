using System.Globalization;
using System.Text;
using System.Text.Json;
using Reinforce.Checkpoints;
using Reinforce.Environments;
using Reinforce.Text;
using Reinforce.Training;

namespace Reinforce.Cli;

/// <summary>
/// A run folder: <c>config.json</c>, <c>metrics.csv</c> (one row per update), <c>episodes.csv</c>
/// (one row per episode), <c>checkpoint.safetensors</c> and <c>learning-curve.svg</c>.
/// </summary>
internal static class RunFolder
{
    public const string ConfigFile = "config.json";
    public const string MetricsFile = "metrics.csv";
    public const string EpisodesFile = "episodes.csv";
    public const string CheckpointFile = "checkpoint.safetensors";
    public const string CurveFile = "learning-curve.svg";
    public const string EvaluationsFile = "eval.csv";
    public const string BestFile = "best.safetensors";

    /// <summary>A run that is being written lives in "<c>name.partial</c>" and is renamed when it ends.</summary>
    public const string PartialSuffix = ".partial";

    public static readonly string MetricsHeader =
        "update,episodes,steps,wall_seconds,mean_return,std_return,min_return,max_return,mean_length,loss,entropy,running_reward";

    /// <summary>
    /// episodes.csv's columns; wall_seconds is the run's wall time when the update that used the episode ended (as
    /// Stable-Baselines3's Monitor writes r, l, t; an episode's own end is not timed, since parallel rollouts end them out of order).
    /// </summary>
    public static readonly string EpisodesHeader = "episode,update,return,length,wall_seconds";

    /// <summary>One row of episodes.csv.</summary>
    public static string EpisodesRow(long episode, int update, double episodeReturn, int length, double wallSeconds) =>
        string.Create(CultureInfo.InvariantCulture, $"{episode},{update},{episodeReturn},{length},{F(wallSeconds, "0.###")}");

    /// <summary>eval.csv: one row per evaluation during training (SB3's EvalCallback log).</summary>
    public static readonly string EvaluationsHeader = "update,episodes,steps,eval_episodes,mean_return,std_return,min_return,max_return,mean_length";

    public static string EvaluationRow(in UpdateStatistics s, Evaluation.EvaluationResult result) => string.Join(',',
        I(s.Update), I(s.TotalEpisodes), I(s.TotalSteps), I(result.Episodes), F(result.MeanReturn), F(result.StdReturn),
        F(result.MinReturn), F(result.MaxReturn), F(result.MeanLength));

    public static string MetricsRow(in UpdateStatistics s, double wallSeconds) => string.Join(',',
        I(s.Update), I(s.TotalEpisodes), I(s.TotalSteps), F(wallSeconds, "0.###"), F(s.MeanReturn), F(s.StdReturn),
        F(s.MinReturn), F(s.MaxReturn), F(s.MeanLength), F(s.Loss, "0.########"), F(s.Entropy, "0.########"), F(s.RunningReward));

    /// <summary>The CLI's settings beside the trainer options, as config.json holds them.</summary>
    public static string ConfigJson(RunSettings settings, string command)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("tool", $"reinforce {Cli.Version}");
            json.WriteString("preset", settings.PresetName);
            json.WriteString("command", command);
            if (settings.RewardThreshold is double threshold)
            {
                json.WriteNumber("rewardThreshold", threshold);
            }
            else
            {
                json.WriteNull("rewardThreshold");
            }
            json.WriteNumber("logInterval", settings.LogInterval);
            json.WriteNumber("checkpointInterval", settings.CheckpointInterval);
            json.WritePropertyName("trainer");
            TrainerOptionsJson.Write(settings.Options, json);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    /// <summary>
    /// Reads the trainer options and reward threshold from a config.json (or a bare options
    /// object); keys it does not have keep their value in <paramref name="defaults"/>.
    /// </summary>
    public static (TrainerOptions Options, double? RewardThreshold, string? Preset) ReadConfig(string path, TrainerOptions defaults, string flag)
    {
        string text = PathArguments.ReadText(flag, path, PathArguments.MaxConfigBytes, "a run's config.json");
        string label = PathArguments.Label(flag, path);
        try
        {
            using var document = JsonDocument.Parse(text);
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException("the file must hold a JSON object");
            }
            if (!root.TryGetProperty("trainer", out JsonElement trainer))
            {
                return (TrainerOptionsJson.Read(root, defaults, requireAll: false), null, null);
            }
            double? threshold = null;
            if (root.TryGetProperty("rewardThreshold", out JsonElement t) && t.ValueKind != JsonValueKind.Null)
            {
                threshold = t.ValueKind == JsonValueKind.Number && t.TryGetDouble(out double value) && double.IsFinite(value)
                    ? value
                    : throw new FormatException("key 'rewardThreshold' must be a finite number or null");
            }
            string? preset = root.TryGetProperty("preset", out JsonElement p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
            return (TrainerOptionsJson.Read(trainer, defaults, requireAll: false), threshold, preset);
        }
        catch (JsonException e)
        {
            throw new UsageException($"{label}: not valid JSON ({Display.Escape(e.Message, 120)})");
        }
        catch (FormatException e)
        {
            throw new UsageException($"{label}: {e.Message}");
        }
    }

    /// <summary>The reward threshold that counts as solved: the override, else the environment's.</summary>
    public static double Threshold(TrainerOptions options, double? rewardThreshold) =>
        rewardThreshold ?? (options.EnvironmentId == CartPole.V0Id ? CartPole.V0RewardThreshold : CartPole.V1RewardThreshold);

    /// <summary>
    /// Keeps the rows of a CSV file whose first column is at most <paramref name="lastKept"/> and
    /// drops a torn last line (one without its newline): what a resumed run continues from.
    /// </summary>
    public static void TruncateRows(string path, long lastKept)
    {
        if (FileKind.Of(path) == PathKind.Missing)
        {
            return;
        }
        string text = PathArguments.ReadText("", path, PathArguments.MaxCsvBytes, "a CSV file written by reinforce train");
        var kept = new StringBuilder();
        int start = 0;
        bool header = true;
        while (start < text.Length)
        {
            int end = text.IndexOf('\n', start);
            if (end < 0)
            {
                break; // torn line
            }
            string line = text[start..end];
            start = end + 1;
            if (header)
            {
                header = false;
                kept.Append(line).Append('\n');
                continue;
            }
            int comma = line.IndexOf(',', StringComparison.Ordinal);
            if (comma > 0 && long.TryParse(line.AsSpan(0, comma), NumberStyles.None, CultureInfo.InvariantCulture, out long key) && key <= lastKept)
            {
                kept.Append(line).Append('\n');
            }
        }
        OutputFiles.WriteAllText(path, kept.ToString());
    }

    private static string I(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string F(double value, string format = "0.####") => value.ToString(format, CultureInfo.InvariantCulture);
}

/// <summary>A CSV file written one complete line at a time and flushed after each, so a killed run leaves no torn row.</summary>
internal sealed class CsvLog : IDisposable
{
    private readonly FileStream stream;

    public CsvLog(string path, string header)
    {
        bool exists = File.Exists(path) && new FileInfo(path).Length > 0;
        if (exists)
        {
            WidenOlderFile(path, header);
        }
        stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        if (!exists)
        {
            Append(header);
        }
    }

    public void Append(string line)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(line + "\n");
        stream.Write(bytes);
        stream.Flush();
    }

    public void Dispose() => stream.Dispose();

    // A file written by an older version with fewer columns (episodes.csv before wall_seconds) gets the new columns,
    // empty in its rows, so that a resumed run appends rows of the header's width.
    private static void WidenOlderFile(string path, string header)
    {
        string text = PathArguments.ReadText("", path, PathArguments.MaxCsvBytes, "a CSV file written by reinforce train");
        int end = text.IndexOf('\n', StringComparison.Ordinal);
        string first = end < 0 ? text : text[..end];
        if (first == header || !header.StartsWith(first + ",", StringComparison.Ordinal) || end < 0)
        {
            return;
        }
        string padding = new(',', header.Count(c => c == ',') - first.Count(c => c == ','));
        var widened = new StringBuilder(header).Append('\n');
        foreach (string line in text[(end + 1)..].Split('\n'))
        {
            if (line.Length > 0)
            {
                widened.Append(line).Append(padding).Append('\n');
            }
        }
        OutputFiles.WriteAllText(path, widened.ToString());
    }
}
