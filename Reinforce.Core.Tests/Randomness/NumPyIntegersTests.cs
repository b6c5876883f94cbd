using Reinforce.Randomness;
using static Reinforce.Tests.Statistics.StatisticsReference;

namespace Reinforce.Tests.Randomness;

/// <summary>
/// NumPyIntegers against NumPy's <c>default_rng(seed).integers(0, n, size)</c>, from Reference/statistics_reference.json
/// (tools/reference/statistics_reference.py, NumPy 1.24.2). Tolerance: exact equality of every value.
/// </summary>
public class NumPyIntegersTests
{
    private static IEnumerable<TestCaseData> Cases() =>
        Root.GetProperty("integers").EnumerateArray().Select(c => new TestCaseData(
                c.GetProperty("seed").GetUInt64(),
                c.GetProperty("calls").EnumerateArray().Select(call => Ints(call)).ToArray(),
                Ints(c.GetProperty("values")))
            .SetArgDisplayNames($"seed={c.GetProperty("seed").GetUInt64()}, calls={string.Join(";", c.GetProperty("calls").EnumerateArray().Select(call => string.Join("x", Ints(call))))}"));

    [TestCaseSource(nameof(Cases))]
    public void Fill_DrawsTheSameIntegersAsNumPy(ulong seed, int[][] calls, int[] expected)
    {
        // Each call is (n, size); one sampler serves all calls, as one NumPy Generator does.
        var integers = new NumPyIntegers(new Pcg64(seed));
        var actual = new List<int>();
        foreach (int[] call in calls)
        {
            int[] values = new int[call[1]];
            integers.Fill(call[0], values);
            actual.AddRange(values);
        }

        Assert.That(actual, Is.EqualTo(expected));
    }

    [Test]
    public void NextUInt32_SplitsEachDrawLowHalfFirst()
    {
        // NumPy's PCG64 next_uint32: the low 32 bits of a 64-bit output, then its high 32 bits.
        ulong raw = new Pcg64(42).NextUInt64();
        var integers = new NumPyIntegers(new Pcg64(42));

        Assert.That(integers.NextUInt32(), Is.EqualTo((uint)raw));
        Assert.That(integers.NextUInt32(), Is.EqualTo((uint)(raw >> 32)));
    }

    [Test]
    public void OnePossibleValue_DrawsNothing()
    {
        // NumPy returns the lower bound without drawing when the range holds one value: the generator does not move.
        var generator = new Pcg64(3);
        Pcg64State before = generator.State;

        Assert.That(new NumPyIntegers(generator).Next(1), Is.Zero);
        Assert.That(generator.State, Is.EqualTo(before));
        Assert.That(() => new NumPyIntegers(generator).Next(0), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }
}
