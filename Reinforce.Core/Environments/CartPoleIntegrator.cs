namespace Reinforce.Environments;

/// <summary>How <see cref="CartPole.Advance"/> integrates the accelerations over one time step τ (Gymnasium's <c>kinematics_integrator</c>).</summary>
public enum CartPoleIntegrator
{
    /// <summary>
    /// Explicit Euler, Gymnasium's default: positions advance with the OLD velocities.
    /// <c>x ← x + τ·ẋ; ẋ ← ẋ + τ·ẍ; θ ← θ + τ·θ̇; θ̇ ← θ̇ + τ·θ̈</c>.
    /// </summary>
    Euler,

    /// <summary>
    /// Semi-implicit (symplectic) Euler: velocities first, then positions with the NEW velocities.
    /// <c>ẋ ← ẋ + τ·ẍ; x ← x + τ·ẋ; θ̇ ← θ̇ + τ·θ̈; θ ← θ + τ·θ̇</c>.
    /// </summary>
    SemiImplicitEuler,
}
