namespace Reinforce.Randomness;

/// <summary>
/// Uniform integers in [0, n) drawn from a <see cref="Pcg64"/> exactly as NumPy's <c>Generator.integers(0, n, size)</c>
/// draws them from <c>default_rng(seed)</c>, so a resampling done here picks the same indices as the same resampling
/// done in NumPy (bootstrap intervals can then be checked against NumPy bit for bit).
/// </summary>
/// <remarks>
/// <para>
/// NumPy (<c>random_bounded_uint64_fill</c> in <c>numpy/random/src/distributions/distributions.c</c>) draws a value in
/// [0, n) for n ≤ 2³² by Lemire's multiply-and-reject on <b>32-bit</b> draws: <c>m = u32 · n</c> (64-bit product), reject
/// while the low 32 bits of <c>m</c> are below <c>2³² mod n</c>, return <c>m &gt;&gt; 32</c>. For n = 1 it returns 0 without
/// drawing. PCG64 makes 32-bit draws by splitting a 64-bit output: the low half first, the high half kept for the next
/// 32-bit draw. That half is part of the generator's state in NumPy (<c>has_uint32</c>, <c>uinteger</c>); here it lives
/// in this sampler, so create one sampler per generator and keep using it. A half left over when the sampler is dropped
/// is lost, where NumPy would keep it for its next 32-bit draw.
/// </para>
/// <para>This is not <see cref="Pcg64.NextInt32"/>, which uses 64-bit draws (one per value). Draws never allocate.</para>
/// </remarks>
public sealed class NumPyIntegers
{
    private readonly Pcg64 generator;
    private bool hasBufferedHalf;
    private uint bufferedHalf;

    /// <summary>Draws from <paramref name="generator"/> (which it advances).</summary>
    /// <param name="generator">The generator, e.g. <c>new Pcg64(seed)</c> for <c>numpy.random.default_rng(seed)</c>.</param>
    public NumPyIntegers(Pcg64 generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        this.generator = generator;
    }

    /// <summary>The next 32-bit draw: NumPy's <c>next_uint32</c> for PCG64 (low half of a 64-bit output, then its high half).</summary>
    /// <returns>A uniformly distributed 32-bit value.</returns>
    public uint NextUInt32()
    {
        if (hasBufferedHalf)
        {
            hasBufferedHalf = false;
            return bufferedHalf;
        }
        ulong draw = generator.NextUInt64();
        bufferedHalf = (uint)(draw >> 32);
        hasBufferedHalf = true;
        return (uint)draw;
    }

    /// <summary>One value of <c>integers(0, exclusiveMax)</c>.</summary>
    /// <param name="exclusiveMax">The number of possible values; at least 1.</param>
    /// <returns>A value in [0, exclusiveMax).</returns>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="exclusiveMax"/> is less than 1.</exception>
    public int Next(int exclusiveMax)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(exclusiveMax, 1);
        return Draw((uint)exclusiveMax);
    }

    /// <summary>Fills <paramref name="destination"/> as <c>integers(0, exclusiveMax, size=destination.Length)</c> does.</summary>
    /// <param name="exclusiveMax">The number of possible values; at least 1.</param>
    /// <param name="destination">Receives the values, in draw order.</param>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="exclusiveMax"/> is less than 1.</exception>
    public void Fill(int exclusiveMax, Span<int> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(exclusiveMax, 1);
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = Draw((uint)exclusiveMax);
        }
    }

    private int Draw(uint bound)
    {
        if (bound == 1)
        {
            return 0; // NumPy's rng == 0 case: no draw at all
        }
        ulong product = (ulong)NextUInt32() * bound;
        uint low = (uint)product;
        if (low < bound)
        {
            // Reject the low products that would over-represent some results: threshold = 2³² mod bound.
            uint threshold = (0u - bound) % bound;
            while (low < threshold)
            {
                product = (ulong)NextUInt32() * bound;
                low = (uint)product;
            }
        }
        return (int)(product >> 32);
    }
}
