namespace Reinforce.Randomness;

/// <summary>
/// The complete state of a <see cref="Pcg64"/> generator: the 128-bit LCG state and its (odd) increment.
/// Reading <see cref="Pcg64.State"/>, storing it and assigning it back resumes the stream exactly.
/// </summary>
/// <param name="State">The 128-bit linear congruential state (NumPy's <c>bit_generator.state["state"]["state"]</c>).</param>
/// <param name="Increment">The 128-bit stream increment, always odd (NumPy's <c>bit_generator.state["state"]["inc"]</c>).</param>
public readonly record struct Pcg64State(UInt128 State, UInt128 Increment);
