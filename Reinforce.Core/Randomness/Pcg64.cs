namespace Reinforce.Randomness;

/// <summary>
/// The PCG64 generator of NumPy's default <c>Generator</c> (PCG XSL-RR 128/64, not the DXSM variant), seeded through
/// <see cref="SeedSequence"/> so that <c>new Pcg64(seed)</c> draws exactly the stream of <c>numpy.random.default_rng(seed)</c>
/// on every machine.
/// </summary>
/// <remarks>
/// <para>Step: <c>s ← s·M + inc (mod 2¹²⁸)</c> with <c>M = 0x2360ED051FC65DA4_4385DF649FCCF645</c>.</para>
/// <para>Output (on the new state): <c>rotr64(hi(s) ^ lo(s), s &gt;&gt; 122)</c>.</para>
/// <para>
/// Seeding (NumPy's <c>PCG64(SeedSequence)</c>): four 64-bit words <c>w = seq.generate_state(4, uint64)</c> give
/// <c>initstate = w0·2⁶⁴ + w1</c> and <c>initseq = w2·2⁶⁴ + w3</c>; then <c>inc = 2·initseq + 1</c>, <c>s = 0</c>, step,
/// <c>s += initstate</c>, step.
/// </para>
/// <para>Draws never allocate. Instances are not thread-safe: give each thread its own generator (see <see cref="Derive"/>).</para>
/// </remarks>
public sealed class Pcg64
{
    private static readonly UInt128 Multiplier = new(2549297995355413924UL, 4865540595714422341UL);

    /// <summary>2⁻⁵³, the spacing of <see cref="NextDouble"/> results.</summary>
    private const double DoubleUnit = 1.0 / 9007199254740992.0;

    /// <summary>2⁻²⁴, the spacing of <see cref="NextSingle"/> results.</summary>
    private const float SingleUnit = 1.0f / 16777216.0f;

    private UInt128 _state;
    private UInt128 _increment;

    /// <summary>Creates the generator of <c>numpy.random.default_rng(seed)</c>.</summary>
    /// <param name="seed">The seed.</param>
    public Pcg64(ulong seed) => Reseed(seed);

    private Pcg64(Pcg64State state) => State = state;

    /// <summary>
    /// The full generator state. Setting it resumes the stream at exactly the point where it was read.
    /// </summary>
    /// <exception cref="ArgumentException">On set, when the increment is even (PCG requires an odd increment).</exception>
    public Pcg64State State
    {
        get => new(_state, _increment);
        set
        {
            if ((value.Increment & UInt128.One) == UInt128.Zero)
            {
                throw new ArgumentException(
                    $"A PCG64 increment must be odd; got 0x{value.Increment:X32}. Use a state read from Pcg64.State.",
                    nameof(value));
            }

            _state = value.State;
            _increment = value.Increment;
        }
    }

    /// <summary>Creates the generator of <c>numpy.random.default_rng(sequence)</c> (<c>PCG64(sequence)</c>).</summary>
    /// <param name="sequence">The seed sequence.</param>
    /// <returns>A new generator.</returns>
    public static Pcg64 FromSeedSequence(SeedSequence sequence)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        var generator = new Pcg64(0UL);
        generator.SeedFromPool(sequence.Pool);
        return generator;
    }

    /// <summary>
    /// Creates an independent stream for a run seed and a stream index (an episode, a worker):
    /// <c>numpy.random.default_rng(SeedSequence(seed, spawn_key=(stream,)))</c>, which is also the generator of
    /// <c>SeedSequence(seed).spawn(stream + 1)[stream]</c>.
    /// </summary>
    /// <param name="seed">The run seed.</param>
    /// <param name="stream">The stream index.</param>
    /// <returns>A new generator.</returns>
    public static Pcg64 Derive(ulong seed, ulong stream)
    {
        var generator = new Pcg64(0UL);
        Span<uint> pool = stackalloc uint[SeedSequence.PoolSize];
        SeedSequence.ComputePool(seed, [stream], pool);
        generator.SeedFromPool(pool);
        return generator;
    }

    /// <summary>Creates a generator from a saved <see cref="State"/>.</summary>
    /// <param name="state">A state read from <see cref="State"/>.</param>
    /// <returns>A new generator that continues the saved stream.</returns>
    /// <exception cref="ArgumentException">When the increment is even.</exception>
    public static Pcg64 FromState(Pcg64State state) => new(state);

    /// <summary>Creates a generator seeded with 128 bits of operating-system entropy, like <c>numpy.random.default_rng()</c>.</summary>
    /// <returns>A new generator.</returns>
    public static Pcg64 FromOsEntropy()
    {
        var generator = new Pcg64(0UL);
        generator.ReseedFromOsEntropy();
        return generator;
    }

    /// <summary>Restarts this generator as <c>new Pcg64(seed)</c> would, without allocating.</summary>
    /// <param name="seed">The seed.</param>
    public void Reseed(ulong seed)
    {
        Span<uint> pool = stackalloc uint[SeedSequence.PoolSize];
        SeedSequence.ComputePool(seed, [], pool);
        SeedFromPool(pool);
    }

    /// <summary>Restarts this generator as <see cref="Derive"/>(<paramref name="seed"/>, <paramref name="stream"/>) would, without allocating.</summary>
    /// <param name="seed">The run seed.</param>
    /// <param name="stream">The stream index.</param>
    public void Reseed(ulong seed, ulong stream)
    {
        Span<uint> pool = stackalloc uint[SeedSequence.PoolSize];
        SeedSequence.ComputePool(seed, [stream], pool);
        SeedFromPool(pool);
    }

    /// <summary>Reseeds from 128 bits of operating-system entropy, without allocating.</summary>
    internal void ReseedFromOsEntropy()
    {
        Span<uint> pool = stackalloc uint[SeedSequence.PoolSize];
        SeedSequence.ComputePool(SeedSequence.NextOsEntropy(), [], pool);
        SeedFromPool(pool);
    }

    /// <summary>The next raw 64-bit output (NumPy's <c>bit_generator.random_raw()</c>).</summary>
    /// <returns>A uniformly distributed 64-bit value.</returns>
    public ulong NextUInt64()
    {
        _state = (_state * Multiplier) + _increment;
        ulong high = (ulong)(_state >> 64);
        ulong low = (ulong)_state;
        int rotation = (int)(high >> 58);
        return ulong.RotateRight(high ^ low, rotation);
    }

    /// <summary>
    /// A uniform double in [0, 1) on the 2⁻⁵³ grid: <c>(x &gt;&gt; 11) · 2⁻⁵³</c>, exactly NumPy's <c>Generator.random()</c>.
    /// </summary>
    /// <returns>A value in [0, 1).</returns>
    public double NextDouble() => (NextUInt64() >> 11) * DoubleUnit;

    /// <summary>
    /// A uniform double between <paramref name="low"/> and <paramref name="high"/>: <c>low + (high − low) · NextDouble()</c>,
    /// exactly NumPy's <c>Generator.uniform(low, high)</c> (one draw per value; as in NumPy, <c>high &lt; low</c> is allowed and
    /// mirrors the interval).
    /// </summary>
    /// <param name="low">Lower bound (included).</param>
    /// <param name="high">Upper bound (excluded, up to rounding).</param>
    /// <returns>A value in [low, high).</returns>
    /// <exception cref="ArgumentOutOfRangeException">When <c>high − low</c> is not finite (NumPy raises OverflowError).</exception>
    public double NextUniform(double low, double high)
    {
        double range = high - low;
        if (!double.IsFinite(range))
        {
            throw new ArgumentOutOfRangeException(
                nameof(high), high, $"high - low must be a finite number; got low = {low}, high = {high}.");
        }

        return low + (range * NextDouble());
    }

    /// <summary>
    /// A uniform float in [0, 1) on the 2⁻²⁴ grid: <c>(x &gt;&gt; 40) · 2⁻²⁴</c> from one 64-bit draw. This is NOT NumPy's
    /// float32 path (<c>random(dtype=np.float32)</c> uses buffered 32-bit halves); it is a fast float for our own use.
    /// </summary>
    /// <returns>A value in [0, 1).</returns>
    public float NextSingle() => (NextUInt64() >> 40) * SingleUnit;

    /// <summary>
    /// An unbiased uniform integer in [0, <paramref name="exclusiveMax"/>) by Lemire's multiply-and-reject method on
    /// 64-bit draws (not NumPy's <c>integers</c> stream).
    /// </summary>
    /// <param name="exclusiveMax">The number of possible values; at least 1.</param>
    /// <returns>A value in [0, exclusiveMax).</returns>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="exclusiveMax"/> is less than 1.</exception>
    public int NextInt32(int exclusiveMax)
    {
        if (exclusiveMax < 1)
        {
            throw new ArgumentOutOfRangeException(
                nameof(exclusiveMax), exclusiveMax, "The exclusive upper bound must be at least 1.");
        }

        ulong bound = (ulong)exclusiveMax;
        ulong high = Math.BigMul(NextUInt64(), bound, out ulong low);
        if (low < bound)
        {
            // Reject the low products that would over-represent some results: threshold = 2⁶⁴ mod bound.
            ulong threshold = (0UL - bound) % bound;
            while (low < threshold)
            {
                high = Math.BigMul(NextUInt64(), bound, out low);
            }
        }

        return (int)high;
    }

    private void SeedFromPool(ReadOnlySpan<uint> pool)
    {
        Span<ulong> words = stackalloc ulong[4];
        SeedSequence.GenerateState(pool, words);
        var initState = new UInt128(words[0], words[1]);
        var initSequence = new UInt128(words[2], words[3]);

        _increment = (initSequence << 1) | UInt128.One;
        _state = UInt128.Zero;
        _state = (_state * Multiplier) + _increment;
        _state += initState;
        _state = (_state * Multiplier) + _increment;
    }
}
