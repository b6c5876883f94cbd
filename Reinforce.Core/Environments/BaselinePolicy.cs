namespace Reinforce.Environments;

/// <summary>
/// The hand-written CartPole policy that REINFORCE has to beat: push the cart toward the side the pole leans to
/// (<c>action = θ &gt; 0 ? 1 : 0</c>). It keeps the pole up for about 40 steps on average.
/// </summary>
public static class BaselinePolicy
{
    /// <summary>Chooses 1 (push right) when the pole angle <c>observation[2]</c> is positive, else 0 (push left).</summary>
    /// <param name="observation">A CartPole observation <c>[x, ẋ, θ, θ̇]</c>.</param>
    /// <returns>The action, 0 or 1.</returns>
    /// <exception cref="ArgumentException">When the observation has fewer than <see cref="CartPole.ObservationLength"/> values.</exception>
    public static int Act(ReadOnlySpan<float> observation)
    {
        if (observation.Length < CartPole.ObservationLength)
        {
            throw new ArgumentException(
                $"A CartPole observation has {CartPole.ObservationLength} values; got {observation.Length}.",
                nameof(observation));
        }

        return observation[2] > 0f ? 1 : 0;
    }
}
