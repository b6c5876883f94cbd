using System.Diagnostics;
using System.Globalization;
using Reinforce.Training;

namespace Reinforce.Cli;

/// <summary>
/// The progress of <c>reinforce train</c> on stderr. Piped or in a file: one plain line (<see cref="Line"/>) every
/// <c>--log-interval</c> updates, and the last. At a terminal: one status line rewritten in place (at most ten times a
/// second), and a line kept above it every <c>--log-interval</c> updates when the flag is given, else every
/// <see cref="KeptLineEvery"/>, and the last; so a long run leaves a short log instead of hundreds of lines.
/// </summary>
/// <remarks>
/// Every line at a terminal fits its width less one column (the last column would wrap on some terminals): a line is a
/// list of fields, and whole fields are dropped, the lowest priority first, until the rest fits; a number is never cut.
/// Priorities, highest first (the order docs/cli.md gives):
/// kept line: update, running, return, episodes, steps/s, steps, H;
/// status line: update, running, time left, eval, return, episode, steps.
/// The field of highest priority stays even when it alone is wider than the terminal.
/// </remarks>
internal sealed class ProgressDisplay(CliContext context, RunSettings settings, long startUpdates, long startEpisodes)
{
    /// <summary>How often a line is kept above the status line at a terminal.</summary>
    public static readonly TimeSpan KeptLineEvery = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan StatusEvery = TimeSpan.FromMilliseconds(100);
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly int? width = context.ErrorTerminalWidth;
    private TimeSpan lastStatus = -StatusEvery, lastKept = TimeSpan.Zero;
    private long stepsAtLastLine;
    private double secondsAtLastLine;
    private bool statusShown;

    public string? LastEvaluation { get; set; }

    /// <summary>After an update: a plain line every log interval when piped; at a terminal, the status line or a kept line.</summary>
    public void Report(in UpdateStatistics s, bool finished)
    {
        TimeSpan now = context.ProgressClock?.Invoke() ?? clock.Elapsed;
        if (width is not int columns)
        {
            if (s.Update % settings.LogInterval == 0 || finished)
            {
                context.Error.WriteLine(Line(s, Rate(s, now)));
            }
            return;
        }
        bool due = settings.LogIntervalGiven ? s.Update % settings.LogInterval == 0 : now - lastKept >= KeptLineEvery;
        if (due || finished)
        {
            lastKept = now;
            Keep(Fit(LineFields(s, Rate(s, now)), LineSeparator, columns));
            return;
        }
        if (now - lastStatus >= StatusEvery)
        {
            lastStatus = now;
            context.Error.Write("\r" + Fit(StatusFields(s, now), StatusSeparator, columns) + "\u001b[K");
            statusShown = true;
        }
    }

    /// <summary>Writes a line that stays (a warning, a preset's own log line), clearing the status line first.</summary>
    public void Keep(string line)
    {
        if (statusShown)
        {
            context.Error.Write("\r\u001b[K");
            statusShown = false;
        }
        context.Error.WriteLine(line);
    }

    /// <summary>Clears the status line before the run's closing lines.</summary>
    public void Finish()
    {
        if (statusShown)
        {
            context.Error.Write("\r\u001b[K");
            statusShown = false;
        }
    }

    // Steps per second since the last kept or plain line.
    private double Rate(in UpdateStatistics s, TimeSpan now)
    {
        double rate = (s.TotalSteps - stepsAtLastLine) / Math.Max(now.TotalSeconds - secondsAtLastLine, 1e-9);
        (stepsAtLastLine, secondsAtLastLine) = (s.TotalSteps, now.TotalSeconds);
        return rate;
    }

    /// <summary>A field of a progress line, and its rank: at a terminal the fields of the highest ranks are dropped first.</summary>
    public readonly record struct Field(string Text, int Rank);

    private const string LineSeparator = "  ", StatusSeparator = " · ";

    /// <summary>The plain progress line: every field, padded to fixed widths so that the lines of a run align.</summary>
    public string Line(in UpdateStatistics s, double stepsPerSecond) =>
        string.Join(LineSeparator, LineFields(s, stepsPerSecond).Select(f => f.Text));

    /// <summary>The fields of <see cref="Line"/>, in display order, ranked by the kept line's priority.</summary>
    public IReadOnlyList<Field> LineFields(in UpdateStatistics s, double stepsPerSecond)
    {
        string running = s.RunningReward.ToString("0.00", CultureInfo.InvariantCulture).PadLeft(7);
        return
        [
            new(string.Create(CultureInfo.InvariantCulture, $"update {s.Update,5}"), 0),
            new(string.Create(CultureInfo.InvariantCulture, $"episodes {s.TotalEpisodes,6}"), 3),
            new(string.Create(CultureInfo.InvariantCulture, $"steps {s.TotalSteps,8}"), 5),
            new(string.Create(CultureInfo.InvariantCulture, $"return {s.MeanReturn,5:0.0} ± {s.StdReturn,5:0.0}"), 2),
            new($"running {(s.Solved ? context.ErrorStyle.Green(running) : running)}", 1),
            new(string.Create(CultureInfo.InvariantCulture, $"H {s.Entropy:0.000}"), 6),
            new($"{Compact(stepsPerSecond),5} steps/s", 4),
        ];
    }

    /// <summary>The status line's fields, in display order, ranked by its priority.</summary>
    public IReadOnlyList<Field> StatusFields(in UpdateStatistics s, TimeSpan now)
    {
        var fields = new List<Field>
        {
            new(string.Create(CultureInfo.InvariantCulture, $"update {s.Update}"), 0),
            new(string.Create(CultureInfo.InvariantCulture, $"episode {s.TotalEpisodes}"), 5),
            new(string.Create(CultureInfo.InvariantCulture, $"running {s.RunningReward:0.0}/{settings.Threshold:0.#}"), 1),
            new(string.Create(CultureInfo.InvariantCulture, $"return {s.MeanReturn:0.0} ± {s.StdReturn:0.0}"), 4),
        };
        if (Remaining(s, now) is TimeSpan left)
        {
            fields.Add(new($"≤ {Duration(left)} left", 2));
        }
        if (LastEvaluation is string evaluation)
        {
            fields.Add(new(evaluation, 3));
        }
        fields.Add(new(string.Create(CultureInfo.InvariantCulture, $"{s.TotalSteps:#,0} steps"), 6));
        return fields;
    }

    // Time to the cap at this session's pace (an upper bound: the run may be solved sooner), when a cap is set.
    private TimeSpan? Remaining(in UpdateStatistics s, TimeSpan now)
    {
        TrainerOptions o = settings.Options;
        double? fraction = null;
        if (o.MaxUpdates is int maxUpdates && s.Update > startUpdates)
        {
            fraction = (double)(maxUpdates - s.Update) / (s.Update - startUpdates);
        }
        if (o.MaxEpisodes is long maxEpisodes && s.TotalEpisodes > startEpisodes)
        {
            double byEpisodes = (double)(maxEpisodes - s.TotalEpisodes) / (s.TotalEpisodes - startEpisodes);
            fraction = fraction is double f ? Math.Min(f, byEpisodes) : byEpisodes;
        }
        return fraction is double r && r >= 0 && double.IsFinite(r) ? TimeSpan.FromSeconds(now.TotalSeconds * r) : null;
    }

    /// <summary>
    /// The fields joined by <paramref name="separator"/> in at most <paramref name="columns"/> − 1 columns: whole fields
    /// dropped, the highest rank first, until the rest fits; the field of the lowest rank always stays. Never cuts a field.
    /// </summary>
    public static string Fit(IReadOnlyList<Field> fields, string separator, int columns)
    {
        int max = columns - 1;
        int lowest = fields.Min(f => f.Rank);
        foreach (int limit in fields.Select(f => f.Rank).Distinct().OrderDescending())
        {
            string line = string.Join(separator, fields.Where(f => f.Rank <= limit).Select(f => f.Text));
            if (Terminal.DisplayWidth(line) <= max || limit == lowest)
            {
                return line;
            }
        }
        return "";
    }

    /// <summary>
    /// The run's first line, "WHAT → FOLDER". At a terminal narrower than it, it wraps instead of losing a part: broken
    /// between the clauses of <paramref name="what"/> (its ", "), within a clause only when the clause alone is wider
    /// than a line, continuation lines indented two columns; the folder goes on a line of its own ("→ FOLDER") when it
    /// does not fit the last, and is never broken (a path wider than the terminal is wrapped by the terminal).
    /// </summary>
    public static string Header(string what, string folder, int? columns)
    {
        string arrow = $"→ {folder}";
        if (columns is not int width || Terminal.DisplayWidth(what) + 1 + Terminal.DisplayWidth(arrow) <= width - 1)
        {
            return $"{what} {arrow}";
        }
        string[] clauses = what.Split(", ");
        List<string> lines = Terminal.Wrap(string.Join(' ', clauses.Select((c, i) => Terminal.Glued(i < clauses.Length - 1 ? c + "," : c))), width - 1, "", "  ");
        if (Terminal.DisplayWidth(lines[^1]) + 1 + Terminal.DisplayWidth(arrow) <= width - 1)
        {
            lines[^1] += " " + arrow;
        }
        else
        {
            lines.Add(arrow);
        }
        return string.Join('\n', lines);
    }

    /// <summary>
    /// A rate in one format at every magnitude, at most five characters: three significant digits, with an SI suffix from
    /// 1,000 on (818, 8.18k, 81.8k, 818k, 8.18M, 1.00G). A value that rounds to 1,000 of a unit takes the next unit.
    /// </summary>
    public static string Compact(double value)
    {
        if (value < 999.5)
        {
            return value.ToString("0", CultureInfo.InvariantCulture);
        }
        (string Unit, double Size)[] units = [("k", 1e3), ("M", 1e6), ("G", 1e9), ("T", 1e12)];
        for (int i = 0; ; i++)
        {
            double scaled = value / units[i].Size;
            if (scaled < 999.5 || i == units.Length - 1)
            {
                string format = scaled < 9.995 ? "0.00" : scaled < 99.95 ? "0.0" : "0";
                return scaled.ToString(format, CultureInfo.InvariantCulture) + units[i].Unit;
            }
        }
    }

    /// <summary>"0:07", "3:05", "1:02:03".</summary>
    public static string Duration(TimeSpan time) => time.TotalHours >= 1
        ? time.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture)
        : time.ToString(@"m\:ss", CultureInfo.InvariantCulture);
}
