using Reinforce.Environments;
using Reinforce.NeuralNetworks;
using Reinforce.Policies;
using Reinforce.Returns;

namespace Reinforce.Training;

/// <summary>
/// Everything that defines a REINFORCE run. The defaults are the configuration of PyTorch's
/// <c>reinforce.py</c> example on CartPole-v1 (4→128 ReLU→2, Adam 1e-2, γ 0.99, one episode per
/// update, returns normalised per episode, running reward weight 0.05, seed 543) except for
/// the loss reduction, which is the mean of the formula the library documents, and for the
/// script's dropout, which is off (<see cref="Dropout"/> = 0.6 turns it on).
/// </summary>
public sealed record TrainerOptions
{
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
    public double LearningRate { get; init; } = 1e-2;

    /// <summary>Discount γ ∈ [0, 1].</summary>
    public double Gamma { get; init; } = 0.99;

    /// <summary>What weights each step.</summary>
    public ReturnKind Returns { get; init; } = ReturnKind.Discounted;

    /// <summary>How the weights are standardised.</summary>
    public Normalization Normalization { get; init; } = Normalization.PerEpisode;

    /// <summary>ε of the normalisation (G − mean)/(std + ε); float32 machine epsilon by default.</summary>
    public double NormalizationEpsilon { get; init; } = ReturnCalculator.DefaultEpsilon;

    /// <summary>Subtract the batch's mean weight (a constant baseline) before normalisation.</summary>
    public bool Baseline { get; init; }

    /// <summary>β, the entropy bonus coefficient (≥ 0).</summary>
    public double EntropyCoefficient { get; init; }

    /// <summary>Mean or sum over the batch's steps.</summary>
    public LossReduction LossReduction { get; init; } = LossReduction.Mean;

    /// <summary>Episodes per update (used when <see cref="BatchSteps"/> is null).</summary>
    public int BatchEpisodes { get; init; } = 1;

    /// <summary>When set, each update collects at least this many steps, finishing the episode in progress.</summary>
    public int? BatchSteps { get; init; }

    /// <summary>Stop after this many episodes (checked between updates).</summary>
    public long? MaxEpisodes { get; init; }

    /// <summary>Stop after this many updates.</summary>
    public int? MaxUpdates { get; init; }

    /// <summary>Stop as soon as the running reward exceeds the environment's reward threshold.</summary>
    public bool StopWhenSolved { get; init; } = true;

    /// <summary>Weight w of the running reward: r ← (1 − w)·r + w·R per episode (0.05 in PyTorch's example today, 0.01 in the notebook).</summary>
    public double RunningRewardWeight { get; init; } = 0.05;

    /// <summary>The running reward before the first episode.</summary>
    public double RunningRewardStart { get; init; } = 10;

    /// <summary>The run seed: initial weights and every episode's stream derive from it.</summary>
    public ulong Seed { get; init; } = 543;

    /// <summary>
    /// Workers that collect a batch's episodes, each with its own environment, workspace and generator (the
    /// result does not depend on it: episode k always uses stream k of the seed). A batch of one episode is
    /// collected on the calling thread whatever this is.
    /// </summary>
    public int Threads { get; init; } = 1;

    /// <summary>
    /// Checks every option; throws <see cref="ArgumentException"/> naming the option, its value
    /// and what is accepted.
    /// </summary>
    public void Validate()
    {
        if (EnvironmentId is not ("CartPole-v1" or "CartPole-v0"))
        {
            Fail(nameof(EnvironmentId), EnvironmentId, "CartPole-v1 or CartPole-v0");
        }
        if (MaxEpisodeSteps is <= 0)
        {
            Fail(nameof(MaxEpisodeSteps), MaxEpisodeSteps, "an integer ≥ 1, or null for the environment's limit");
        }
        if (HiddenSizes is null || HiddenSizes.Any(size => size <= 0))
        {
            Fail(nameof(HiddenSizes), HiddenSizes is null ? "null" : string.Join(",", HiddenSizes), "sizes ≥ 1 (an empty list is a linear policy)");
        }
        if (!(Dropout >= 0 && Dropout < 1))
        {
            Fail(nameof(Dropout), Dropout, "a number in [0, 1)");
        }
        if (!PolicyHead.Names.Contains(Head.ToLowerInvariant()))
        {
            Fail(nameof(Head), Head, string.Join(" or ", PolicyHead.Names));
        }
        if (!Optimizers.Optimizer.Names.Contains(Optimizer.ToLowerInvariant()))
        {
            Fail(nameof(Optimizer), Optimizer, string.Join(" or ", Optimizers.Optimizer.Names));
        }
        if (!(double.IsFinite(LearningRate) && LearningRate > 0))
        {
            Fail(nameof(LearningRate), LearningRate, "a finite number > 0");
        }
        if (!(Gamma >= 0 && Gamma <= 1))
        {
            Fail(nameof(Gamma), Gamma, "a number in [0, 1]");
        }
        if (!(double.IsFinite(NormalizationEpsilon) && NormalizationEpsilon > 0))
        {
            Fail(nameof(NormalizationEpsilon), NormalizationEpsilon, "a finite number > 0");
        }
        if (!(double.IsFinite(EntropyCoefficient) && EntropyCoefficient >= 0))
        {
            Fail(nameof(EntropyCoefficient), EntropyCoefficient, "a finite number ≥ 0");
        }
        if (BatchEpisodes < 1)
        {
            Fail(nameof(BatchEpisodes), BatchEpisodes, "an integer ≥ 1");
        }
        if (BatchSteps is < 1)
        {
            Fail(nameof(BatchSteps), BatchSteps, "an integer ≥ 1, or null to batch by episodes");
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
        if (!double.IsFinite(RunningRewardStart))
        {
            Fail(nameof(RunningRewardStart), RunningRewardStart, "a finite number");
        }
        if (Threads < 1)
        {
            Fail(nameof(Threads), Threads, "an integer ≥ 1");
        }
    }

    private static void Fail(string option, object? value, string accepted)
        => throw new ArgumentException($"{option} = {value ?? "null"} is not accepted; expected {accepted}.", option);
}
