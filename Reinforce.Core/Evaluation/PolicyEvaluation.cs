using Reinforce.Environments;
using Reinforce.Policies;
using Reinforce.Randomness;
using Reinforce.Statistics;

namespace Reinforce.Evaluation;

/// <summary>How an evaluated policy picks its actions.</summary>
public enum ActionSelection
{
    /// <summary>The most probable action, argmaxₐ π(a|s) (Stable-Baselines3's <c>deterministic=True</c>).</summary>
    Greedy,

    /// <summary>An action drawn from π(·|s) with the episode's generator.</summary>
    Sample,
}

/// <summary>
/// Chooses the action for an observation. <paramref name="rng"/> is the episode's generator after the draw that seeded the
/// reset; a stochastic chooser draws from it, a deterministic one ignores it.
/// </summary>
/// <param name="observation">The current observation.</param>
/// <param name="rng">The episode's generator.</param>
/// <returns>An action in 0 … ActionCount − 1.</returns>
public delegate int ActionChooser(ReadOnlySpan<float> observation, Pcg64 rng);

/// <summary>
/// Plays episodes of a policy in an environment and reports their returns and lengths, like Stable-Baselines3's
/// <c>evaluate_policy</c>. See docs/statistics.md#evaluating-a-policy.
/// </summary>
/// <remarks>
/// <para><b>Seeds.</b> Episode i (from 0) of an evaluation with seed s draws from its own stream
/// <c>Pcg64.Derive(s, i)</c>: the first draw, shifted right by one bit, seeds the environment's reset; the following
/// draws sample the actions (<see cref="ActionSelection.Sample"/>). This is the scheme of the trainer's episodes and of
/// <c>reinforce eval --seed s</c>, so an evaluation is reproduced by its seed alone, and episode i is the same episode
/// whatever the number of episodes played.</para>
/// <para><b>Evaluation during training</b> uses <see cref="EvaluationSeed"/>(run seed): training episode k draws from
/// <c>Derive(runSeed, k)</c> and evaluation episode i from <c>Derive(EvaluationSeed(runSeed), i)</c>, two seed sequences
/// with different entropy, so evaluation episodes never replay training episodes; and since every training episode
/// re-derives its stream from (seed, k), evaluating cannot change a training number. Every evaluation of a run plays the
/// same episodes (the same initial states, and for sampled actions the same streams), so two evaluations compare the
/// policies rather than the luck of the draw.</para>
/// <para><b>Allocation.</b> A call allocates its generator, one observation buffer and the result; nothing per step or
/// per episode.</para>
/// </remarks>
public static class PolicyEvaluation
{
    /// <summary>
    /// The spawn key of <see cref="EvaluationSeed"/>: 2⁶³ + 0x6576616C ("eval"). Training streams use spawn keys
    /// (k,) with k an episode index, which is below 2⁶³, so this key is never a training stream's.
    /// </summary>
    public const ulong EvaluationSpawnKey = 0x8000_0000_6576_616CUL;

    /// <summary>
    /// The evaluation seed of a run: the first 64-bit state word of the seed sequence with entropy
    /// <paramref name="runSeed"/> and spawn key (<see cref="EvaluationSpawnKey"/>,), in NumPy
    /// <c>np.random.SeedSequence(run_seed, spawn_key=(0x800000006576616C,)).generate_state(1, np.uint64)[0]</c>; in the
    /// (2⁻⁶⁴-likely) case that this equals the run seed, its bitwise complement, so the two always differ.
    /// </summary>
    /// <param name="runSeed">The run seed (<c>TrainerOptions.Seed</c>).</param>
    /// <returns>The seed to pass to <see cref="Evaluate(Policy, IEnvironment, int, ulong, ActionSelection, int?, CancellationToken)"/>.</returns>
    public static ulong EvaluationSeed(ulong runSeed)
    {
        Span<ulong> word = stackalloc ulong[1];
        new SeedSequence(runSeed, EvaluationSpawnKey).GenerateState(word);
        return word[0] == runSeed ? ~word[0] : word[0];
    }

    /// <summary>Plays episodes 0 … <paramref name="episodes"/> − 1 of <paramref name="policy"/>; see the class remarks.</summary>
    /// <param name="policy">The policy (read only; its single-state workspace is used, so not concurrently with other
    /// single-state calls on it).</param>
    /// <param name="environment">The environment (reset at every episode; use one that nothing else steps meanwhile).</param>
    /// <param name="episodes">How many episodes, ≥ 1.</param>
    /// <param name="seed">The evaluation seed.</param>
    /// <param name="selection">Greedy or sampled actions.</param>
    /// <param name="maxEpisodeSteps">A step cap; required when the environment has no time limit of its own.</param>
    /// <param name="cancellationToken">Checked between episodes.</param>
    /// <returns>Every episode's return, length and how it ended, with a summary.</returns>
    public static EvaluationResult Evaluate(Policy policy, IEnvironment environment, int episodes, ulong seed,
        ActionSelection selection = ActionSelection.Greedy, int? maxEpisodeSteps = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return Evaluate(Chooser(policy, selection), environment, episodes, seed, maxEpisodeSteps, cancellationToken);
    }

    /// <summary>Plays episodes 0 … <paramref name="episodes"/> − 1 with any action chooser (e.g. a hand-written policy).</summary>
    /// <param name="chooser">Chooses each action.</param>
    /// <param name="environment">The environment.</param>
    /// <param name="episodes">How many episodes, ≥ 1.</param>
    /// <param name="seed">The evaluation seed.</param>
    /// <param name="maxEpisodeSteps">A step cap; required when the environment has no time limit of its own.</param>
    /// <param name="cancellationToken">Checked between episodes.</param>
    /// <returns>Every episode's return, length and how it ended, with a summary.</returns>
    public static EvaluationResult Evaluate(ActionChooser chooser, IEnvironment environment, int episodes, ulong seed,
        int? maxEpisodeSteps = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(episodes, 1);
        var returns = new double[episodes];
        var lengths = new int[episodes];
        var truncated = new bool[episodes];
        Evaluate(chooser, environment, seed, 0, returns, lengths, truncated, maxEpisodeSteps, cancellationToken);
        return new EvaluationResult(seed, returns, lengths, truncated);
    }

    /// <summary>
    /// Plays episodes <paramref name="firstEpisode"/> … <paramref name="firstEpisode"/> + n − 1 (n = the length of
    /// <paramref name="returns"/>) into caller-owned buffers.
    /// </summary>
    /// <param name="chooser">Chooses each action.</param>
    /// <param name="environment">The environment.</param>
    /// <param name="seed">The evaluation seed.</param>
    /// <param name="firstEpisode">The index of the first episode (its stream is <c>Derive(seed, firstEpisode)</c>).</param>
    /// <param name="returns">Receives each episode's undiscounted return.</param>
    /// <param name="lengths">Receives each episode's length in steps; as long as <paramref name="returns"/>.</param>
    /// <param name="truncated">Receives whether each episode was cut by a time limit (and did not also terminate).</param>
    /// <param name="maxEpisodeSteps">A step cap; required when the environment has no time limit of its own.</param>
    /// <param name="cancellationToken">Checked between episodes.</param>
    public static void Evaluate(ActionChooser chooser, IEnvironment environment, ulong seed, long firstEpisode,
        Span<double> returns, Span<int> lengths, Span<bool> truncated, int? maxEpisodeSteps = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chooser);
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentOutOfRangeException.ThrowIfNegative(firstEpisode);
        if (lengths.Length != returns.Length || truncated.Length != returns.Length)
        {
            throw new ArgumentException($"returns, lengths and truncated must have the same length; got {returns.Length}, {lengths.Length} and {truncated.Length}.", nameof(lengths));
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEpisodeSteps ?? 1, 1, nameof(maxEpisodeSteps));
        int stepCap = maxEpisodeSteps ?? environment.MaxEpisodeSteps
            ?? throw new ArgumentException($"Environment {environment.Id} has no time limit; pass {nameof(maxEpisodeSteps)}.", nameof(maxEpisodeSteps));

        var rng = new Pcg64(0);
        var observation = new float[environment.ObservationSize];
        for (int e = 0; e < returns.Length; e++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            rng.Reseed(seed, (ulong)(firstEpisode + e));
            environment.Reset(observation, (long)(rng.NextUInt64() >> 1));
            double total = 0;
            int length = 0;
            StepResult step = default;
            while (length < stepCap)
            {
                step = environment.Step(chooser(observation, rng), observation);
                total += step.Reward;
                length++;
                if (step.IsDone)
                {
                    break;
                }
            }
            returns[e] = total;
            lengths[e] = length;
            truncated[e] = !step.Terminated && (step.Truncated || length == stepCap);
        }
    }

    /// <summary>The action chooser of a policy: <see cref="Policy.ActGreedy"/> or <see cref="Policy.Act"/>.</summary>
    /// <param name="policy">The policy.</param>
    /// <param name="selection">Greedy or sampled actions.</param>
    /// <returns>A chooser that allocates nothing per call.</returns>
    public static ActionChooser Chooser(Policy policy, ActionSelection selection)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return selection == ActionSelection.Sample
            ? (observation, rng) => policy.Act(observation, rng)
            : (observation, _) => policy.ActGreedy(observation);
    }
}

/// <summary>
/// The episodes of one evaluation and their summary. The summary statistics are NumPy's (<see cref="Descriptive"/>):
/// <see cref="MeanReturn"/> is <c>np.mean</c> and <see cref="StdReturn"/> is <c>np.std</c>, the population standard
/// deviation that Stable-Baselines3's <c>evaluate_policy</c> reports.
/// </summary>
public sealed class EvaluationResult
{
    /// <summary>Wraps the episodes' outcomes (the arrays are kept, not copied).</summary>
    /// <param name="seed">The evaluation seed.</param>
    /// <param name="returns">Each episode's return; at least one.</param>
    /// <param name="lengths">Each episode's length.</param>
    /// <param name="truncated">Whether each episode was cut by a time limit.</param>
    public EvaluationResult(ulong seed, double[] returns, int[] lengths, bool[] truncated)
    {
        ArgumentNullException.ThrowIfNull(returns);
        ArgumentNullException.ThrowIfNull(lengths);
        ArgumentNullException.ThrowIfNull(truncated);
        if (returns.Length == 0 || lengths.Length != returns.Length || truncated.Length != returns.Length)
        {
            throw new ArgumentException("An evaluation needs at least one episode, with one return, length and flag per episode.", nameof(returns));
        }
        Seed = seed;
        Returns = returns;
        Lengths = lengths;
        Truncated = truncated;
        double[] lengthValues = [.. lengths.Select(l => (double)l)];
        MeanReturn = Descriptive.Mean(returns);
        StdReturn = Descriptive.StandardDeviation(returns);
        MinReturn = returns.Min();
        MaxReturn = returns.Max();
        MeanLength = Descriptive.Mean(lengthValues);
        TruncatedEpisodes = truncated.Count(t => t);
    }

    /// <summary>The evaluation seed: episode i drew from <c>Pcg64.Derive(Seed, i)</c>.</summary>
    public ulong Seed { get; }

    /// <summary>Each episode's undiscounted return, in episode order.</summary>
    public IReadOnlyList<double> Returns { get; }

    /// <summary>Each episode's length in steps.</summary>
    public IReadOnlyList<int> Lengths { get; }

    /// <summary>Whether each episode was cut by a time limit rather than terminated.</summary>
    public IReadOnlyList<bool> Truncated { get; }

    /// <summary>The number of episodes.</summary>
    public int Episodes => Returns.Count;

    /// <summary>The mean return (<c>np.mean</c>).</summary>
    public double MeanReturn { get; }

    /// <summary>The population standard deviation of the returns (<c>np.std</c>, ddof = 0).</summary>
    public double StdReturn { get; }

    /// <summary>The smallest return.</summary>
    public double MinReturn { get; }

    /// <summary>The largest return.</summary>
    public double MaxReturn { get; }

    /// <summary>The mean episode length.</summary>
    public double MeanLength { get; }

    /// <summary>How many episodes reached the time limit.</summary>
    public int TruncatedEpisodes { get; }
}
