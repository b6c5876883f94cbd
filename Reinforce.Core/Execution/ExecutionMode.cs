namespace Reinforce.Execution;

/// <summary>
/// Which code computes an update. Every mode gives the same numbers bit for bit (the equivalence matrix in the tests
/// proves each engine equal to the reference); only the time differs.
/// </summary>
public enum ExecutionMode
{
    /// <summary>
    /// The fast engine, with the choices that depend on the machine made while it runs: with several threads, whether a
    /// large batch's gradient pass is split across the workers is decided by timing both ways.
    /// </summary>
    Auto,

    /// <summary>The fast engine with every choice fixed in advance (no timing): the same work on every run.</summary>
    Fast,

    /// <summary>
    /// The reference in <c>Reinforce.Core/Reference/</c>: plain scalar code in the order of the derivation, one episode at
    /// a time on one thread (<see cref="Training.TrainerOptions.Threads"/> is not used). It defines the bits.
    /// </summary>
    Reference,
}
