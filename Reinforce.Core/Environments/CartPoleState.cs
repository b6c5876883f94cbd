namespace Reinforce.Environments;

/// <summary>The physical state of the cart-pole, in Gymnasium's order and units (SI, radians).</summary>
/// <param name="X">Cart position along the track, metres (0 is the centre; the episode ends beyond ±2.4).</param>
/// <param name="XDot">Cart velocity, m/s.</param>
/// <param name="Theta">Pole angle from upright, radians, positive leaning right (the episode ends beyond ±12°).</param>
/// <param name="ThetaDot">Pole angular velocity, rad/s.</param>
public readonly record struct CartPoleState(double X, double XDot, double Theta, double ThetaDot);
