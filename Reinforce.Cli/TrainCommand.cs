using System.Diagnostics;
using System.Globalization;
using Reinforce.Checkpoints;
using Reinforce.Environments;
using Reinforce.NeuralNetworks;
using Reinforce.Policies;
using Reinforce.Returns;
using Reinforce.Training;

namespace Reinforce.Cli;

/// <summary>Everything a training run needs: the trainer options and the CLI's own settings.</summary>
internal sealed record RunSettings(TrainerOptions Options, string PresetName, double? RewardThreshold, int LogInterval, int CheckpointInterval)
{
    public double Threshold => RunFolder.Threshold(Options, RewardThreshold);

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

    public static IReadOnlyList<Flag> Flags { get; } =
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
        new("--activation", "NAME", "relu, tanh, leaky-relu or elu", "relu", "Policy"),
        new("--dropout", "P", "dropout probability in [0, 1) after each hidden layer, before its activation, in training only (reinforce.py: 0.6)", "0", "Policy"),
        new("--head", "NAME", "categorical (softmax over 2 logits) or bernoulli (one sigmoid output)", "categorical", "Policy"),
        new("--init", "NAME", "pytorch (nn.Linear default) or glorot (Keras default)", "pytorch", "Policy"),

        new("--optimizer", "NAME", "adam or sgd", "adam", "Optimization"),
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
        new("--stop-when-solved", null, "stop once the running reward beats the reward threshold (--no-stop-when-solved to keep going)", "on", "Run length"),
        new("--running-reward-weight", "W", "running reward r ← (1 − W)·r + W·return after each episode, W in (0, 1]", "0.05", "Run length"),
        new("--running-reward-start", "R", "running reward before the first episode", "10", "Run length"),
        new("--seed", "N", "run seed: initial weights and every episode derive from it", "0", "Run length"),
        new("--threads", "N", "workers collecting a batch's episodes (the result does not depend on it); auto = one per core", "1", "Run length"),

        new("--out", "DIR", "run folder (written as DIR.partial, renamed when the run ends)", "runs/<preset>-<time>", "Output"),
        new("--force", null, "replace an existing run folder", "off", "Output"),
        new("--checkpoint-interval", "N", "write checkpoint.safetensors every N updates (and at the end, and on Ctrl-C)", "100", "Output"),
        new("--log-interval", "N", "print a progress line to stderr every N updates", "10", "Output"),
        new("--quiet", null, "no progress lines", "off", "Output"),
    ];

    /// <summary>Flags that may change when resuming: they do not change what the run computes.</summary>
    private static readonly HashSet<string> ResumeFlags = ["--resume", "--max-episodes", "--max-updates", "--stop-when-solved", "--threads",
        "--checkpoint-interval", "--log-interval", "--quiet"];

    public static int Run(ParsedArguments args, CliContext context)
    {
        bool quiet = args.Switch("--quiet") ?? false;
        int logInterval = (int)(args.Integer("--log-interval", 1) ?? DefaultLogInterval);
        int checkpointInterval = (int)(args.Integer("--checkpoint-interval", 1) ?? DefaultCheckpointInterval);

        RunSettings settings;
        TrainingCheckpoint? checkpoint = null;
        string finalFolder, workFolder;
        double wallOffset = 0;
        if (args.String("--resume") is string resume)
        {
            if (args.Given.FirstOrDefault(f => !ResumeFlags.Contains(f)) is string fixedFlag)
            {
                throw new UsageException($"{fixedFlag} cannot change when resuming: the run continues its saved configuration (allowed with --resume: {string.Join(", ", ResumeFlags.Where(f => f != "--resume").Order())})");
            }
            (string found, workFolder, finalFolder) = ResumeFolders(resume);
            checkpoint = LoadCheckpoint(Path.Combine(found, RunFolder.CheckpointFile), "--resume");
            double? threshold = checkpoint.Extra.TryGetValue("cli.reward_threshold", out string? t) && t.Length > 0
                ? double.Parse(t, CultureInfo.InvariantCulture)
                : null;
            wallOffset = checkpoint.Extra.TryGetValue("cli.wall_seconds", out string? w) && double.TryParse(w, CultureInfo.InvariantCulture, out double seconds) ? seconds : 0;
            string preset = checkpoint.Extra.GetValueOrDefault("cli.preset") ?? "custom";
            var options = ApplyRunLength(args, checkpoint.Options);
            settings = new RunSettings(Validated(options), preset, threshold, logInterval, checkpointInterval);
        }
        else
        {
            settings = Resolve(args) with { LogInterval = logInterval, CheckpointInterval = checkpointInterval };
            finalFolder = args.String("--out") ?? DefaultOutFolder(settings.PresetName);
            workFolder = finalFolder + RunFolder.PartialSuffix;
            PrepareNewFolder(finalFolder, workFolder, args.Switch("--force") ?? false);
        }

        return new TrainingRun(settings, checkpoint, finalFolder, workFolder, wallOffset, quiet, context).Execute();
    }

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
            if (!File.Exists(configPath))
            {
                throw new UsageException($"--config {configPath}: no such file; expected a run's config.json");
            }
            (options, threshold, string? configPreset) = RunFolder.ReadConfig(configPath, Preset.Default.Options, "--config");
            presetName = configPreset ?? "custom";
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
        if (args.Choice("--activation", ["relu", "tanh", "leaky-relu", "elu"]) is string activation)
        {
            options = options with { HiddenActivation = Activation.Parse(activation) };
        }
        if (args.Number("--dropout", 0, 1, accepted: "a number in [0, 1)") is double dropout)
        {
            if (dropout >= 1)
            {
                throw new UsageException($"--dropout {args.Raw("--dropout")} is out of range; expected a number in [0, 1)");
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
        if (args.Number("--lr", 0, double.MaxValue, minExclusive: true) is double lr)
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
        if (args.Number("--entropy-coef", 0, double.MaxValue) is double entropy)
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
        if (args.Integer("--batch-steps", 1, 10_000_000) is long batchSteps)
        {
            options = options with { BatchSteps = (int)batchSteps };
        }
        if (args.Number("--running-reward-weight", 0, 1, minExclusive: true, accepted: "a number in (0, 1]") is double weight)
        {
            options = options with { RunningRewardWeight = weight };
        }
        if (args.Number("--running-reward-start", double.MinValue, double.MaxValue, accepted: "a finite number") is double start)
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

    /// <summary>The flags that only decide how long the run goes and how it is computed, not what it computes.</summary>
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
                Threads = threads == "auto" ? Environment.ProcessorCount : (int)args.Integer("--threads", 1, 1024)!.Value,
            };
        }
        return options;
    }

    private static IReadOnlyList<int> ParseHidden(string text)
    {
        if (text.Trim() is "none" or "")
        {
            return [];
        }
        var sizes = new List<int>();
        foreach (string part in text.Split(','))
        {
            if (!int.TryParse(part.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int size) || size < 1 || size > 65536)
            {
                throw new UsageException($"--hidden '{text}' is not accepted: '{part.Trim()}' is not a layer size; expected sizes in [1, 65536], comma-separated (e.g. 128 or 64,64), or none");
            }
            sizes.Add(size);
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
            throw new UsageException(e.Message);
        }
    }

    private static string DefaultOutFolder(string preset)
    {
        string stamp = DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        string folder = Path.Combine("runs", $"{preset}-{stamp}");
        for (int i = 2; Directory.Exists(folder) || Directory.Exists(folder + RunFolder.PartialSuffix); i++)
        {
            folder = Path.Combine("runs", $"{preset}-{stamp}-{i}");
        }
        return folder;
    }

    private static void PrepareNewFolder(string finalFolder, string workFolder, bool force)
    {
        if (File.Exists(finalFolder))
        {
            throw new UsageException($"--out {finalFolder}: a file of that name exists; expected a folder path");
        }
        if (Directory.Exists(finalFolder) && Directory.EnumerateFileSystemEntries(finalFolder).Any() && !force)
        {
            throw new UsageException($"--out {finalFolder}: the folder exists and is not empty; pass --force to replace it, or --resume {finalFolder} to continue it");
        }
        if (Directory.Exists(workFolder))
        {
            if (!force)
            {
                throw new UsageException($"--out {finalFolder}: {workFolder} holds an unfinished run; --resume {workFolder} continues it, --force starts over");
            }
            Directory.Delete(workFolder, recursive: true);
        }
    }

    private static (string Found, string Work, string Final) ResumeFolders(string path)
    {
        string folder = path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) ? Path.GetDirectoryName(Path.GetFullPath(path))! : path;
        folder = folder.TrimEnd('/', '\\');
        if (folder.Length == 0)
        {
            throw new UsageException($"--resume '{path}': expected a run folder");
        }
        if (!Directory.Exists(folder) && Directory.Exists(folder + RunFolder.PartialSuffix))
        {
            folder += RunFolder.PartialSuffix;
        }
        if (!File.Exists(Path.Combine(folder, RunFolder.CheckpointFile)))
        {
            throw new UsageException($"--resume {path}: no {RunFolder.CheckpointFile} there; expected a run folder written by reinforce train");
        }
        string final = folder.EndsWith(RunFolder.PartialSuffix, StringComparison.Ordinal) ? folder[..^RunFolder.PartialSuffix.Length] : folder;
        return (folder, final + RunFolder.PartialSuffix, final);
    }

    /// <summary>
    /// Loads a checkpoint; a missing, truncated or malformed file is bad input (exit 2). The error
    /// names the flag and the path (<paramref name="flag"/> is empty for a positional argument).
    /// </summary>
    public static TrainingCheckpoint LoadCheckpoint(string path, string flag)
    {
        string what = flag.Length == 0 ? path : $"{flag} {path}";
        try
        {
            return TrainingCheckpoint.Load(path);
        }
        catch (FileNotFoundException)
        {
            throw new UsageException($"{what}: no such file; expected a checkpoint.safetensors written by reinforce train");
        }
        catch (DirectoryNotFoundException)
        {
            throw new UsageException($"{what}: no such folder; expected a checkpoint.safetensors written by reinforce train");
        }
        catch (UnauthorizedAccessException e)
        {
            throw new UsageException($"{what}: cannot read the file ({e.Message})");
        }
        catch (FormatException e)
        {
            throw new UsageException($"{flag} {e.Message} Expected a checkpoint.safetensors written by reinforce train");
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
        parts.AddRange(["--hidden", o.HiddenSizes.Count == 0 ? "none" : string.Join(",", o.HiddenSizes), "--activation", o.HiddenActivation.Name]);
        if (o.Dropout > 0)
        {
            parts.AddRange(["--dropout", D(o.Dropout)]);
        }
        parts.AddRange(["--head", o.Head, "--init", o.Initialization.Name(), "--optimizer", o.Optimizer, "--lr", D(o.LearningRate), "--gamma", D(o.Gamma),
            "--returns", o.Returns.Name(), "--normalize", o.Normalization.Name()]);
        if (o.NormalizationEpsilon != ReturnCalculator.DefaultEpsilon)
        {
            parts.AddRange(["--normalize-eps", D(o.NormalizationEpsilon)]);
        }
        if (o.Baseline)
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
        parts.AddRange(["--running-reward-weight", D(o.RunningRewardWeight), "--running-reward-start", D(o.RunningRewardStart),
            "--seed", o.Seed.ToString(CultureInfo.InvariantCulture)]);
        return string.Join(' ', parts);
    }

    private static string I(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string D(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
