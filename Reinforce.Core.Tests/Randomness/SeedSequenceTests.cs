using Reinforce.Randomness;

namespace Reinforce.Tests.Randomness;

/// <summary>
/// SeedSequence against NumPy. Expected words come from tools/reference/numpy_rng_vectors.py run with NumPy 1.24.2
/// (section "SeedSequence(entropy, spawn_key).generate_state"). Tolerance: exact equality (integers).
/// </summary>
[TestFixture]
public sealed class SeedSequenceTests
{
    private static readonly UInt128 Entropy2Pow100Plus12345 = (UInt128.One << 100) + 12345;

    private static IEnumerable<TestCaseData> NumpyCases()
    {
        yield return Case(0, [], [0xFE40EB07, 0x4F363A36, 0x4EB2009D, 0xC89A7AA7],
            [0xB0F478BE, 0xDB2CD7E7, 0x2C71BA49, 0xABF4641A], [0xDB2CD7E7B0F478BE, 0xABF4641A2C71BA49]);
        yield return Case(42, [], [0x631D3606, 0x07AE90AE, 0x6FC4BE28, 0x2CED5C75],
            [0xCD540AB7, 0x9F1E2E6D, 0x79FB94B6, 0xD57873DC], [0x9F1E2E6DCD540AB7, 0xD57873DC79FB94B6]);
        yield return Case((1UL << 40) + 7, [], [0xCEF14FB5, 0x8E3F6082, 0xB865038B, 0x6AED4368],
            [0x0E3D1A15, 0x0D8672E1, 0x4ECFA161, 0x9AEF4ADA], [0x0D8672E10E3D1A15, 0x9AEF4ADA4ECFA161]);
        yield return Case(Entropy2Pow100Plus12345, [], [0xDA8A5AE3, 0xB847EC2B, 0xFC4E6E94, 0xA66A2086],
            [0xA490589E, 0x02259A9F, 0x5D4AD6BB, 0x201E30E5], [0x02259A9FA490589E, 0x201E30E55D4AD6BB]);
        yield return Case(42, [3], [0x5A5D41C7, 0x66329D5F, 0xD450FF32, 0x5DFF04FB],
            [0xC34FC8C5, 0x34037E9D, 0x48019FD6, 0xED87F1B5], [0x34037E9DC34FC8C5, 0xED87F1B548019FD6]);
        yield return Case(1, [(1UL << 32) + 5], [0x8019527C, 0x35BCFBEB, 0x85FFFD1B, 0xE9C20F5D],
            [0x37ACEA95, 0x8DF00B8A, 0x888076BE, 0xDCADCFC1], [0x8DF00B8A37ACEA95, 0xDCADCFC1888076BE]);
        yield return Case(0, [0], [0x9000E90B, 0x0BAAE194, 0xEFE7FB3D, 0xA8531503],
            [0xDFF7B411, 0x784DFB2C, 0x56CF8F57, 0xCA65717F], [0x784DFB2CDFF7B411, 0xCA65717F56CF8F57]);
        yield return Case((1UL << 40) + 7, [9], [0xD186AC64, 0x148F06FA, 0xCE414C21, 0xB6FF93D1],
            [0x11856414, 0x39AF8E60, 0x12BD3D39, 0x041BE4CB], [0x39AF8E6011856414, 0x041BE4CB12BD3D39]);

        static TestCaseData Case(UInt128 entropy, ulong[] spawnKey, uint[] pool, uint[] words, ulong[] longs) =>
            new TestCaseData(entropy, spawnKey, pool, words, longs)
                .SetArgDisplayNames($"entropy=0x{entropy:X}", $"spawnKey=[{string.Join(",", spawnKey)}]");
    }

    [TestCaseSource(nameof(NumpyCases))]
    public void Pool_MatchesNumpy(UInt128 entropy, ulong[] spawnKey, uint[] pool, uint[] words, ulong[] longs)
    {
        var sequence = new SeedSequence(entropy, spawnKey);

        Assert.That(sequence.Pool.ToArray(), Is.EqualTo(pool));
    }

    [TestCaseSource(nameof(NumpyCases))]
    public void GenerateState32_MatchesNumpy(UInt128 entropy, ulong[] spawnKey, uint[] pool, uint[] words, ulong[] longs)
    {
        var sequence = new SeedSequence(entropy, spawnKey);
        var actual = new uint[4];

        sequence.GenerateState(actual);

        Assert.That(actual, Is.EqualTo(words));
    }

    [TestCaseSource(nameof(NumpyCases))]
    public void GenerateState64_IsLittleEndianPairsOf32BitWords_AsNumpy(
        UInt128 entropy, ulong[] spawnKey, uint[] pool, uint[] words, ulong[] longs)
    {
        var sequence = new SeedSequence(entropy, spawnKey);
        var actual = new ulong[2];

        sequence.GenerateState(actual);

        Assert.That(actual, Is.EqualTo(longs));
    }

    [Test]
    public void GenerateState_CyclesOverThePool_ForMoreWordsThanThePoolHolds()
    {
        // numpy: SeedSequence(42).generate_state(9)
        uint[] expected =
        [
            0xCD540AB7, 0x9F1E2E6D, 0x79FB94B6, 0xD57873DC, 0x64D420B7, 0x7D282A1B, 0x4692D5FF, 0x33657971, 0x4F80D563,
        ];
        var actual = new uint[9];

        new SeedSequence(42).GenerateState(actual);

        Assert.That(actual, Is.EqualTo(expected));
    }

    [Test]
    public void Constructor_KeepsEntropyAndSpawnKey()
    {
        var sequence = new SeedSequence(7, 1, 2);

        Assert.Multiple(() =>
        {
            Assert.That(sequence.Entropy, Is.EqualTo((UInt128)7));
            Assert.That(sequence.SpawnKey.ToArray(), Is.EqualTo(new ulong[] { 1, 2 }));
        });
    }

    [Test]
    public void SpawnKey_ChangesThePool_EvenForChildZero()
    {
        var root = new SeedSequence(0);
        var child = new SeedSequence(0, 0);

        Assert.That(child.Pool.ToArray(), Is.Not.EqualTo(root.Pool.ToArray()));
    }

    [Test]
    public void FromOsEntropy_GivesDifferentSequences()
    {
        var first = SeedSequence.FromOsEntropy();
        var second = SeedSequence.FromOsEntropy();

        // 128 random bits each: a collision has probability 2^-128.
        Assert.That(first.Entropy, Is.Not.EqualTo(second.Entropy));
    }
}
