using Reinforce.Numerics;
using Reinforce.Randomness;
using Reinforce.Text;

namespace Reinforce.Environments;

/// <summary>
/// The classic cart-pole balancing task, behaving exactly as Gymnasium's <c>CartPole-v1</c> / <c>CartPole-v0</c>
/// (gymnasium ≥ 1.0 <c>classic_control/cartpole.py</c> wrapped in <c>TimeLimit</c>): same constants, same floating-point
/// operations in the same order, same seeded resets (through <see cref="Pcg64"/>, NumPy's generator).
/// </summary>
/// <remarks>
/// <para>
/// Observation (float32 casts of the double state): <c>[x, ẋ, θ, θ̇]</c>. Actions: 0 pushes the cart left with
/// <c>−F</c>, 1 pushes it right with <c>+F</c>, <c>F = <see cref="ForceMag"/> = 10 N</c>.
/// </para>
/// <para>
/// Dynamics (Barto, Sutton and Anderson 1983, as coded by Gymnasium; <c>m = MassPole</c>, <c>M = TotalMass</c>,
/// <c>l = Length</c> (half the pole), <c>g = Gravity</c>):
/// <code>
/// temp = (F + m·l·θ̇²·sin θ) / M
/// θ̈    = (g·sin θ − cos θ·temp) / (l·(4/3 − m·cos²θ / M))
/// ẍ    = temp − m·l·θ̈·cos θ / M
/// </code>
/// then one step of τ = 0.02 s with the chosen <see cref="CartPoleIntegrator"/>.
/// </para>
/// <para>
/// Episode end: terminated when the NEW state has <c>x &lt; −2.4</c>, <c>x &gt; 2.4</c>, <c>θ &lt; −12°</c> or <c>θ &gt; 12°</c>
/// (strict); truncated when the step count reaches <see cref="MaxEpisodeSteps"/> (200 for v0, 500 for v1). Reward: +1 on
/// every step including the terminating one; with the Sutton–Barto reward, 0 per non-terminal step and −1 on termination.
/// </para>
/// <para>
/// Reset: each state component is drawn in order from <c>Uniform(low, high)</c>, default ±0.05, exactly as Gymnasium's
/// <c>np_random.uniform(low, high, size=(4,))</c>; a reset with seed <c>s</c> equals Gymnasium's <c>reset(seed=s)</c>.
/// </para>
/// <para>
/// Bit-exactness note: sin and cos come from <see cref="ElementaryFunctions.SinCos(double)"/> by default
/// (<see cref="CartPoleTrig.Library"/>), correctly rounded and so the same on every machine; squares are <c>x·x</c> like
/// Gymnasium's <c>np.square</c>. Gymnasium calls the platform's C library (Python's <c>math.sin</c>/<c>math.cos</c>), which
/// is not always correctly rounded: its trajectories are replayed bit for bit with <see cref="CartPoleTrig.Platform"/>
/// (<see cref="Math.Sin"/>/<see cref="Math.Cos"/>) on the same C library and CPU, and with the library's trig wherever
/// that C library happened to round correctly on every visited angle. NumPy may route <c>np.sin</c>/<c>np.cos</c> to SIMD
/// kernels (e.g. SVML on AVX-512 CPUs) whose last bit can differ too.
/// </para>
/// <para>Reset and Step never allocate. Not thread-safe: one instance per thread.</para>
/// </remarks>
public sealed class CartPole : IEnvironment
{
    /// <summary>The id of the 200-step variant.</summary>
    public const string V0Id = "CartPole-v0";

    /// <summary>The id of the 500-step variant.</summary>
    public const string V1Id = "CartPole-v1";

    /// <summary>Length of the observation <c>[x, ẋ, θ, θ̇]</c>.</summary>
    public const int ObservationLength = 4;

    /// <summary>Number of actions: 0 (push left) and 1 (push right).</summary>
    public const int ActionLength = 2;

    /// <summary>Gravitational acceleration g, m/s² (Gymnasium: <c>gravity = 9.8</c>).</summary>
    public const double Gravity = 9.8;

    /// <summary>Cart mass, kg (Gymnasium: <c>masscart = 1.0</c>).</summary>
    public const double MassCart = 1.0;

    /// <summary>Pole mass, kg (Gymnasium: <c>masspole = 0.1</c>).</summary>
    public const double MassPole = 0.1;

    /// <summary>Total mass <c>masspole + masscart</c>, kg (computed in that order, as Gymnasium does).</summary>
    public const double TotalMass = MassPole + MassCart;

    /// <summary>HALF the pole's length, m (Gymnasium: <c>length = 0.5</c>, "actually half the pole's length").</summary>
    public const double Length = 0.5;

    /// <summary><c>masspole · length</c>, kg·m.</summary>
    public const double PoleMassLength = MassPole * Length;

    /// <summary>Magnitude of the push, N (Gymnasium: <c>force_mag = 10.0</c>).</summary>
    public const double ForceMag = 10.0;

    /// <summary>Time step τ, seconds between state updates (Gymnasium: <c>tau = 0.02</c>).</summary>
    public const double Tau = 0.02;

    /// <summary>Pole angle beyond which the episode terminates: 12°, computed as <c>12 · 2 · π / 360</c> in that order.</summary>
    public const double ThetaThresholdRadians = 12 * 2 * Math.PI / 360;

    /// <summary>Cart position beyond which the episode terminates, m (Gymnasium: <c>x_threshold = 2.4</c>).</summary>
    public const double XThreshold = 2.4;

    /// <summary>Default lower bound of the reset distribution.</summary>
    public const double DefaultResetLow = -0.05;

    /// <summary>Default upper bound of the reset distribution.</summary>
    public const double DefaultResetHigh = 0.05;

    /// <summary>Time limit of <c>CartPole-v0</c>.</summary>
    public const int V0MaxEpisodeSteps = 200;

    /// <summary>Time limit of <c>CartPole-v1</c>.</summary>
    public const int V1MaxEpisodeSteps = 500;

    /// <summary>Reward threshold of <c>CartPole-v0</c>.</summary>
    public const double V0RewardThreshold = 195.0;

    /// <summary>Reward threshold of <c>CartPole-v1</c>.</summary>
    public const double V1RewardThreshold = 475.0;

    private readonly Pcg64 _random = new(0);
    private readonly int _maxEpisodeSteps;
    private bool _randomSeeded;
    private bool _hasEpisode;
    private bool _episodeOver;
    private CartPoleState _state;

    /// <summary>Creates a CartPole environment.</summary>
    /// <param name="version">v0 (200 steps, threshold 195) or v1 (500 steps, threshold 475).</param>
    /// <param name="integrator">The integration scheme; Gymnasium's default is <see cref="CartPoleIntegrator.Euler"/>.</param>
    /// <param name="suttonBartoReward">Use Gymnasium's <c>sutton_barto_reward</c>: 0 per step, −1 on termination.</param>
    /// <param name="maxEpisodeSteps">Time limit override (Gymnasium's <c>max_episode_steps</c>); <see langword="null"/> for the version's.</param>
    /// <param name="trig">Where sin θ and cos θ come from: the library's (the default, the same on every machine) or the platform's.</param>
    /// <exception cref="ArgumentOutOfRangeException">For an undefined enum value, or a time limit below 1.</exception>
    public CartPole(
        CartPoleVersion version = CartPoleVersion.V1,
        CartPoleIntegrator integrator = CartPoleIntegrator.Euler,
        bool suttonBartoReward = false,
        int? maxEpisodeSteps = null,
        CartPoleTrig trig = CartPoleTrig.Library)
    {
        if (version is not (CartPoleVersion.V0 or CartPoleVersion.V1))
        {
            throw new ArgumentOutOfRangeException(nameof(version), version, "Unknown CartPole version.");
        }

        ValidateIntegrator(integrator);
        ValidateTrig(trig);
        if (maxEpisodeSteps is < 1)
        {
            throw new ArgumentOutOfRangeException(
                nameof(maxEpisodeSteps), maxEpisodeSteps, "The time limit must be at least 1 step (or null for the version's).");
        }

        Version = version;
        Integrator = integrator;
        SuttonBartoReward = suttonBartoReward;
        Trig = trig;
        _maxEpisodeSteps = maxEpisodeSteps ?? (version == CartPoleVersion.V0 ? V0MaxEpisodeSteps : V1MaxEpisodeSteps);
    }

    /// <summary>The variant.</summary>
    public CartPoleVersion Version { get; }

    /// <summary>The integration scheme.</summary>
    public CartPoleIntegrator Integrator { get; }

    /// <summary>Whether rewards follow Sutton and Barto (0 per step, −1 on termination) instead of +1 per step.</summary>
    public bool SuttonBartoReward { get; }

    /// <summary>Where sin θ and cos θ come from.</summary>
    public CartPoleTrig Trig { get; }

    /// <inheritdoc />
    public string Id => Version == CartPoleVersion.V0 ? V0Id : V1Id;

    /// <inheritdoc />
    public int ObservationSize => ObservationLength;

    /// <inheritdoc />
    public int ActionCount => ActionLength;

    /// <inheritdoc />
    /// <remarks>Always has a value for CartPole: the override given to the constructor, else 200 (v0) or 500 (v1).</remarks>
    public int? MaxEpisodeSteps => _maxEpisodeSteps;

    /// <inheritdoc />
    public double? RewardThreshold => Version == CartPoleVersion.V0 ? V0RewardThreshold : V1RewardThreshold;

    /// <summary>
    /// The current physical state (all zeros before the first reset). Use <see cref="SetState"/> to replace it.
    /// </summary>
    public CartPoleState State => _state;

    /// <summary>Steps taken in the current episode (what Gymnasium's <c>TimeLimit</c> counts).</summary>
    public int ElapsedSteps { get; private set; }

    /// <summary>
    /// <see langword="true"/> before the first <see cref="Reset(Span{float}, long?)"/> or <see cref="SetState"/>, and after a
    /// step that ended the episode: <see cref="Step"/> would throw.
    /// </summary>
    public bool NeedsReset => !_hasEpisode || _episodeOver;

    /// <summary>Creates the environment registered under a Gymnasium id.</summary>
    /// <param name="id">Exactly <c>CartPole-v0</c> or <c>CartPole-v1</c> (case-sensitive, as in Gymnasium).</param>
    /// <param name="integrator">The integration scheme.</param>
    /// <param name="suttonBartoReward">Use the Sutton–Barto reward.</param>
    /// <param name="maxEpisodeSteps">Time limit override; <see langword="null"/> for the id's.</param>
    /// <param name="trig">Where sin θ and cos θ come from.</param>
    /// <returns>A new environment.</returns>
    /// <exception cref="ArgumentNullException">When <paramref name="id"/> is null.</exception>
    /// <exception cref="ArgumentException">When <paramref name="id"/> is not one of the accepted ids.</exception>
    public static CartPole Create(
        string id,
        CartPoleIntegrator integrator = CartPoleIntegrator.Euler,
        bool suttonBartoReward = false,
        int? maxEpisodeSteps = null,
        CartPoleTrig trig = CartPoleTrig.Library)
    {
        ArgumentNullException.ThrowIfNull(id);
        CartPoleVersion version = id switch
        {
            V0Id => CartPoleVersion.V0,
            V1Id => CartPoleVersion.V1,
            _ => throw new ArgumentException(
                $"Unknown environment id {Display.Quote(id)}. Accepted ids: '{V0Id}', '{V1Id}'.", nameof(id)),
        };
        return new CartPole(version, integrator, suttonBartoReward, maxEpisodeSteps, trig);
    }

    /// <summary>
    /// One step of the cart-pole dynamics, with no episode bookkeeping (reusable by vectorised environments).
    /// The floating-point operations are Gymnasium's, in the same order, so results are bit-identical.
    /// </summary>
    /// <param name="state">The state before the step.</param>
    /// <param name="action">0 pushes left (force −10 N), 1 pushes right (+10 N).</param>
    /// <param name="integrator">The integration scheme.</param>
    /// <param name="trig">Where sin θ and cos θ come from.</param>
    /// <returns>The state after τ = 0.02 s.</returns>
    /// <remarks>The equations and both integrators: docs/cartpole.md#equations-of-motion, docs/cartpole.md#integrators.</remarks>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="action"/> is not 0 or 1, or the integrator or trig is undefined.</exception>
    public static CartPoleState Advance(in CartPoleState state, int action, CartPoleIntegrator integrator, CartPoleTrig trig = CartPoleTrig.Library)
    {
        ValidateAction(action);
        ValidateIntegrator(integrator);
        ValidateTrig(trig);

        double x = state.X;
        double xDot = state.XDot;
        double theta = state.Theta;
        double thetaDot = state.ThetaDot;

        double force = action == 1 ? ForceMag : -ForceMag;
        (double sinTheta, double cosTheta) = trig == CartPoleTrig.Library ? ElementaryFunctions.SinCos(theta) : (Math.Sin(theta), Math.Cos(theta));

        // Keep every grouping as in Gymnasium; C# evaluates left to right like Python and the JIT neither reassociates
        // nor contracts into fused multiply-adds.
        // temp = (F + m·l·θ̇²·sin θ) / M
        double temp = (force + (PoleMassLength * (thetaDot * thetaDot) * sinTheta)) / TotalMass;

        // θ̈ = (g·sin θ − cos θ·temp) / (l·(4/3 − m·cos²θ / M))
        double thetaAcc = ((Gravity * sinTheta) - (cosTheta * temp))
            / (Length * ((4.0 / 3.0) - (MassPole * (cosTheta * cosTheta) / TotalMass)));

        // ẍ = temp − m·l·θ̈·cos θ / M
        double xAcc = temp - (PoleMassLength * thetaAcc * cosTheta / TotalMass);

        if (integrator == CartPoleIntegrator.Euler)
        {
            x = x + (Tau * xDot);
            xDot = xDot + (Tau * xAcc);
            theta = theta + (Tau * thetaDot);
            thetaDot = thetaDot + (Tau * thetaAcc);
        }
        else
        {
            xDot = xDot + (Tau * xAcc);
            x = x + (Tau * xDot);
            thetaDot = thetaDot + (Tau * thetaAcc);
            theta = theta + (Tau * thetaDot);
        }

        return new CartPoleState(x, xDot, theta, thetaDot);
    }

    /// <summary>
    /// Gymnasium's termination test: <c>x &lt; −2.4 ∨ x &gt; 2.4 ∨ θ &lt; −θmax ∨ θ &gt; θmax</c> (strict: the thresholds
    /// themselves are still alive). See docs/cartpole.md#termination-and-truncation.
    /// </summary>
    /// <param name="state">The state to test (Gymnasium tests the state after the step).</param>
    /// <returns><see langword="true"/> when the pole has fallen or the cart has left the track.</returns>
    public static bool IsTerminal(in CartPoleState state) =>
        state.X < -XThreshold
        || state.X > XThreshold
        || state.Theta < -ThetaThresholdRadians
        || state.Theta > ThetaThresholdRadians;

    /// <inheritdoc />
    /// <remarks>Draws the state from <c>Uniform(−0.05, 0.05)</c> per component, like Gymnasium's <c>reset</c>.</remarks>
    public void Reset(Span<float> observation, long? seed = null) =>
        Reset(observation, seed, DefaultResetLow, DefaultResetHigh);

    /// <summary>
    /// Starts a new episode with each state component drawn from <c>Uniform(low, high)</c>: Gymnasium's
    /// <c>reset(seed=seed, options={"low": low, "high": high})</c>. Custom bounds can start outside the thresholds.
    /// </summary>
    /// <param name="observation">Receives the first observation; at least 4 long.</param>
    /// <param name="seed">A non-negative seed to re-create the generator from, or <see langword="null"/> to continue it.</param>
    /// <param name="low">Lower bound of the initial state components.</param>
    /// <param name="high">Upper bound of the initial state components; not below <paramref name="low"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">When the seed is negative or a bound is not finite.</exception>
    /// <exception cref="ArgumentException">When the observation is too short or <paramref name="low"/> &gt; <paramref name="high"/>.</exception>
    public void Reset(Span<float> observation, long? seed, double low, double high)
    {
        ValidateObservation(observation);
        if (seed is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(seed), seed, "A seed must be non-negative (or null to continue the generator).");
        }

        if (!double.IsFinite(low) || !double.IsFinite(high) || !double.IsFinite(high - low))
        {
            throw new ArgumentOutOfRangeException(
                nameof(low), low, $"Reset bounds must be finite with a finite range; got low = {low}, high = {high}.");
        }

        if (low > high)
        {
            throw new ArgumentException($"The lower reset bound ({low}) must not exceed the upper one ({high}).", nameof(low));
        }

        if (seed is long value)
        {
            _random.Reseed((ulong)value);
            _randomSeeded = true;
        }
        else if (!_randomSeeded)
        {
            _random.ReseedFromOsEntropy();
            _randomSeeded = true;
        }

        double x = _random.NextUniform(low, high);
        double xDot = _random.NextUniform(low, high);
        double theta = _random.NextUniform(low, high);
        double thetaDot = _random.NextUniform(low, high);
        _state = new CartPoleState(x, xDot, theta, thetaDot);

        ElapsedSteps = 0;
        _hasEpisode = true;
        _episodeOver = false;
        WriteObservation(_state, observation);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Advances with <see cref="Advance"/>, counts the step, then reports <c>Terminated = IsTerminal(newState)</c> and
    /// <c>Truncated = ElapsedSteps ≥ MaxEpisodeSteps</c> independently.
    /// </remarks>
    public StepResult Step(int action, Span<float> observation)
    {
        ValidateAction(action);
        ValidateObservation(observation);
        if (!_hasEpisode)
        {
            throw new InvalidOperationException("CartPole: call Reset (or SetState) before Step.");
        }

        if (_episodeOver)
        {
            throw new InvalidOperationException(
                "CartPole: the episode has already ended (terminated or truncated); call Reset before stepping again.");
        }

        _state = Advance(_state, action, Integrator, Trig);
        ElapsedSteps++;

        bool terminated = IsTerminal(_state);
        bool truncated = ElapsedSteps >= _maxEpisodeSteps;
        double reward = SuttonBartoReward ? (terminated ? -1.0 : 0.0) : 1.0;

        _episodeOver = terminated || truncated;
        WriteObservation(_state, observation);
        return new StepResult(reward, terminated, truncated);
    }

    /// <summary>
    /// Puts the environment in a given state inside a running episode, e.g. to replay an episode from a recorded state.
    /// The next <see cref="Step"/> starts from it; the random generator is untouched.
    /// </summary>
    /// <param name="state">The physical state; every component finite.</param>
    /// <param name="elapsedSteps">Steps already taken in this episode, in <c>[0, MaxEpisodeSteps)</c>.</param>
    /// <exception cref="ArgumentException">When a state component is not finite.</exception>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="elapsedSteps"/> is outside <c>[0, MaxEpisodeSteps)</c>.</exception>
    public void SetState(in CartPoleState state, int elapsedSteps = 0)
    {
        if (!double.IsFinite(state.X) || !double.IsFinite(state.XDot)
            || !double.IsFinite(state.Theta) || !double.IsFinite(state.ThetaDot))
        {
            throw new ArgumentException($"Every state component must be finite; got {state}.", nameof(state));
        }

        if (elapsedSteps < 0 || elapsedSteps >= _maxEpisodeSteps)
        {
            throw new ArgumentOutOfRangeException(
                nameof(elapsedSteps), elapsedSteps, $"Elapsed steps must be in [0, {_maxEpisodeSteps}).");
        }

        _state = state;
        ElapsedSteps = elapsedSteps;
        _hasEpisode = true;
        _episodeOver = false;
    }

    /// <summary>Writes the observation of the current state (float32 casts of <c>[x, ẋ, θ, θ̇]</c>).</summary>
    /// <param name="observation">Receives the observation; at least 4 long.</param>
    /// <exception cref="ArgumentException">When the observation is too short.</exception>
    /// <exception cref="InvalidOperationException">Before the first reset or <see cref="SetState"/>.</exception>
    public void WriteObservation(Span<float> observation)
    {
        ValidateObservation(observation);
        if (!_hasEpisode)
        {
            throw new InvalidOperationException("CartPole: there is no state yet; call Reset or SetState first.");
        }

        WriteObservation(_state, observation);
    }

    private static void WriteObservation(in CartPoleState state, Span<float> observation)
    {
        observation[0] = (float)state.X;
        observation[1] = (float)state.XDot;
        observation[2] = (float)state.Theta;
        observation[3] = (float)state.ThetaDot;
    }

    private static void ValidateObservation(Span<float> observation)
    {
        if (observation.Length < ObservationLength)
        {
            throw new ArgumentException(
                $"The observation buffer needs at least {ObservationLength} values; got {observation.Length}.",
                nameof(observation));
        }
    }

    private static void ValidateAction(int action)
    {
        if ((uint)action > 1u)
        {
            throw new ArgumentOutOfRangeException(
                nameof(action), action, "CartPole accepts action 0 (push left) or 1 (push right).");
        }
    }

    internal static void ValidateTrig(CartPoleTrig trig)
    {
        if (trig is not (CartPoleTrig.Library or CartPoleTrig.Platform))
        {
            throw new ArgumentOutOfRangeException(nameof(trig), trig, "Unknown CartPole trig source.");
        }
    }

    private static void ValidateIntegrator(CartPoleIntegrator integrator)
    {
        if (integrator is not (CartPoleIntegrator.Euler or CartPoleIntegrator.SemiImplicitEuler))
        {
            throw new ArgumentOutOfRangeException(nameof(integrator), integrator, "Unknown CartPole integrator.");
        }
    }
}
