using System.Globalization;
using Reinforce.Environments;
using Reinforce.Execution;
using Reinforce.NeuralNetworks;
using Reinforce.Policies;
using Reinforce.Returns;
using Reinforce.Text;

namespace Reinforce.Training;

/// <summary>
/// Everything that defines a REINFORCE run. <see cref="Default"/> is the configuration <c>reinforce train</c> runs with
/// no flags (the CLI's <c>default</c> preset, chosen over 1,000 seeds: docs/cli.md, "Choosing the default").
/// <c>new TrainerOptions()</c> holds each property's neutral default: CartPole-v1, 4→128 ReLU→2, Adam at 0.015,
/// reward-to-go returns normalised over a batch of 4 episodes, the loss the mean over the batch's steps, seed 0, the
/// running reward (weight 0.05) from the first episode's return as the solved rule.
/// From those, PyTorch's <c>reinforce.py</c> differs in five settings: discounted returns normalised per episode, one episode per
/// update, the loss summed, the running reward from 10, seed 543 (and dropout 0.6 in today's version) — the CLI's
/// <c>pytorch-example</c> and <c>pytorch-reinforce</c> presets set them.
/// </summary>
public sealed record TrainerOptions
{
    /// <summary>
    /// The default configuration: what <c>reinforce train</c> runs with no flags. 4→32→2 tanh, categorical, Adam at
    /// lr 0.05, 8 episodes per update, discounted returns (γ = 0.99) standardised over the batch, entropy bonus 0.02,
    /// solved when the mean return of the last 100 episodes reaches the threshold (Gymnasium's rule). Chosen by
    /// <c>tools/choose-default.sh</c> (docs/cli.md#choosing-the-default). <c>new TrainerOptions()</c> is not it: each
    /// property's own default is the neutral one listed with it (128 ReLU units, lr 0.015, 4 episodes, reward-to-go, no
    /// entropy, the running-reward rule), and the many configurations built by naming what differs from those keep
    /// their meaning.
    /// </summary>
    public static TrainerOptions Default { get; } = new()
    {
        HiddenSizes = [32],
        HiddenActivation = Activation.Tanh,
        LearningRate = 0.05,
        Gamma = 0.99,
        Returns = ReturnKind.Discounted,
        Normalization = Normalization.PerBatch,
        EntropyCoefficient = 0.02,
        BatchEpisodes = 8,
        MaxEpisodes = 5000,
        SolvedBy = SolvedCriterion.MeanOfLast100,
    };

    /// <summary>"CartPole-v1" or "CartPole-v0".</summary>
    public string EnvironmentId { get; init; } = "CartPole-v1";

    /// <summary>CartPole's integrator.</summary>
    public CartPoleIntegrator Integrator { get; init; } = CartPoleIntegrator.Euler;

    /// <summary>CartPole's <c>sutton_barto_reward</c> option (0 per step, −1 on termination).</summary>
    public bool SuttonBartoReward { get; init; }

    /// <summary>Overrides the environment's time limit (null: the environment's own, 500 for v1, 200 for v0).</summary>
    public int? MaxEpisodeSteps { get; init; }

    /// <summary>Hidden layer sizes.</summary>
    public IReadOnlyList<int> HiddenSizes { get; init; } = [128];

    /// <summary>The hidden activation.</summary>
    public Activation HiddenActivation { get; init; } = Activation.ReLU;

    /// <summary>
    /// Dropout probability p ∈ [0, 1) after every hidden dense layer, before its activation, as in
    /// PyTorch's <c>reinforce.py</c> (<c>Linear → Dropout(0.6) → ReLU → Linear</c>): active in the
    /// rollouts and the update, the identity in evaluation. 0 (the default) means no dropout layer, no
    /// random draws for it, and the parameter names of a network without it.
    /// </summary>
    public double Dropout { get; init; }

    /// <summary>"categorical" or "bernoulli".</summary>
    public string Head { get; init; } = "categorical";

    /// <summary>Weight initialisation.</summary>
    public WeightInitialization Initialization { get; init; } = WeightInitialization.PyTorch;

    /// <summary>"adam" or "sgd".</summary>
    public string Optimizer { get; init; } = "adam";

    /// <summary>Learning rate.</summary>
    public double LearningRate { get; init; } = 0.015;

    /// <summary>Discount γ ∈ [0, 1].</summary>
    public double Gamma { get; init; } = 0.99;

    /// <summary>What weights each step.</summary>
    public ReturnKind Returns { get; init; } = ReturnKind.RewardToGo;

    /// <summary>How the weights are standardised.</summary>
    public Normalization Normalization { get; init; } = Normalization.PerBatch;

    /// <summary>ε of the normalisation (G − mean)/(std + ε); float32 machine epsilon by default.</summary>
    public double NormalizationEpsilon { get; init; } = ReturnCalculator.DefaultEpsilon;

    /// <summary>Subtract the batch's mean weight (a constant baseline) before normalisation.</summary>
    public bool Baseline { get; init; }

    /// <summary>β, the entropy bonus coefficient (≥ 0).</summary>
    public double EntropyCoefficient { get; init; }

    /// <summary>Mean or sum over the batch's steps.</summary>
    public LossReduction LossReduction { get; init; } = LossReduction.Mean;

    /// <summary>Episodes per update (used when <see cref="BatchSteps"/> is null).</summary>
    public int BatchEpisodes { get; init; } = 4;

    /// <summary>When set, each update collects at least this many steps, finishing the episode in progress.</summary>
    public int? BatchSteps { get; init; }

    /// <summary>Stop after this many episodes (checked between updates).</summary>
    public long? MaxEpisodes { get; init; } = 5000;

    /// <summary>Stop after this many updates.</summary>
    public int? MaxUpdates { get; init; }

    /// <summary>Stop as soon as the run is solved by the criterion <see cref="SolvedBy"/> chooses.</summary>
    public bool StopWhenSolved { get; init; } = true;

    /// <summary>
    /// What "solved" means: the running reward above the environment's reward threshold (PyTorch's example, the default)
    /// or Gymnasium's rule, the mean return of the last 100 episodes at or above it. The trainer tracks both either way;
    /// this chooses the one <see cref="ReinforceTrainer.Solved"/> reports and <see cref="StopWhenSolved"/> stops on.
    /// </summary>
    public SolvedCriterion SolvedBy { get; init; } = SolvedCriterion.RunningReward;

    /// <summary>Weight w of the running reward: r ← (1 − w)·r + w·R per episode (0.05 in PyTorch's example today, 0.01 in the notebook).</summary>
    public double RunningRewardWeight { get; init; } = 0.05;

    /// <summary>
    /// The running reward before the first episode, or null (the default) to start it at the first episode's return,
    /// r₁ = R₁, so that it is an average of returns only, whatever the environment's reward scale. PyTorch's
    /// reinforce.py starts at 10, a CartPole-sized guess that the presets following it keep. Either way nothing is
    /// <see cref="ReinforceTrainer.Solved"/> before an episode has run.
    /// </summary>
    public double? RunningRewardStart { get; init; }

    /// <summary>
    /// The running reward after episode <paramref name="episodeIndex"/> (0-based) with return
    /// <paramref name="episodeReturn"/>, from its value <paramref name="runningReward"/> before it:
    /// r ← (1 − w)·r + w·R, except that the first episode gives R itself when <see cref="RunningRewardStart"/> is null.
    /// The trainer, the CLI's learning curves and the sweep's figures all compute it here, so they agree bit for bit.
    /// </summary>
    public double NextRunningReward(double runningReward, double episodeReturn, long episodeIndex) =>
        episodeIndex == 0 && RunningRewardStart is null
            ? episodeReturn
            : (1 - RunningRewardWeight) * runningReward + RunningRewardWeight * episodeReturn;

    /// <summary>The running reward before the first episode: <see cref="RunningRewardStart"/>, or 0 when it is null.</summary>
    public double InitialRunningReward => RunningRewardStart ?? 0;

    /// <summary>The run seed: initial weights and every episode's stream derive from it.</summary>
    public ulong Seed { get; init; }

    /// <summary>
    /// Workers that collect a batch's episodes, each with its own environment, workspace and generator (the
    /// result does not depend on it: episode k always uses stream k of the seed). A batch of one episode is
    /// collected on the calling thread whatever this is. A batch of many steps (a network with one hidden layer,
    /// on a machine with several processors) also has its forward and backward pass split across the workers, with
    /// the same result bit for bit.
    /// </summary>
    public int Threads { get; init; } = 1;

    /// <summary>
    /// Which code computes the updates (<see cref="ExecutionMode"/>): the reference, or the fast engine with its choices
    /// fixed or made by timing. The numbers are the same bit for bit; only the time differs.
    /// </summary>
    public ExecutionMode Execution { get; init; } = ExecutionMode.Auto;

    /// <summary>The largest <see cref="BatchSteps"/> (as the <c>--batch-steps</c> flag).</summary>
    public const int MaxBatchSteps = 10_000_000;

    /// <summary>The most workers <see cref="Threads"/> accepts.</summary>
    public const int MaxThreads = 1024;

    /// <summary>The widest hidden layer <see cref="HiddenSizes"/> accepts.</summary>
    public const int MaxHiddenSize = 65536;

    /// <summary>The most hidden layers <see cref="HiddenSizes"/> accepts.</summary>
    public const int MaxHiddenLayers = 64;

    /// <summary>
    /// The most memory a trainer may reserve for its parameters and batch buffers (4 GiB): options that
    /// would need more are refused by <see cref="Validate"/> instead of failing with an out-of-memory error
    /// later (or, for a resumed checkpoint, spinning while the machine swaps).
    /// </summary>
    public const long MaxBufferBytes = 4L << 30;

    /// <summary>
    /// Checks every option, each in the type it is used in (the learning rate and the entropy coefficient
    /// are float32 in the update, so they must be finite and, where required, nonzero as float32), and
    /// that the buffers the options imply fit in <see cref="MaxBufferBytes"/>. Throws
    /// <see cref="ArgumentException"/> naming the option, its value and what is accepted.
    /// </summary>
    public void Validate()
    {
        if (EnvironmentId is not ("CartPole-v1" or "CartPole-v0"))
        {
            Fail(nameof(EnvironmentId), EnvironmentId is null ? null : Display.Quote(EnvironmentId), "CartPole-v1 or CartPole-v0");
        }
        if (MaxEpisodeSteps is <= 0)
        {
            Fail(nameof(MaxEpisodeSteps), MaxEpisodeSteps, "an integer ≥ 1, or null for the environment's limit");
        }
        if (HiddenSizes is null || HiddenSizes.Count > MaxHiddenLayers || HiddenSizes.Any(size => size is <= 0 or > MaxHiddenSize))
        {
            Fail(nameof(HiddenSizes), HiddenSizes is null ? "null" : Display.Quote(string.Join(",", HiddenSizes)),
                $"at most {MaxHiddenLayers} sizes in [1, {MaxHiddenSize}] (an empty list is a linear policy)");
        }
        // The scale 1/(1 − p) is a float32 in the forward: it must be finite there too.
        if (!(Dropout >= 0 && Dropout < 1 && (float)(1 - Dropout) > 0 && float.IsFinite(1f / (float)(1 - Dropout))))
        {
            Fail(nameof(Dropout), Dropout, "a number in [0, 1) whose keep probability 1 − p is nonzero as a float32");
        }
        if (Head is null || !PolicyHead.Names.Contains(Head.ToLowerInvariant()))
        {
            Fail(nameof(Head), Head is null ? null : Display.Quote(Head), string.Join(" or ", PolicyHead.Names));
        }
        if (Optimizer is null || !Optimizers.Optimizer.Names.Contains(Optimizer.ToLowerInvariant()))
        {
            Fail(nameof(Optimizer), Optimizer is null ? null : Display.Quote(Optimizer), string.Join(" or ", Optimizers.Optimizer.Names));
        }
        if (!IsPositiveSingle(LearningRate))
        {
            Fail(nameof(LearningRate), LearningRate, PositiveSingle);
        }
        if (!(Gamma >= 0 && Gamma <= 1))
        {
            Fail(nameof(Gamma), Gamma, "a number in [0, 1]");
        }
        if (!(double.IsFinite(NormalizationEpsilon) && NormalizationEpsilon > 0))
        {
            Fail(nameof(NormalizationEpsilon), NormalizationEpsilon, "a finite number > 0");
        }
        if (!(EntropyCoefficient >= 0 && float.IsFinite((float)EntropyCoefficient)))
        {
            Fail(nameof(EntropyCoefficient), EntropyCoefficient, "a number ≥ 0 that is finite as a float32 (at most 3.4028235e38)");
        }
        if (BatchEpisodes < 1)
        {
            Fail(nameof(BatchEpisodes), BatchEpisodes, "an integer ≥ 1");
        }
        if (BatchSteps is < 1 or > MaxBatchSteps)
        {
            Fail(nameof(BatchSteps), BatchSteps, $"an integer in [1, {MaxBatchSteps}], or null to batch by episodes");
        }
        if (MaxEpisodes is < 1)
        {
            Fail(nameof(MaxEpisodes), MaxEpisodes, "an integer ≥ 1, or null");
        }
        if (MaxUpdates is < 1)
        {
            Fail(nameof(MaxUpdates), MaxUpdates, "an integer ≥ 1, or null");
        }
        if (!(RunningRewardWeight > 0 && RunningRewardWeight <= 1))
        {
            Fail(nameof(RunningRewardWeight), RunningRewardWeight, "a number in (0, 1]");
        }
        if (RunningRewardStart is double start && !double.IsFinite(start))
        {
            Fail(nameof(RunningRewardStart), start, "a finite number, or null for the first episode's return");
        }
        if (!Enum.IsDefined(SolvedBy))
        {
            Fail(nameof(SolvedBy), SolvedBy, "RunningReward or MeanOfLast100");
        }
        if (Threads is < 1 or > MaxThreads)
        {
            Fail(nameof(Threads), Threads, $"an integer in [1, {MaxThreads}]");
        }
        if (!Enum.IsDefined(Execution))
        {
            Fail(nameof(Execution), Execution, "Auto, Fast or Reference");
        }
        long bytes = BufferBytes(CartPole.ObservationLength, PolicyHead.Create(Head!, CartPole.ActionLength).OutputSize,
            MaxEpisodeSteps ?? (EnvironmentId == CartPole.V0Id ? CartPole.V0MaxEpisodeSteps : CartPole.V1MaxEpisodeSteps));
        if (bytes > MaxBufferBytes)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"The batch size ({(BatchSteps is int s ? $"BatchSteps = {s}" : $"BatchEpisodes = {BatchEpisodes}")}, episodes of up to {MaxEpisodeSteps?.ToString(CultureInfo.InvariantCulture) ?? "the environment's"} steps), the network ({string.Join("-", HiddenSizes!)}) and {Threads} worker(s) need {bytes / (1 << 20)} MiB of buffers; expected at most {MaxBufferBytes >> 20} MiB (smaller batches, shorter episodes, narrower layers or fewer workers)."),
                nameof(BatchEpisodes));
        }
    }

    /// <summary>
    /// The options whose value cannot change the run in this configuration, each with the reason: γ without
    /// discounted returns, the normalisation's ε without normalisation, a baseline that the normalisation removes
    /// again, a hidden activation or dropout without a hidden layer, workers for one-episode batches or for the
    /// reference (<see cref="ExecutionMode.Reference"/>, which runs on one thread). A tool
    /// can warn when such an option was set on purpose, and show only effective values.
    /// </summary>
    public IReadOnlyList<(string Option, string Reason)> IneffectiveOptions()
    {
        var ineffective = new List<(string, string)>();
        if (Returns != ReturnKind.Discounted)
        {
            ineffective.Add((nameof(Gamma), $"only discounted returns use γ; {Returns.Name()} returns are undiscounted"));
        }
        if (Normalization == Normalization.None)
        {
            ineffective.Add((nameof(NormalizationEpsilon), "ε is used only when the weights are normalised"));
        }
        else if (Baseline)
        {
            ineffective.Add((nameof(Baseline), $"normalising the weights ({Normalization.Name()}) subtracts their mean again, so a constant baseline changes nothing (but rounding)"));
        }
        if (HiddenSizes.Count == 0)
        {
            ineffective.Add((nameof(HiddenActivation), "a linear policy has no hidden layer to activate"));
            if (Dropout > 0)
            {
                ineffective.Add((nameof(Dropout), "dropout acts on hidden layers, and a linear policy has none"));
            }
        }
        // One reason per option: the reference's comes first, since it holds for any batch.
        if (Threads > 1 && Execution == ExecutionMode.Reference)
        {
            ineffective.Add((nameof(Threads), "threads are not used by the reference, which computes one episode at a time on one thread (the fast engine, auto or fast, uses them)"));
        }
        else if (Threads > 1 && BatchSteps is null && BatchEpisodes == 1)
        {
            ineffective.Add((nameof(Threads), "a batch of one episode is collected on the calling thread"));
        }
        return ineffective;
    }

    /// <summary>
    /// The bytes a trainer reserves for these options: parameters, gradients and the optimizer's moments,
    /// and, per row of the largest batch, the observation, action, reward and weight, every layer's
    /// activations and gradients, and one more batch per worker. An estimate from above, in 64-bit arithmetic.
    /// </summary>
    public long BufferBytes(int observationSize, int outputSize, int maxEpisodeSteps)
    {
        var widths = new List<long> { observationSize };
        widths.AddRange(HiddenSizes.Select(size => (long)size));
        widths.Add(outputSize);
        long parameters = 0;
        for (int l = 1; l < widths.Count; l++)
        {
            parameters += widths[l] * (widths[l - 1] + 1);
        }
        long rows = BatchSteps is int target ? (long)target + maxEpisodeSteps : (long)maxEpisodeSteps * BatchEpisodes;
        long perRow = (observationSize + 3L) * (Threads + 1) + 2 * widths.Sum() + 2 * widths.Max() + 2L * outputSize;
        // Saturate instead of overflowing: anything above the limit is refused anyway.
        double total = 4.0 * (4.0 * parameters + (double)rows * perRow);
        return total >= long.MaxValue ? long.MaxValue : (long)total;
    }

    private const string PositiveSingle = "a number > 0 that is finite and nonzero as a float32 (from 1.4e-45 to 3.4028235e38)";

    private static bool IsPositiveSingle(double value) => value > 0 && float.IsFinite((float)value) && (float)value > 0;

    private static void Fail(string option, object? value, string accepted)
        => throw new ArgumentException($"{option} = {value ?? "null"} is not accepted; expected {accepted}.", option);
}

/// <summary>When a run counts as solved (see docs/statistics.md#solved).</summary>
public enum SolvedCriterion
{
    /// <summary>
    /// The running reward r ← (1 − w)·r + w·R exceeds the environment's reward threshold (strictly), as in PyTorch's
    /// <c>reinforce.py</c>: <c>if running_reward &gt; env.spec.reward_threshold</c>.
    /// </summary>
    RunningReward,

    /// <summary>
    /// Gymnasium's rule: the mean return of the last <see cref="ReinforceTrainer.SolvedWindowEpisodes"/> (100)
    /// consecutive episodes reaches the reward threshold (≥); not before 100 episodes have run.
    /// </summary>
    /// <remarks>
    /// Where the rule comes from. Gymnasium keeps only the number: <c>EnvSpec.reward_threshold</c>, "the reward threshold
    /// for completing the environment" (<c>gymnasium/envs/registration.py</c>; 475 for CartPole-v1, 195 for v0), and
    /// its <c>RecordEpisodeStatistics</c> wrapper keeps the last 100 returns (<c>buffer_length=100</c>). The averaging
    /// is OpenAI Gym's, whose <c>EnvSpec</c> had <c>trials=100</c>, "the number of trials to average reward over", and
    /// <c>reward_threshold</c>, "the reward threshold before the task is considered solved"; its scoreboard
    /// (<c>gym/scoreboard/scoring.py</c>, <c>score_from_merged</c>) scores only runs of at least <c>trials</c> episodes
    /// (<c>if len(episode_rewards) &gt;= trials</c>), takes the running mean over <c>trials</c> consecutive episodes and
    /// the first window with <c>means &gt;= reward_threshold</c>: at or above, not strictly above. It reported that
    /// window's first episode index ("episodes before solve"); <see cref="ReinforceTrainer.MeanOfLast100SolvedAtEpisode"/>
    /// is the window's last episode, counting from 1, i.e. that index + 100.
    /// </remarks>
    MeanOfLast100,
}
