using System.Security.Cryptography;

namespace Reinforce.Randomness;

/// <summary>
/// NumPy's <c>numpy.random.SeedSequence</c>, bit for bit: it turns a seed (and an optional spawn key) into
/// well-mixed 32-bit words that initialise a bit generator such as <see cref="Pcg64"/>.
/// </summary>
/// <remarks>
/// <para>
/// The algorithm (O'Neill's seed_seq hashing, as written in NumPy's <c>bit_generator.pyx</c>):
/// </para>
/// <list type="number">
/// <item><description>
/// The entropy integer is written as little-endian 32-bit words (0 becomes the single word <c>[0]</c>); each spawn key
/// element is written the same way and the words are concatenated. When a spawn key is present and the entropy has
/// fewer words than the pool, the entropy words are first padded with zeros to the pool size (NumPy ≥ 1.19).
/// </description></item>
/// <item><description>
/// <c>hashmix(v)</c>: <c>v ^= h; h *= MULT_A; v *= h; v ^= v &gt;&gt; 16</c>, with <c>h</c> starting at <c>INIT_A</c> and
/// carried across calls; <c>mix(x, y) = r ^ (r &gt;&gt; 16)</c> where <c>r = MIX_MULT_L·x − MIX_MULT_R·y</c> (all mod 2³²).
/// </description></item>
/// <item><description>
/// Pool (4 words): <c>pool[i] = hashmix(word[i] or 0)</c>; then for every ordered pair <c>src ≠ dst</c>,
/// <c>pool[dst] = mix(pool[dst], hashmix(pool[src]))</c>; then each remaining entropy word is mixed into every pool word.
/// </description></item>
/// <item><description>
/// <c>generate_state</c>: cycling over the pool, <c>v = pool[i mod 4] ^ h; h *= MULT_B; v *= h; v ^= v &gt;&gt; 16</c>,
/// with <c>h</c> starting at <c>INIT_B</c>; 64-bit words are pairs of 32-bit words, low word first.
/// </description></item>
/// </list>
/// <para>Instances are immutable and thread-safe.</para>
/// </remarks>
public sealed class SeedSequence
{
    /// <summary>Number of 32-bit words in the entropy pool (NumPy's <c>DEFAULT_POOL_SIZE</c>).</summary>
    public const int PoolSize = 4;

    private const uint InitA = 0x43b0d7e5;
    private const uint MultA = 0x931e8875;
    private const uint InitB = 0x8b51f9dd;
    private const uint MultB = 0x58f38ded;
    private const uint MixMultL = 0xca01f9dd;
    private const uint MixMultR = 0x4973f715;
    private const int XShift = 16;

    // Longest assembled entropy a UInt128 entropy plus spawn key fits in without the heap: padded entropy (4 words)
    // plus 2 words per spawn key element.
    private const int StackWordLimit = 64;

    private readonly uint[] _pool = new uint[PoolSize];
    private readonly ulong[] _spawnKey;

    /// <summary>Creates the sequence NumPy builds for <c>SeedSequence(entropy, spawn_key=spawnKey)</c>.</summary>
    /// <param name="entropy">The seed, e.g. the integer given to <c>numpy.random.default_rng</c>.</param>
    /// <param name="spawnKey">Optional spawn key: the path of child indices that derived this sequence.</param>
    public SeedSequence(ulong entropy, params ReadOnlySpan<ulong> spawnKey)
        : this((UInt128)entropy, spawnKey)
    {
    }

    /// <summary>Creates the sequence NumPy builds for a seed of up to 128 bits (NumPy's OS-entropy seeds are 128 bits).</summary>
    /// <param name="entropy">The seed.</param>
    /// <param name="spawnKey">Optional spawn key: the path of child indices that derived this sequence.</param>
    public SeedSequence(UInt128 entropy, params ReadOnlySpan<ulong> spawnKey)
    {
        Entropy = entropy;
        _spawnKey = spawnKey.ToArray();
        ComputePool(entropy, spawnKey, _pool);
    }

    /// <summary>The seed this sequence was built from.</summary>
    public UInt128 Entropy { get; }

    /// <summary>The spawn key (empty for a root sequence).</summary>
    public ReadOnlySpan<ulong> SpawnKey => _spawnKey;

    /// <summary>The mixed entropy pool (NumPy's <c>SeedSequence.pool</c>).</summary>
    public ReadOnlySpan<uint> Pool => _pool;

    /// <summary>Creates a root sequence from 128 bits of operating-system entropy, like NumPy's <c>SeedSequence()</c>.</summary>
    /// <returns>A new sequence; read <see cref="Entropy"/> to log the seed and reproduce the run.</returns>
    public static SeedSequence FromOsEntropy() => new(NextOsEntropy());

    /// <summary>Fills <paramref name="destination"/> with state words, like NumPy's <c>generate_state(n, np.uint32)</c>.</summary>
    /// <param name="destination">Where the words go; its length is the number of words generated.</param>
    public void GenerateState(Span<uint> destination) => GenerateState(_pool, destination);

    /// <summary>
    /// Fills <paramref name="destination"/> with 64-bit state words, like NumPy's <c>generate_state(n, np.uint64)</c>:
    /// word <c>k</c> is <c>w[2k] | (w[2k+1] &lt;&lt; 32)</c> of the 32-bit stream <c>w</c>.
    /// </summary>
    /// <param name="destination">Where the words go; its length is the number of 64-bit words generated.</param>
    public void GenerateState(Span<ulong> destination) => GenerateState(_pool, destination);

    internal static UInt128 NextOsEntropy()
    {
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt128LittleEndian(bytes);
    }

    /// <summary>Computes the mixed pool for an entropy and spawn key without allocating (for short spawn keys).</summary>
    internal static void ComputePool(UInt128 entropy, ReadOnlySpan<ulong> spawnKey, Span<uint> pool)
    {
        int maxWords = PoolSize + (2 * spawnKey.Length);
        Span<uint> words = maxWords <= StackWordLimit ? stackalloc uint[StackWordLimit] : new uint[maxWords];

        int count = AppendWords(entropy, words);
        if (spawnKey.Length > 0)
        {
            // NumPy ≥ 1.19 pads the run entropy with zeros to the pool size when a spawn key follows, so that
            // spawned sequences cannot collide with unspawned ones of longer entropy.
            for (; count < PoolSize; count++)
            {
                words[count] = 0;
            }

            foreach (ulong key in spawnKey)
            {
                count += AppendWords(key, words[count..]);
            }
        }

        MixEntropy(pool, words[..count]);
    }

    internal static void GenerateState(ReadOnlySpan<uint> pool, Span<uint> destination)
    {
        uint hashConst = InitB;
        for (int i = 0; i < destination.Length; i++)
        {
            uint value = pool[i % pool.Length];
            value ^= hashConst;
            hashConst *= MultB;
            value *= hashConst;
            value ^= value >> XShift;
            destination[i] = value;
        }
    }

    internal static void GenerateState(ReadOnlySpan<uint> pool, Span<ulong> destination)
    {
        uint hashConst = InitB;
        int source = 0;
        for (int i = 0; i < destination.Length; i++)
        {
            ulong low = NextStateWord(pool, ref source, ref hashConst);
            ulong high = NextStateWord(pool, ref source, ref hashConst);
            destination[i] = low | (high << 32);
        }
    }

    private static uint NextStateWord(ReadOnlySpan<uint> pool, ref int source, ref uint hashConst)
    {
        uint value = pool[source];
        source = (source + 1) % pool.Length;
        value ^= hashConst;
        hashConst *= MultB;
        value *= hashConst;
        value ^= value >> XShift;
        return value;
    }

    /// <summary>Writes <paramref name="value"/> as little-endian 32-bit words, 0 as <c>[0]</c> (NumPy's <c>_int_to_uint32_array</c>).</summary>
    private static int AppendWords(UInt128 value, Span<uint> destination)
    {
        if (value == UInt128.Zero)
        {
            destination[0] = 0;
            return 1;
        }

        int count = 0;
        while (value != UInt128.Zero)
        {
            destination[count++] = (uint)value;
            value >>= 32;
        }

        return count;
    }

    private static void MixEntropy(Span<uint> mixer, ReadOnlySpan<uint> entropy)
    {
        uint hashConst = InitA;

        // Add in the entropy up to the pool size; past the entropy keep running the hash on zeros.
        for (int i = 0; i < mixer.Length; i++)
        {
            mixer[i] = HashMix(i < entropy.Length ? entropy[i] : 0u, ref hashConst);
        }

        // Mix all bits together so late bits can affect earlier bits.
        for (int source = 0; source < mixer.Length; source++)
        {
            for (int target = 0; target < mixer.Length; target++)
            {
                if (source != target)
                {
                    mixer[target] = Mix(mixer[target], HashMix(mixer[source], ref hashConst));
                }
            }
        }

        // Mix any remaining entropy words into every pool word.
        for (int source = mixer.Length; source < entropy.Length; source++)
        {
            for (int target = 0; target < mixer.Length; target++)
            {
                mixer[target] = Mix(mixer[target], HashMix(entropy[source], ref hashConst));
            }
        }
    }

    private static uint HashMix(uint value, ref uint hashConst)
    {
        value ^= hashConst;
        hashConst *= MultA;
        value *= hashConst;
        value ^= value >> XShift;
        return value;
    }

    private static uint Mix(uint x, uint y)
    {
        uint result = (MixMultL * x) - (MixMultR * y);
        result ^= result >> XShift;
        return result;
    }
}
