namespace Reinforce.Environments;

/// <summary>Where <see cref="CartPole"/> and <see cref="VectorCartPole"/> take sin θ and cos θ from.</summary>
public enum CartPoleTrig
{
    /// <summary>
    /// The library's correctly rounded <see cref="Numerics.ElementaryFunctions.SinCos(double)"/>: the same bits on
    /// every machine (the default).
    /// </summary>
    Library,

    /// <summary>
    /// <see cref="Math.Sin"/> and <see cref="Math.Cos"/>, i.e. the platform's C library, which Python's
    /// <c>math.sin</c>/<c>math.cos</c> (and so Gymnasium's CartPole) call too: replays one machine's Gymnasium
    /// trajectories bit for bit, but the last bit of sin and cos differs between C libraries and CPUs.
    /// </summary>
    Platform,
}
