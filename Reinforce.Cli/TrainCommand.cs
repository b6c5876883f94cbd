using System.Diagnostics;
using System.Globalization;
using Reinforce.Checkpoints;
using Reinforce.Environments;
using Reinforce.NeuralNetworks;
using Reinforce.Policies;
using Reinforce.Returns;
using Reinforce.Text;
using Reinforce.Training;

namespace Reinforce.Cli;

/// <summary>Evaluation during training: every <paramref name="Interval"/> updates, <paramref name="Episodes"/> episodes on the evaluation seeds.</summary>
internal sealed record EvaluationSettings(int Interval, int Episodes, bool Greedy)
{
    public const int DefaultEpisodes = 10;

    public string PolicyName => Greedy ? "greedy" : "sample";
}

/// <summary>Everything a training run needs: the trainer options and the CLI's own settings.</summary>
internal sealed record RunSettings(TrainerOptions Options, string PresetName, double? RewardThreshold, int LogInterval, int CheckpointInterval,
    EvaluationSettings? Evaluation = null)
{
    public double Threshold => RunFolder.Threshold(Options, RewardThreshold);

    /// <summary>
    /// Whether --log-interval was given. At a terminal a line is then kept every <see cref="LogInterval"/> updates;
    /// without the flag, every <see cref="ProgressDisplay.KeptLineEvery"/> (piped, every LogInterval updates either way).
    /// </summary>
    public bool LogIntervalGiven { get; init; }

    /// <summary>A factory for the trainer's environment when the threshold is overridden.</summary>
    public Func<IEnvironment>? EnvironmentFactory => RewardThreshold is double threshold
        ? () => new ThresholdEnvironment(CartPole.Create(Options.EnvironmentId, Options.Integrator, Options.SuttonBartoReward, Options.MaxEpisodeSteps), threshold)
        : null;
}

/// <summary><c>reinforce train</c>: trains, writes the run folder, prints the result.</summary>
internal static class TrainCommand
{
    public const string Description = "Train a REINFORCE policy on CartPole and write a run folder.";

    public const int DefaultLogInterval = 10;
    public const int DefaultCheckpointInterval = 100;

    /// <summary>
    /// The flags, each option flag's displayed default taken from the configuration a run without flags resolves (the
    /// default preset's options, <see cref="ResolvedDefault"/>), so that the help cannot say another value than the run uses.
    /// </summary>
    public static IReadOnlyList<Flag> Flags { get; } = WithResolvedDefaults(
    [
        new("--preset", "NAME", $"start from a preset: {string.Join(", ", Preset.Names)} (see reinforce presets)", Preset.DefaultName, "Configuration"),
        new("--config", "FILE", "start from a run's config.json (to rerun it); flags still override", null, "Configuration"),
        new("--resume", "DIR", "continue the run in DIR from its checkpoint (same weights as an uninterrupted run)", null, "Configuration"),

        new("--env", "ID", "CartPole-v1 (500 steps, solved at 475) or CartPole-v0 (200 steps, solved at 195)", "CartPole-v1", "Environment"),
        new("--max-steps", "N", "time limit of an episode in steps, overriding the environment's", "the env's", "Environment"),
        new("--integrator", "NAME", "euler or semi-implicit-euler", "euler", "Environment"),
        new("--sutton-barto-reward", null, "reward 0 per step and −1 on failure instead of +1 per step", "off", "Environment"),
        new("--reward-threshold", "R", "running reward that counts as solved, overriding the environment's", "the env's", "Environment"),

        new("--hidden", "SIZES", "hidden layer sizes, comma-separated (e.g. 64,64); none for a linear policy", "128", "Policy"),
        new("--activation", "NAME", Display.OneOf(Activation.HiddenNames), "relu", "Policy"),
        new("--dropout", "P", "dropout probability in [0, 1) after each hidden layer, before its activation, in training only (reinforce.py: 0.6)", "0", "Policy"),
        new("--head", "NAME", "categorical (softmax over 2 logits) or bernoulli (one sigmoid output)", "categorical", "Policy"),
        new("--init", "NAME", "pytorch (nn.Linear default) or glorot (Keras default)", "pytorch", "Policy"),

        new("--optimizer", "NAME", Display.OneOf(Optimizers.Optimizer.Names), "adam", "Optimization"),
        new("--lr", "RATE", "learning rate, a finite number > 0", "0.01", "Optimization"),
        new("--gamma", "G", "discount factor in [0, 1] of --returns discounted (reward-to-go and episode are undiscounted: γ unused)", "0.99", "Optimization"),
        new("--returns", "KIND", "discounted (Σ γᵏ·r from t on), reward-to-go (Σ r from t on) or episode (whole-episode return)", "reward-to-go", "Optimization"),
        new("--normalize", "HOW", "none, episode or batch: standardise the weights (w − mean)/(std + ε)", "batch", "Optimization"),
        new("--normalize-eps", "EPS", "ε of the normalisation", "1.1920929e-07", "Optimization"),
        new("--baseline", null, "subtract the batch's mean return before normalising", "off", "Optimization"),
        new("--entropy-coef", "BETA", "entropy bonus coefficient ≥ 0", "0", "Optimization"),
        new("--loss", "HOW", "mean or sum of the per-step terms", "mean", "Optimization"),

        new("--batch-episodes", "N", "episodes per update", "4", "Run length"),
        new("--batch-steps", "N", "instead: at least N steps per update (finishing the last episode)", "off", "Run length"),
        new("--max-episodes", "N", "stop after N episodes", "none", "Run length"),
        new("--max-updates", "N", "stop after N updates", "none", "Run length"),
        new("--stop-when-solved", null, "stop once the run is solved (--no-stop-when-solved to keep going; the first solved episode is still reported)", "on", "Run length"),
        new("--solved-by", "RULE", "running (the running reward beats the threshold) or mean100 (Gymnasium's: the mean return of the last 100 episodes reaches it)", "running", "Run length"),
        new("--running-reward-weight", "W", "running reward r ← (1 − W)·r + W·return after each episode, W in (0, 1]", "0.05", "Run length"),
        new("--running-reward-start", "R", "running reward before the first episode, or 'first': start at the first episode's return", "first", "Run length"),
        new("--seed", "N", "run seed: initial weights and every episode derive from it", "0", "Run length"),
        new("--threads", "N", "workers collecting a batch's episodes (the result does not depend on it); auto = one per core", "1", "Run length"),
        new("--execution", "MODE", "reference (the plain scalar reference, one thread), fast (the fast engine, every choice fixed) or auto (the fast engine, choosing by timing): the same numbers bit for bit; only the time differs", "auto", "Run length"),

        new("--eval-interval", "N", "every N updates, play --eval-episodes episodes on evaluation seeds (never the training streams) into eval.csv, and keep the best evaluated policy as best.safetensors (without it: the best by the mean of the last 100 training returns)", "off", "Evaluation"),
        new("--eval-episodes", "K", "episodes per evaluation", "10", "Evaluation"),
        new("--eval-policy", "MODE", "greedy (most probable action) or sample (draw from π)", "greedy", "Evaluation"),

        new("--out", "DIR", "run folder (written as DIR.partial, renamed when the run ends)", "runs/<preset>-<env>-s<seed>-<time>", "Output"),
        new("--force", null, "replace an existing run folder (only a run folder, and only when the new run ends)", "off", "Output"),
        new("--checkpoint-interval", "N", "write checkpoint.safetensors every N updates (and at the end, and on Ctrl-C)", "100", "Output"),
        new("--log-interval", "N", "print a progress line to stderr every N updates (at a terminal, keep one above the status line every N updates; without the flag, every 5 s there)", "10", "Output"),
        new("--quiet", null, "no progress lines", "off", "Output"),
        JsonResult.Flag("Output"),
    ]);

    private static Flag[] WithResolvedDefaults(Flag[] flags)
    {
        TrainerOptions resolved = Preset.Find(Preset.DefaultName)!.Options;
        return [.. flags.Select(f => ResolvedDefault(f.Name, resolved) is string value ? f with { Default = value } : f)];
    }

    /// <summary>
    /// How <paramref name="flag"/> names the value of <paramref name="o"/> it sets (switches: on or off; an unset limit:
    /// none or off), or null for a flag that sets no trainer option (output, evaluation, the environment's own limits).
    /// </summary>
    internal static string? ResolvedDefault(string flag, TrainerOptions o) => flag switch
    {
        "--env" => o.EnvironmentId,
        "--integrator" => o.Integrator.Name(),
        "--sutton-barto-reward" => OnOff(o.SuttonBartoReward),
        "--hidden" => o.HiddenSizes.Count == 0 ? "none" : string.Join(",", o.HiddenSizes),
        "--activation" => o.HiddenActivation.Name,
        "--dropout" => D(o.Dropout),
        "--head" => o.Head,
        "--init" => o.Initialization.Name(),
        "--optimizer" => o.Optimizer,
        "--lr" => D(o.LearningRate),
        "--gamma" => D(o.Gamma),
        "--returns" => o.Returns.Name(),
        "--normalize" => o.Normalization.Name(),
        // Every digit of the double: float32's machine epsilon, 2⁻²³, is 1.1920928955078125e-07 (a shorter form parses to another double).
        "--normalize-eps" => D(o.NormalizationEpsilon).Replace("E", "e", StringComparison.Ordinal),
        "--baseline" => OnOff(o.Baseline),
        "--entropy-coef" => D(o.EntropyCoefficient),
        "--loss" => o.LossReduction.Name(),
        "--batch-episodes" => I(o.BatchEpisodes),
        "--batch-steps" => o.BatchSteps is int steps ? I(steps) : "off",
        "--max-episodes" => o.MaxEpisodes is long episodes ? I(episodes) : "none",
        "--max-updates" => o.MaxUpdates is int updates ? I(updates) : "none",
        "--stop-when-solved" => OnOff(o.StopWhenSolved),
        "--solved-by" => o.SolvedBy.Name(),
        "--running-reward-weight" => D(o.RunningRewardWeight),
        "--running-reward-start" => o.RunningRewardStart is double start ? D(start) : "first",
        "--seed" => o.Seed.ToString(CultureInfo.InvariantCulture),
        "--threads" => I(o.Threads),
        "--execution" => o.Execution.Name(),
        _ => null,
    };

    private static string OnOff(bool value) => value ? "on" : "off";

    /// <summary>Flags that may change when resuming: they do not change what the run computes.</summary>
    private static readonly HashSet<string> ResumeFlags = ["--resume", "--max-episodes", "--max-updates", "--stop-when-solved", "--threads",
        "--execution", "--checkpoint-interval", "--log-interval", "--quiet", "--force", "--eval-interval", "--eval-episodes", "--eval-policy", "--json"];

    /// <summary>The flag that sets each trainer option a configuration may leave without effect.</summary>
    internal static readonly Dictionary<string, string> FlagOfOption = new()
    {
        [nameof(TrainerOptions.Gamma)] = "--gamma",
        [nameof(TrainerOptions.NormalizationEpsilon)] = "--normalize-eps",
        [nameof(TrainerOptions.Baseline)] = "--baseline",
        [nameof(TrainerOptions.HiddenActivation)] = "--activation",
        [nameof(TrainerOptions.Dropout)] = "--dropout",
        [nameof(TrainerOptions.Threads)] = "--threads",
    };

    /// <summary>The statuses a checkpoint of this tool records in <c>cli.status</c>.</summary>
    private static readonly string[] Statuses = ["running", "solved", "finished", "interrupted", "diverged"];

    public static int Run(ParsedArguments args, CliContext context)
    {
        bool quiet = args.Switch("--quiet") ?? false;
        bool force = args.Switch("--force") ?? false;
        int logInterval = (int)(args.Integer("--log-interval", 1) ?? DefaultLogInterval);
        int checkpointInterval = (int)(args.Integer("--checkpoint-interval", 1) ?? DefaultCheckpointInterval);
        if (quiet && args.Has("--log-interval"))
        {
            Warn(context, "--log-interval has no effect with --quiet (no progress lines)");
        }

        if (args.String("--resume") is string resume)
        {
            if (args.Given.FirstOrDefault(f => !ResumeFlags.Contains(f)) is string fixedFlag)
            {
                throw new UsageException($"{fixedFlag} cannot change when resuming: the run continues its saved configuration (allowed with --resume: {string.Join(", ", ResumeFlags.Where(f => f != "--resume").Order())})");
            }
            // Everything is read and checked before the folder is taken; then read again under its lock.
            RunFolderWriter.ResumeTarget target = RunFolderWriter.CheckResume(resume, force);
            // The checkpoint, its metadata and the best policy it records (best.safetensors beside it), all checked.
            TrainingCheckpoint LoadChecked(string path)
            {
                TrainingCheckpoint loaded = LoadCheckpoint(path, "--resume");
                bool evaluating = ResumeSettings(args, loaded, logInterval, checkpointInterval).Settings.Evaluation is not null;
                TrainingMeanBest.Resume(loaded, Path.GetDirectoryName(path) ?? ".", evaluating, out _);
                return loaded;
            }
            LoadChecked(target.CheckpointPath);
            using RunFolderWriter resumed = RunFolderWriter.StartResume(target, force, LoadChecked, out TrainingCheckpoint checkpoint);
            var (settings, wallOffset) = ResumeSettings(args, checkpoint, logInterval, checkpointInterval);
            WarnIneffective(args, settings, context);
            if (resumed.TakenOverFrom is string previous && !quiet)
            {
                context.Error.WriteLine(context.ErrorStyle.Dim($"Taking over {resumed.WorkFolder}, last written by {previous} (no longer running)."));
            }
            return new TrainingRun(settings with { LogIntervalGiven = args.Has("--log-interval") }, checkpoint, resumed, wallOffset, quiet, context).Execute();
        }

        RunSettings fresh = Resolve(args) with
        {
            LogInterval = logInterval,
            LogIntervalGiven = args.Has("--log-interval"),
            CheckpointInterval = checkpointInterval,
            Evaluation = ResolveEvaluation(args, null, context),
        };
        string? final = args.String("--out") is string outPath ? RunFolderWriter.CheckNewRun(outPath, force) : null;
        WarnIneffective(args, fresh, context);
        using RunFolderWriter writer = final is not null
            ? RunFolderWriter.StartNew(final, force)
            : RunFolderWriter.StartNewNamed(() => DefaultOutFolder(fresh));
        return new TrainingRun(fresh, null, writer, 0, quiet, context).Execute();
    }

    /// <summary>
    /// The settings of a resumed run: the checkpoint's options (through the same validation as flags) with the
    /// run-length flags applied, and the CLI's metadata read as strictly as a flag.
    /// </summary>
    private static (RunSettings Settings, double WallOffset) ResumeSettings(ParsedArguments args, TrainingCheckpoint checkpoint, int logInterval, int checkpointInterval)
    {
        string Meta(string key) => checkpoint.Extra.GetValueOrDefault(key) ?? "";
        UsageException Bad(string key, string expected) =>
            new($"--resume: the checkpoint's {key} metadata {Display.Quote(Meta(key), 40)} is not accepted; expected {expected}");
        double? threshold = null;
        if (Meta("cli.reward_threshold").Length > 0)
        {
            threshold = double.TryParse(Meta("cli.reward_threshold"), NumberStyles.Float, CultureInfo.InvariantCulture, out double t) && double.IsFinite(t)
                ? t
                : throw Bad("cli.reward_threshold", "a finite number, or empty for the environment's");
        }
        double wallOffset = 0;
        if (Meta("cli.wall_seconds").Length > 0)
        {
            wallOffset = double.TryParse(Meta("cli.wall_seconds"), NumberStyles.Float, CultureInfo.InvariantCulture, out double w) && double.IsFinite(w) && w >= 0
                ? w
                : throw Bad("cli.wall_seconds", "a finite number ≥ 0");
        }
        string preset = checkpoint.Extra.GetValueOrDefault("cli.preset") ?? "custom";
        if (preset != "custom" && Preset.Find(preset)?.Name != preset)
        {
            throw Bad("cli.preset", $"a preset name ({string.Join(", ", Preset.Names)}) or custom");
        }
        if (checkpoint.Extra.TryGetValue("cli.status", out string? status) && !Statuses.Contains(status))
        {
            throw Bad("cli.status", string.Join(", ", Statuses));
        }
        EvaluationSettings? saved = null;
        if (Meta("cli.eval_interval").Length > 0)
        {
            saved = int.TryParse(Meta("cli.eval_interval"), NumberStyles.None, CultureInfo.InvariantCulture, out int interval) && interval >= 1
                && int.TryParse(Meta("cli.eval_episodes"), NumberStyles.None, CultureInfo.InvariantCulture, out int episodes) && episodes is >= 1 and <= MaxEvalEpisodes
                && Meta("cli.eval_policy") is "greedy" or "sample"
                ? new EvaluationSettings(interval, episodes, Meta("cli.eval_policy") == "greedy")
                : throw Bad("cli.eval_interval", $"an evaluation every N ≥ 1 updates of 1 to {MaxEvalEpisodes} greedy or sample episodes (cli.eval_interval, cli.eval_episodes, cli.eval_policy)");
        }
        var options = ApplyRunLength(args, checkpoint.Options);
        return (new RunSettings(Validated(options), preset, threshold, logInterval, checkpointInterval, ResolveEvaluation(args, saved, NullContext)), wallOffset);
    }

    /// <summary>The most episodes one evaluation plays.</summary>
    public const int MaxEvalEpisodes = 100_000;

    private static readonly CliContext NullContext = new(TextWriter.Null, TextWriter.Null, CancellationToken.None, Style.None, Style.None);

    /// <summary>--eval-interval, --eval-episodes, --eval-policy over the saved settings (resume) or none.</summary>
    private static EvaluationSettings? ResolveEvaluation(ParsedArguments args, EvaluationSettings? saved, CliContext context)
    {
        int? interval = args.Integer("--eval-interval", 1) is long i ? (int)i : saved?.Interval;
        int episodes = args.Integer("--eval-episodes", 1, MaxEvalEpisodes) is long k ? (int)k : saved?.Episodes ?? EvaluationSettings.DefaultEpisodes;
        bool greedy = args.Choice("--eval-policy", ["greedy", "sample"]) is string policy ? policy == "greedy" : saved?.Greedy ?? true;
        if (interval is null)
        {
            foreach (string flag in new[] { "--eval-episodes", "--eval-policy" }.Where(args.Has))
            {
                Warn(context, $"{flag} has no effect without --eval-interval (no evaluation during training)");
            }
            return null;
        }
        return new EvaluationSettings(interval.Value, episodes, greedy);
    }

    /// <summary>One warning line per flag given on the command line that the resolved configuration does not use; the run goes on.</summary>
    private static void WarnIneffective(ParsedArguments args, RunSettings settings, CliContext context)
    {
        foreach (string warning in IneffectiveFlags(args, settings.Options))
        {
            Warn(context, warning);
        }
    }

    /// <summary>"--flag has no effect here: reason" for each flag given that <paramref name="options"/> do not use.</summary>
    internal static IEnumerable<string> IneffectiveFlags(ParsedArguments args, TrainerOptions options) =>
        options.IneffectiveOptions()
            .Where(o => FlagOfOption.TryGetValue(o.Option, out string? flag) && args.Has(flag) && args.Raw(flag) != "false")
            .Select(o => $"{FlagOfOption[o.Option]} has no effect here: {o.Reason}");

    private static void Warn(CliContext context, string message) =>
        context.Error.WriteLine($"reinforce train: {context.ErrorStyle.Yellow("warning:")} {message}");

    /// <summary>Defaults ← preset or config file ← flags; every value checked, errors name the flag.</summary>
    public static RunSettings Resolve(ParsedArguments args)
    {
        if (args.Has("--preset") && args.Has("--config"))
        {
            throw new UsageException("--preset and --config both set the whole configuration; give one of them");
        }
        string presetName = args.Choice("--preset", Preset.Names) ?? Preset.DefaultName;
        Preset preset = Preset.Find(presetName)!;
        TrainerOptions options = preset.Options;
        double? threshold = preset.RewardThreshold;
        if (args.String("--config") is string configPath)
        {
            (options, threshold, string? configPreset) = RunFolder.ReadConfig(configPath, Preset.Default.Options, "--config");
            presetName = configPreset is not null && Preset.Find(configPreset)?.Name == configPreset ? configPreset : "custom";
        }

        if (args.Choice("--env", [CartPole.V1Id, CartPole.V0Id]) is string env)
        {
            options = options with { EnvironmentId = env };
        }
        if (args.Integer("--max-steps", 1) is long maxSteps)
        {
            options = options with { MaxEpisodeSteps = (int)maxSteps };
        }
        if (args.Choice("--integrator", TrainerOptionsJson.IntegratorNames) is string integrator)
        {
            options = options with { Integrator = TrainerOptionsJson.ParseIntegrator(integrator) };
        }
        if (args.Switch("--sutton-barto-reward") is bool suttonBarto)
        {
            options = options with { SuttonBartoReward = suttonBarto };
        }
        if (args.Has("--reward-threshold"))
        {
            threshold = args.Number("--reward-threshold", double.MinValue, double.MaxValue, accepted: "a finite number");
        }
        if (args.String("--hidden") is string hidden)
        {
            options = options with { HiddenSizes = ParseHidden(hidden) };
        }
        if (args.Choice("--activation", Activation.HiddenNames) is string activation)
        {
            options = options with { HiddenActivation = Activation.Parse(activation) };
        }
        if (args.Number("--dropout", 0, 1, accepted: "a number in [0, 1)") is double dropout)
        {
            if (dropout >= 1)
            {
                throw new UsageException($"--dropout {Display.Quote(args.Raw("--dropout"))} is out of range; expected a number in [0, 1)");
            }
            options = options with { Dropout = dropout };
        }
        if (args.Choice("--head", PolicyHead.Names) is string head)
        {
            options = options with { Head = head };
        }
        if (args.Choice("--init", WeightInitializationExtensions.Names) is string init)
        {
            options = options with { Initialization = WeightInitializationExtensions.Parse(init) };
        }
        if (args.Choice("--optimizer", Optimizers.Optimizer.Names) is string optimizer)
        {
            options = options with { Optimizer = optimizer };
        }
        if (args.Number("--lr", 0, double.MaxValue, minExclusive: true, single: true) is double lr)
        {
            options = options with { LearningRate = lr };
        }
        if (args.Number("--gamma", 0, 1) is double gamma)
        {
            options = options with { Gamma = gamma };
        }
        if (args.Choice("--returns", ReturnCalculator.KindNames) is string returns)
        {
            options = options with { Returns = ReturnCalculator.ParseKind(returns) };
        }
        if (args.Choice("--normalize", ReturnCalculator.NormalizationNames) is string normalize)
        {
            options = options with { Normalization = ReturnCalculator.ParseNormalization(normalize) };
        }
        if (args.Number("--normalize-eps", 0, double.MaxValue, minExclusive: true) is double epsilon)
        {
            options = options with { NormalizationEpsilon = epsilon };
        }
        if (args.Switch("--baseline") is bool baseline)
        {
            options = options with { Baseline = baseline };
        }
        if (args.Number("--entropy-coef", 0, double.MaxValue, single: true) is double entropy)
        {
            options = options with { EntropyCoefficient = entropy };
        }
        if (args.Choice("--loss", ["mean", "sum"]) is string loss)
        {
            options = options with { LossReduction = TrainerOptionsJson.ParseLossReduction(loss) };
        }
        if (args.Has("--batch-episodes") && args.Has("--batch-steps"))
        {
            throw new UsageException("--batch-episodes and --batch-steps both size the batch; give one of them");
        }
        if (args.Integer("--batch-episodes", 1) is long batchEpisodes)
        {
            options = options with { BatchEpisodes = (int)batchEpisodes, BatchSteps = null };
        }
        if (args.Integer("--batch-steps", 1, TrainerOptions.MaxBatchSteps) is long batchSteps)
        {
            options = options with { BatchSteps = (int)batchSteps };
        }
        if (args.Choice("--solved-by", TrainerOptionsJson.SolvedCriterionNames) is string solvedBy)
        {
            options = options with { SolvedBy = TrainerOptionsJson.ParseSolvedCriterion(solvedBy) };
        }
        if (args.Number("--running-reward-weight", 0, 1, minExclusive: true, accepted: "a number in (0, 1]") is double weight)
        {
            options = options with { RunningRewardWeight = weight };
        }
        if (args.Raw("--running-reward-start") == "first")
        {
            options = options with { RunningRewardStart = null };
        }
        else if (args.Number("--running-reward-start", double.MinValue, double.MaxValue, accepted: "a finite number, or 'first'") is double start)
        {
            options = options with { RunningRewardStart = start };
        }
        if (args.UnsignedInteger("--seed") is ulong seed)
        {
            options = options with { Seed = seed };
        }
        options = ApplyRunLength(args, options);
        return new RunSettings(Validated(options), presetName, threshold, DefaultLogInterval, DefaultCheckpointInterval);
    }

    /// <summary>
    /// The flags that only decide how long the run goes and how it is computed, not what it computes: with
    /// <c>--resume</c> they override the checkpoint's values (--threads and --execution change only the time).
    /// </summary>
    private static TrainerOptions ApplyRunLength(ParsedArguments args, TrainerOptions options)
    {
        if (args.Integer("--max-episodes", 1, long.MaxValue) is long maxEpisodes)
        {
            options = options with { MaxEpisodes = maxEpisodes };
        }
        if (args.Integer("--max-updates", 1) is long maxUpdates)
        {
            options = options with { MaxUpdates = (int)maxUpdates };
        }
        if (args.Switch("--stop-when-solved") is bool stop)
        {
            options = options with { StopWhenSolved = stop };
        }
        if (args.String("--threads") is string threads)
        {
            options = options with
            {
                Threads = threads == "auto" ? Math.Min(Environment.ProcessorCount, TrainerOptions.MaxThreads) : (int)args.Integer("--threads", 1, TrainerOptions.MaxThreads)!.Value,
            };
        }
        if (args.Choice("--execution", TrainerOptionsJson.ExecutionModeNames) is string execution)
        {
            options = options with { Execution = TrainerOptionsJson.ParseExecutionMode(execution) };
        }
        return options;
    }

    private static IReadOnlyList<int> ParseHidden(string text)
    {
        const string accepted = "expected sizes in [1, 65536], comma-separated (e.g. 128 or 64,64), or none for a linear policy";
        if (text.Trim() == "none")
        {
            return [];
        }
        if (text.Trim().Length == 0)
        {
            throw new UsageException($"--hidden {Display.Quote(text)} is empty; {accepted}");
        }
        var sizes = new List<int>();
        foreach (string part in text.Split(','))
        {
            if (!int.TryParse(part.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int size) || size < 1 || size > TrainerOptions.MaxHiddenSize)
            {
                throw new UsageException($"--hidden {Display.Quote(text)} is not accepted: {Display.Quote(part.Trim(), 20)} is not a layer size; {accepted}");
            }
            sizes.Add(size);
        }
        if (sizes.Count > TrainerOptions.MaxHiddenLayers)
        {
            throw new UsageException($"--hidden {Display.Quote(text)} has {sizes.Count} layers; at most {TrainerOptions.MaxHiddenLayers} are accepted");
        }
        return sizes;
    }

    // Core's own check, as a backstop: report the flag that sets the offending option.
    private static TrainerOptions Validated(TrainerOptions options)
    {
        try
        {
            options.Validate();
            return options;
        }
        catch (ArgumentException e)
        {
            throw new UsageException(Display.MessageOf(e));
        }
    }

    /// <summary>runs/PRESET-ENV-sSEED-TIME, e.g. runs/default-CartPole-v1-s0-20251121-131600.</summary>
    internal static string DefaultOutFolder(RunSettings settings)
    {
        string stamp = DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        string name = $"{settings.PresetName}-{settings.Options.EnvironmentId}-s{settings.Options.Seed}-{stamp}";
        string folder = Path.Combine("runs", name);
        for (int i = 2; Directory.Exists(folder) || Directory.Exists(folder + RunFolder.PartialSuffix); i++)
        {
            folder = Path.Combine("runs", $"{name}-{i}");
        }
        return folder;
    }

    /// <summary>
    /// Loads a checkpoint; a missing, truncated or malformed file is bad input (exit 2). The error
    /// names the flag and the path (<paramref name="flag"/> is empty for a positional argument).
    /// </summary>
    public static TrainingCheckpoint LoadCheckpoint(string path, string flag)
    {
        const string expected = "expected a checkpoint.safetensors written by reinforce train";
        PathArguments.NonEmpty(flag, path, expected);
        string what = PathArguments.Label(flag, path);
        try
        {
            return TrainingCheckpoint.Load(path);
        }
        catch (FileNotFoundException)
        {
            throw new UsageException($"{what}: no such file; {expected}");
        }
        catch (DirectoryNotFoundException)
        {
            throw new UsageException($"{what}: no such folder; {expected}");
        }
        catch (FormatException e)
        {
            // The message starts with the quoted path: "'x.safetensors': has a header that …".
            throw new UsageException($"{(flag.Length == 0 ? "" : flag + " ")}{e.Message} Expected a checkpoint.safetensors written by reinforce train");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{what}: cannot read the file ({PathArguments.Reason(e)}); {expected}");
        }
    }

    /// <summary>The full command line that reproduces a configuration (every option spelled out).</summary>
    public static string CommandLine(TrainerOptions o, double? threshold)
    {
        var parts = new List<string> { "reinforce", "train", "--env", o.EnvironmentId };
        if (o.MaxEpisodeSteps is int maxSteps)
        {
            parts.AddRange(["--max-steps", I(maxSteps)]);
        }
        if (o.Integrator != CartPoleIntegrator.Euler)
        {
            parts.AddRange(["--integrator", o.Integrator.Name()]);
        }
        if (o.SuttonBartoReward)
        {
            parts.Add("--sutton-barto-reward");
        }
        if (threshold is double t)
        {
            parts.AddRange(["--reward-threshold", D(t)]);
        }
        // Only the values that change the run: an option the configuration leaves without effect (γ of undiscounted
        // returns, a linear policy's activation, …) is left out, as `reinforce presets` shows it.
        var ineffective = o.IneffectiveOptions().Select(i => i.Option).ToHashSet();
        parts.AddRange(["--hidden", o.HiddenSizes.Count == 0 ? "none" : string.Join(",", o.HiddenSizes)]);
        if (!ineffective.Contains(nameof(TrainerOptions.HiddenActivation)))
        {
            parts.AddRange(["--activation", o.HiddenActivation.Name]);
        }
        if (o.Dropout > 0 && !ineffective.Contains(nameof(TrainerOptions.Dropout)))
        {
            parts.AddRange(["--dropout", D(o.Dropout)]);
        }
        parts.AddRange(["--head", o.Head, "--init", o.Initialization.Name(), "--optimizer", o.Optimizer, "--lr", D(o.LearningRate)]);
        if (!ineffective.Contains(nameof(TrainerOptions.Gamma)))
        {
            parts.AddRange(["--gamma", D(o.Gamma)]);
        }
        parts.AddRange(["--returns", o.Returns.Name(), "--normalize", o.Normalization.Name()]);
        if (o.NormalizationEpsilon != ReturnCalculator.DefaultEpsilon && !ineffective.Contains(nameof(TrainerOptions.NormalizationEpsilon)))
        {
            parts.AddRange(["--normalize-eps", D(o.NormalizationEpsilon)]);
        }
        if (o.Baseline && !ineffective.Contains(nameof(TrainerOptions.Baseline)))
        {
            parts.Add("--baseline");
        }
        parts.AddRange(["--entropy-coef", D(o.EntropyCoefficient), "--loss", o.LossReduction.Name()]);
        parts.AddRange(o.BatchSteps is int steps ? ["--batch-steps", I(steps)] : ["--batch-episodes", I(o.BatchEpisodes)]);
        if (o.MaxEpisodes is long maxEpisodes)
        {
            parts.AddRange(["--max-episodes", I(maxEpisodes)]);
        }
        if (o.MaxUpdates is int maxUpdates)
        {
            parts.AddRange(["--max-updates", I(maxUpdates)]);
        }
        if (!o.StopWhenSolved)
        {
            parts.Add("--no-stop-when-solved");
        }
        if (o.SolvedBy != SolvedCriterion.RunningReward)
        {
            parts.AddRange(["--solved-by", o.SolvedBy.Name()]);
        }
        parts.AddRange(["--running-reward-weight", D(o.RunningRewardWeight), "--running-reward-start", o.RunningRewardStart is double start ? D(start) : "first",
            "--seed", o.Seed.ToString(CultureInfo.InvariantCulture)]);
        return string.Join(' ', parts);
    }

    private static string I(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string D(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
