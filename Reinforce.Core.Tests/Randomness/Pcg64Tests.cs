using Reinforce.Randomness;

namespace Reinforce.Tests.Randomness;

/// <summary>
/// Pcg64 against NumPy's default_rng. Expected values come from tools/reference/numpy_rng_vectors.py run with
/// NumPy 1.24.2; doubles are compared through their IEEE-754 bit patterns. Tolerance: exact equality everywhere.
/// </summary>
[TestFixture]
public sealed class Pcg64Tests
{
    private static IEnumerable<TestCaseData> RawCases()
    {
        // numpy: default_rng(seed).bit_generator.state and .random_raw(6)
        yield return Case(0, 0x1AA1B5345996452D, 0x09585EB7A69561E3, 0x418DDADB3AF71A82, 0x588133BC447873A9,
            [0xA30FEBCFD9C2825F, 0x4510BDF882D9D721, 0x0A7D3DA94ECDE8B8, 0x043B27B61342F01D, 0xD0327A782CDE513B, 0xE9AA5979A6401C4E]);
        yield return Case(42, 0xCEA44F6798798F2A, 0xACBC7C9D68860AC8, 0xFA505436C9A8416E, 0x66CAF2E28D25ABFF,
            [0xC621FBCD16D92688, 0x705A5661A791FFC1, 0xDBCD12C26EDA1624, 0xB286B60E1600888D, 0x181C01B5339381EB, 0xF9C262ED86C7538C]);
        yield return Case((1UL << 40) + 7, 0xFA7E3F18087C4292, 0x231DC5E99D5A2373, 0x3338387707B75206, 0x81124FB81B91462D,
            [0xD46E9E2034DE21AA, 0x415BADC99C087675, 0x275ED40F045ACB84, 0xACAC54758134B98B, 0xBD24AA55E29BB068, 0x7D7056F11830B8E7]);
        yield return Case(543, 0xD6A07D2BF0255B53, 0x15A13FA4B894E8FF, 0x4DF66C71FF4F41FB, 0xF6A48AF4373D6B3D,
            [0x76FD1FCACB829F22, 0xA93F01532E2F755B, 0x72353454B4DB4538, 0x72127FFA9A054E51, 0xBB5B6AA1176855A7, 0x657A5F640FED2443]);

        static TestCaseData Case(ulong seed, ulong stateHi, ulong stateLo, ulong incHi, ulong incLo, ulong[] raw) =>
            new TestCaseData(seed, new Pcg64State(new UInt128(stateHi, stateLo), new UInt128(incHi, incLo)), raw)
                .SetArgDisplayNames($"seed={seed}");
    }

    [TestCaseSource(nameof(RawCases))]
    public void Constructor_SeedsTheSameStateAsNumpyDefaultRng(ulong seed, Pcg64State expectedState, ulong[] raw)
    {
        Assert.That(new Pcg64(seed).State, Is.EqualTo(expectedState));
    }

    [TestCaseSource(nameof(RawCases))]
    public void NextUInt64_MatchesNumpyRandomRaw(ulong seed, Pcg64State expectedState, ulong[] raw)
    {
        var generator = new Pcg64(seed);

        ulong[] actual = [.. raw.Select(_ => generator.NextUInt64())];

        Assert.That(actual, Is.EqualTo(raw));
    }

    [TestCase(0UL, new ulong[] { 0x3FE461FD79FB3850, 0x3FD1442F7E20B674, 0x3FA4FA7B529D9BD0, 0x3F90EC9ED84D0BC0 })]
    [TestCase(42UL, new ulong[] { 0x3FE8C43F79A2DB24, 0x3FDC16959869E47E, 0x3FEB79A2584DDB42, 0x3FE650D6C1C2C011 })]
    public void NextDouble_MatchesNumpyRandom(ulong seed, ulong[] expectedBits)
    {
        // numpy: default_rng(0).random(4) = [0.6369616873214543, 0.2697867137638703, 0.04097352393619469, 0.016527635528529094]
        var generator = new Pcg64(seed);

        ulong[] actual = [.. expectedBits.Select(_ => BitConverter.DoubleToUInt64Bits(generator.NextDouble()))];

        Assert.That(actual, Is.EqualTo(expectedBits));
    }

    [TestCase(0UL, new ulong[] { 0x3F8C0CBCA647CED0, 0xBF9792E736320F47, 0xBFA7808D4489D6D2, 0xBFA8C0F80EC8F29D })]
    [TestCase(42UL, new ulong[] { 0x3F9C0D97EBA2BD40, 0xBF79090F63C0B010, 0x3FA25C36F3AFC536, 0x3F9435E26C08CD04 })]
    [TestCase(543UL, new ulong[] { 0xBF6CD600AA419150, 0x3F907F9A2145AC94, 0xBF761145DEDEA130, 0xBF7648CCD56FF790 })]
    public void NextUniform_MatchesNumpyUniform(ulong seed, ulong[] expectedBits)
    {
        // numpy: default_rng(seed).uniform(-0.05, 0.05, size=4), the CartPole reset draw.
        var generator = new Pcg64(seed);

        ulong[] actual = [.. expectedBits.Select(_ => BitConverter.DoubleToUInt64Bits(generator.NextUniform(-0.05, 0.05)))];

        Assert.That(actual, Is.EqualTo(expectedBits));
    }

    [TestCase(42UL, 0UL, new ulong[] { 0xEAAFBEBF7F55D256, 0xE9366C1894D944C8, 0xE0685DCB37CFF0D6, 0x4F2F7DC557EE81D8 })]
    [TestCase(42UL, 1UL, new ulong[] { 0x77AD79CB131F4097, 0x0BE4132B2EB1F48E, 0x9873580FA7F3399F, 0x1B76640F643AAB55 })]
    [TestCase(42UL, 0x100000005UL, new ulong[] { 0x9096E037C92248A8, 0xD7C9F7DFB118A546, 0x48F8902CF0F25A00, 0x288ACAA70A466225 })]
    [TestCase(7UL, 3UL, new ulong[] { 0xFB7981C97AC2F34C, 0x0F9A81E7530523AE, 0x02FFD26026D18760, 0x84FC4D100ED62C2A })]
    public void Derive_MatchesNumpySpawnKeyStream(ulong seed, ulong stream, ulong[] expected)
    {
        // numpy: default_rng(SeedSequence(seed, spawn_key=(stream,))).bit_generator.random_raw(4)
        var generator = Pcg64.Derive(seed, stream);

        ulong[] actual = [.. expected.Select(_ => generator.NextUInt64())];

        Assert.That(actual, Is.EqualTo(expected));
    }

    [Test]
    public void Derive_EqualsTheChildOfNumpySpawn()
    {
        // numpy: default_rng(SeedSequence(42).spawn(3)[2]).bit_generator.random_raw(1) = 0x123CBB7EB40465F6
        Assert.That(Pcg64.Derive(42, 2).NextUInt64(), Is.EqualTo(0x123CBB7EB40465F6UL));
    }

    [Test]
    public void Derive_GivesDifferentStreamsPerIndex_AndDiffersFromTheRootSeed()
    {
        ulong root = new Pcg64(42).NextUInt64();
        ulong[] firsts = [.. Enumerable.Range(0, 64).Select(i => Pcg64.Derive(42, (ulong)i).NextUInt64())];

        Assert.Multiple(() =>
        {
            Assert.That(firsts, Is.Unique);
            Assert.That(firsts, Has.No.Member(root));
        });
    }

    [Test]
    public void FromSeedSequence_EqualsSeedConstructor_AndDeriveForSpawnKey()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Pcg64.FromSeedSequence(new SeedSequence(42)).State, Is.EqualTo(new Pcg64(42).State));
            Assert.That(Pcg64.FromSeedSequence(new SeedSequence(42, 5)).State, Is.EqualTo(Pcg64.Derive(42, 5).State));
        });
    }

    [Test]
    public void State_RoundTripsExactly_AndResumesTheStream()
    {
        var generator = new Pcg64(123);
        for (int i = 0; i < 17; i++)
        {
            generator.NextUInt64();
        }

        Pcg64State saved = generator.State;
        ulong[] expected = [generator.NextUInt64(), generator.NextUInt64(), generator.NextUInt64()];

        var other = new Pcg64(999) { State = saved };
        ulong[] resumed = [other.NextUInt64(), other.NextUInt64(), other.NextUInt64()];
        var restored = Pcg64.FromState(saved);

        Assert.Multiple(() =>
        {
            Assert.That(resumed, Is.EqualTo(expected));
            Assert.That(restored.State, Is.EqualTo(saved));
            Assert.That(restored.NextUInt64(), Is.EqualTo(expected[0]));
        });
    }

    [Test]
    public void State_RejectsAnEvenIncrement()
    {
        var generator = new Pcg64(0);

        Assert.That(
            () => generator.State = new Pcg64State(UInt128.One, new UInt128(0, 2)),
            Throws.ArgumentException.With.Message.Contains("odd"));
    }

    [Test]
    public void Reseed_RestartsTheSeededStream()
    {
        var generator = new Pcg64(5);
        generator.NextUInt64();

        generator.Reseed(42);

        Assert.That(generator.State, Is.EqualTo(new Pcg64(42).State));
    }

    [Test]
    public void FromOsEntropy_GivesDifferentStreams()
    {
        Pcg64State first = Pcg64.FromOsEntropy().State;
        Pcg64State second = Pcg64.FromOsEntropy().State;

        // 128 random seed bits each: equal states have probability about 2^-128.
        Assert.That(first, Is.Not.EqualTo(second));
    }

    [Test]
    public void NextSingle_IsTheTop24BitsOfTheRawDraw()
    {
        var generator = new Pcg64(0);
        var raw = new Pcg64(0);

        for (int i = 0; i < 100; i++)
        {
            float expected = (raw.NextUInt64() >> 40) / 16777216.0f;
            Assert.That(generator.NextSingle(), Is.EqualTo(expected));
        }
    }

    [Test]
    public void NextSingle_AndNextDouble_StayInTheUnitInterval()
    {
        var generator = new Pcg64(3);

        for (int i = 0; i < 10_000; i++)
        {
            float single = generator.NextSingle();
            double value = generator.NextDouble();
            Assert.That(single, Is.GreaterThanOrEqualTo(0f).And.LessThan(1f));
            Assert.That(value, Is.GreaterThanOrEqualTo(0d).And.LessThan(1d));
        }
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    [TestCase(7)]
    [TestCase(int.MaxValue)]
    public void NextInt32_StaysBelowTheBound(int exclusiveMax)
    {
        var generator = new Pcg64(11);

        for (int i = 0; i < 2_000; i++)
        {
            Assert.That(generator.NextInt32(exclusiveMax), Is.InRange(0, exclusiveMax - 1));
        }
    }

    [Test]
    public void NextInt32_IsRoughlyUniform()
    {
        // 60 000 draws over 6 values: each count is Binomial(60000, 1/6), sd ≈ 91; ±5 sd = ±456.
        var generator = new Pcg64(2024);
        var counts = new int[6];
        for (int i = 0; i < 60_000; i++)
        {
            counts[generator.NextInt32(6)]++;
        }

        Assert.That(counts, Has.All.InRange(10_000 - 456, 10_000 + 456));
    }

    [TestCase(0)]
    [TestCase(-1)]
    [TestCase(int.MinValue)]
    public void NextInt32_Throws_WhenTheBoundIsBelowOne(int exclusiveMax)
    {
        var generator = new Pcg64(0);

        Assert.That(
            () => generator.NextInt32(exclusiveMax),
            Throws.TypeOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("exclusiveMax"));
    }

    [TestCase(double.NegativeInfinity, 0.0)]
    [TestCase(0.0, double.PositiveInfinity)]
    [TestCase(double.NaN, 1.0)]
    [TestCase(-double.MaxValue, double.MaxValue)]
    public void NextUniform_Throws_WhenTheRangeIsNotFinite(double low, double high)
    {
        var generator = new Pcg64(0);

        Assert.That(() => generator.NextUniform(low, high), Throws.TypeOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void Draws_DoNotAllocate()
    {
        var generator = new Pcg64(1);
        double sink = Draw(generator, 1_000);

        long before = GC.GetAllocatedBytesForCurrentThread();
        sink += Draw(generator, 10_000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.That(allocated, Is.Zero, $"sink {sink}");

        static double Draw(Pcg64 generator, int count)
        {
            double sum = 0;
            for (int i = 0; i < count; i++)
            {
                sum += generator.NextUInt64() & 1;
                sum += generator.NextDouble() + generator.NextSingle() + generator.NextUniform(-1, 1) + generator.NextInt32(10);
            }

            generator.Reseed((ulong)count);
            return sum;
        }
    }
}
