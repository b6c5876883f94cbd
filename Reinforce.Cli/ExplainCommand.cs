using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Reinforce.Checkpoints;
using Reinforce.Environments;
using Reinforce.NeuralNetworks;
using Reinforce.Numerics;
using Reinforce.Optimizers;
using Reinforce.Policies;
using Reinforce.Randomness;
using Reinforce.Reference;
using Reinforce.Returns;
using Reinforce.Text;
using Reinforce.Training;

namespace Reinforce.Cli;

/// <summary>
/// <c>reinforce explain</c>: one REINFORCE update written out number by number, in the layout of
/// docs/worked-example.md — the inputs, the forward pass, the returns and weights, the loss, ∂L/∂logits,
/// the backward pass layer by layer, the optimizer step and the policy after it. Every number is computed by the
/// reference (Reinforce.Core/Reference), step by step. Two sources of inputs: a seeded run (the first update of
/// <c>reinforce train</c> with the same flags, shrunk to a printable size unless told otherwise) or a file of
/// hand-picked numbers (<c>--inputs</c>; docs/worked-example.md is such a file).
/// </summary>
internal static partial class ExplainCommand
{
    public const string Description = "Print one update of a small network, every number, in the layout of docs/worked-example.md.";

    // What explain prints unless told otherwise: a run small enough to read.
    private const int SmallHidden = 3, SmallMaxSteps = 5, SmallBatchEpisodes = 2;

    private static readonly HashSet<string> RunFlags = ["--batch-episodes", "--batch-steps", "--seed"];

    // With --inputs the file fixes the network, the episode and (when it has them) the settings.
    private static readonly string[] NotWithInputs =
        ["--hidden", "--dropout", "--init", "--env", "--max-steps", "--integrator", "--sutton-barto-reward", "--reward-threshold", "--batch-episodes", "--batch-steps", "--seed"];

    public static IReadOnlyList<Flag> Flags { get; } =
    [
        new("--inputs", "FILE", "hand-picked inputs instead of a seeded run: label = numbers lines (W1[r], b1, …, s[t], a, r, and optionally lengths, gamma, beta, lr, adam.*, norm.eps); a Markdown file's ```text blocks are read, its computed lines skipped", null, "Inputs"),
        .. TrainCommand.Flags
            .Where(f => f.Group is "Configuration" or "Environment" or "Policy" or "Optimization" || RunFlags.Contains(f.Name))
            .Where(f => f.Name != "--resume")
            .Select(f => f.Name switch
            {
                "--hidden" => f with { Default = $"{SmallHidden} (explain's)" },
                "--max-steps" => f with { Default = $"{SmallMaxSteps} (explain's)" },
                "--batch-episodes" => f with { Default = $"{SmallBatchEpisodes} (explain's)" },
                _ => f,
            }),
    ];

    public static int Run(ParsedArguments args, CliContext context)
    {
        Example example = args.String("--inputs") is string path ? FromFile(path, args) : FromSeededRun(args);
        Report report = Explain(example);
        var warnings = new List<string>(example.Warnings);
        warnings.AddRange(SkippedComputedLines(example, report));
        warnings.AddRange(TrainCommand.IneffectiveFlags(args, example.Options));
        foreach (string warning in warnings)
        {
            context.Error.WriteLine($"reinforce explain: {context.ErrorStyle.Yellow("warning:")} {warning}");
        }
        context.Output.Write(report.Render());
        return Cli.ExitSuccess;
    }

    /// <summary>Everything one update needs, wherever it came from.</summary>
    internal sealed class Example
    {
        /// <summary>The kinds and settings of the update (returns, normalisation, loss, head, optimizer, γ, β, lr, ε, dropout).</summary>
        public required TrainerOptions Options { get; init; }
        public required int[] Sizes { get; init; }
        public required PolicyHead Head { get; init; }
        public required float[] Parameters { get; init; }
        public required float[] States { get; init; }
        public required int[] Actions { get; init; }
        public required float[] Rewards { get; init; }
        public required int[] Lengths { get; init; }
        public float[] Masks { get; init; } = [];
        public double Beta1 { get; init; } = 0.9;
        public double Beta2 { get; init; } = 0.999;
        public double AdamEpsilon { get; init; } = 1e-8;
        public IReadOnlyList<string> RunNotes { get; init; } = [];
        public float[]? TrainerResult { get; init; }
        public float[]? TrainerWeights { get; init; }

        /// <summary>An inputs file's lines of computed numbers (skipped, but checked against what the update prints), and where they came from.</summary>
        public IReadOnlyList<LabelledNumbers.Line> ComputedLines { get; init; } = [];
        public string Source { get; init; } = "";
        public IReadOnlyList<string> Warnings { get; init; } = [];

        public int Steps => Actions.Length;
        public int LayerCount => Sizes.Length - 1;
        public string Optimizer => Options.Optimizer.ToLowerInvariant();

        /// <summary>The episodes back to back as the reference reads them (its weights are filled by ReferenceEngine.ComputeWeights).</summary>
        public EpisodeBatch Batch()
        {
            int inputs = Sizes[0], maskWidth = Masks.Length / Steps;
            var batch = new EpisodeBatch(inputs, Steps, Lengths.Length, maskWidth);
            int t = 0;
            foreach (int length in Lengths)
            {
                for (int end = t + length; t < end; t++)
                {
                    States.AsSpan(t * inputs, inputs).CopyTo(batch.NextObservation());
                    Masks.AsSpan(t * maskWidth, maskWidth).CopyTo(batch.NextDropoutMask());
                    batch.CommitStep(Actions[t], Rewards[t]);
                }
                batch.EndEpisode();
            }
            return batch;
        }
    }

    // ---- Inputs from a seeded run -------------------------------------------------------------

    private static Example FromSeededRun(ParsedArguments args)
    {
        RunSettings settings = TrainCommand.Resolve(args);
        TrainerOptions options = settings.Options;
        var shrunk = new List<string>();
        if (!args.Has("--hidden"))
        {
            options = options with { HiddenSizes = options.HiddenSizes.Count == 0 ? [] : [SmallHidden] };
            shrunk.Add($"--hidden {(options.HiddenSizes.Count == 0 ? "none" : SmallHidden)}");
        }
        if (!args.Has("--max-steps"))
        {
            options = options with { MaxEpisodeSteps = SmallMaxSteps };
            shrunk.Add($"--max-steps {SmallMaxSteps}");
        }
        if (!args.Has("--batch-episodes") && !args.Has("--batch-steps"))
        {
            options = options with { BatchEpisodes = SmallBatchEpisodes, BatchSteps = null };
            shrunk.Add($"--batch-episodes {SmallBatchEpisodes}");
        }
        options = options with { MaxUpdates = 1, MaxEpisodes = null, Threads = 1 };

        var initial = new ReinforceTrainer(options, settings.EnvironmentFactory);
        var trainer = new ReinforceTrainer(options, settings.EnvironmentFactory);
        trainer.Update();
        EpisodeBatch batch = trainer.LastBatch;

        var notes = new List<string>
        {
            $"# the first update of: {TrainCommand.CommandLine(options, settings.RewardThreshold)}",
            $"# ({(settings.PresetName == "custom" ? "a config file" : $"preset {settings.PresetName}")}{(shrunk.Count > 0 ? $", shrunk to print: {string.Join(' ', shrunk)}" : "")})",
            $"# initial weights: {options.Initialization.Name()} init from Pcg64({options.Seed}); dropout {(options.Dropout > 0 ? Number(options.Dropout) : "none")}",
        };
        for (int k = 0; k < batch.Episodes; k++)
        {
            long resetSeed = (long)(Pcg64.Derive(options.Seed, (ulong)k).NextUInt64() >> 1);
            notes.Add($"# episode {k}: stream Pcg64.Derive({options.Seed}, {k}), reset seed {resetSeed}, {batch.EpisodeLengths.Span[k]} steps");
        }
        return new Example
        {
            Options = options,
            Sizes = [.. trainer.Policy.Network.LayerSizes],
            Head = trainer.Policy.Head,
            Parameters = (float[])initial.Policy.Parameters.Values.Clone(),
            States = batch.Observations.ToArray(),
            Actions = batch.Actions.ToArray(),
            Rewards = batch.Rewards.ToArray(),
            Lengths = batch.EpisodeLengths.ToArray(),
            Masks = batch.DropoutMasks.ToArray(),
            RunNotes = notes,
            TrainerResult = (float[])trainer.Policy.Parameters.Values.Clone(),
            TrainerWeights = batch.Weights.ToArray(),
        };
    }

    // ---- Inputs from a file ---------------------------------------------------------------------

    /// <summary>A setting an inputs file may give: its label, the flag that sets it too, and the values the update accepts.</summary>
    private sealed record SettingRule(string Label, string? Flag, string Accepted, Func<double, bool> Accepts);

    private static readonly SettingRule[] Settings =
    [
        new("gamma", "--gamma", "a number in [0, 1]", v => v >= 0 && v <= 1),
        new("beta", "--entropy-coef", "a number ≥ 0, finite as a float32", v => v >= 0 && float.IsFinite((float)v)),
        new("lr", "--lr", "a finite number > 0, nonzero as a float32", v => v > 0 && (float)v > 0 && float.IsFinite((float)v)),
        new("adam.beta1", null, "a number in [0, 1)", v => v >= 0 && v < 1),
        new("adam.beta2", null, "a number in [0, 1)", v => v >= 0 && v < 1),
        new("adam.eps", null, "a finite number ≥ 0", v => v >= 0 && double.IsFinite(v)),
        new("norm.eps", "--normalize-eps", "a finite number > 0", v => v > 0 && double.IsFinite(v)),
    ];

    private static readonly string[] InputLabels = ["lengths", "a", "r", .. Settings.Select(s => s.Label)];

    private static Example FromFile(string path, ParsedArguments args)
    {
        if (NotWithInputs.FirstOrDefault(args.Has) is string flag)
        {
            throw new UsageException($"{flag} cannot be given with --inputs: the file fixes the network and the episode (flags accepted with --inputs: the kinds, e.g. --activation, --returns, --normalize, --loss, --head, and settings the file lacks)");
        }
        string text = PathArguments.ReadText("--inputs", path, PathArguments.MaxConfigBytes, "label = numbers lines (see reinforce explain --help)");
        string source = $"--inputs {Display.Quote(path)}";
        Dictionary<string, LabelledNumbers.Line> lines = LabelledNumbers.Read(source, text, markdown: path.EndsWith(".md", StringComparison.OrdinalIgnoreCase));
        TrainerOptions options = TrainCommand.Resolve(args).Options;

        // Every label is an input, a number this command prints (skipped: its own output is a valid input file), or an error.
        var computed = new List<LabelledNumbers.Line>();
        foreach (LabelledNumbers.Line line in lines.Values.OrderBy(l => l.Number))
        {
            if (line.Label == "dropout" || line.Label.StartsWith("mask", StringComparison.Ordinal))
            {
                throw new UsageException($"{source}:{line.Number}: {Display.Quote(line.Label)}: a run with dropout cannot be read back, its masks come from the episode streams; rerun reinforce explain with its seed and flags");
            }
            if (OutputLabel().IsMatch(line.Label))
            {
                computed.Add(line);
            }
            else if (!InputLabels.Contains(line.Label) && !InputRowLabel().IsMatch(line.Label))
            {
                throw new UsageException($"{source}:{line.Number}: unknown label {Display.Quote(line.Label)}; inputs are W1[r], b1, W2[r], b2, …, s[t], {string.Join(", ", InputLabels)}");
            }
        }
        var used = new HashSet<string>(computed.Select(l => l.Label), StringComparer.Ordinal);
        string[]? Take(string label)
        {
            used.Add(label);
            return lines.TryGetValue(label, out LabelledNumbers.Line? line) ? line.Values : null;
        }
        string At(string label) => $"{source}:{lines[label].Number}";
        // Weights, states and rewards are float32 in the network: each must be finite as one.
        float[] Floats(string label, string[] texts) => [.. texts.Select(t => LabelledNumbers.Parse(t) is double v && float.IsFinite((float)v) ? (float)v
            : throw new UsageException($"{At(label)}: {Display.Quote(t, 30)} in {Display.Quote(label)} is not a finite number; inputs are float32 numbers (magnitude at most 3.4028235e38)"))];

        // The network: W1[r], b1, W2[r], b2, … until a layer is missing.
        var sizes = new List<int>();
        var parameters = new List<float>();
        for (int l = 1; lines.ContainsKey($"W{l}[0]"); l++)
        {
            var rows = new List<float[]>();
            for (int r = 0; Take($"W{l}[{r}]") is string[] row; r++)
            {
                rows.Add(Floats($"W{l}[{r}]", row));
            }
            int fanIn = rows[0].Length;
            if (rows.Any(row => row.Length != fanIn))
            {
                throw new UsageException($"{source}: the rows of W{l} have different lengths");
            }
            if (l == 1)
            {
                sizes.Add(fanIn);
            }
            else if (fanIn != sizes[^1])
            {
                throw new UsageException($"{source}: W{l} has {fanIn} columns but layer {l - 1} has {sizes[^1]} outputs");
            }
            float[] bias = Take($"b{l}") is string[] b ? Floats($"b{l}", b) : throw new UsageException($"{source}: W{l} has no bias b{l}");
            if (bias.Length != rows.Count)
            {
                throw new UsageException($"{At($"b{l}")}: b{l} has {bias.Length} numbers; W{l} has {rows.Count} rows");
            }
            sizes.Add(rows.Count);
            parameters.AddRange(rows.SelectMany(row => row));
            parameters.AddRange(bias);
        }
        if (sizes.Count < 2)
        {
            throw new UsageException($"{source}: no weights; expected W1[0], W1[1], …, b1, then W2[…], b2, …");
        }
        var head = PolicyHead.Create(options.Head, 2);
        if (sizes[^1] != head.OutputSize)
        {
            throw new UsageException($"{source}: the last layer has {sizes[^1]} outputs; the {head.Name} head reads {head.OutputSize}");
        }

        // The episode(s): s[t], a, r, and optionally the lengths of the episodes back to back.
        var states = new List<float>();
        int steps = 0;
        for (; Take($"s[{steps}]") is string[] s; steps++)
        {
            float[] state = Floats($"s[{steps}]", s);
            if (state.Length != sizes[0])
            {
                throw new UsageException($"{At($"s[{steps}]")}: s[{steps}] has {state.Length} numbers; W1 has {sizes[0]} columns");
            }
            states.AddRange(state);
        }
        int[] actions = Take("a") is string[] a
            ? [.. a.Select(t => int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out int action) && action < head.ActionCount ? action
                : throw new UsageException($"{At("a")}: action {Display.Quote(t, 20)} is not one of 0..{head.ActionCount - 1}"))]
            : throw new UsageException($"{source}: no actions (a = …)");
        float[] rewards = Take("r") is string[] rewardTexts ? Floats("r", rewardTexts) : throw new UsageException($"{source}: no rewards (r = …)");
        int[] lengths = Take("lengths") is string[] lengthTexts
            ? [.. lengthTexts.Select(t => int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0 ? n
                : throw new UsageException($"{At("lengths")}: episode length {Display.Quote(t, 20)} is not an integer ≥ 1"))]
            : [steps];
        long lengthSum = lengths.Sum(n => (long)n);
        if (steps == 0 || actions.Length != steps || rewards.Length != steps || lengthSum != steps)
        {
            throw new UsageException($"{source}: {steps} states, {actions.Length} actions, {rewards.Length} rewards and episode lengths summing to {lengthSum}; they must agree (and be ≥ 1)");
        }

        // The settings: each from the file or from the flags (not both), in the range the update accepts.
        var values = new Dictionary<string, double>();
        var warnings = new List<string>();
        foreach (SettingRule rule in Settings)
        {
            if (Take(rule.Label) is not string[] texts)
            {
                continue;
            }
            if (rule.Flag is not null && args.Has(rule.Flag))
            {
                throw new UsageException($"{rule.Flag} and {source} both set {rule.Label}; give one of them");
            }
            if (texts.Length != 1)
            {
                throw new UsageException($"{At(rule.Label)}: {Display.Quote(rule.Label)} needs one number, got {texts.Length}");
            }
            double value = LabelledNumbers.Parse(texts[0]);
            if (!rule.Accepts(value))
            {
                throw new UsageException($"{At(rule.Label)}: {rule.Label} {Display.Quote(texts[0], 30)} is out of range; expected {rule.Accepted}");
            }
            values[rule.Label] = value;
        }
        // What is left of the input labels is out of range: a row, layer or step past the last one read (or after a gap).
        if (lines.Values.Where(l => !used.Contains(l.Label)).OrderBy(l => l.Number).FirstOrDefault() is LabelledNumbers.Line extra)
        {
            string layersRead = string.Join(", ", Enumerable.Range(1, sizes.Count - 1).Select(l => $"W{l}[0..{sizes[l] - 1}], b{l}"));
            throw new UsageException($"{source}:{extra.Number}: {Display.Quote(extra.Label, 40)} is out of range; these inputs are {layersRead}, s[0..{steps - 1}] (rows, layers and steps numbered without gaps)");
        }

        options = options with
        {
            HiddenSizes = [.. sizes.Skip(1).SkipLast(1)],
            Dropout = 0,
            Gamma = values.GetValueOrDefault("gamma", options.Gamma),
            EntropyCoefficient = values.GetValueOrDefault("beta", options.EntropyCoefficient),
            LearningRate = values.GetValueOrDefault("lr", options.LearningRate),
            NormalizationEpsilon = values.GetValueOrDefault("norm.eps", options.NormalizationEpsilon),
        };
        // A setting the configuration does not use is read and checked, and a warning says so, as train does for its flags.
        Dictionary<string, string> ineffective = options.IneffectiveOptions().ToDictionary(o => o.Option, o => o.Reason);
        foreach (string label in values.Keys)
        {
            string? reason = label switch
            {
                "gamma" => ineffective.GetValueOrDefault(nameof(TrainerOptions.Gamma)),
                "norm.eps" => ineffective.GetValueOrDefault(nameof(TrainerOptions.NormalizationEpsilon)),
                _ when label.StartsWith("adam.", StringComparison.Ordinal) && !options.Optimizer.Equals("adam", StringComparison.OrdinalIgnoreCase)
                    => $"only Adam uses {label}; the optimizer is {options.Optimizer.ToLowerInvariant()}",
                _ => null,
            };
            if (reason is not null)
            {
                warnings.Add($"{At(label)}: {label} has no effect here: {reason}");
            }
        }

        return new Example
        {
            Options = options,
            Sizes = [.. sizes],
            Head = head,
            Parameters = [.. parameters],
            States = [.. states],
            Actions = actions,
            Rewards = rewards,
            Lengths = lengths,
            Beta1 = values.GetValueOrDefault("adam.beta1", 0.9),
            Beta2 = values.GetValueOrDefault("adam.beta2", 0.999),
            AdamEpsilon = values.GetValueOrDefault("adam.eps", 1e-8),
            ComputedLines = computed,
            Source = source,
            Warnings = warnings,
        };
    }

    /// <summary>
    /// An inputs file's computed lines are skipped, but each must be one the update prints: an index past the printed ones
    /// is refused; a label not printed at all with these flags (m.W1[0] with --optimizer sgd, G.mean with --normalize none)
    /// gives one warning for all of them.
    /// </summary>
    private static IEnumerable<string> SkippedComputedLines(Example e, Report report)
    {
        static string Family(string label) => IndexPattern().Replace(label, "[]");
        var printed = report.Labels.ToList();
        var printedSet = printed.ToHashSet(StringComparer.Ordinal);
        var skipped = new List<string>();
        foreach (LabelledNumbers.Line line in e.ComputedLines.Where(l => !printedSet.Contains(l.Label)))
        {
            string[] family = [.. printed.Where(p => Family(p) == Family(line.Label))];
            if (family.Length > 0)
            {
                throw new UsageException($"{e.Source}:{line.Number}: {Display.Quote(line.Label, 40)} is out of range; this update prints {family[0]}{(family.Length > 1 ? $" … {family[^1]}" : "")}");
            }
            skipped.Add(line.Label);
        }
        if (skipped.Count > 0)
        {
            yield return $"{e.Source}: {skipped.Count} computed line{(skipped.Count > 1 ? "s" : "")} ({string.Join(", ", skipped.Take(3))}{(skipped.Count > 3 ? ", …" : "")}) {(skipped.Count > 1 ? "are" : "is")} not printed with these flags; skipped";
        }
    }

    [GeneratedRegex(@"^(W\d+\[\d+\]|b\d+|s\[\d+\])$")]
    private static partial Regex InputRowLabel();

    [GeneratedRegex(@"^((z\d+|h\d*|logits|p|logp|H|dlogits(\.policy|\.entropy)?|dh\d*|dz\d+|dW\d+|m\.W\d+|v\.W\d+|W\d+\.new|p\.new)\[\d+\]|G|G-b|baseline|G\.mean|G\.std|w|logp_a|L\.policy|H\.mean|L\.entropy|L|L\.new|db\d+|m\.b\d+|v\.b\d+|b\d+\.new|adam\.step_size|adam\.bc2_sqrt)$")]
    private static partial Regex OutputLabel();

    [GeneratedRegex(@"\[\d+\]")]
    private static partial Regex IndexPattern();

    // ---- The update, step by step, with the reference's functions -------------------------------

    /// <summary>
    /// One update in the order of docs/policy-gradient.md#one-update-line-by-line, every number from the reference
    /// (Reinforce.Core/Reference, the code that defines the bits): <see cref="Layers"/> for the forward and backward
    /// passes, <see cref="Heads"/> for π, H and ∂L/∂logits, <see cref="ReferenceEngine.ComputeWeights"/> for the weights,
    /// <see cref="ReferenceEngine.AccumulateGradients"/> for the loss (and as a check of the chain printed here), and
    /// <see cref="OptimizerSteps"/> for the step. The policy and the optimizer are only the layout and the state they hold.
    /// </summary>
    internal static Report Explain(Example e)
    {
        TrainerOptions options = e.Options;
        int steps = e.Steps, layers = e.LayerCount, outputs = e.Head.OutputSize, actionCount = e.Head.ActionCount;
        bool dropout = e.Masks.Length > 0, bernoulli = e.Head is BernoulliHead;
        Activation activation = options.HiddenActivation;
        var policy = new Policy(new Mlp(e.Sizes, activation, dropout ? options.Dropout : 0), e.Head);
        ParameterBuffer parameters = policy.Parameters;
        e.Parameters.CopyTo(parameters.Values, 0);
        var weight = new ParameterTensor[layers + 1];
        var bias = new ParameterTensor[layers + 1];
        for (int l = 1; l <= layers; l++)
        {
            weight[l] = parameters[Mlp.WeightName(l - 1, dropout)];
            bias[l] = parameters[Mlp.BiasName(l - 1, dropout)];
        }
        Span<float> Values(ParameterTensor tensor) => ParameterBuffer.View(parameters.Values, tensor);
        EpisodeBatch batch = e.Batch();
        var engine = new ReferenceEngine(options with { BatchSteps = steps, Threads = 1 }, policy, CartPole.Create(options.EnvironmentId), e.Lengths.Max());
        string H(int l) => layers == 2 ? "h" : $"h{l}";         // the doc's "h" for one hidden layer
        string Input(int l) => l == 1 ? "s" : H(l - 1);
        var report = new Report();

        // Inputs.
        if (e.RunNotes.Count > 0)
        {
            report.Section("The run");
            foreach (string note in e.RunNotes)
            {
                report.Comment(note);
            }
        }
        report.Section("The inputs");
        for (int l = 1; l <= layers; l++)
        {
            string name = weight[l].Name[..^".weight".Length];
            string what = l < layers
                ? $"{(layers == 2 ? "the hidden layer" : $"hidden layer {l}")}, z{l} = W{l}·{Input(l)} + b{l}, {H(l)} = {activation.Name}({(dropout ? $"mask{l} ⊙ z{l}" : $"z{l}")})"
                : $"the output layer, logits = W{l}·{Input(l)} + b{l}";
            report.Comment($"# {name}.weight, {name}.bias: {what}");
            int fanIn = e.Sizes[l - 1];
            for (int r = 0; r < e.Sizes[l]; r++)
            {
                report.Inputs($"W{l}[{r}]", Values(weight[l]).Slice(r * fanIn, fanIn));
            }
            report.Inputs($"b{l}", Values(bias[l]));
        }
        report.Block();
        int episodes = e.Lengths.Length;
        report.Comment(episodes == 1
            ? "# the episode: states (x, ẋ, θ, θ̇), actions, rewards"
            : $"# the batch: {episodes} episodes back to back: states (x, ẋ, θ, θ̇), actions, rewards, episode lengths");
        for (int t = 0; t < steps; t++)
        {
            report.Inputs($"s[{t}]", e.States.AsSpan(t * e.Sizes[0], e.Sizes[0]));
        }
        report.Integers("a", e.Actions);
        report.Inputs("r", e.Rewards);
        if (episodes > 1)
        {
            report.Integers("lengths", e.Lengths);
        }
        bool adam = e.Optimizer == "adam";
        report.Comment($"# the settings, with --returns {options.Returns.Name()} --normalize {options.Normalization.Name()}{(options.Baseline ? " --baseline" : "")} --loss {options.LossReduction.Name()} --optimizer {e.Optimizer}");
        if (options.Returns == ReturnKind.Discounted)
        {
            report.Setting("gamma", options.Gamma);
        }
        report.Setting("beta", options.EntropyCoefficient);
        report.Setting("lr", options.LearningRate);
        if (adam)
        {
            report.Setting("adam.beta1", e.Beta1);
            report.Setting("adam.beta2", e.Beta2);
            report.Setting("adam.eps", e.AdamEpsilon);
        }
        if (options.Normalization != Normalization.None)
        {
            report.Setting("norm.eps", options.NormalizationEpsilon);
        }
        if (dropout)
        {
            report.Setting("dropout", options.Dropout);
        }

        // Forward, in training mode with the rollout's masks when there are any: for l = 1 … L, z_l = a_{l−1}·W_lᵀ + b_l;
        // below the output, u_l = z_l ⊙ m_l (z_l without dropout) and a_l = f(u_l); the logits are z_L.
        float[][] z = new float[layers + 1][], u = new float[layers + 1][], a = new float[layers + 1][];
        a[0] = e.States;
        int[] maskOffset = new int[layers + 1];
        for (int l = 2; l < layers; l++)
        {
            maskOffset[l] = maskOffset[l - 1] + e.Sizes[l - 1];
        }
        void Forward()
        {
            for (int l = 1; l <= layers; l++)
            {
                z[l] = new float[steps * e.Sizes[l]];
                Layers.DenseForward(a[l - 1], Values(weight[l]), Values(bias[l]), steps, z[l]);
                if (l < layers)
                {
                    u[l] = (float[])z[l].Clone();
                    if (dropout)
                    {
                        Layers.DropoutForward(u[l], steps, e.Masks, maskOffset[l]);
                    }
                    a[l] = new float[u[l].Length];
                    Layers.ActivationForward(activation, u[l], a[l]);
                }
            }
        }
        // π(·|s) and H of one row of logits, as the head's loss computes them (with w = β = 0 its gradient is not read).
        float[] logP = new float[actionCount], p = new float[actionCount], unread = new float[outputs];
        float Distribution(ReadOnlySpan<float> logits)
        {
            if (!bernoulli)
            {
                return Heads.CategoricalLossGradient(logits, 0, 0f, 0f, 1f, unread, logP, p).Entropy;
            }
            float entropy = 0f;
            for (int action = 0; action < actionCount; action++)
            {
                (logP[action], entropy) = Heads.BernoulliLossGradient(logits[0], action, 0f, 0f, 1f, out _);
                p[action] = ElementaryFunctions.Exp(logP[action]);
            }
            return entropy;
        }

        Forward();
        report.Section("Forward pass");
        for (int t = 0; t < steps; t++)
        {
            report.Comment($"# step {t}");
            for (int l = 1; l < layers; l++)
            {
                int n = e.Sizes[l];
                report.Row($"z{l}[{t}]", z[l].AsSpan(t * n, n));
                if (dropout)
                {
                    report.Row($"mask{l}[{t}]", e.Masks.AsSpan(t * (e.Masks.Length / steps) + maskOffset[l], n));
                }
                report.Row($"{H(l)}[{t}]", a[l].AsSpan(t * n, n));
            }
            ReadOnlySpan<float> row = z[layers].AsSpan(t * outputs, outputs);
            float entropy = Distribution(row);
            report.Row($"logits[{t}]", row);
            report.Row($"p[{t}]", p);
            report.Row($"logp[{t}]", logP);
            report.Row($"H[{t}]", [entropy]);
        }

        // Returns and weights: ReferenceEngine.ComputeWeights, and for the numbers in between the same with its later steps off.
        report.Section("Returns and weights");
        float[] Weights(TrainerOptions o)
        {
            ReferenceEngine.ComputeWeights(o, batch);
            return batch.Weights.ToArray();
        }
        report.Comment(options.Returns switch
        {
            ReturnKind.Discounted => "# G: the discounted return of each episode, G_t = r_t + γ·G_{t+1}",
            ReturnKind.RewardToGo => "# G: the reward-to-go of each episode, G_t = r_t + G_{t+1} (undiscounted)",
            _ => "# G: the whole episode's return on every step of it",
        });
        if (options.Baseline)
        {
            report.Comment("# baseline: the mean of G over the batch, subtracted from every step (G-b)");
        }
        if (options.Normalization != Normalization.None)
        {
            report.Comment(options.Normalization == Normalization.PerEpisode
                ? "# w = (G − mean)/(std + ε) within each episode, std the n − 1 one"
                : "# w = (G − mean)/(std + ε) over the whole batch, std the n − 1 one");
        }
        float[] returns = Weights(options with { Baseline = false, Normalization = Normalization.None });
        report.Row("G", returns);
        float[] centred = returns;
        if (options.Baseline)
        {
            centred = Weights(options with { Normalization = Normalization.None });
            report.Row("baseline", [ReturnCalculator.MeanAndStd(returns, unbiased: false).Mean]);
            report.Row("G-b", centred);
        }
        if (options.Normalization != Normalization.None)
        {
            // The mean and std ReturnCalculator.Normalize divides by, per episode or over the batch.
            Range[] ranges = options.Normalization == Normalization.PerEpisode ? [.. Enumerable.Range(0, episodes).Select(batch.EpisodeRange)] : [Range.All];
            var moments = ranges.Select(r => ReturnCalculator.MeanAndStd(centred.AsSpan(r), unbiased: true)).ToArray();
            report.Row("G.mean", [.. moments.Select(m => m.Mean)]);
            report.Row("G.std", [.. moments.Select(m => m.Std)]);
        }
        float[] weights = Weights(options);
        report.Row("w", weights);

        // Loss and ∂L/∂logits, row by row with the head's loss function: whole (w, β), and its two terms (w, 0) and (0, β).
        float beta = (float)options.EntropyCoefficient, inverseN = options.LossReduction == LossReduction.Mean ? 1f / steps : 1f;
        float RowGradient(int t, float w, float b, float[] into)
        {
            ReadOnlySpan<float> logits = z[layers].AsSpan(t * outputs, outputs);
            Span<float> dz = into.AsSpan(t * outputs, outputs);
            return bernoulli
                ? Heads.BernoulliLossGradient(logits[0], e.Actions[t], w, b, inverseN, out dz[0]).LogProbability
                : Heads.CategoricalLossGradient(logits, e.Actions[t], w, b, inverseN, dz, logP, p).LogProbability;
        }
        float[] dLogits = new float[steps * outputs], policyPart = new float[steps * outputs], entropyPart = new float[steps * outputs];
        float[] chosen = new float[steps];
        for (int t = 0; t < steps; t++)
        {
            chosen[t] = RowGradient(t, weights[t], beta, dLogits);
            RowGradient(t, weights[t], 0f, policyPart);
            RowGradient(t, 0f, beta, entropyPart);
        }
        // L as the reference's update sums it; the gradients AccumulateGradients leaves are checked against the chain below.
        parameters.ZeroGradients();
        PolicyLoss loss = engine.AccumulateGradients(batch);
        float[] updateGradients = (float[])parameters.Gradients.Clone();
        report.Section("Loss");
        report.Row("logp_a", chosen);
        report.Row("L.policy", [loss.PolicyTerm]);
        report.Row("H.mean", [loss.MeanEntropy]);
        report.Row("L.entropy", [loss.Loss - loss.PolicyTerm]);
        report.Row("L", [loss.Loss]);

        report.Section("Gradient at the logits");
        for (int t = 0; t < steps; t++)
        {
            report.Row($"dlogits.policy[{t}]", policyPart.AsSpan(t * outputs, outputs));
            report.Row($"dlogits.entropy[{t}]", entropyPart.AsSpan(t * outputs, outputs), scientific: true);
            report.Row($"dlogits[{t}]", dLogits.AsSpan(t * outputs, outputs));
        }

        // Backward, layer by layer from dz_L = ∂L/∂logits: dW_l += dz_lᵀ·a_{l−1}, db_l += Σ_t dz_l, and below the
        // output da_{l−1} = dz_l·W_l, dz_{l−1} = (da_{l−1} ⊙ f′(u_{l−1})) ⊙ m_{l−1}.
        float[] gradients = new float[parameters.Length];
        float[] dz = dLogits;
        report.Section("Backward through the network");
        for (int l = layers; l >= 1; l--)
        {
            int fanIn = e.Sizes[l - 1];
            float[] da = l > 1 ? new float[steps * fanIn] : [];
            Layers.DenseBackward(a[l - 1], Values(weight[l]), dz, steps,
                ParameterBuffer.View(gradients, weight[l]), ParameterBuffer.View(gradients, bias[l]), da);
            ReadOnlySpan<float> dW = ParameterBuffer.View(gradients, weight[l]);
            for (int r = 0; r < e.Sizes[l]; r++)
            {
                report.Row($"dW{l}[{r}]", dW.Slice(r * fanIn, fanIn));
            }
            report.Row($"db{l}", ParameterBuffer.View(gradients, bias[l]));
            if (l > 1)
            {
                report.Block();
                float[] dzBelow = new float[steps * fanIn];
                Layers.ActivationBackward(activation, u[l - 1], a[l - 1], da, dzBelow);
                if (dropout)
                {
                    Layers.DropoutBackward(dzBelow, steps, e.Masks, maskOffset[l - 1]);
                }
                for (int t = 0; t < steps; t++)
                {
                    report.Row($"d{H(l - 1)}[{t}]", da.AsSpan(t * fanIn, fanIn));
                    report.Row($"dz{l - 1}[{t}]", dzBelow.AsSpan(t * fanIn, fanIn));
                }
                report.Block();
                dz = dzBelow;
            }
        }
        if (!SameBits(gradients, updateGradients))
        {
            throw new InvalidOperationException("The layer-by-layer chain differs from ReferenceEngine.AccumulateGradients; this is a bug.");
        }

        // One optimizer step.
        if (adam)
        {
            var optimizer = new Adam(parameters.Length, options.LearningRate, e.Beta1, e.Beta2, e.AdamEpsilon);
            var scalars = OptimizerSteps.AdamScalars(optimizer, 1);
            OptimizerSteps.Adam(optimizer, parameters.Values, gradients);
            report.Section("One Adam step");
            report.Row("adam.step_size", [-scalars.Step]);
            report.Row("adam.bc2_sqrt", [scalars.BiasCorrection2Sqrt]);
            TensorRows(report, e, weight, bias, ("m.", optimizer.FirstMoment, true), ("v.", optimizer.SecondMoment, true), ("", parameters.Values, false));
        }
        else
        {
            // Any other optimizer of the registry: its reference step, then its state buffers (none for SGD) and the weights.
            Optimizer optimizer = Optimizer.Create(e.Optimizer, parameters.Length, options.LearningRate);
            OptimizerSteps.Step(optimizer, parameters.Values, gradients);
            report.Section($"One {optimizer.Name.ToUpperInvariant()} step");
            TensorRows(report, e, weight, bias, [.. optimizer.StateBuffers.Select(b => ($"{b.Name}.", b.Buffer, true)), ("", parameters.Values, false)]);
        }

        // The policy after the update on the same states (and masks), and the loss of the same batch.
        Forward();
        report.Section("What the update did");
        for (int t = 0; t < steps; t++)
        {
            Distribution(z[layers].AsSpan(t * outputs, outputs));
            report.Row($"p.new[{t}]", p);
        }
        parameters.ZeroGradients();
        report.Row("L.new", [engine.AccumulateGradients(batch).Loss]);
        if (e.TrainerResult is float[] trainerResult)
        {
            bool same = SameBits(trainerResult, parameters.Values) && SameBits(e.TrainerWeights!, weights);
            report.Comment(same
                ? "# check: ReinforceTrainer.Update computed the same weights w and parameters, bit for bit"
                : "# check FAILED: ReinforceTrainer.Update computed other numbers; please report this");
        }
        return report;
    }

    private static bool SameBits(float[] x, float[] y) =>
        x.Length == y.Length && x.Select(BitConverter.SingleToInt32Bits).SequenceEqual(y.Select(BitConverter.SingleToInt32Bits));

    // For each tensor, in the flat order: the optimizer's buffers and the new values, weights row by row.
    private static void TensorRows(Report report, Example e, ParameterTensor[] weight, ParameterTensor[] bias,
        params (string Prefix, float[] Buffer, bool Scientific)[] buffers)
    {
        for (int l = 1; l <= e.LayerCount; l++)
        {
            foreach (var (tensor, name, width) in new[] { (weight[l], $"W{l}", e.Sizes[l - 1]), (bias[l], $"b{l}", 0) })
            {
                foreach (var (prefix, buffer, scientific) in buffers)
                {
                    string label = prefix.Length > 0 ? $"{prefix}{name}" : $"{name}.new";
                    ReadOnlySpan<float> view = ParameterBuffer.View(buffer, tensor);
                    if (width == 0)
                    {
                        report.Row(label, view, scientific);
                        continue;
                    }
                    for (int r = 0; r < view.Length / width; r++)
                    {
                        report.Row($"{label}[{r}]", view.Slice(r * width, width), scientific);
                    }
                }
            }
        }
    }

    /// <summary>The shortest text that reads back as the same double, with a lower-case exponent.</summary>
    internal static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture).Replace("E", "e", StringComparison.Ordinal);

    /// <summary>The shortest text that reads back as the same float (0.8f prints as 0.8, not as its double 0.800000011920929).</summary>
    internal static string Number(float value) => value.ToString("R", CultureInfo.InvariantCulture).Replace("E", "e", StringComparison.Ordinal);

    /// <summary>
    /// The printed page: sections ("## title"), blocks separated by blank lines, and in a block comment lines and
    /// "label = numbers" rows. Within a run of rows between comments, labels are padded to the longest and computed
    /// numbers right-aligned in a common width (two more than the longest), as in docs/worked-example.md.
    /// </summary>
    internal sealed class Report
    {
        private readonly List<(string Title, List<List<Line>> Blocks)> sections = [];

        private sealed record Line(string? Comment, string Label, string[] Numbers, bool Scalar);

        public void Section(string title) => sections.Add((title, [[]]));

        /// <summary>The labels of the rows printed so far, in order.</summary>
        public IEnumerable<string> Labels => sections.SelectMany(s => s.Blocks).SelectMany(b => b).Where(l => l.Comment is null).Select(l => l.Label);

        public void Block()
        {
            if (sections[^1].Blocks[^1].Count > 0)
            {
                sections[^1].Blocks.Add([]);
            }
        }

        public void Comment(string text) => Add(new Line(text, "", [], false));

        /// <summary>Computed numbers: 6 decimals, or 4 significant digits in e-notation (always for <paramref name="scientific"/>, else when a nonzero entry is below 10⁻⁴).</summary>
        public void Row(string label, ReadOnlySpan<float> values, bool scientific = false)
        {
            double[] numbers = new double[values.Length];
            for (int i = 0; i < values.Length; i++)
            {
                numbers[i] = values[i];
            }
            Row(label, numbers, scientific);
        }

        public void Row(string label, double[] values, bool scientific = false)
        {
            scientific |= values.Any(v => v != 0 && Math.Abs(v) < 1e-4);
            Add(new Line(null, label, [.. values.Select(v => v.ToString(scientific ? "0.0000e+00" : "F6", CultureInfo.InvariantCulture))], false));
        }

        /// <summary>Given numbers, printed exactly (shortest round-trip form, with ".0" on whole numbers).</summary>
        public void Inputs(string label, ReadOnlySpan<float> values)
        {
            string[] texts = new string[values.Length];
            for (int i = 0; i < values.Length; i++)
            {
                string text = Number(values[i]);
                texts[i] = text.Contains('.') || text.Contains('e') ? text : text + ".0";
            }
            Add(new Line(null, label, texts, false));
        }

        public void Integers(string label, IEnumerable<int> values) =>
            Add(new Line(null, label, [.. values.Select(v => v.ToString(CultureInfo.InvariantCulture))], false));

        public void Setting(string label, double value) => Add(new Line(null, label, [Number(value)], true));

        private void Add(Line line) => sections[^1].Blocks[^1].Add(line);

        public string Render()
        {
            var text = new StringBuilder();
            foreach (var (title, blocks) in sections)
            {
                text.Append("## ").Append(title).Append("\n\n");
                foreach (List<Line> block in blocks.Where(b => b.Count > 0))
                {
                    int start = 0;
                    while (start < block.Count)
                    {
                        if (block[start].Comment is string comment)
                        {
                            text.Append(comment).Append('\n');
                            start++;
                            continue;
                        }
                        int end = start;
                        while (end < block.Count && block[end].Comment is null)
                        {
                            end++;
                        }
                        List<Line> rows = block.GetRange(start, end - start);
                        int labelWidth = rows.Max(r => r.Label.Length);
                        int numberWidth = rows.Where(r => !r.Scalar).Select(r => r.Numbers.Max(n => n.Length) + 2).DefaultIfEmpty(0).Max();
                        foreach (Line row in rows)
                        {
                            text.Append(row.Label.PadRight(labelWidth)).Append(" =");
                            if (row.Scalar)
                            {
                                text.Append(' ').Append(row.Numbers[0]);
                            }
                            else
                            {
                                foreach (string number in row.Numbers)
                                {
                                    text.Append(number.PadLeft(numberWidth));
                                }
                            }
                            text.Append('\n');
                        }
                        start = end;
                    }
                    text.Append('\n');
                }
            }
            return text.ToString();
        }
    }
}
