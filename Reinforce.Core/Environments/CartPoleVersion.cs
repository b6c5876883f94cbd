namespace Reinforce.Environments;

/// <summary>The registered CartPole variants; they differ only in the time limit and the reward threshold.</summary>
public enum CartPoleVersion
{
    /// <summary><c>CartPole-v0</c>: episodes truncated after 200 steps; solved at a mean return of 195.</summary>
    V0,

    /// <summary><c>CartPole-v1</c>: episodes truncated after 500 steps; solved at a mean return of 475.</summary>
    V1,
}
