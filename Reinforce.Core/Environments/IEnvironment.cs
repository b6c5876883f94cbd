namespace Reinforce.Environments;

/// <summary>
/// An episodic environment with a discrete action set and a flat float observation, in Gymnasium's shape
/// (<c>reset(seed) → observation</c>, <c>step(action) → observation, reward, terminated, truncated</c>),
/// written for zero allocations: observations are written into caller-owned spans.
/// </summary>
/// <remarks>
/// Semantics every implementation follows:
/// <list type="bullet">
/// <item><description><see cref="Reset"/> starts a new episode. With a seed, the environment's random generator is
/// re-created from that seed (same seed, same episode); without one it continues its generator, so a sequence of resets
/// after one seeded reset is reproducible. An environment that was never seeded seeds itself from OS entropy.</description></item>
/// <item><description><see cref="Step"/> is only valid inside an episode: before the first reset, and after a step that
/// returned <see cref="StepResult.IsDone"/>, it throws <see cref="InvalidOperationException"/>
/// (Gymnasium only warns; we refuse).</description></item>
/// <item><description>Time limits (<see cref="MaxEpisodeSteps"/>) are part of the environment and reported as
/// <see cref="StepResult.Truncated"/>, kept distinct from <see cref="StepResult.Terminated"/>.</description></item>
/// </list>
/// Implementations are not thread-safe: use one instance per thread.
/// </remarks>
public interface IEnvironment
{
    /// <summary>The environment id, Gymnasium style (e.g. <c>CartPole-v1</c>).</summary>
    string Id { get; }

    /// <summary>Length of the observation vector written by <see cref="Reset"/> and <see cref="Step"/>.</summary>
    int ObservationSize { get; }

    /// <summary>Number of discrete actions; valid actions are <c>0 .. ActionCount − 1</c>.</summary>
    int ActionCount { get; }

    /// <summary>The time limit in steps after which an episode is truncated, or <see langword="null"/> for none.</summary>
    int? MaxEpisodeSteps { get; }

    /// <summary>The mean episode return at which the task counts as solved, or <see langword="null"/> when undefined.</summary>
    double? RewardThreshold { get; }

    /// <summary>Starts a new episode and writes its first observation.</summary>
    /// <param name="observation">Receives the first observation; at least <see cref="ObservationSize"/> long.</param>
    /// <param name="seed">
    /// A non-negative seed to re-create the environment's generator from, or <see langword="null"/> to continue it.
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="seed"/> is negative.</exception>
    /// <exception cref="ArgumentException">When <paramref name="observation"/> is too short.</exception>
    void Reset(Span<float> observation, long? seed = null);

    /// <summary>Applies an action, writes the next observation and returns the reward and end-of-episode flags.</summary>
    /// <param name="action">An action in <c>0 .. ActionCount − 1</c>.</param>
    /// <param name="observation">Receives the next observation; at least <see cref="ObservationSize"/> long.</param>
    /// <returns>The reward and the terminated/truncated flags.</returns>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="action"/> is not a valid action.</exception>
    /// <exception cref="ArgumentException">When <paramref name="observation"/> is too short.</exception>
    /// <exception cref="InvalidOperationException">Before the first reset, or after the episode has ended.</exception>
    StepResult Step(int action, Span<float> observation);
}
