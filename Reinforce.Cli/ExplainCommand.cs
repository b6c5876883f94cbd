using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Reinforce.Checkpoints;
using Reinforce.NeuralNetworks;
using Reinforce.Optimizers;
using Reinforce.Policies;
using Reinforce.Randomness;
using Reinforce.Returns;
using Reinforce.Text;
using Reinforce.Training;

namespace Reinforce.Cli;

/// <summary>
/// <c>reinforce explain</c>: one REINFORCE update written out number by number, in the layout of
/// docs/worked-example.md — the inputs, the forward pass, the returns and weights, the loss, ∂L/∂logits,
/// the backward pass layer by layer, the optimizer step and the policy after it. Two sources of inputs:
/// a seeded run (the first update of <c>reinforce train</c> with the same flags, shrunk to a printable
/// size unless told otherwise) or a file of hand-picked numbers (<c>--inputs</c>; docs/worked-example.md
/// is such a file).
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
        context.Output.Write(Explain(example).Render());
        return Cli.ExitSuccess;
    }

    /// <summary>Everything one update needs, wherever it came from.</summary>
    internal sealed class Example
    {
        public required int[] Sizes { get; init; }
        public required Activation Activation { get; init; }
        public required PolicyHead Head { get; init; }
        public double Dropout { get; init; }
        public required float[] Parameters { get; init; }
        public required float[] States { get; init; }
        public required int[] Actions { get; init; }
        public required float[] Rewards { get; init; }
        public required int[] Lengths { get; init; }
        public float[] Masks { get; init; } = [];
        public required double Gamma { get; init; }
        public required double Beta { get; init; }
        public required double LearningRate { get; init; }
        public double Beta1 { get; init; } = 0.9;
        public double Beta2 { get; init; } = 0.999;
        public double AdamEpsilon { get; init; } = 1e-8;
        public required double NormalizationEpsilon { get; init; }
        public required ReturnKind Returns { get; init; }
        public required Normalization Normalization { get; init; }
        public bool Baseline { get; init; }
        public required LossReduction Reduction { get; init; }
        public required string Optimizer { get; init; }
        public IReadOnlyList<string> RunNotes { get; init; } = [];
        public float[]? TrainerResult { get; init; }
        public float[]? TrainerWeights { get; init; }
        public int Steps => Actions.Length;
        public int LayerCount => Sizes.Length - 1;
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
            Sizes = [.. trainer.Policy.Network.LayerSizes],
            Activation = options.HiddenActivation,
            Head = trainer.Policy.Head,
            Dropout = options.Dropout,
            Parameters = (float[])initial.Policy.Parameters.Values.Clone(),
            States = batch.Observations.ToArray(),
            Actions = batch.Actions.ToArray(),
            Rewards = batch.Rewards.ToArray(),
            Lengths = batch.EpisodeLengths.ToArray(),
            Masks = batch.DropoutMasks.ToArray(),
            Gamma = options.Gamma,
            Beta = options.EntropyCoefficient,
            LearningRate = options.LearningRate,
            NormalizationEpsilon = options.NormalizationEpsilon,
            Returns = options.Returns,
            Normalization = options.Normalization,
            Baseline = options.Baseline,
            Reduction = options.LossReduction,
            Optimizer = options.Optimizer.ToLowerInvariant(),
            RunNotes = notes,
            TrainerResult = (float[])trainer.Policy.Parameters.Values.Clone(),
            TrainerWeights = batch.Weights.ToArray(),
        };
    }

    // ---- Inputs from a file ---------------------------------------------------------------------

    private static Example FromFile(string path, ParsedArguments args)
    {
        if (NotWithInputs.FirstOrDefault(args.Has) is string flag)
        {
            throw new UsageException($"{flag} cannot be given with --inputs: the file fixes the network and the episode (flags accepted with --inputs: the kinds, e.g. --activation, --returns, --normalize, --loss, --head, and settings the file lacks)");
        }
        string text = PathArguments.ReadText("--inputs", path, PathArguments.MaxConfigBytes, "label = numbers lines (see reinforce explain --help)");
        Dictionary<string, string[]> values = ReadLabels(path, text);
        TrainerOptions options = TrainCommand.Resolve(args).Options;

        float[] Floats(string label, string[] texts) => [.. texts.Select(t => (float)ParseNumber(path, label, t))];
        double Setting(string label, string? flag, double fromOptions)
        {
            if (!values.TryGetValue(label, out string[]? texts))
            {
                return fromOptions;
            }
            if (flag is not null && args.Has(flag))
            {
                throw new UsageException($"{flag} and --inputs {Display.Quote(path)} both set {label}; give one of them");
            }
            return texts.Length == 1 ? ParseNumber(path, label, texts[0]) : throw new UsageException($"--inputs {Display.Quote(path)}: {Display.Quote(label)} needs one number, got {texts.Length}");
        }

        // The network: W1[r], b1, W2[r], b2, … until a layer is missing.
        var sizes = new List<int>();
        var parameters = new List<float>();
        for (int l = 1; values.ContainsKey($"W{l}[0]"); l++)
        {
            var rows = new List<float[]>();
            for (int r = 0; values.TryGetValue($"W{l}[{r}]", out string[]? row); r++)
            {
                rows.Add(Floats($"W{l}[{r}]", row));
            }
            int fanIn = rows[0].Length;
            if (rows.Any(row => row.Length != fanIn))
            {
                throw new UsageException($"--inputs {Display.Quote(path)}: the rows of W{l} have different lengths");
            }
            if (l == 1)
            {
                sizes.Add(fanIn);
            }
            else if (fanIn != sizes[^1])
            {
                throw new UsageException($"--inputs {Display.Quote(path)}: W{l} has {fanIn} columns but layer {l - 1} has {sizes[^1]} outputs");
            }
            float[] bias = values.TryGetValue($"b{l}", out string[]? b) ? Floats($"b{l}", b)
                : throw new UsageException($"--inputs {Display.Quote(path)}: W{l} has no bias b{l}");
            if (bias.Length != rows.Count)
            {
                throw new UsageException($"--inputs {Display.Quote(path)}: b{l} has {bias.Length} numbers; W{l} has {rows.Count} rows");
            }
            sizes.Add(rows.Count);
            parameters.AddRange(rows.SelectMany(row => row));
            parameters.AddRange(bias);
        }
        if (sizes.Count < 2)
        {
            throw new UsageException($"--inputs {Display.Quote(path)}: no weights; expected W1[0], W1[1], …, b1, then W2[…], b2, …");
        }
        var head = PolicyHead.Create(options.Head, 2);
        if (sizes[^1] != head.OutputSize)
        {
            throw new UsageException($"--inputs {Display.Quote(path)}: the last layer has {sizes[^1]} outputs; the {head.Name} head reads {head.OutputSize}");
        }

        // The episode(s): s[t], a, r, and optionally the lengths of the episodes back to back.
        var states = new List<float>();
        int steps = 0;
        for (; values.TryGetValue($"s[{steps}]", out string[]? s); steps++)
        {
            float[] state = Floats($"s[{steps}]", s);
            if (state.Length != sizes[0])
            {
                throw new UsageException($"--inputs {Display.Quote(path)}: s[{steps}] has {state.Length} numbers; W1 has {sizes[0]} columns");
            }
            states.AddRange(state);
        }
        int[] actions = values.TryGetValue("a", out string[]? a)
            ? [.. a.Select(t => int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out int action) && action < head.ActionCount ? action
                : throw new UsageException($"--inputs {Display.Quote(path)}: action {Display.Quote(t, 20)} is not one of 0..{head.ActionCount - 1}"))]
            : throw new UsageException($"--inputs {Display.Quote(path)}: no actions (a = …)");
        float[] rewards = values.TryGetValue("r", out string[]? rewardTexts) ? Floats("r", rewardTexts) : throw new UsageException($"--inputs {Display.Quote(path)}: no rewards (r = …)");
        int[] lengths = values.TryGetValue("lengths", out string[]? l0)
            ? [.. l0.Select(t => int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0 ? n
                : throw new UsageException($"--inputs {Display.Quote(path)}: episode length {Display.Quote(t, 20)} is not an integer ≥ 1"))]
            : [steps];
        if (steps == 0 || actions.Length != steps || rewards.Length != steps || lengths.Sum() != steps)
        {
            throw new UsageException($"--inputs {Display.Quote(path)}: {steps} states, {actions.Length} actions, {rewards.Length} rewards and episode lengths summing to {lengths.Sum()}; they must agree (and be ≥ 1)");
        }

        return new Example
        {
            Sizes = [.. sizes],
            Activation = options.HiddenActivation,
            Head = head,
            Parameters = [.. parameters],
            States = [.. states],
            Actions = actions,
            Rewards = rewards,
            Lengths = lengths,
            Gamma = Setting("gamma", "--gamma", options.Gamma),
            Beta = Setting("beta", "--entropy-coef", options.EntropyCoefficient),
            LearningRate = Setting("lr", "--lr", options.LearningRate),
            Beta1 = Setting("adam.beta1", null, 0.9),
            Beta2 = Setting("adam.beta2", null, 0.999),
            AdamEpsilon = Setting("adam.eps", null, 1e-8),
            NormalizationEpsilon = Setting("norm.eps", "--normalize-eps", options.NormalizationEpsilon),
            Returns = options.Returns,
            Normalization = options.Normalization,
            Baseline = options.Baseline,
            Reduction = options.LossReduction,
            Optimizer = options.Optimizer.ToLowerInvariant(),
        };
    }

    private static readonly string[] InputLabels = ["lengths", "a", "r", "gamma", "beta", "lr", "adam.beta1", "adam.beta2", "adam.eps", "norm.eps"];

    // label = numbers lines; a Markdown file contributes only the lines of its ```text blocks. Lines this command
    // prints (computed numbers) are skipped, so its own output, or a document made of it, is a valid input file.
    private static Dictionary<string, string[]> ReadLabels(string path, string text)
    {
        bool markdown = path.EndsWith(".md", StringComparison.OrdinalIgnoreCase), inside = !markdown;
        var values = new Dictionary<string, string[]>(StringComparer.Ordinal);
        int number = 0;
        foreach (string line in text.Split('\n').Select(l => l.TrimEnd('\r')))
        {
            number++;
            if (markdown && line.StartsWith("```", StringComparison.Ordinal))
            {
                inside = !inside && line == "```text";
                continue;
            }
            if (!inside || string.IsNullOrWhiteSpace(line) || line.StartsWith('#'))
            {
                continue;
            }
            Match match = LabelLine().Match(line);
            if (!match.Success)
            {
                throw new UsageException($"--inputs {Display.Quote(path)}:{number}: expected 'label = numbers', got {Display.Quote(line.Trim())}");
            }
            string label = match.Groups[1].Value;
            if (label == "dropout" || label.StartsWith("mask", StringComparison.Ordinal))
            {
                throw new UsageException($"--inputs {Display.Quote(path)}:{number}: {Display.Quote(label)}: a run with dropout cannot be read back, its masks come from the episode streams; rerun reinforce explain with its seed and flags");
            }
            if (OutputLabel().IsMatch(label))
            {
                continue;
            }
            if (!InputLabels.Contains(label) && !InputRowLabel().IsMatch(label))
            {
                throw new UsageException($"--inputs {Display.Quote(path)}:{number}: unknown label {Display.Quote(label)}; inputs are W1[r], b1, W2[r], b2, …, s[t], {string.Join(", ", InputLabels)}");
            }
            if (!values.TryAdd(label, match.Groups[2].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
            {
                throw new UsageException($"--inputs {Display.Quote(path)}:{number}: {Display.Quote(label)} appears twice");
            }
        }
        return values;
    }

    // Every input is a float32 in the network (weights, states, rewards) or a double setting: finite in float32 is the rule for both.
    private static double ParseNumber(string path, string label, string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && float.IsFinite((float)value)
            ? value
            : throw new UsageException($"--inputs {Display.Quote(path)}: {Display.Quote(text, 30)} in {label} is not a finite number");

    [GeneratedRegex(@"^(\S+) +=  *(\S.*)$")]
    private static partial Regex LabelLine();

    [GeneratedRegex(@"^(W\d+\[\d+\]|b\d+|s\[\d+\])$")]
    private static partial Regex InputRowLabel();

    [GeneratedRegex(@"^((z\d+|h\d*|logits|p|logp|H|dlogits(\.policy|\.entropy)?|dh\d*|dz\d+|dW\d+|m\.W\d+|v\.W\d+|W\d+\.new|p\.new)\[\d+\]|G|G-b|baseline|G\.mean|G\.std|w|logp_a|L\.policy|H\.mean|L\.entropy|L|L\.new|db\d+|m\.b\d+|v\.b\d+|b\d+\.new|adam\.step_size|adam\.bc2_sqrt)$")]
    private static partial Regex OutputLabel();

    // ---- The update, step by step ---------------------------------------------------------------

    internal static Report Explain(Example e)
    {
        int steps = e.Steps, layers = e.LayerCount, outputs = e.Head.OutputSize, actionCount = e.Head.ActionCount;
        bool dropout = e.Masks.Length > 0;
        var network = new Mlp(e.Sizes, e.Activation, dropout ? e.Dropout : 0);
        ParameterBuffer parameters = network.Parameters;
        e.Parameters.CopyTo(parameters.Values, 0);
        MlpWorkspace workspace = network.CreateWorkspace(steps);
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
            ParameterTensor weight = parameters.Tensors[2 * (l - 1)], bias = parameters.Tensors[2 * (l - 1) + 1];
            string name = weight.Name[..^".weight".Length];
            string what = l < layers
                ? $"{(layers == 2 ? "the hidden layer" : $"hidden layer {l}")}, z{l} = W{l}·{Input(l)} + b{l}, {H(l)} = {e.Activation.Name}({(dropout ? $"mask{l} ⊙ z{l}" : $"z{l}")})"
                : $"the output layer, logits = W{l}·{Input(l)} + b{l}";
            report.Comment($"# {name}.weight, {name}.bias: {what}");
            int fanIn = e.Sizes[l - 1];
            ReadOnlySpan<float> w = ParameterBuffer.View(parameters.Values, weight);
            for (int r = 0; r < e.Sizes[l]; r++)
            {
                report.Inputs($"W{l}[{r}]", w.Slice(r * fanIn, fanIn));
            }
            report.Inputs($"b{l}", ParameterBuffer.View(parameters.Values, bias));
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
        report.Comment($"# the settings, with --returns {e.Returns.Name()} --normalize {e.Normalization.Name()}{(e.Baseline ? " --baseline" : "")} --loss {e.Reduction.Name()} --optimizer {e.Optimizer}");
        if (e.Returns == ReturnKind.Discounted)
        {
            report.Setting("gamma", e.Gamma);
        }
        report.Setting("beta", e.Beta);
        report.Setting("lr", e.LearningRate);
        if (e.Optimizer == "adam")
        {
            report.Setting("adam.beta1", e.Beta1);
            report.Setting("adam.beta2", e.Beta2);
            report.Setting("adam.eps", e.AdamEpsilon);
        }
        if (e.Normalization != Normalization.None)
        {
            report.Setting("norm.eps", e.NormalizationEpsilon);
        }
        if (dropout)
        {
            report.Setting("dropout", e.Dropout);
        }

        // Forward, in training mode with the rollout's masks when there are any.
        float[] logits = new float[steps * outputs];
        network.Forward(e.States, steps, workspace, logits, e.Masks);
        report.Section("Forward pass");
        float[][] beforeDropout = new float[layers][];
        for (int l = 1; l < layers; l++)
        {
            // z_l before the mask, from the layer input the forward pass used (the workspace holds z after it).
            beforeDropout[l] = new float[steps * e.Sizes[l]];
            Dense.Forward(workspace.Activations(l - 1), ParameterBuffer.View(parameters.Values, parameters.Tensors[2 * (l - 1)]),
                ParameterBuffer.View(parameters.Values, parameters.Tensors[2 * (l - 1) + 1]), steps, beforeDropout[l]);
        }
        float[] probabilities = new float[steps * actionCount], logProbabilities = new float[steps * actionCount], entropies = new float[steps];
        for (int t = 0; t < steps; t++)
        {
            report.Comment($"# step {t}");
            for (int l = 1; l < layers; l++)
            {
                int n = e.Sizes[l];
                report.Row($"z{l}[{t}]", beforeDropout[l].AsSpan(t * n, n));
                if (dropout)
                {
                    report.Row($"mask{l}[{t}]", workspace.DropoutMasks(l).Slice(t * n, n));
                }
                report.Row($"{H(l)}[{t}]", workspace.Activations(l).Slice(t * n, n));
            }
            ReadOnlySpan<float> row = logits.AsSpan(t * outputs, outputs);
            for (int a = 0; a < actionCount; a++)
            {
                logProbabilities[t * actionCount + a] = e.Head.LogProbability(row, a);
                probabilities[t * actionCount + a] = MathF.Exp(logProbabilities[t * actionCount + a]);
            }
            entropies[t] = e.Head.Entropy(row);
            report.Row($"logits[{t}]", row);
            report.Row($"p[{t}]", probabilities.AsSpan(t * actionCount, actionCount));
            report.Row($"logp[{t}]", logProbabilities.AsSpan(t * actionCount, actionCount));
            report.Row($"H[{t}]", [entropies[t]]);
        }

        // Returns and weights, as ReinforceTrainer.ComputeWeights computes them.
        report.Section("Returns and weights");
        float[] returns = new float[steps], weights = new float[steps];
        int[] starts = new int[episodes + 1];
        for (int k = 0; k < episodes; k++)
        {
            starts[k + 1] = starts[k] + e.Lengths[k];
            ReturnCalculator.Compute(e.Returns, e.Rewards.AsSpan(starts[k], e.Lengths[k]), e.Gamma, returns.AsSpan(starts[k], e.Lengths[k]));
        }
        report.Comment(e.Returns switch
        {
            ReturnKind.Discounted => "# G: the discounted return of each episode, G_t = r_t + γ·G_{t+1}",
            ReturnKind.RewardToGo => "# G: the reward-to-go of each episode, G_t = r_t + G_{t+1} (undiscounted)",
            _ => "# G: the whole episode's return on every step of it",
        });
        if (e.Baseline)
        {
            report.Comment("# baseline: the mean of G over the batch, subtracted from every step (G-b)");
        }
        if (e.Normalization != Normalization.None)
        {
            report.Comment(e.Normalization == Normalization.PerEpisode
                ? "# w = (G − mean)/(std + ε) within each episode, std the n − 1 one"
                : "# w = (G − mean)/(std + ε) over the whole batch, std the n − 1 one");
        }
        report.Row("G", returns);
        returns.CopyTo(weights, 0);
        if (e.Baseline)
        {
            var (mean, _) = ReturnCalculator.MeanAndStd(weights, unbiased: false);
            for (int t = 0; t < steps; t++)
            {
                weights[t] = (float)(weights[t] - mean);
            }
            report.Row("baseline", [mean]);
            report.Row("G-b", weights);
        }
        if (e.Normalization != Normalization.None)
        {
            bool perEpisode = e.Normalization == Normalization.PerEpisode;
            var means = new List<double>();
            var stds = new List<double>();
            for (int k = 0; k < (perEpisode ? episodes : 1); k++)
            {
                Span<float> range = perEpisode ? weights.AsSpan(starts[k], e.Lengths[k]) : weights;
                var (mean, std) = ReturnCalculator.MeanAndStd(range, unbiased: true);
                means.Add(mean);
                stds.Add(std);
                ReturnCalculator.Normalize(range, e.NormalizationEpsilon);
            }
            report.Row("G.mean", [.. means]);
            report.Row("G.std", [.. stds]);
        }
        report.Row("w", weights);

        // Loss and ∂L/∂logits, whole and split into the policy and entropy terms.
        float[] dLogits = new float[steps * outputs], policyPart = new float[steps * outputs], entropyPart = new float[steps * outputs];
        PolicyLoss loss = e.Head.LossAndGradient(logits, e.Actions, weights, (float)e.Beta, e.Reduction, dLogits);
        e.Head.LossAndGradient(logits, e.Actions, weights, 0f, e.Reduction, policyPart);
        e.Head.LossAndGradient(logits, e.Actions, new float[steps], (float)e.Beta, e.Reduction, entropyPart);
        report.Section("Loss");
        report.Row("logp_a", [.. Enumerable.Range(0, steps).Select(t => logProbabilities[t * actionCount + e.Actions[t]])]);
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

        // Backward: Mlp.Backward as the trainer calls it, and the same chain layer by layer to print dh and dz.
        parameters.ZeroGradients();
        network.Backward(dLogits, workspace);
        float[] gradients = (float[])parameters.Gradients.Clone();
        float[] chain = new float[parameters.Length];
        float[] dz = (float[])dLogits.Clone();
        report.Section("Backward through the network");
        for (int l = layers; l >= 1; l--)
        {
            ParameterTensor weight = parameters.Tensors[2 * (l - 1)], bias = parameters.Tensors[2 * (l - 1) + 1];
            int fanIn = e.Sizes[l - 1];
            float[] dInput = l > 1 ? new float[steps * fanIn] : [];
            Dense.Backward(workspace.Activations(l - 1), ParameterBuffer.View(parameters.Values, weight), dz, steps,
                ParameterBuffer.View(chain, weight), ParameterBuffer.View(chain, bias), dInput);
            ReadOnlySpan<float> dW = ParameterBuffer.View(gradients, weight);
            for (int r = 0; r < e.Sizes[l]; r++)
            {
                report.Row($"dW{l}[{r}]", dW.Slice(r * fanIn, fanIn));
            }
            report.Row($"db{l}", ParameterBuffer.View(gradients, bias));
            if (l > 1)
            {
                report.Block();
                float[] dzBelow = new float[steps * fanIn];
                e.Activation.Backward(workspace.PreActivations(l - 1), workspace.Activations(l - 1), dInput, dzBelow);
                if (dropout)
                {
                    NeuralNetworks.Dropout.Backward(dzBelow, workspace.DropoutMasks(l - 1), dzBelow);
                }
                for (int t = 0; t < steps; t++)
                {
                    report.Row($"d{H(l - 1)}[{t}]", dInput.AsSpan(t * fanIn, fanIn));
                    report.Row($"dz{l - 1}[{t}]", dzBelow.AsSpan(t * fanIn, fanIn));
                }
                report.Block();
                dz = dzBelow;
            }
        }
        if (!chain.AsSpan().SequenceEqual(gradients))
        {
            throw new InvalidOperationException("The layer-by-layer chain differs from Mlp.Backward; this is a bug.");
        }

        // One optimizer step.
        float[] updated = (float[])parameters.Values.Clone();
        if (e.Optimizer == "adam")
        {
            var adam = new Adam(parameters.Length, e.LearningRate, e.Beta1, e.Beta2, e.AdamEpsilon);
            AdamCoefficients coefficients = adam.Coefficients(1);
            adam.Step(updated, gradients);
            report.Section("One Adam step");
            report.Row("adam.step_size", [-coefficients.NegativeStepSize]);
            report.Row("adam.bc2_sqrt", [coefficients.BiasCorrection2Sqrt]);
            TensorRows(report, e, parameters, ("m.", adam.FirstMoment, true), ("v.", adam.SecondMoment, true), ("", updated, false));
        }
        else
        {
            var sgd = new Sgd(parameters.Length, e.LearningRate);
            sgd.Step(updated, gradients);
            report.Section("One SGD step");
            TensorRows(report, e, parameters, ("", updated, false));
        }

        // The policy after the update on the same states (and masks), and the loss of the same batch.
        updated.CopyTo(parameters.Values, 0);
        network.Forward(e.States, steps, workspace, logits, e.Masks);
        report.Section("What the update did");
        float[] newProbabilities = new float[actionCount];
        for (int t = 0; t < steps; t++)
        {
            for (int a = 0; a < actionCount; a++)
            {
                newProbabilities[a] = MathF.Exp(e.Head.LogProbability(logits.AsSpan(t * outputs, outputs), a));
            }
            report.Row($"p.new[{t}]", newProbabilities);
        }
        report.Row("L.new", [e.Head.LossAndGradient(logits, e.Actions, weights, (float)e.Beta, e.Reduction, new float[steps * outputs]).Loss]);
        if (e.TrainerResult is float[] trainerResult)
        {
            bool same = trainerResult.AsSpan().SequenceEqual(updated) && e.TrainerWeights!.AsSpan().SequenceEqual(weights);
            report.Comment(same
                ? "# check: ReinforceTrainer.Update computed the same weights w and parameters, bit for bit"
                : "# check FAILED: ReinforceTrainer.Update computed other numbers; please report this");
        }
        return report;
    }

    // For each tensor, in the flat order: the optimizer's buffers and the new values, weights row by row.
    private static void TensorRows(Report report, Example e, ParameterBuffer parameters, params (string Prefix, float[] Buffer, bool Scientific)[] buffers)
    {
        for (int l = 1; l <= e.LayerCount; l++)
        {
            int fanIn = e.Sizes[l - 1];
            foreach (var (tensor, name, width) in new[] { (parameters.Tensors[2 * (l - 1)], $"W{l}", fanIn), (parameters.Tensors[2 * (l - 1) + 1], $"b{l}", 0) })
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
