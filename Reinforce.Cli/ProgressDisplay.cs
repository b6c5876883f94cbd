using System.Diagnostics;
using System.Globalization;
using Reinforce.Training;

namespace Reinforce.Cli;

/// <summary>
/// The progress of <c>reinforce train</c> on stderr. Piped or in a file: one plain line every <c>--log-interval</c>
/// updates. At a terminal: one status line rewritten in place (at most ten times a second, cut to the terminal's
/// width, with an estimate of the time left when a cap is known), and a plain line kept every few seconds, so a long
/// run leaves a short log instead of hundreds of lines.
/// </summary>
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

    /// <summary>After an update: a plain line every log interval when piped; at a terminal, the status line and now and then a kept line.</summary>
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
        if (now - lastKept >= KeptLineEvery || finished)
        {
            lastKept = now;
            Keep(Fit(Line(s, Rate(s, now)), columns));
            return;
        }
        if (now - lastStatus >= StatusEvery)
        {
            lastStatus = now;
            context.Error.Write("\r" + Fit(Status(s, now), columns) + "\u001b[K");
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

    /// <summary>The plain progress line (under 100 columns).</summary>
    public string Line(in UpdateStatistics s, double stepsPerSecond)
    {
        string running = s.RunningReward.ToString("0.00", CultureInfo.InvariantCulture).PadLeft(7);
        return string.Create(CultureInfo.InvariantCulture,
            $"update {s.Update,5}  episodes {s.TotalEpisodes,6}  steps {s.TotalSteps,8}  return {s.MeanReturn,5:0.0} ± {s.StdReturn,5:0.0}  running {(s.Solved ? context.ErrorStyle.Green(running) : running)}  H {s.Entropy:0.000}  {Compact(stepsPerSecond),5} steps/s");
    }

    /// <summary>The status line: the most telling figures first, so cutting it to the terminal's width keeps them.</summary>
    public string Status(in UpdateStatistics s, TimeSpan now)
    {
        var parts = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture, $"update {s.Update}"),
            string.Create(CultureInfo.InvariantCulture, $"episode {s.TotalEpisodes}"),
            string.Create(CultureInfo.InvariantCulture, $"running {s.RunningReward:0.0}/{settings.Threshold:0.#}"),
            string.Create(CultureInfo.InvariantCulture, $"return {s.MeanReturn:0.0} ± {s.StdReturn:0.0}"),
        };
        if (Remaining(s, now) is TimeSpan left)
        {
            parts.Add($"≤ {Duration(left)} left");
        }
        if (LastEvaluation is string evaluation)
        {
            parts.Add(evaluation);
        }
        parts.Add(string.Create(CultureInfo.InvariantCulture, $"{s.TotalSteps:#,0} steps"));
        return string.Join(" · ", parts);
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

    /// <summary>Cuts a line to <paramref name="columns"/> − 1 characters (the last column would wrap on some terminals).</summary>
    public static string Fit(string line, int columns)
    {
        int max = Math.Max(columns - 1, 10);
        if (Visible(line) <= max)
        {
            return line;
        }
        // Cut at a separator where possible, never inside an escape sequence (colour is dropped when cutting).
        string plain = StripEscapes(line);
        int cut = plain.LastIndexOf(" · ", Math.Min(max, plain.Length - 1), StringComparison.Ordinal);
        if (cut < 0)
        {
            cut = plain.LastIndexOf("  ", Math.Min(max, plain.Length - 1), StringComparison.Ordinal);
        }
        return cut > 0 ? plain[..cut] : plain[..(max - 1)] + "…";
    }

    private static int Visible(string text) => StripEscapes(text).Length;

    private static string StripEscapes(string text) => System.Text.RegularExpressions.Regex.Replace(text, "\u001b\\[[0-9;]*m", "");

    /// <summary>1,234 → "1,234"; 320,080 → "320k"; 2,100,000 → "2.1M".</summary>
    public static string Compact(double value) => value switch
    {
        >= 9.95e5 => (value / 1e6).ToString("0.0", CultureInfo.InvariantCulture) + "M",
        >= 1e4 => (value / 1e3).ToString("0", CultureInfo.InvariantCulture) + "k",
        _ => value.ToString("#,0", CultureInfo.InvariantCulture),
    };

    /// <summary>"0:07", "3:05", "1:02:03".</summary>
    public static string Duration(TimeSpan time) => time.TotalHours >= 1
        ? time.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture)
        : time.ToString(@"m\:ss", CultureInfo.InvariantCulture);
}
