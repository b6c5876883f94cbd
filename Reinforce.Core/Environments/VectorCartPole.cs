using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Reinforce.Numerics;
using Reinforce.Randomness;

namespace Reinforce.Environments;

/// <summary>
/// <see cref="Count"/> CartPoles stepped at once, in structure-of-arrays form (one array per state component) with
/// <see cref="Vector{T}"/> of double over the environments — Gymnasium 1.x's <c>CartPoleVectorEnv</c> in shape,
/// and environment by environment bit-identical to the single <see cref="CartPole"/>.
/// </summary>
/// <remarks>
/// <para><b>Autoreset: next step</b> (Gymnasium's <c>AutoresetMode.NEXT_STEP</c>, which its vector CartPole uses).
/// The step on which an environment's episode ends returns that episode's last observation, its reward and
/// flags. The following <see cref="Step"/> ignores that environment's action and starts its next episode: it
/// returns the new episode's first observation with reward 0 and both flags false. Unlike Gymnasium, which draws
/// every reset from one generator shared by all environments, environment i draws its resets from its own
/// generator, seeded by <see cref="Reset(Span{float}, ReadOnlySpan{long})"/> and continued by each autoreset —
/// exactly a single <see cref="CartPole"/> reset with seed sᵢ and then with no seed at every episode end. So
/// each environment's trajectory is the single environment's bit for bit (tested).</para>
/// <para><b>Arithmetic.</b> The dynamics are <see cref="CartPole.Advance"/>'s operations in the same order, on
/// <see cref="Vector{T}"/> lanes (IEEE multiply, add and divide round the same per lane; nothing is fused);
/// sin and cos come from the same source as the single one's (<see cref="CartPoleTrig"/>): the library's vector
/// <see cref="ElementaryFunctions.SinCos(Vector{double}, out Vector{double}, out Vector{double})"/>, bit for bit its scalar
/// form, or <see cref="Math.Sin"/> and <see cref="Math.Cos"/> per environment.</para>
/// <para>Observations are written as a [Count, 4] row-major float array (Gymnasium's (num_envs, 4)). Step and
/// reset never allocate. Not thread-safe.</para>
/// </remarks>
public sealed class VectorCartPole
{
    private readonly int _maxEpisodeSteps;
    private readonly int _padded;
    private readonly double[] _x, _xDot, _theta, _thetaDot;
    private readonly double[] _sin, _cos, _force;
    private readonly int[] _elapsed;
    private readonly bool[] _endedLastStep;
    private readonly Pcg64[] _random;
    private bool _hasEpisodes;

    /// <summary>Creates <paramref name="count"/> environments of the given variant (all need a reset first).</summary>
    /// <exception cref="ArgumentOutOfRangeException">For a count or time limit below 1, or an undefined enum value.</exception>
    public VectorCartPole(
        int count,
        CartPoleVersion version = CartPoleVersion.V1,
        CartPoleIntegrator integrator = CartPoleIntegrator.Euler,
        bool suttonBartoReward = false,
        int? maxEpisodeSteps = null,
        CartPoleTrig trig = CartPoleTrig.Library)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        CartPole.ValidateTrig(trig);
        if (version is not (CartPoleVersion.V0 or CartPoleVersion.V1))
        {
            throw new ArgumentOutOfRangeException(nameof(version), version, "Unknown CartPole version.");
        }
        if (integrator is not (CartPoleIntegrator.Euler or CartPoleIntegrator.SemiImplicitEuler))
        {
            throw new ArgumentOutOfRangeException(nameof(integrator), integrator, "Unknown CartPole integrator.");
        }
        if (maxEpisodeSteps is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxEpisodeSteps), maxEpisodeSteps, "The time limit must be at least 1 step.");
        }
        Count = count;
        Version = version;
        Integrator = integrator;
        SuttonBartoReward = suttonBartoReward;
        Trig = trig;
        _maxEpisodeSteps = maxEpisodeSteps ?? (version == CartPoleVersion.V0 ? CartPole.V0MaxEpisodeSteps : CartPole.V1MaxEpisodeSteps);
        // Pad to whole vectors; the padding lanes hold zeros and are never read back.
        _padded = (count + Vector<double>.Count - 1) / Vector<double>.Count * Vector<double>.Count;
        _x = new double[_padded];
        _xDot = new double[_padded];
        _theta = new double[_padded];
        _thetaDot = new double[_padded];
        _sin = new double[_padded];
        _cos = new double[_padded];
        _force = new double[_padded];
        _elapsed = new int[count];
        _endedLastStep = new bool[count];
        _random = new Pcg64[count];
        for (int i = 0; i < count; i++)
        {
            _random[i] = new Pcg64(0);
        }
    }

    /// <summary>Number of environments.</summary>
    public int Count { get; }

    /// <summary>The variant (time limit 200 or 500).</summary>
    public CartPoleVersion Version { get; }

    /// <summary>The integration scheme.</summary>
    public CartPoleIntegrator Integrator { get; }

    /// <summary>Sutton and Barto's reward (0 per step, −1 on termination) instead of +1 per step.</summary>
    public bool SuttonBartoReward { get; }

    /// <summary>Where sin θ and cos θ come from.</summary>
    public CartPoleTrig Trig { get; }

    /// <summary>The time limit in steps.</summary>
    public int MaxEpisodeSteps => _maxEpisodeSteps;

    /// <summary>The physical state of environment <paramref name="index"/>.</summary>
    public CartPoleState State(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
        return new CartPoleState(_x[index], _xDot[index], _theta[index], _thetaDot[index]);
    }

    /// <summary>Steps taken in environment <paramref name="index"/>'s current episode.</summary>
    public int ElapsedSteps(int index) => _elapsed[index];

    /// <summary>
    /// Starts an episode in every environment: environment i as <c>CartPole.Reset(observation, seeds[i])</c>.
    /// </summary>
    /// <param name="observations">Receives the [Count, 4] first observations.</param>
    /// <param name="seeds">One non-negative seed per environment.</param>
    public void Reset(Span<float> observations, ReadOnlySpan<long> seeds)
    {
        CheckObservations(observations);
        if (seeds.Length != Count)
        {
            throw new ArgumentException($"One seed per environment is needed ({Count}); got {seeds.Length}.", nameof(seeds));
        }
        for (int i = 0; i < Count; i++)
        {
            if (seeds[i] < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(seeds), seeds[i], $"seeds[{i}] is negative; seeds must be ≥ 0.");
            }
        }
        for (int i = 0; i < Count; i++)
        {
            _random[i].Reseed((ulong)seeds[i]);
            DrawInitialState(i);
            _endedLastStep[i] = false;
            WriteObservation(i, observations);
        }
        _hasEpisodes = true;
    }

    /// <summary>
    /// Starts an episode in environment <paramref name="index"/> alone, as <c>CartPole.Reset(row, seed)</c>
    /// (reseeds its generator), and writes its first observation into row <paramref name="index"/> of
    /// <paramref name="observations"/>. For the trainer's lockstep rollouts, which start each episode from its
    /// own stream instead of autoresetting.
    /// </summary>
    internal void StartEpisode(int index, long seed, Span<float> observations)
    {
        _random[index].Reseed((ulong)seed);
        DrawInitialState(index);
        _endedLastStep[index] = false;
        WriteObservation(index, observations);
        _hasEpisodes = true;
    }

    /// <summary>
    /// Exchanges environments <paramref name="i"/> and <paramref name="j"/> — state, step count, end flag and
    /// generator — so that the trainer's lockstep rollouts can keep their live environments in the first rows.
    /// </summary>
    internal void Swap(int i, int j)
    {
        (_x[i], _x[j]) = (_x[j], _x[i]);
        (_xDot[i], _xDot[j]) = (_xDot[j], _xDot[i]);
        (_theta[i], _theta[j]) = (_theta[j], _theta[i]);
        (_thetaDot[i], _thetaDot[j]) = (_thetaDot[j], _thetaDot[i]);
        (_elapsed[i], _elapsed[j]) = (_elapsed[j], _elapsed[i]);
        (_endedLastStep[i], _endedLastStep[j]) = (_endedLastStep[j], _endedLastStep[i]);
        (_random[i], _random[j]) = (_random[j], _random[i]);
    }

    /// <summary>
    /// Steps every environment: those whose episode ended on the previous step start a new one instead (their
    /// action is ignored; reward 0, flags false), the others advance with their action.
    /// </summary>
    /// <param name="actions">One action (0 or 1) per environment.</param>
    /// <param name="observations">Receives the [Count, 4] next observations.</param>
    /// <param name="rewards">Receives one reward per environment.</param>
    /// <param name="terminated">Receives whether each environment's episode terminated on this step.</param>
    /// <param name="truncated">Receives whether each environment's episode hit the time limit on this step.</param>
    public void Step(ReadOnlySpan<int> actions, Span<float> observations, Span<float> rewards, Span<bool> terminated, Span<bool> truncated)
    {
        if (!_hasEpisodes)
        {
            throw new InvalidOperationException("VectorCartPole: call Reset before Step.");
        }
        CheckObservations(observations);
        CheckLength(actions.Length, nameof(actions));
        CheckLength(rewards.Length, nameof(rewards));
        CheckLength(terminated.Length, nameof(terminated));
        CheckLength(truncated.Length, nameof(truncated));
        StepFirst(Count, actions, observations, rewards, terminated, truncated);
    }

    /// <summary>
    /// <see cref="Step"/> for environments 0 … <paramref name="count"/> − 1 only (the buffers hold at least
    /// <paramref name="count"/> rows; the others are left as they are). The trainer's lockstep rollouts keep
    /// their live environments first and step just those.
    /// </summary>
    internal void StepFirst(int count, ReadOnlySpan<int> actions, Span<float> observations, Span<float> rewards, Span<bool> terminated, Span<bool> truncated)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)count, (uint)Count, nameof(count));
        if (actions.Length < count || rewards.Length < count || terminated.Length < count || truncated.Length < count
            || observations.Length < count * CartPole.ObservationLength)
        {
            throw new ArgumentException($"Every buffer needs at least {count} rows.", nameof(count));
        }

        // Per environment: the force, and with the platform's trig its sin and cos (as CartPole.Advance calls them).
        ref double theta = ref MemoryMarshal.GetArrayDataReference(_theta);
        ref double force = ref MemoryMarshal.GetArrayDataReference(_force);
        ref double sin = ref MemoryMarshal.GetArrayDataReference(_sin);
        ref double cos = ref MemoryMarshal.GetArrayDataReference(_cos);
        bool platform = Trig == CartPoleTrig.Platform;
        for (int i = 0; i < count; i++)
        {
            int action = actions[i];
            if ((uint)action > 1u && !_endedLastStep[i])
            {
                throw new ArgumentOutOfRangeException(nameof(actions), action, $"actions[{i}] is {action}; CartPole accepts 0 or 1.");
            }
            Unsafe.Add(ref force, i) = action == 1 ? CartPole.ForceMag : -CartPole.ForceMag;
            if (platform)
            {
                double angle = Unsafe.Add(ref theta, i);
                Unsafe.Add(ref cos, i) = Math.Cos(angle);
                Unsafe.Add(ref sin, i) = Math.Sin(angle);
            }
        }
        if (!platform)
        {
            // The library's sin and cos a vector of environments at a time (padding lanes hold θ = 0).
            ReadOnlySpan<Vector<double>> thetas = MemoryMarshal.Cast<double, Vector<double>>(_theta.AsSpan());
            Span<Vector<double>> sines = MemoryMarshal.Cast<double, Vector<double>>(_sin.AsSpan());
            Span<Vector<double>> cosines = MemoryMarshal.Cast<double, Vector<double>>(_cos.AsSpan());
            int vectors = (count + Vector<double>.Count - 1) / Vector<double>.Count;
            for (int v = 0; v < vectors; v++)
            {
                ElementaryFunctions.SinCos(thetas[v], out sines[v], out cosines[v]);
            }
        }

        AdvanceAll(count);

        ref double x = ref MemoryMarshal.GetArrayDataReference(_x);
        ref double xDot = ref MemoryMarshal.GetArrayDataReference(_xDot);
        ref double thetaDot = ref MemoryMarshal.GetArrayDataReference(_thetaDot);
        ref float observation = ref MemoryMarshal.GetReference(observations);
        float terminalReward = SuttonBartoReward ? -1f : 1f, aliveReward = SuttonBartoReward ? 0f : 1f;
        for (int i = 0; i < count; i++)
        {
            if (_endedLastStep[i])
            {
                // Next-step autoreset: this step only starts the next episode.
                DrawInitialState(i);
                rewards[i] = 0f;
                terminated[i] = false;
                truncated[i] = false;
                _endedLastStep[i] = false;
            }
            else
            {
                int elapsed = ++_elapsed[i];
                double xi = Unsafe.Add(ref x, i), thetai = Unsafe.Add(ref theta, i);
                // Non-short-circuit ors: the four tests are cheap, a mispredicted branch is not.
                bool isTerminal = (xi < -CartPole.XThreshold) | (xi > CartPole.XThreshold)
                    | (thetai < -CartPole.ThetaThresholdRadians) | (thetai > CartPole.ThetaThresholdRadians);
                bool isTruncated = elapsed >= _maxEpisodeSteps;
                terminated[i] = isTerminal;
                truncated[i] = isTruncated;
                rewards[i] = isTerminal ? terminalReward : aliveReward;
                _endedLastStep[i] = isTerminal | isTruncated;
            }
            ref float row = ref Unsafe.Add(ref observation, i * CartPole.ObservationLength);
            row = (float)Unsafe.Add(ref x, i);
            Unsafe.Add(ref row, 1) = (float)Unsafe.Add(ref xDot, i);
            Unsafe.Add(ref row, 2) = (float)Unsafe.Add(ref theta, i);
            Unsafe.Add(ref row, 3) = (float)Unsafe.Add(ref thetaDot, i);
        }
    }

    // CartPole.Advance on every lane: the same operations in the same order, a vector of environments at a time.
    // Only the vectors that hold environments 0 … count − 1.
    private void AdvanceAll(int count)
    {
        var tau = new Vector<double>(CartPole.Tau);
        var poleMassLength = new Vector<double>(CartPole.PoleMassLength);
        var totalMass = new Vector<double>(CartPole.TotalMass);
        var gravity = new Vector<double>(CartPole.Gravity);
        var length = new Vector<double>(CartPole.Length);
        var fourThirds = new Vector<double>(4.0 / 3.0);
        var massPole = new Vector<double>(CartPole.MassPole);
        bool euler = Integrator == CartPoleIntegrator.Euler;
        Span<Vector<double>> xs = MemoryMarshal.Cast<double, Vector<double>>(_x.AsSpan());
        Span<Vector<double>> xDots = MemoryMarshal.Cast<double, Vector<double>>(_xDot.AsSpan());
        Span<Vector<double>> thetas = MemoryMarshal.Cast<double, Vector<double>>(_theta.AsSpan());
        Span<Vector<double>> thetaDots = MemoryMarshal.Cast<double, Vector<double>>(_thetaDot.AsSpan());
        ReadOnlySpan<Vector<double>> sines = MemoryMarshal.Cast<double, Vector<double>>(_sin.AsSpan());
        ReadOnlySpan<Vector<double>> cosines = MemoryMarshal.Cast<double, Vector<double>>(_cos.AsSpan());
        ReadOnlySpan<Vector<double>> forces = MemoryMarshal.Cast<double, Vector<double>>(_force.AsSpan());
        int vectors = (count + Vector<double>.Count - 1) / Vector<double>.Count;
        for (int v = 0; v < vectors; v++)
        {
            Vector<double> x = xs[v], xDot = xDots[v], theta = thetas[v], thetaDot = thetaDots[v];
            Vector<double> sinTheta = sines[v], cosTheta = cosines[v];
            // temp = (F + m·l·θ̇²·sin θ) / M
            Vector<double> temp = (forces[v] + (poleMassLength * (thetaDot * thetaDot) * sinTheta)) / totalMass;
            // θ̈ = (g·sin θ − cos θ·temp) / (l·(4/3 − m·cos²θ / M))
            Vector<double> thetaAcc = ((gravity * sinTheta) - (cosTheta * temp))
                / (length * (fourThirds - (massPole * (cosTheta * cosTheta) / totalMass)));
            // ẍ = temp − m·l·θ̈·cos θ / M
            Vector<double> xAcc = temp - (poleMassLength * thetaAcc * cosTheta / totalMass);
            if (euler)
            {
                xs[v] = x + (tau * xDot);
                xDots[v] = xDot + (tau * xAcc);
                thetas[v] = theta + (tau * thetaDot);
                thetaDots[v] = thetaDot + (tau * thetaAcc);
            }
            else
            {
                xDot += tau * xAcc;
                xDots[v] = xDot;
                xs[v] = x + (tau * xDot);
                thetaDot += tau * thetaAcc;
                thetaDots[v] = thetaDot;
                thetas[v] = theta + (tau * thetaDot);
            }
        }
    }

    // CartPole.Reset's draws: x, ẋ, θ, θ̇ in that order from Uniform(−0.05, 0.05).
    private void DrawInitialState(int i)
    {
        Pcg64 random = _random[i];
        _x[i] = random.NextUniform(CartPole.DefaultResetLow, CartPole.DefaultResetHigh);
        _xDot[i] = random.NextUniform(CartPole.DefaultResetLow, CartPole.DefaultResetHigh);
        _theta[i] = random.NextUniform(CartPole.DefaultResetLow, CartPole.DefaultResetHigh);
        _thetaDot[i] = random.NextUniform(CartPole.DefaultResetLow, CartPole.DefaultResetHigh);
        _elapsed[i] = 0;
    }

    private void WriteObservation(int i, Span<float> observations)
    {
        Span<float> row = observations.Slice(i * CartPole.ObservationLength, CartPole.ObservationLength);
        row[0] = (float)_x[i];
        row[1] = (float)_xDot[i];
        row[2] = (float)_theta[i];
        row[3] = (float)_thetaDot[i];
    }

    private void CheckObservations(Span<float> observations)
    {
        if (observations.Length != Count * CartPole.ObservationLength)
        {
            throw new ArgumentException(
                $"The observations buffer must be [{Count}, {CartPole.ObservationLength}] = {Count * CartPole.ObservationLength} floats; got {observations.Length}.",
                nameof(observations));
        }
    }

    private void CheckLength(int length, string name)
    {
        if (length != Count)
        {
            throw new ArgumentException($"'{name}' needs one entry per environment ({Count}); got {length}.", name);
        }
    }
}
