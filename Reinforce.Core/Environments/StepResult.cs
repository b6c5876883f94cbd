namespace Reinforce.Environments;

/// <summary>
/// What one <see cref="IEnvironment.Step"/> returns besides the observation (Gymnasium's <c>reward, terminated, truncated</c>).
/// </summary>
/// <param name="Reward">The reward for the transition just taken.</param>
/// <param name="Terminated">
/// The new state is terminal in the task itself (for CartPole: the pole fell or the cart left the track).
/// Bootstrapping methods must treat the value of a terminated state as zero.
/// </param>
/// <param name="Truncated">
/// The episode was cut by the time limit (Gymnasium's <c>TimeLimit</c>): the state is not terminal, the episode just stops.
/// Both flags can be true on the same step.
/// </param>
public readonly record struct StepResult(double Reward, bool Terminated, bool Truncated)
{
    /// <summary>The episode is over (terminated or truncated): call <see cref="IEnvironment.Reset"/> before stepping again.</summary>
    public bool IsDone => Terminated || Truncated;
}
