using System.Globalization;
using Reinforce.Environments;
using Reinforce.NeuralNetworks;
using Reinforce.Policies;
using Reinforce.Randomness;
using Reinforce.Text;
using Reinforce.Training;

namespace Reinforce.Checkpoints;

/// <summary>
/// Everything needed to continue a training run bit for bit, as one safetensors file:
/// <list type="bullet">
/// <item><description>the policy's parameters under their PyTorch <c>nn.Sequential</c> names
/// (<c>0.weight</c> [out, in], <c>0.bias</c>, <c>2.weight</c>, …; with dropout the Sequential is
/// <c>Linear, Dropout, act, …, Linear</c>, so <c>0.weight</c>, <c>3.weight</c>, …), so
/// <c>model.load_state_dict(state, strict=False)</c> loads them unchanged;</description></item>
/// <item><description>the optimizer's per-parameter state as <c>optimizer.{buffer}.{name}</c>
/// (Adam: <c>optimizer.exp_avg.0.weight</c>, <c>optimizer.exp_avg_sq.0.weight</c>, …, PyTorch's
/// names);</description></item>
/// <item><description>in <c>__metadata__</c>: the trainer options as JSON, the optimizer's step
/// count, the progress counters (updates, episodes, steps, running reward), what "solved" needs (the
/// last 100 returns, oldest first, as round-trip decimal text, and the episode at which each criterion
/// was first met: <c>progress.recent_returns</c>, <c>progress.solved_episode.running_reward</c>,
/// <c>progress.solved_episode.mean_of_last_100</c>, "none" when not met) and any entries the
/// application adds.</description></item>
/// </list>
/// Version 1 files (before "solved" was tracked both ways) still load: their options get the default
/// <see cref="TrainerOptions.SolvedBy"/>, and their progress has no solved history
/// (<see cref="TrainingProgress.RecentReturns"/> is null).
/// No generator state needs saving: episode k draws from <c>Pcg64.Derive(seed, k)</c>, so the seed
/// and the episode counter are the generator state (recorded as <c>rng.next_episode_stream</c>).
/// </summary>
public sealed class TrainingCheckpoint
{
    /// <summary>The value of the <c>format</c> metadata entry.</summary>
    public const string Format = "reinforce.training-checkpoint";

    /// <summary>The version of the layout, in the <c>format_version</c> metadata entry (this build also reads version 1).</summary>
    public const int FormatVersion = 2;

    /// <summary>The prefix of optimizer-state tensor names.</summary>
    public const string OptimizerPrefix = "optimizer.";

    private TrainingCheckpoint(TrainerOptions options, TrainingProgress progress, long optimizerSteps,
        IReadOnlyList<SafeTensor> parameters, IReadOnlyList<SafeTensor> optimizerState, IReadOnlyDictionary<string, string> extra)
    {
        Options = options;
        Progress = progress;
        OptimizerSteps = optimizerSteps;
        Parameters = parameters;
        OptimizerState = optimizerState;
        Extra = extra;
    }

    /// <summary>The run's options.</summary>
    public TrainerOptions Options { get; }

    /// <summary>Where the run stood.</summary>
    public TrainingProgress Progress { get; }

    /// <summary>The optimizer's step count (PyTorch's <c>state['step']</c>).</summary>
    public long OptimizerSteps { get; }

    /// <summary>The policy's parameters by PyTorch name, in the parameter buffer's order.</summary>
    public IReadOnlyList<SafeTensor> Parameters { get; }

    /// <summary>The optimizer's state tensors (<c>optimizer.exp_avg.0.weight</c>, …).</summary>
    public IReadOnlyList<SafeTensor> OptimizerState { get; }

    /// <summary>Metadata entries added by the application (kept as they are).</summary>
    public IReadOnlyDictionary<string, string> Extra { get; }

    /// <summary>
    /// Captures a trainer's weights, optimizer state and progress (<see cref="ProgressOf"/>). Pass
    /// <paramref name="progress"/> to record other counters than the trainer's own; its solved history
    /// is then the one it carries (none when its <see cref="TrainingProgress.RecentReturns"/> is null).
    /// </summary>
    public static TrainingCheckpoint Capture(ReinforceTrainer trainer, IReadOnlyDictionary<string, string>? extra = null,
        TrainingProgress? progress = null)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        ParameterBuffer buffer = trainer.Policy.Parameters;
        var parameters = buffer.Tensors
            .Select(t => new SafeTensor(t.Name, t.Shape, ParameterBuffer.View(buffer.Values, t).ToArray()))
            .ToList();
        var state = new List<SafeTensor>();
        foreach (var (name, values) in trainer.Optimizer.StateBuffers)
        {
            state.AddRange(buffer.Tensors.Select(t =>
                new SafeTensor($"{OptimizerPrefix}{name}.{t.Name}", t.Shape, ParameterBuffer.View(values, t).ToArray())));
        }
        var counters = progress ?? ProgressOf(trainer);
        return new TrainingCheckpoint(trainer.Options, counters, trainer.Optimizer.StepCount, parameters, state,
            new Dictionary<string, string>(extra ?? new Dictionary<string, string>(), StringComparer.Ordinal));
    }

    /// <summary>
    /// The same checkpoint with other progress, e.g. a version 1 checkpoint's with the last 100 returns read back from
    /// the run folder's <c>episodes.csv</c>, so that a run stopping on the mean of the last 100 can continue.
    /// </summary>
    public TrainingCheckpoint WithProgress(TrainingProgress progress) =>
        new(Options, progress, OptimizerSteps, Parameters, OptimizerState, Extra);

    /// <summary>A trainer's progress: its counters, its last 100 returns and when each "solved" criterion was first met.</summary>
    public static TrainingProgress ProgressOf(ReinforceTrainer trainer)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        return new TrainingProgress(trainer.UpdatesCompleted, trainer.EpisodesCompleted, trainer.StepsCompleted, trainer.RunningReward)
        {
            RecentReturns = trainer.RecentReturns.ToArray(),
            RunningRewardSolvedAtEpisode = trainer.RunningRewardSolvedAtEpisode,
            MeanOfLast100SolvedAtEpisode = trainer.MeanOfLast100SolvedAtEpisode,
        };
    }

    /// <summary>The checkpoint as a safetensors file.</summary>
    public SafeTensorsFile ToSafeTensors()
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["format"] = Format,
            ["format_version"] = FormatVersion.ToString(CultureInfo.InvariantCulture),
            ["trainer_options"] = TrainerOptionsJson.Serialize(Options, indented: false),
            ["architecture"] = Architecture(Options),
            ["optimizer"] = Options.Optimizer.ToLowerInvariant(),
            ["optimizer.step"] = Text(OptimizerSteps),
            ["progress.updates"] = Text(Progress.UpdatesCompleted),
            ["progress.episodes"] = Text(Progress.EpisodesCompleted),
            ["progress.steps"] = Text(Progress.StepsCompleted),
            ["progress.running_reward"] = Progress.RunningReward.ToString("R", CultureInfo.InvariantCulture),
            ["rng"] = "pcg64: episode k draws from Pcg64.Derive(seed, k)",
            ["rng.next_episode_stream"] = Text(Progress.EpisodesCompleted),
        };
        if (Progress.RecentReturns is double[] recent)
        {
            metadata[RecentReturnsKey] = string.Join(",", recent.Select(r => r.ToString("R", CultureInfo.InvariantCulture)));
            metadata[RunningSolvedKey] = Progress.RunningRewardSolvedAtEpisode is long running ? Text(running) : NotSolved;
            metadata[MeanSolvedKey] = Progress.MeanOfLast100SolvedAtEpisode is long mean ? Text(mean) : NotSolved;
        }
        foreach (var (key, value) in Extra)
        {
            metadata.TryAdd(key, value);
        }
        return new SafeTensorsFile([.. Parameters, .. OptimizerState], metadata);
    }

    /// <summary>Writes the checkpoint atomically (temporary file, flush to disk, rename).</summary>
    public void Save(string path) => SafeTensors.Save(ToSafeTensors(), path);

    /// <summary>
    /// Reads and checks a checkpoint: a valid safetensors file whose metadata has this format, whose
    /// options are valid and whose tensors are exactly those of the network and optimizer the
    /// options describe, with the same shapes.
    /// </summary>
    /// <exception cref="SafeTensorsFormatException">Anything is missing, malformed or does not fit; the message names the file.</exception>
    public static TrainingCheckpoint Load(string path)
    {
        SafeTensorsFile file = SafeTensors.Load(path);
        return FromSafeTensors(file, Display.Quote(path));
    }

    /// <summary>Checks and converts a parsed file; <paramref name="source"/> names it in errors.</summary>
    public static TrainingCheckpoint FromSafeTensors(SafeTensorsFile file, string source)
    {
        ArgumentNullException.ThrowIfNull(file);
        string Meta(string key) => file.Metadata.TryGetValue(key, out string? value)
            ? value
            : throw Error(source, $"has no '{key}' metadata entry (not a Reinforce training checkpoint?)");
        if (Meta("format") != Format)
        {
            throw Error(source, $"has format {Display.Quote(Meta("format"))}, expected '{Format}'");
        }
        bool version1 = Meta("format_version") == "1";
        if (!version1 && Meta("format_version") != FormatVersion.ToString(CultureInfo.InvariantCulture))
        {
            throw Error(source, $"has format_version {Display.Quote(Meta("format_version"))}; this build reads versions 1 and {FormatVersion}");
        }
        TrainerOptions options;
        try
        {
            // Version 1 predates the keys of KeysSinceVersion2: without them the options keep their defaults.
            options = TrainerOptionsJson.Deserialize(Meta("trainer_options"), requireAll: true,
                mayBeMissing: version1 ? TrainerOptionsJson.KeysSinceVersion2 : null);
        }
        catch (FormatException e)
        {
            throw Error(source, $"has invalid trainer_options: {e.Message}");
        }
        var progress = new TrainingProgress(
            (int)Integer(source, "progress.updates", Meta("progress.updates"), int.MaxValue),
            Integer(source, "progress.episodes", Meta("progress.episodes"), long.MaxValue),
            Integer(source, "progress.steps", Meta("progress.steps"), long.MaxValue),
            double.TryParse(Meta("progress.running_reward"), NumberStyles.Float, CultureInfo.InvariantCulture, out double running) && double.IsFinite(running)
                ? running
                : throw Error(source, "has a progress.running_reward that is not a finite number"));
        long steps = Integer(source, "optimizer.step", Meta("optimizer.step"), long.MaxValue);
        CheckConsistency(source, options, progress, steps, Integer(source, "rng.next_episode_stream", Meta("rng.next_episode_stream"), long.MaxValue));
        // The solved history after the counters it is checked against.
        if (!version1)
        {
            progress = ReadSolvedProgress(source, progress, Meta(RecentReturnsKey), Meta(RunningSolvedKey), Meta(MeanSolvedKey));
        }

        // The tensors must be exactly those of the network and optimizer the options build.
        ParameterBuffer layout = CreatePolicy(options).Parameters;
        var stateNames = Optimizers.Optimizer.Create(options.Optimizer, 0, options.LearningRate).StateBuffers.Select(b => b.Name).ToList();
        var parameters = new List<SafeTensor>();
        var state = new List<SafeTensor>();
        var expected = new HashSet<string>(StringComparer.Ordinal);
        foreach (ParameterTensor tensor in layout.Tensors)
        {
            parameters.Add(Expect(file, source, tensor.Name, tensor.Shape, options));
            expected.Add(tensor.Name);
        }
        foreach (string buffer in stateNames)
        {
            foreach (ParameterTensor tensor in layout.Tensors)
            {
                string name = $"{OptimizerPrefix}{buffer}.{tensor.Name}";
                state.Add(Expect(file, source, name, tensor.Shape, options));
                expected.Add(name);
            }
        }
        if (file.Tensors.FirstOrDefault(t => !expected.Contains(t.Name)) is SafeTensor unexpected)
        {
            throw Error(source, $"holds tensor {Display.Quote(unexpected.Name)}, which the configured network ({Architecture(options)}, {options.Optimizer}) does not have");
        }
        var extra = file.Metadata
            .Where(kv => !IsOwnKey(kv.Key))
            .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        return new TrainingCheckpoint(options, progress, steps, parameters, state, extra);
    }

    /// <summary>Builds a trainer from the options and restores everything into it.</summary>
    public ReinforceTrainer CreateTrainer(TrainerOptions? options = null, Func<IEnvironment>? environmentFactory = null)
    {
        var trainer = new ReinforceTrainer(options ?? Options, environmentFactory);
        RestoreInto(trainer);
        return trainer;
    }

    /// <summary>Copies weights, optimizer state and progress into a trainer built with the same network and optimizer.</summary>
    public void RestoreInto(ReinforceTrainer trainer)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        CopyParameters(trainer.Policy);
        ParameterBuffer buffer = trainer.Policy.Parameters;
        foreach (var (name, values) in trainer.Optimizer.StateBuffers)
        {
            foreach (ParameterTensor tensor in buffer.Tensors)
            {
                string key = $"{OptimizerPrefix}{name}.{tensor.Name}";
                SafeTensor saved = OptimizerState.FirstOrDefault(t => t.Name == key)
                    ?? throw new ArgumentException($"The checkpoint has no optimizer tensor '{key}'.", nameof(trainer));
                CopyInto(saved, tensor, values);
            }
        }
        trainer.Optimizer.StepCount = OptimizerSteps;
        trainer.RestoreProgress(Progress.UpdatesCompleted, Progress.EpisodesCompleted, Progress.StepsCompleted, Progress.RunningReward,
            Progress.RecentReturns ?? [], Progress.RunningRewardSolvedAtEpisode, Progress.MeanOfLast100SolvedAtEpisode);
    }

    /// <summary>The trained policy alone (for evaluation): the network the options describe, with the saved weights.</summary>
    public Policy CreatePolicy()
    {
        Policy policy = CreatePolicy(Options);
        CopyParameters(policy);
        return policy;
    }

    /// <summary>"4-128-2 relu, categorical" style description of the network the options build ("4-128-2 relu, dropout 0.6, categorical" with dropout).</summary>
    public static string Architecture(TrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        int outputs = PolicyHead.Create(options.Head, CartPole.ActionLength).OutputSize;
        string sizes = string.Join("-", new[] { CartPole.ObservationLength }.Concat(options.HiddenSizes).Append(outputs));
        string dropout = options.Dropout > 0 && options.HiddenSizes.Count > 0
            ? $", dropout {options.Dropout.ToString("R", CultureInfo.InvariantCulture)}"
            : "";
        return options.HiddenSizes.Count == 0
            ? $"{sizes} linear, {options.Head.ToLowerInvariant()}"
            : $"{sizes} {options.HiddenActivation.Name}{dropout}, {options.Head.ToLowerInvariant()}";
    }

    private void CopyParameters(Policy policy)
    {
        ParameterBuffer buffer = policy.Parameters;
        foreach (ParameterTensor tensor in buffer.Tensors)
        {
            SafeTensor saved = Parameters.FirstOrDefault(t => t.Name == tensor.Name)
                ?? throw new ArgumentException($"The checkpoint has no parameter '{tensor.Name}'.", nameof(policy));
            CopyInto(saved, tensor, buffer.Values);
        }
    }

    private static void CopyInto(SafeTensor saved, ParameterTensor tensor, float[] buffer)
    {
        if (!saved.Shape.SequenceEqual(tensor.Shape))
        {
            throw new ArgumentException($"Tensor '{saved.Name}' has shape {saved.ShapeText}; the network needs {tensor.ShapeText}.");
        }
        saved.Values.CopyTo(ParameterBuffer.View(buffer, tensor));
    }

    // A CartPole policy with the options' network (the initial weights do not matter: they are overwritten).
    private static Policy CreatePolicy(TrainerOptions options)
    {
        var head = PolicyHead.Create(options.Head, CartPole.ActionLength);
        return Policy.Create(CartPole.ObservationLength, options.HiddenSizes, options.HiddenActivation, head, new Pcg64(options.Seed),
            options.Initialization, options.Dropout);
    }

    private static SafeTensor Expect(SafeTensorsFile file, string source, string name, IReadOnlyList<int> shape, TrainerOptions options)
    {
        SafeTensor tensor = file.Find(name)
            ?? throw Error(source, $"has no tensor '{name}', which the configured network ({Architecture(options)}, {options.Optimizer}) needs");
        if (!tensor.Shape.SequenceEqual(shape))
        {
            throw Error(source, $"tensor '{name}' has shape {tensor.ShapeText}, but the configured network ({Architecture(options)}) needs [{string.Join(", ", shape)}]");
        }
        if (tensor.Values.Any(v => !float.IsFinite(v)))
        {
            throw Error(source, $"tensor '{name}' holds a value that is not finite");
        }
        // Adam's second moment is an average of squares: a negative entry would make √v̂ NaN on the next step.
        if (name.StartsWith($"{OptimizerPrefix}exp_avg_sq.", StringComparison.Ordinal) && tensor.Values.Any(v => v < 0))
        {
            throw Error(source, $"tensor '{name}' holds a negative value; Adam's second moment is an average of squares (≥ 0)");
        }
        return tensor;
    }

    // The counters must describe a run these options could have produced: every update takes one optimizer
    // step and at least one episode, every episode at least one step and at most the time limit, and the next
    // episode's random stream is the number of episodes so far.
    private static void CheckConsistency(string source, TrainerOptions options, TrainingProgress progress, long optimizerSteps, long nextStream)
    {
        if (optimizerSteps != progress.UpdatesCompleted)
        {
            throw Error(source, $"has optimizer.step {optimizerSteps} but progress.updates {progress.UpdatesCompleted}; every update takes one step");
        }
        if (nextStream != progress.EpisodesCompleted)
        {
            throw Error(source, $"has rng.next_episode_stream {nextStream} but progress.episodes {progress.EpisodesCompleted}; episode k draws from stream k");
        }
        if (options.BatchSteps is null
            ? progress.EpisodesCompleted != (long)progress.UpdatesCompleted * options.BatchEpisodes
            : progress.EpisodesCompleted < progress.UpdatesCompleted)
        {
            throw Error(source, $"has {progress.EpisodesCompleted} episodes after {progress.UpdatesCompleted} updates, which its batch rule ({(options.BatchSteps is int s ? $"≥ {s} steps" : $"{options.BatchEpisodes} episodes")} per update) cannot give");
        }
        int limit = options.MaxEpisodeSteps ?? CartPole.Create(options.EnvironmentId).MaxEpisodeSteps ?? int.MaxValue;
        if (progress.StepsCompleted < progress.EpisodesCompleted || progress.StepsCompleted > (Int128)progress.EpisodesCompleted * limit
            || (options.BatchSteps is int target && progress.StepsCompleted < (long)progress.UpdatesCompleted * target))
        {
            throw Error(source, $"has {progress.StepsCompleted} steps in {progress.EpisodesCompleted} episodes and {progress.UpdatesCompleted} updates, which episodes of 1 to {limit} steps cannot give");
        }
    }

    private const string RecentReturnsKey = "progress.recent_returns";
    private const string RunningSolvedKey = "progress.solved_episode.running_reward";
    private const string MeanSolvedKey = "progress.solved_episode.mean_of_last_100";
    private const string NotSolved = "none";

    // The solved history of a version 2 file: up to min(100, episodes) finite returns, and each first-solved episode
    // "none" or an episode the run has reached (at least 100 for the mean of the last 100).
    private static TrainingProgress ReadSolvedProgress(string source, TrainingProgress progress, string returnsText, string runningText, string meanText)
    {
        long window = Math.Min(progress.EpisodesCompleted, ReinforceTrainer.SolvedWindowEpisodes);
        string[] fields = returnsText.Length == 0 ? [] : returnsText.Split(',');
        if (fields.Length > window)
        {
            throw Error(source, $"has {fields.Length} values in {RecentReturnsKey}; after {progress.EpisodesCompleted} episodes there are at most {window}");
        }
        var returns = new double[fields.Length];
        for (int i = 0; i < fields.Length; i++)
        {
            if (!double.TryParse(fields[i], NumberStyles.Float, CultureInfo.InvariantCulture, out returns[i]) || !double.IsFinite(returns[i]))
            {
                throw Error(source, $"has a {RecentReturnsKey} entry {Display.Quote(fields[i], 40)} that is not a finite number");
            }
        }
        long? Episode(string key, string text, long first) =>
            text == NotSolved ? null
            : long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long episode) && episode >= first && episode <= progress.EpisodesCompleted
                ? episode
                : throw Error(source, $"has a {key} of {Display.Quote(text, 40)}; expected '{NotSolved}' or an episode in [{first}, {progress.EpisodesCompleted}]");
        return progress with
        {
            RecentReturns = returns,
            RunningRewardSolvedAtEpisode = Episode(RunningSolvedKey, runningText, 1),
            MeanOfLast100SolvedAtEpisode = Episode(MeanSolvedKey, meanText, ReinforceTrainer.SolvedWindowEpisodes),
        };
    }

    private static bool IsOwnKey(string key) => key is "format" or "format_version" or "trainer_options" or "architecture" or "optimizer"
        or "optimizer.step" or "rng" or "rng.next_episode_stream" || key.StartsWith("progress.", StringComparison.Ordinal);

    private static long Integer(string source, string key, string text, long max) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value) && value <= max
            ? value
            : throw Error(source, $"has a {key} that is not an integer in [0, {max}]");

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static SafeTensorsFormatException Error(string source, string what) => new($"{source}: {what.TrimEnd('.')}.");
}

/// <summary>
/// Where a training run stands: what <see cref="ReinforceTrainer.RestoreProgress(int, long, long, double, ReadOnlySpan{double}, long?, long?)"/>
/// takes.
/// </summary>
/// <param name="UpdatesCompleted">Updates completed.</param>
/// <param name="EpisodesCompleted">Episodes completed (also the next episode's random stream).</param>
/// <param name="StepsCompleted">Environment steps taken.</param>
/// <param name="RunningReward">The running reward.</param>
public readonly record struct TrainingProgress(int UpdatesCompleted, long EpisodesCompleted, long StepsCompleted, double RunningReward)
{
    /// <summary>
    /// The returns of the last min(100, episodes) episodes, oldest first (<see cref="ReinforceTrainer.RecentReturns"/>), or
    /// null when unknown (a version 1 checkpoint); then a resumed run starts the mean of the last 100 over.
    /// </summary>
    public double[]? RecentReturns { get; init; }

    /// <summary>The first episode after which the running reward exceeded the threshold, or null.</summary>
    public long? RunningRewardSolvedAtEpisode { get; init; }

    /// <summary>The first episode after which the mean of the last 100 returns reached the threshold, or null.</summary>
    public long? MeanOfLast100SolvedAtEpisode { get; init; }
}
