using System.Globalization;
using System.Text;
using Reinforce.Checkpoints;
using Reinforce.NeuralNetworks;
using Reinforce.Returns;
using Reinforce.Training;

namespace Reinforce.Cli;

/// <summary><c>reinforce presets</c>: the presets, their settings and where they come from.</summary>
internal static class PresetsCommand
{
    public const string Description = "List the presets (the reference notebooks' configurations) or show one in full.";

    public static IReadOnlyList<Flag> Flags { get; } = [];

    public static int Run(ParsedArguments args, CliContext context)
    {
        if (args.Positionals.Count == 1)
        {
            Preset preset = Preset.Find(args.Positionals[0])
                ?? throw new UsageException($"unknown preset {Reinforce.Text.Display.Quote(args.Positionals[0])}; presets: {string.Join(", ", Preset.Names)}");
            context.Output.Write(Detail(preset));
            return Cli.ExitSuccess;
        }
        // One block per preset, wrapped to 80 columns so that it reads at any terminal (a table of every setting was
        // 176 characters wide): the name and source, then the settings on indented lines.
        var text = new StringBuilder();
        foreach (Preset p in Preset.All)
        {
            TrainerOptions o = p.Options;
            Wrap(text, $"{p.Name} — {p.Source}", indent: "", continuation: "    ");
            Wrap(text, $"{Environment(p)} · {TrainingCheckpoint.Architecture(o)} · {Optimizer(o)}", indent: "    ", continuation: "    ");
            Wrap(text, $"{Weights(o)} · {Batch(o)} per update", indent: "    ", continuation: "    ");
            Wrap(text, Length(o), indent: "    ", continuation: "    ");
            text.AppendLine();
        }
        Wrap(text, "reinforce presets NAME shows one in full; reinforce train --preset NAME [flags] trains it, flags override.", indent: "", continuation: "");
        context.Output.Write(text.ToString());
        return Cli.ExitSuccess;
    }

    private const int Columns = 80;

    // Appends `line` word by word after `indent`, breaking before a word that would pass column 80 and going on after
    // `continuation`.
    private static void Wrap(StringBuilder text, string line, string indent, string continuation)
    {
        var current = new StringBuilder(indent);
        bool empty = true;
        foreach (string word in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!empty && current.Length + 1 + word.Length > Columns)
            {
                text.AppendLine(current.ToString());
                current.Clear().Append(continuation);
                empty = true;
            }
            current.Append(empty ? "" : " ").Append(word);
            empty = false;
        }
        text.AppendLine(current.ToString());
    }

    private static string Detail(Preset p)
    {
        TrainerOptions o = p.Options;
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{p.Name}: {p.Source}");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"  environment   {Environment(p)}, solved at running reward > {LearningCurve.Number(RunFolder.Threshold(o, p.RewardThreshold))}");
        text.AppendLine(CultureInfo.InvariantCulture, $"  network       {TrainingCheckpoint.Architecture(o)}, {o.Initialization.Name()} init");
        text.AppendLine(CultureInfo.InvariantCulture, $"  optimizer     {Optimizer(o)}");
        // γ only where it is used: reward-to-go and the episode return are undiscounted sums (γ = 1 whatever --gamma says).
        string discount = o.Returns == ReturnKind.Discounted ? "" : " (undiscounted: γ not used)";
        text.AppendLine(CultureInfo.InvariantCulture, $"  weights       {Weights(o)}{(o.Baseline ? ", baseline" : "")}{discount}");
        text.AppendLine(CultureInfo.InvariantCulture, $"  loss          {o.LossReduction.Name()} over steps, entropy coefficient {LearningCurve.Number(o.EntropyCoefficient)}");
        text.AppendLine(CultureInfo.InvariantCulture, $"  batch         {Batch(o)} per update; {Length(o)}");
        text.AppendLine(CultureInfo.InvariantCulture, $"  running       r ← {LearningCurve.Number(1 - o.RunningRewardWeight)}·r + {LearningCurve.Number(o.RunningRewardWeight)}·return, from {(o.RunningRewardStart is double start ? LearningCurve.Number(start) : "the first episode's return")}; seed {o.Seed}");
        text.AppendLine();
        foreach (string note in p.Notes)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  • {note}");
        }
        text.AppendLine();
        text.AppendLine("Equivalent command:");
        text.AppendLine(CultureInfo.InvariantCulture, $"  {TrainCommand.CommandLine(o, p.RewardThreshold)}");
        return text.ToString();
    }

    private static string Environment(Preset p) => p.Options.MaxEpisodeSteps is int steps
        ? $"{p.Options.EnvironmentId}, {steps} steps"
        : p.Options.EnvironmentId;

    private static string Optimizer(TrainerOptions o) => $"{o.Optimizer} {LearningCurve.Number(o.LearningRate)}";

    private static string Weights(TrainerOptions o)
    {
        string returns = o.Returns switch
        {
            ReturnKind.Discounted => $"discounted γ {LearningCurve.Number(o.Gamma)}",
            ReturnKind.RewardToGo => "reward-to-go",
            _ => "episode return",
        };
        string normalization = o.Normalization switch
        {
            Normalization.PerEpisode => ", norm/episode",
            Normalization.PerBatch => ", norm/batch",
            _ => "",
        };
        string entropy = o.EntropyCoefficient > 0 ? $", entropy {LearningCurve.Number(o.EntropyCoefficient)}" : "";
        return $"{returns}{normalization}{entropy}, {o.LossReduction.Name()}";
    }

    private static string Batch(TrainerOptions o) => o.BatchSteps is int steps ? $"≥{steps} steps" : $"{o.BatchEpisodes} episode{(o.BatchEpisodes == 1 ? "" : "s")}";

    private static string Length(TrainerOptions o) => (o.MaxUpdates, o.MaxEpisodes, o.StopWhenSolved) switch
    {
        (int u, _, true) => $"≤{u} updates or solved",
        (int u, _, false) => $"{u} updates",
        (null, long e, true) => $"≤{e} episodes or solved",
        (null, long e, false) => $"{e} episodes",
        _ => "until solved",
    };
}
