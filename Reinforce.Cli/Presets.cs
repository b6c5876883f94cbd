using System.Globalization;
using Reinforce.NeuralNetworks;
using Reinforce.Policies;
using Reinforce.Returns;
using Reinforce.Training;

namespace Reinforce.Cli;

/// <summary>
/// A named configuration: the trainer options, an optional reward threshold that replaces the
/// environment's, where it comes from and what differs from the source. <paramref name="EpisodeLog"/>,
/// when set, replaces the progress line: every --log-interval episodes, the reference script's own line
/// for (episode number from 1, its return, the running reward after it).
/// </summary>
internal sealed record Preset(string Name, string Source, TrainerOptions Options, double? RewardThreshold, IReadOnlyList<string> Notes,
    Func<long, double, double, string>? EpisodeLog = null)
{
    public const string DefaultName = "default";

    /// <summary>reinforce.py's line: <c>f'Episode {i_episode}\tLast reward: {ep_reward:.2f}\tAverage reward: {running_reward:.2f}'</c>.</summary>
    public static string ReinforcePyLine(long episode, double lastReturn, double runningReward) => string.Create(CultureInfo.InvariantCulture,
        $"Episode {episode}\tLast reward: {lastReturn:0.00}\tAverage reward: {runningReward:0.00}");

    /// <summary>
    /// The presets. <c>default</c> is what <c>reinforce train</c> runs with no flags, <see cref="TrainerOptions.Default"/>: chosen
    /// by a search over 1,000 seeds (docs/cli.md, "Choosing the default"); the others follow the reference
    /// notebooks (named by their public sources: PyTorch's examples, the Practical RL course, a Gymnasium + PyTorch
    /// notebook, Géron's Hands-on Machine Learning, OpenAI Spinning Up) as closely as Core allows, and their notes say
    /// where they cannot.
    /// </summary>
    public static IReadOnlyList<Preset> All { get; } =
    [
        new(DefaultName,
            "this project: of 1,152 configurations searched under Gymnasium's rule, the fastest (median episodes to solve) of those that solve all 1,000 seeds (tools/choose-default.sh)",
            TrainerOptions.Default with { EnvironmentId = "CartPole-v1", Optimizer = "adam", LossReduction = LossReduction.Mean, Seed = 0 },
            null,
            ["32 tanh units, 8 episodes per update, discounted returns normalised over the batch, lr 0.05, entropy 0.02: solved 1,000 of 1,000 seeds by the mean of the last 100 returns, median 285 episodes (docs/cli.md, Choosing the default)."]),

        new("pytorch-example",
            "pytorch/examples' reinforcement_learning/reinforce.py as an older notebook runs it (Gym's CartPole-v0, running reward 0.99/0.01)",
            new TrainerOptions
            {
                EnvironmentId = "CartPole-v0",
                HiddenSizes = [128],
                HiddenActivation = Activation.ReLU,
                Optimizer = "adam",
                LearningRate = 1e-2,
                Gamma = 0.99,
                Returns = ReturnKind.Discounted,
                Normalization = Normalization.PerEpisode,
                LossReduction = LossReduction.Sum,
                BatchEpisodes = 1,
                RunningRewardWeight = 0.01,
                RunningRewardStart = 10,
                MaxEpisodes = 10_000,
                Seed = 543,
            },
            null,
            [
                "CartPole-v0 as the notebook makes it (today's reinforce.py uses v1, a running-reward weight of 0.05 and Dropout(0.6): the pytorch-reinforce preset).",
                "The loss is summed over the episode's steps, as reinforce.py sums −log π·G (LossReduction.Sum).",
                "Returns normalised per episode with the unbiased std + float32 eps, as torch's std() does.",
                "The notebook's running reward averages t (length − 1); here it averages the episode return.",
                "The notebook loops until solved; a run that stalls just under the threshold would never end, so this preset stops at 10,000 episodes.",
            ]),

        new("pytorch-reinforce",
            "PyTorch's examples/reinforcement_learning/reinforce.py as it is today (Gymnasium, CartPole-v1, dropout)",
            new TrainerOptions
            {
                EnvironmentId = "CartPole-v1",
                HiddenSizes = [128],
                HiddenActivation = Activation.ReLU,
                Dropout = 0.6,
                Optimizer = "adam",
                LearningRate = 1e-2,
                Gamma = 0.99,
                Returns = ReturnKind.Discounted,
                Normalization = Normalization.PerEpisode,
                LossReduction = LossReduction.Sum,
                BatchEpisodes = 1,
                RunningRewardWeight = 0.05,
                RunningRewardStart = 10,
                MaxEpisodes = 10_000,
                Seed = 543,
            },
            null,
            [
                "Linear(4, 128) → Dropout(0.6) → ReLU → Linear(128, 2) → softmax; dropout is active in the rollouts (the script never calls eval()) and the update uses the rollout's masks. eval, render and greedy play run without it.",
                "Adam 1e-2, one episode per update, discounted returns (γ 0.99) normalised per episode with the unbiased std + float32 eps, the loss summed over the steps.",
                "An episode ends on termination or truncation (500 steps); running reward 0.05·R + 0.95·r from 10, solved above CartPole-v1's threshold of 475.",
                "Progress: the script's own line every --log-interval (10) episodes, on stderr: Episode N, Last reward, Average reward.",
                "Seed 543 as the script's, but the streams are this library's (PCG64), not torch's and Gymnasium's: the runs are not the script's runs.",
                "The script loops until solved; this preset stops at 10,000 episodes.",
            ],
            ReinforcePyLine),

        new("practical-rl",
            "the Practical RL course (Yandex School of Data Analysis), its REINFORCE in PyTorch notebook",
            new TrainerOptions
            {
                EnvironmentId = "CartPole-v0",
                MaxEpisodeSteps = 1000,
                HiddenSizes = [64, 64],
                HiddenActivation = Activation.ReLU,
                Optimizer = "adam",
                LearningRate = 1e-3,
                Gamma = 0.99,
                Returns = ReturnKind.Discounted,
                Normalization = Normalization.None,
                EntropyCoefficient = 1e-2,
                LossReduction = LossReduction.Mean,
                BatchEpisodes = 1,
                MaxEpisodes = 10_000,
                RunningRewardWeight = 0.01,
                Seed = 0,
            },
            500,
            [
                "CartPole-v0 with its time limit removed; sessions are capped at t_max = 1000 steps.",
                "One update per session, 100 epochs of 100 sessions at most; \"win\" is a mean reward > 500, so the reward threshold is 500 and the running reward weighs 1/100.",
                "The notebook leaves the network to the student; this preset uses 4→64→64→2 ReLU.",
                "Loss −mean(log π·G) − 0.01·mean(entropy), no normalisation, as the notebook asks.",
            ]),

        new("gymnasium-torch",
            "a Gymnasium + PyTorch REINFORCE notebook (CartPole-v1, LeakyReLU, 1000 episodes)",
            new TrainerOptions
            {
                EnvironmentId = "CartPole-v1",
                HiddenSizes = [64],
                HiddenActivation = Activation.LeakyReLU(),
                Optimizer = "adam",
                LearningRate = 1e-3,
                Gamma = 0.99,
                Returns = ReturnKind.Discounted,
                Normalization = Normalization.None,
                LossReduction = LossReduction.Sum,
                BatchEpisodes = 1,
                MaxEpisodes = 1000,
                Seed = 0,
            },
            null,
            [
                "Network, optimizer, γ, 1000 episodes, trajectory cap 500 and the summed loss follow the notebook.",
                "Weights: the textbook discounted return G_t. The notebook's discount_rewards (γ^t·(T − t) divided by its max) is not a return and is not reproduced.",
            ]),

        new("handson-keras",
            "Géron's Hands-on Machine Learning, the policy-gradient chapter (TensorFlow/Keras)",
            new TrainerOptions
            {
                EnvironmentId = "CartPole-v1",
                MaxEpisodeSteps = 200,
                Head = "bernoulli",
                HiddenSizes = [16],
                HiddenActivation = Activation.Elu(),
                Initialization = WeightInitialization.Glorot,
                Optimizer = "adam",
                LearningRate = 1e-2,
                Gamma = 0.95,
                Returns = ReturnKind.Discounted,
                Normalization = Normalization.PerEpisode,
                LossReduction = LossReduction.Mean,
                BatchEpisodes = 5,
                MaxUpdates = 100,
                Seed = 0,
            },
            195,
            [
                "Bernoulli head (one sigmoid output, binary cross-entropy), 16 ELU units, Keras' Glorot init, 5 episodes per update, γ 0.95, 100 updates.",
                "Episodes capped at 200 steps, so v1's threshold of 475 is out of reach: the threshold is 195, CartPole-v0's for the same 200-step task.",
                "Normalised per episode as the notebook does (the book normalises over the batch: --normalize batch); the std here is the unbiased one and Adam's ε is PyTorch's 1e-8, not Keras' 1e-7.",
            ]),

        new("spinningup-simple",
            "OpenAI Spinning Up, \"simplest policy gradient\" (PyTorch)",
            SpinningUp(ReturnKind.EpisodeReturn),
            null,
            [
                "Every step weighted by the whole episode's return R(τ), loss −mean(log π·R), no normalisation.",
                "Batches of at least 5000 steps (the notebook stops once it has more than 5000), 50 epochs.",
            ]),

        new("spinningup-rtg",
            "OpenAI Spinning Up, the reward-to-go policy gradient (PyTorch)",
            SpinningUp(ReturnKind.RewardToGo),
            null,
            [
                "Every step weighted by its reward-to-go Σ_{t′≥t} r_t′, loss −mean(log π·R̂), no normalisation.",
                "Batches of at least 5000 steps, 50 epochs.",
            ]),
    ];

    public static IReadOnlyList<string> Names { get; } = All.Select(p => p.Name).ToList();

    public static Preset Default => All[0];

    public static Preset? Find(string name) => All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));

    private static TrainerOptions SpinningUp(ReturnKind returns) => new()
    {
        EnvironmentId = "CartPole-v0",
        HiddenSizes = [32],
        HiddenActivation = Activation.Tanh,
        Optimizer = "adam",
        LearningRate = 1e-2,
        Gamma = 1.0,
        Returns = returns,
        Normalization = Normalization.None,
        LossReduction = LossReduction.Mean,
        BatchSteps = 5000,
        MaxUpdates = 50,
        Seed = 0,
    };
}
