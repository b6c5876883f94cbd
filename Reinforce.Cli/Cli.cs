using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Reinforce.Text;
using Reinforce.Training;

namespace Reinforce.Cli;

/// <summary>Where a command writes and what stops it.</summary>
/// <param name="Output">Results only (pipeable).</param>
/// <param name="Error">Progress, hints and errors.</param>
/// <param name="Cancellation">Ctrl-C: a running command finishes its step, saves and exits with 130.</param>
/// <param name="OutputStyle">Colour for <paramref name="Output"/>.</param>
/// <param name="ErrorStyle">Colour for <paramref name="Error"/>.</param>
/// <param name="ErrorTerminalWidth">The width of the terminal stderr writes to, or null when it is not a terminal (piped, a file, a test).</param>
/// <param name="OutputIsTerminal">Whether stdout is an interactive terminal (frames may be animated in place).</param>
internal sealed record CliContext(TextWriter Output, TextWriter Error, CancellationToken Cancellation, Style OutputStyle, Style ErrorStyle,
    int? ErrorTerminalWidth = null, bool OutputIsTerminal = false)
{
    /// <summary>Whether frames may be animated in place (the output is an interactive terminal).</summary>
    public bool InteractiveOutput => OutputIsTerminal;

    /// <summary>The width of the terminal stdout writes to, or null when it is not a terminal (help wraps to it, else to <see cref="Cli.HelpWidth"/>).</summary>
    public int? OutputTerminalWidth { get; init; }

    /// <summary>
    /// Called by a sweep worker right after a run has finished and been recorded, with the number of runs finished so far,
    /// before that worker starts another. A test cancels from here to interrupt a sweep after exactly k runs, whatever
    /// the machine's speed; null (nothing called) in the tool.
    /// </summary>
    public Action<int>? AfterSweepRun { get; init; }

    /// <summary>
    /// Called by a sweep worker while it records its k-th finished run (k counted as <see cref="AfterSweepRun"/> counts):
    /// the run's file is written whole to its temporary name and flushed, and not yet renamed into finished-runs/. A test
    /// stops the process here to leave what a kill in the middle of a write leaves; null (nothing called) in the tool.
    /// </summary>
    public Action<int>? BeforeSweepRunRename { get; init; }

    /// <summary>
    /// Called by train at the end of each update, with its number: after its rows, its progress line and its checkpoint
    /// when one is due, before the next update starts (or the run ends). A test pauses or cancels from here to interrupt a
    /// run after exactly k updates, whatever the machine's speed; null (nothing called) unless the tool's test hook is set.
    /// </summary>
    public Action<long>? AfterUpdate { get; init; }

    /// <summary>
    /// The time since train's progress display started, read once per update; null: a stopwatch. A test steps it to choose
    /// which updates keep a line at a terminal, whatever the machine's speed.
    /// </summary>
    public Func<TimeSpan>? ProgressClock { get; init; }

    /// <summary>The command line as given, after the program's name (for reproducibility.json).</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    /// <summary>With <c>--json</c>, where the command puts its result (stdout then takes no text); else null.</summary>
    public JsonResult? Json { get; init; }

    /// <summary>
    /// The exit code the process will end with when the command returns <see cref="Cli.ExitInterrupted"/> (the program
    /// maps SIGTERM's to 143), for the JSON result; null: that code itself.
    /// </summary>
    public Func<int>? InterruptedExitCode { get; init; }
}

/// <summary>
/// The <c>reinforce</c> command line. <see cref="Run(string[], TextWriter, TextWriter, CancellationToken)"/>
/// is the whole program, callable in-process: it never throws and never calls Environment.Exit.
/// Exit codes: 0 success, 1 runtime failure (a diverging run, a full disk), 2 bad input, 130 interrupted
/// (143 when the interruption was SIGTERM: the program maps it), 70 an internal error (a defect to report).
/// </summary>
public static partial class Cli
{
    public const int ExitSuccess = 0;
    public const int ExitFailure = 1;
    public const int ExitUsage = 2;
    public const int ExitInterrupted = 130;

    /// <summary>A defect of the program itself (BSD's EX_SOFTWARE): reported in one line, never as a stack trace.</summary>
    public const int ExitInternalError = 70;

    /// <summary>The tool's version (the assembly's informational version without build metadata).</summary>
    public static string Version { get; } =
        (typeof(Cli).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0").Split('+')[0];

    private sealed record Command(string Name, string Summary, string Usage, IReadOnlyList<Flag> Flags, int MaxPositionals, string PositionalName,
        Func<ParsedArguments, CliContext, int> Run);

    private static readonly IReadOnlyList<Command> Commands =
    [
        new("train", TrainCommand.Description, "reinforce train [--preset NAME | --config FILE | --resume DIR] [flags]", TrainCommand.Flags, 0, "", TrainCommand.Run),
        new("sweep", SweepCommand.Description, "reinforce sweep [--seeds 0..99] [--preset NAME | --config FILE | --candidate NAME=FLAGS]… [--grid FLAG=V1,V2]… [train's flags] [--shard K/N] [--resume DIR]\n" +
            $"       {SweepMergeCommand.Usage}   (reinforce sweep merge --help)", SweepCommand.Flags, 0, "", SweepCommand.Run),
        new("eval", EvaluateCommands.EvalDescription, "reinforce eval CHECKPOINT|RUN_DIR [flags]", EvaluateCommands.EvalFlags, 1, "checkpoint", EvaluateCommands.Eval),
        new("baseline", EvaluateCommands.BaselineDescription, "reinforce baseline [flags]", EvaluateCommands.BaselineFlags, 0, "", EvaluateCommands.Baseline),
        new("render", RenderCommand.Description, "reinforce render [CHECKPOINT|RUN_DIR | --baseline] [flags]", RenderCommand.Flags, 1, "checkpoint", RenderCommand.Run),
        new("plot", PlotCommand.Description, "reinforce plot RUN_DIR|SWEEP_DIR|metrics.csv … [--out FILE] [--x episodes|steps|seconds]", PlotCommand.Flags, PlotCommand.MaxFolders, "folders", PlotCommand.Run),
        new("presets", PresetsCommand.Description, "reinforce presets [NAME]", PresetsCommand.Flags, 1, "preset name", PresetsCommand.Run),
        new("explain", ExplainCommand.Description, "reinforce explain [--seed N] [train's configuration flags] | reinforce explain --inputs FILE [flags]", ExplainCommand.Flags, 0, "", ExplainCommand.Run),
    ];

    /// <summary>Commands under another: <c>reinforce sweep merge</c>.</summary>
    private static readonly IReadOnlyList<Command> Subcommands =
    [
        new(SweepMergeCommand.Name, SweepMergeCommand.Description, SweepMergeCommand.Usage, SweepMergeCommand.Flags, ShardSpec.MaxShards, "shard folders", SweepMergeCommand.Run),
    ];

    /// <summary>
    /// Runs the command line with the given writers; returns the exit code. <paramref name="cancellationToken"/> is
    /// the interruption (Ctrl-C or SIGTERM): a running command finishes its step, saves and returns <see cref="ExitInterrupted"/>.
    /// </summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        return Run(args, Context(stdout, stderr, cancellationToken));
    }

    /// <summary>The context of a command writing to <paramref name="stdout"/> and <paramref name="stderr"/>: their colours and terminal widths.</summary>
    internal static CliContext Context(TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        int? outputWidth = Terminal.Width(stdout, isStandardError: false);
        return new(stdout, stderr, cancellationToken, Style.For(stdout, isStandardError: false), Style.For(stderr, isStandardError: true),
            Terminal.Width(stderr, isStandardError: true), outputWidth is not null) { OutputTerminalWidth = outputWidth };
    }

    /// <summary>
    /// The width help is wrapped to when it is not written to a terminal (piped, in a file, docs/cli.md's copy). At a
    /// terminal: its width less one column, the last column left free as by the progress display.
    /// </summary>
    internal const int HelpWidth = 100;

    // Help's flag and command rows: the description column starts after the name column; below this many columns for
    // the description, it goes under the name instead, indented NarrowIndent.
    private const int MinDescriptionWidth = 30, NarrowIndent = 4;

    /// <summary>As <see cref="Run(string[], TextWriter, TextWriter, CancellationToken)"/>, with a test's hooks in <paramref name="context"/>.</summary>
    internal static int Run(string[] args, CliContext context)
    {
        // With --json the command's text goes nowhere and its result, or its error, is one JSON object on stdout.
        JsonResult? json = JsonResult.Requested(args) ? new JsonResult(args[0]) : null;
        int exit = Run(args, context with { Arguments = args }, json);
        if (json is { Suppressed: false })
        {
            context.Output.Write(json.Render(exit == ExitInterrupted && context.InterruptedExitCode is { } interrupted ? interrupted() : exit));
            context.Output.Flush();
        }
        return exit;
    }

    private static int Run(string[] args, CliContext context, JsonResult? json)
    {
        string commandName = args.Length > 0 ? args[0] : "";
        try
        {
            switch (commandName)
            {
                case "":
                    context.Error.Write(ToolHelp(Wrapping(context.ErrorTerminalWidth)));
                    return ExitUsage;
                case "-h" or "--help" or "help" when args.Length < 2:
                    context.Output.Write(ToolHelp(Wrapping(context.OutputTerminalWidth)));
                    return ExitSuccess;
                case "help":
                    return Run([args[1], "--help"], context);
                case "--version" or "-V" or "version":
                    context.Output.WriteLine($"reinforce {Version}");
                    return ExitSuccess;
            }
            Command command = Commands.FirstOrDefault(c => c.Name == commandName)
                ?? throw new UsageException(commandName.StartsWith('-')
                    ? $"{Display.Quote(commandName)} must follow a command; commands: {string.Join(", ", Commands.Select(c => c.Name))}{Display.DidYouMean(commandName, ["--version", "--help"])}"
                    : $"unknown command {Display.Quote(commandName)}; commands: {string.Join(", ", Commands.Select(c => c.Name))}{Suggest(commandName)}");
            int skip = 1;
            if (args.Length > 1 && Subcommands.FirstOrDefault(c => c.Name == $"{command.Name} {args[1]}") is { } subcommand)
            {
                (command, skip) = (subcommand, 2);
            }
            commandName = command.Name;
            var parsed = ParsedArguments.Parse(command.Name, args[skip..], command.Flags, command.MaxPositionals, command.PositionalName);
            if (parsed.HelpRequested)
            {
                json?.Suppressed = true;
                context.Output.Write(CommandHelp(command, Wrapping(context.OutputTerminalWidth)));
                return ExitSuccess;
            }
            return command.Run(parsed, json is null ? context : context with { Output = TextWriter.Null, Json = json });
        }
        catch (UsageException e)
        {
            string prefix = Commands.Concat(Subcommands).Any(c => c.Name == commandName) ? $"reinforce {commandName}" : "reinforce";
            // Every value in a message is quoted already; escaping the whole keeps it one line whatever a message holds.
            return Fail(context, json, ExitUsage, $"{prefix}: {context.ErrorStyle.Red("error:")} ", Display.Escape(e.Message, 4000));
        }
        catch (OperationCanceledException)
        {
            return Fail(context, json, ExitInterrupted, "reinforce: ", "interrupted");
        }
        catch (TrainingDivergedException e)
        {
            return Fail(context, json, ExitFailure, $"reinforce {commandName}: ", $"training diverged: {Display.Escape(e.Message, 1000)}");
        }
        catch (OutputException e)
        {
            return Fail(context, json, ExitFailure, $"reinforce {commandName}: ", Display.Escape(e.Message, 1000));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Fail(context, json, ExitFailure, $"reinforce {commandName}: ", Display.Escape(PathArguments.Reason(e), 300));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A defect of this program, not of the input: one line, no stack trace, and a code of its own.
            return Fail(context, json, ExitInternalError, $"reinforce {Display.Escape(commandName, 20)}: ",
                $"internal error ({e.GetType().Name}: {Display.Escape(e.Message, 200)}); please report it with the command line");
        }
    }

    // The error line on stderr, prefix then message; with --json the message is also the result's error.
    private static int Fail(CliContext context, JsonResult? json, int exit, string prefix, string message)
    {
        context.Error.WriteLine(prefix + message);
        json?.Error = message;
        return exit;
    }

    private static string Suggest(string name) => Display.DidYouMean(name, Commands.Select(c => c.Name));

    private static int Wrapping(int? terminalWidth) => terminalWidth is int columns ? columns - 1 : HelpWidth;

    private static string ToolHelp(int width)
    {
        var text = new StringBuilder();
        Lines(text, Terminal.Wrap($"reinforce {Version} — REINFORCE policy gradients on CartPole, from scratch in C#", width, "", "  "));
        text.AppendLine();
        Lines(text, Terminal.Wrap("Usage: reinforce COMMAND [flags]      reinforce COMMAND --help for its flags", width, "", "       "));
        text.AppendLine();
        text.AppendLine("Commands:");
        foreach (Command command in Commands)
        {
            Row(text, command.Name, 10, command.Summary, width);
        }
        text.AppendLine();
        Lines(text, Terminal.Wrap("--help     this help        --version  the version", width, "  ", "  "));
        text.AppendLine();
        text.AppendLine("Examples:");
        Row(text, "reinforce train --out runs/first", 48, "train CartPole-v1 with the default (seconds)", width);
        Row(text, "reinforce eval runs/first", 48, "100 greedy episodes of the trained policy", width);
        Row(text, "reinforce render runs/first --out run.svg", 48, "an animated SVG of one episode", width);
        Row(text, "reinforce train --preset spinningup-rtg --seed 3", 48, "a reference notebook's configuration", width);
        Row(text, "reinforce sweep --seeds 100", 48, "100 seeds: solve rate and episodes to solve, with 95 % intervals", width);
        Row(text, "reinforce sweep --seeds 1000 --shard 3/8", 48, "shard 3 of 8 on one machine; sweep merge joins them (docs/cluster.md)", width);
        text.AppendLine();
        Lines(text, Terminal.Wrap("Exit codes: 0 success, 1 runtime failure (diverged, disk full), 2 bad input, 130 interrupted (Ctrl-C), " +
            "143 stopped by SIGTERM, 70 internal error.", width));
        Lines(text, Terminal.Wrap("Results go to stdout, progress and errors to stderr; NO_COLOR turns colour off.", width));
        return text.ToString();
    }

    private static string CommandHelp(Command command, int width)
    {
        var text = new StringBuilder();
        Lines(text, Terminal.Wrap($"reinforce {command.Name} — {command.Summary}", width, "", "  "));
        text.AppendLine();
        // A bracketed group of the usage ("[--preset NAME | --config FILE]") breaks only when it is wider than a line.
        Lines(text, Terminal.Wrap(UsageGroup().Replace(command.Usage, m => Terminal.Glued(m.Value)), width, "Usage: ", "       "));
        foreach (var group in command.Flags.GroupBy(f => f.Group))
        {
            text.AppendLine();
            text.AppendLine($"{group.Key}:");
            foreach (Flag flag in group)
            {
                string name = flag.IsSwitch ? $"{flag.Name}" : $"{flag.Name} {flag.Value}";
                // A quoted example ('lr2=--lr 0.02') and the default break only when wider than a line.
                string quoted = QuotedExample().Replace(flag.Help, m => Terminal.Glued(m.Value));
                string help = flag.Default is null ? quoted : $"{quoted} {Terminal.Glued($"[default: {flag.Default}]")}";
                Row(text, name, 24, help, width);
            }
        }
        text.AppendLine();
        Row(text, "-h, --help", 24, "this help", width);
        return text.ToString();
    }

    /// <summary>
    /// A help row: "  NAME  DESCRIPTION", the name padded to <paramref name="nameWidth"/>, the description wrapped to
    /// <paramref name="width"/> with its continuation lines under the description column. A name wider than its column
    /// has a line of its own, the description starting under the column on the next; when fewer than
    /// <see cref="MinDescriptionWidth"/> columns are left for the description, it goes under the name, indented <see cref="NarrowIndent"/>.
    /// </summary>
    private static void Row(StringBuilder text, string name, int nameWidth, string description, int width)
    {
        int column = 2 + nameWidth + 1;
        if (width - column < MinDescriptionWidth)
        {
            Lines(text, Terminal.Wrap(name, width, "  ", "    "));
            Lines(text, Terminal.Wrap(description, width, new string(' ', NarrowIndent), new string(' ', NarrowIndent)));
            return;
        }
        string indent = new(' ', column);
        if (name.Length > nameWidth)
        {
            text.AppendLine($"  {name}");
            Lines(text, Terminal.Wrap(description, width, indent, indent));
            return;
        }
        Lines(text, Terminal.Wrap(description, width, $"  {name.PadRight(nameWidth)} ", indent));
    }

    private static void Lines(StringBuilder text, IEnumerable<string> lines)
    {
        foreach (string line in lines)
        {
            text.AppendLine(line);
        }
    }

    [GeneratedRegex(@"\[[^\[\]]*\]")]
    private static partial Regex UsageGroup();

    // A quotation that opens after a space or parenthesis and closes before one or punctuation (not an apostrophe).
    [GeneratedRegex(@"(?<=[ (])'[^']+'(?=[ ),;.]|$)")]
    private static partial Regex QuotedExample();
}
