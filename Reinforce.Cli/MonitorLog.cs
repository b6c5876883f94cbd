using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Reinforce.Checkpoints;

namespace Reinforce.Cli;

/// <summary>
/// A run folder's <c>monitor.csv</c>, in the format of Stable-Baselines3's <c>Monitor</c> (its <c>ResultsWriter</c>), so
/// that SB3's <c>load_results</c> and the tools built on it read a run as one of theirs:
/// <code>
/// #{"t_start": 1767225600.123456, "env_id": "CartPole-v1"}
/// r,l,t
/// 500.0,500,0.481733
/// </code>
/// The first line is <c>#</c> and a JSON object (Python's <c>json.dumps</c>: <c>", "</c> and <c>": "</c> between
/// items), <c>t_start</c> the Unix time in seconds at which the run started; then one row per episode: r its return
/// and t the seconds since t_start, both rounded to 6 decimals and written as Python writes a float (<c>repr</c>:
/// <c>500.0</c>, <c>1e-05</c>), and l its length in steps. As in episodes.csv, t is taken when the update that used
/// the episode ended (parallel rollouts end episodes out of order). Every line ends with <c>\n</c> (SB3's csv module
/// ends its rows with <c>\r\n</c>; CSV readers, load_results among them, read both the same).
/// </summary>
/// <remarks>
/// The header is written atomically when the run starts and each row is one flushed write (<see cref="CsvLog"/>), so a
/// killed run leaves whole lines. On resume the file keeps its t_start, its header and the rows of the episodes the
/// checkpoint holds; t goes on counting from the same t_start (it includes the time the run was stopped, as a Unix
/// time difference does) and never decreases. A run folder written before monitor.csv existed gets one on resume,
/// rebuilt from episodes.csv: t_start is then the resume's time less the run's recorded training time, and each t is
/// the row's wall_seconds.
/// </remarks>
internal sealed class MonitorLog : IDisposable
{
    public const string FileName = "monitor.csv";

    public const string Columns = "r,l,t";

    private readonly CsvLog log;
    private readonly double sessionOffset;
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private double lastSeconds;

    private MonitorLog(CsvLog log, double tStart, double sessionOffset, double lastSeconds)
    {
        this.log = log;
        TStart = tStart;
        this.sessionOffset = sessionOffset;
        this.lastSeconds = lastSeconds;
    }

    /// <summary>The Unix time (seconds) the rows count from.</summary>
    public double TStart { get; }

    /// <summary>
    /// Opens <c>folder/monitor.csv</c> for a new run (<paramref name="keepEpisodes"/> null: a new file, its header written
    /// atomically) or a resumed one (the first <paramref name="keepEpisodes"/> rows kept, or rebuilt from episodes.csv
    /// when the file is missing or has no whole header; <paramref name="wallOffset"/> is the run's training time so far).
    /// </summary>
    public static MonitorLog Open(string folder, string environmentId, long? keepEpisodes, double wallOffset)
    {
        string path = Path.Combine(folder, FileName);
        double now = UnixNow();
        double tStart = now, lastSeconds = 0;
        if (keepEpisodes is long keep && ReadHeader(path) is double kept)
        {
            tStart = kept;
            lastSeconds = Truncate(path, environmentId, tStart, keep);
        }
        else if (keepEpisodes is not null)
        {
            tStart = now - wallOffset;
            lastSeconds = Rebuild(path, Path.Combine(folder, RunFolder.EpisodesFile), environmentId, tStart);
        }
        else
        {
            OutputFiles.WriteAllText(path, Header(tStart, environmentId) + "\n");
        }
        return new MonitorLog(new CsvLog(path, Header(tStart, environmentId)), tStart, now - tStart, lastSeconds);
    }

    /// <summary>Appends one episode's row, t being now.</summary>
    public void Append(double episodeReturn, int length)
    {
        lastSeconds = Math.Max(lastSeconds, sessionOffset + clock.Elapsed.TotalSeconds);
        log.Append(Row(episodeReturn, length, lastSeconds));
    }

    public void Dispose() => log.Dispose();

    /// <summary>The two header lines (no final newline): the comment line with t_start and env_id, then the columns.</summary>
    public static string Header(double tStart, string environmentId) =>
        $"#{{\"t_start\": {PythonFloat(tStart)}, \"env_id\": \"{JsonEncodedText.Encode(environmentId)}\"}}\n{Columns}";

    /// <summary>One row: r and t rounded to 6 decimals (SB3's <c>round(x, 6)</c>), in Python's float form; l an integer.</summary>
    public static string Row(double episodeReturn, int length, double seconds) =>
        $"{PythonFloat(Round6(episodeReturn))},{length.ToString(CultureInfo.InvariantCulture)},{PythonFloat(Round6(seconds))}";

    private static double Round6(double value) => double.Parse(value.ToString("F6", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private static double UnixNow() => (DateTime.UtcNow - DateTime.UnixEpoch).TotalSeconds;

    /// <summary>
    /// A double as Python's <c>repr</c> writes it: the shortest digits that read back as the same double (as .NET's "R"),
    /// in positional notation when the decimal exponent e (value = d.ddd × 10^e) is in [−4, 15], with ".0" when there is no
    /// fraction, else as <c>d.ddde±XX</c> (at least two exponent digits); <c>inf</c>, <c>-inf</c> and <c>nan</c> otherwise.
    /// </summary>
    public static string PythonFloat(double value)
    {
        if (!double.IsFinite(value))
        {
            return double.IsNaN(value) ? "nan" : value > 0 ? "inf" : "-inf";
        }
        string sign = value < 0 || (value == 0 && double.IsNegative(value)) ? "-" : "";
        if (value == 0)
        {
            return sign + "0.0";
        }
        // "R" is shortest-round-trip: split it into its significant digits and the position of the decimal point.
        string text = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);
        int exponentAt = text.IndexOf('E', StringComparison.Ordinal);
        string mantissa = exponentAt < 0 ? text : text[..exponentAt];
        int exponent = exponentAt < 0 ? 0 : int.Parse(text[(exponentAt + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        int dot = mantissa.IndexOf('.', StringComparison.Ordinal);
        string digits = dot < 0 ? mantissa : mantissa.Remove(dot, 1);
        int point = (dot < 0 ? mantissa.Length : dot) + exponent; // value = 0.digits × 10^point
        int leading = digits.Length - digits.TrimStart('0').Length;
        digits = digits.Trim('0');
        point -= leading;
        if (point > -4 && point <= 16)
        {
            if (point <= 0)
            {
                return $"{sign}0.{new string('0', -point)}{digits}";
            }
            return point >= digits.Length
                ? $"{sign}{digits}{new string('0', point - digits.Length)}.0"
                : $"{sign}{digits[..point]}.{digits[point..]}";
        }
        int e = point - 1;
        string fraction = digits.Length > 1 ? "." + digits[1..] : "";
        return $"{sign}{digits[0]}{fraction}e{(e < 0 ? '-' : '+')}{Math.Abs(e).ToString("00", CultureInfo.InvariantCulture)}";
    }

    /// <summary>t_start of an existing file's first line when it and the columns line are whole, else null.</summary>
    private static double? ReadHeader(string path)
    {
        if (FileKind.Of(path) != PathKind.RegularFile)
        {
            return null;
        }
        string text = PathArguments.ReadText("", path, PathArguments.MaxCsvBytes, "a monitor.csv written by reinforce train");
        string[] lines = text.Split('\n');
        if (lines.Length < 3 || !lines[0].StartsWith('#') || lines[1] != Columns)
        {
            return null;
        }
        try
        {
            using var header = JsonDocument.Parse(lines[0][1..]);
            return header.RootElement.ValueKind == JsonValueKind.Object && header.RootElement.TryGetProperty("t_start", out JsonElement t)
                && t.ValueKind == JsonValueKind.Number && t.TryGetDouble(out double tStart) && double.IsFinite(tStart)
                ? tStart
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Keeps the header and the first <paramref name="episodes"/> whole rows; returns the last kept row's t (0 if none).</summary>
    private static double Truncate(string path, string environmentId, double tStart, long episodes)
    {
        string text = PathArguments.ReadText("", path, PathArguments.MaxCsvBytes, "a monitor.csv written by reinforce train");
        var kept = new StringBuilder(Header(tStart, environmentId)).Append('\n');
        double last = 0;
        long rows = 0;
        int start = text.IndexOf('\n', text.IndexOf('\n', StringComparison.Ordinal) + 1) + 1;
        while (rows < episodes && start < text.Length)
        {
            int end = text.IndexOf('\n', start);
            if (end < 0)
            {
                break; // a torn line
            }
            string line = text[start..end];
            start = end + 1;
            string[] cells = line.Split(',');
            if (cells.Length != 3 || !double.TryParse(cells[2], NumberStyles.Float, CultureInfo.InvariantCulture, out double t))
            {
                break;
            }
            kept.Append(line).Append('\n');
            last = t;
            rows++;
        }
        OutputFiles.WriteAllText(path, kept.ToString());
        return last;
    }

    /// <summary>Writes monitor.csv from episodes.csv's rows (return, length, wall_seconds); returns the last t (0 if none).</summary>
    private static double Rebuild(string path, string episodesPath, string environmentId, double tStart)
    {
        var text = new StringBuilder(Header(tStart, environmentId)).Append('\n');
        double last = 0;
        if (FileKind.Of(episodesPath) != PathKind.Missing)
        {
            foreach (var row in LearningCurve.ReadCsv(episodesPath, ["episode", "update", "return", "length"], allowEmpty: true, optional: ["wall_seconds"]))
            {
                last = Math.Max(last, row.TryGetValue("wall_seconds", out double wall) && double.IsFinite(wall) ? wall : 0);
                text.Append(Row(row["return"], (int)row["length"], last)).Append('\n');
            }
        }
        OutputFiles.WriteAllText(path, text.ToString());
        return last;
    }
}
