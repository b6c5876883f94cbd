using System.Reflection;
using System.Text;
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
}

/// <summary>
/// The <c>reinforce</c> command line. <see cref="Run(string[], TextWriter, TextWriter, CancellationToken)"/>
/// is the whole program, callable in-process: it never throws and never calls Environment.Exit.
/// Exit codes: 0 success, 1 runtime failure (a diverging run, a full disk), 2 bad input, 130 interrupted
/// (143 when the interruption was SIGTERM: the program maps it), 70 an internal error (a defect to report).
/// </summary>
public static class Cli
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
    internal static CliContext Context(TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken) =>
        new(stdout, stderr, cancellationToken, Style.For(stdout, isStandardError: false), Style.For(stderr, isStandardError: true),
            Terminal.Width(stderr, isStandardError: true), Terminal.Width(stdout, isStandardError: false) is not null);

    /// <summary>As <see cref="Run(string[], TextWriter, TextWriter, CancellationToken)"/>, with a test's hooks in <paramref name="context"/>.</summary>
    internal static int Run(string[] args, CliContext context)
    {
        string commandName = args.Length > 0 ? args[0] : "";
        try
        {
            switch (commandName)
            {
                case "":
                    context.Error.Write(ToolHelp());
                    return ExitUsage;
                case "-h" or "--help" or "help" when args.Length < 2:
                    context.Output.Write(ToolHelp());
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
                context.Output.Write(CommandHelp(command));
                return ExitSuccess;
            }
            return command.Run(parsed, context);
        }
        catch (UsageException e)
        {
            string prefix = Commands.Concat(Subcommands).Any(c => c.Name == commandName) ? $"reinforce {commandName}" : "reinforce";
            // Every value in a message is quoted already; escaping the whole keeps it one line whatever a message holds.
            context.Error.WriteLine($"{prefix}: {context.ErrorStyle.Red("error:")} {Display.Escape(e.Message, 4000)}");
            return ExitUsage;
        }
        catch (OperationCanceledException)
        {
            context.Error.WriteLine("reinforce: interrupted");
            return ExitInterrupted;
        }
        catch (TrainingDivergedException e)
        {
            context.Error.WriteLine($"reinforce {commandName}: training diverged: {Display.Escape(e.Message, 1000)}");
            return ExitFailure;
        }
        catch (OutputException e)
        {
            context.Error.WriteLine($"reinforce {commandName}: {Display.Escape(e.Message, 1000)}");
            return ExitFailure;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            context.Error.WriteLine($"reinforce {commandName}: {Display.Escape(PathArguments.Reason(e), 300)}");
            return ExitFailure;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A defect of this program, not of the input: one line, no stack trace, and a code of its own.
            context.Error.WriteLine($"reinforce {Display.Escape(commandName, 20)}: internal error ({e.GetType().Name}: {Display.Escape(e.Message, 200)}); please report it with the command line");
            return ExitInternalError;
        }
    }

    private static string Suggest(string name) => Display.DidYouMean(name, Commands.Select(c => c.Name));

    private static string ToolHelp()
    {
        var text = new StringBuilder();
        text.AppendLine($"reinforce {Version} — REINFORCE policy gradients on CartPole, from scratch in C#");
        text.AppendLine();
        text.AppendLine("Usage: reinforce COMMAND [flags]      reinforce COMMAND --help for its flags");
        text.AppendLine();
        text.AppendLine("Commands:");
        foreach (Command command in Commands)
        {
            text.AppendLine($"  {command.Name,-10} {command.Summary}");
        }
        text.AppendLine();
        text.AppendLine("  --help     this help        --version  the version");
        text.AppendLine();
        text.AppendLine("Examples:");
        text.AppendLine("  reinforce train --out runs/first                 train CartPole-v1 with the default (seconds)");
        text.AppendLine("  reinforce eval runs/first                        100 greedy episodes of the trained policy");
        text.AppendLine("  reinforce render runs/first --out run.svg        an animated SVG of one episode");
        text.AppendLine("  reinforce train --preset spinningup-rtg --seed 3 a reference notebook's configuration");
        text.AppendLine("  reinforce sweep --seeds 100                      100 seeds: solve rate and episodes to solve, with 95 % intervals");
        text.AppendLine("  reinforce sweep --seeds 1000 --shard 3/8         shard 3 of 8 on one machine; sweep merge joins them (docs/cluster.md)");
        text.AppendLine();
        text.AppendLine("Exit codes: 0 success, 1 runtime failure (diverged, disk full), 2 bad input, 130 interrupted (Ctrl-C),");
        text.AppendLine("143 stopped by SIGTERM, 70 internal error.");
        text.AppendLine("Results go to stdout, progress and errors to stderr; NO_COLOR turns colour off.");
        return text.ToString();
    }

    private static string CommandHelp(Command command)
    {
        var text = new StringBuilder();
        text.AppendLine($"reinforce {command.Name} — {command.Summary}");
        text.AppendLine();
        text.AppendLine($"Usage: {command.Usage}");
        foreach (var group in command.Flags.GroupBy(f => f.Group))
        {
            text.AppendLine();
            text.AppendLine($"{group.Key}:");
            foreach (Flag flag in group)
            {
                string name = flag.IsSwitch ? $"{flag.Name}" : $"{flag.Name} {flag.Value}";
                string help = flag.Default is null ? flag.Help : $"{flag.Help} [default: {flag.Default}]";
                text.AppendLine(name.Length <= 24 ? $"  {name,-24} {help}" : $"  {name}\n  {"",-24} {help}");
            }
        }
        text.AppendLine();
        text.AppendLine($"  {"-h, --help",-24} this help");
        return text.ToString();
    }
}
