using System.Globalization;
using System.Numerics;
using Reinforce.Numerics;
using Reinforce.Randomness;
using Reinforce.Tests.TestSupport;

namespace Reinforce.Tests.Numerics;

/// <summary>
/// <see cref="ElementaryFunctions.Sin(double)"/>, <see cref="ElementaryFunctions.Cos(double)"/> and
/// <see cref="ElementaryFunctions.SinCos(double)"/> are correctly rounded, and their vector forms agree bit for bit.
/// <list type="bullet">
/// <item>Against <c>Reference/trigonometry.txt</c>, written by <c>tools/reference/trigonometry.py</c> (mpmath at 320 and
/// 640 bits, rounded once to nearest): a dense sweep of CartPole's angles, random inputs over the fast path's domain and
/// over every finite double, inputs whose sin or cos lies within 2⁻⁴⁵ ulp of a midpoint, and edge values. Every result
/// must be the reference's bits.</item>
/// <item>The exact path (<see cref="ExactTrigonometry"/>) on its own against the same file, and the hard cases must reach it.</item>
/// <item>The vector form against the scalar form on a million inputs and on lanes that mix the fast path, the exact
/// path, NaN and ±∞ (CI runs this with <see cref="Vector{T}.Count"/> = 2, 4, 8 and on ARM64).</item>
/// </list>
/// </summary>
public class TrigonometryTests
{
    private record Case(string Kind, double X, double Sin, double Cos, double SinMidpointLog2, double CosMidpointLog2);

    private static readonly Lazy<Case[]> Cases = new(() => File.ReadLines(TestData.ReferencePath("trigonometry.txt"))
        .Where(line => !line.StartsWith('#'))
        .Select(line => line.Split(' '))
        .Select(f => new Case(f[0], Bits(f[1]), Bits(f[2]), Bits(f[3]),
            double.Parse(f[4], CultureInfo.InvariantCulture), double.Parse(f[5], CultureInfo.InvariantCulture)))
        .ToArray());

    private static double Bits(string hex) => BitConverter.UInt64BitsToDouble(ulong.Parse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture));

    private static ulong B(double value) => BitConverter.DoubleToUInt64Bits(value);

    [Test]
    public void ReferenceFile_HasEveryKind()
    {
        var counts = Cases.Value.GroupBy(c => c.Kind).ToDictionary(g => g.Key, g => g.Count());
        TestContext.Out.WriteLine(string.Join(", ", counts.Select(p => $"{p.Key} {p.Value}")));
        Assert.That(counts["sweep"], Is.GreaterThan(4000));
        Assert.That(counts["cartpole"], Is.GreaterThanOrEqualTo(2000));
        Assert.That(counts["range"], Is.GreaterThanOrEqualTo(1800));
        Assert.That(counts["bits"], Is.GreaterThan(900));
        Assert.That(counts["hard"], Is.GreaterThan(250));
        Assert.That(counts["special"], Is.GreaterThan(50));
        Assert.That(Cases.Value.Count(c => Math.Min(c.SinMidpointLog2, c.CosMidpointLog2) < -45), Is.GreaterThan(50), "cases within 2^-45 ulp of a midpoint");
    }

    [TestCase("sweep")]
    [TestCase("cartpole")]
    [TestCase("range")]
    [TestCase("bits")]
    [TestCase("hard")]
    [TestCase("special")]
    public void ScalarForms_AreCorrectlyRounded_OnTheReference(string kind)
    {
        Case[] cases = [.. Cases.Value.Where(c => c.Kind == kind)];
        long exactBefore = ElementaryFunctions.ExactTrigEvaluations;
        foreach (Case c in cases)
        {
            Assert.That(B(ElementaryFunctions.Sin(c.X)), Is.EqualTo(B(c.Sin)), $"sin({c.X:R}) = {ElementaryFunctions.Sin(c.X):R}; correctly rounded {c.Sin:R}");
            Assert.That(B(ElementaryFunctions.Cos(c.X)), Is.EqualTo(B(c.Cos)), $"cos({c.X:R}) = {ElementaryFunctions.Cos(c.X):R}; correctly rounded {c.Cos:R}");
            (double sin, double cos) = ElementaryFunctions.SinCos(c.X);
            Assert.That((B(sin), B(cos)), Is.EqualTo((B(c.Sin), B(c.Cos))), $"SinCos({c.X:R})");
        }
        long exact = ElementaryFunctions.ExactTrigEvaluations - exactBefore;
        int platformSin = cases.Count(c => B(Math.Sin(c.X)) != B(c.Sin)), platformCos = cases.Count(c => B(Math.Cos(c.X)) != B(c.Cos));
        TestContext.Out.WriteLine($"{kind}: {cases.Length} inputs, all correctly rounded; {exact} exact-path evaluations over 3 calls each; "
            + $"Math.Sin misrounds {platformSin}, Math.Cos {platformCos}");
    }

    /// <summary>The exact path alone (it serves |x| ≥ 2⁻²⁷) gives the reference's bits.</summary>
    [Test]
    public void ExactPath_IsCorrectlyRounded_OnTheReference()
    {
        int checkedCases = 0;
        foreach (Case c in Cases.Value.Where(c => Math.Abs(c.X) >= 7.450580596923828e-09))
        {
            (double sin, double cos) = ExactTrigonometry.SinCos(c.X);
            Assert.That((B(sin), B(cos)), Is.EqualTo((B(c.Sin), B(c.Cos))), $"exact SinCos({c.X:R})");
            checkedCases++;
        }
        Assert.That(checkedCases, Is.GreaterThan(9000));
    }

    /// <summary>
    /// The fast path's rounding test is not fooled by values within 2⁻⁴⁵ ulp of a midpoint: its bound (at least
    /// 2⁻⁹⁰ relative, 2⁻³⁷ ulp) cannot decide them, so they must reach the exact path.
    /// </summary>
    [Test]
    public void HardCases_ReachTheExactPath()
    {
        Case[] hard = [.. Cases.Value.Where(c => c.Kind == "hard" && Math.Abs(c.X) >= 1.4901161193847656e-08
            && (c.SinMidpointLog2 < -45 || c.CosMidpointLog2 < -45))];
        Assert.That(hard, Has.Length.GreaterThan(50));
        foreach (Case c in hard)
        {
            long before = ElementaryFunctions.ExactTrigEvaluations;
            double value = c.SinMidpointLog2 < -45 ? ElementaryFunctions.Sin(c.X) : ElementaryFunctions.Cos(c.X);
            Assert.That(ElementaryFunctions.ExactTrigEvaluations, Is.GreaterThan(before), $"x = {c.X:R} decided by the fast path");
            Assert.That(B(value), Is.EqualTo(B(c.SinMidpointLog2 < -45 ? c.Sin : c.Cos)), $"x = {c.X:R}");
        }
    }

    [Test]
    public void SpecialValues()
    {
        Assert.That(B(ElementaryFunctions.Sin(0.0)), Is.EqualTo(B(0.0)));
        Assert.That(B(ElementaryFunctions.Sin(-0.0)), Is.EqualTo(B(-0.0)));
        Assert.That(ElementaryFunctions.Cos(-0.0), Is.EqualTo(1.0));
        Assert.That(B(ElementaryFunctions.Sin(-5e-324)), Is.EqualTo(B(-5e-324)));
        Assert.That(ElementaryFunctions.Cos(5e-324), Is.EqualTo(1.0));
        Assert.That(ElementaryFunctions.SinCos(-0.0), Is.EqualTo((-0.0, 1.0)));
        foreach (double infinity in new[] { double.PositiveInfinity, double.NegativeInfinity })
        {
            Assert.That(double.IsNaN(ElementaryFunctions.Sin(infinity)) && double.IsNaN(ElementaryFunctions.Cos(infinity)), Is.True);
            (double s, double c) = ElementaryFunctions.SinCos(infinity);
            Assert.That(double.IsNaN(s) && double.IsNaN(c), Is.True);
            Assert.That(B(ElementaryFunctions.Sin(new Vector<double>(infinity))[0]), Is.EqualTo(B(ElementaryFunctions.Sin(infinity))));
        }
        foreach (ulong bits in new ulong[] { 0x7FF8000000000000, 0xFFF8000000000000, 0x7FF8000000012345, 0x7FF0000000000001 })
        {
            double nan = BitConverter.UInt64BitsToDouble(bits);
            Assert.That(B(ElementaryFunctions.Sin(nan)), Is.EqualTo(bits), "sin keeps the NaN");
            Assert.That(B(ElementaryFunctions.Cos(nan)), Is.EqualTo(bits), "cos keeps the NaN");
            (double s, double c) = ElementaryFunctions.SinCos(nan);
            Assert.That((B(s), B(c)), Is.EqualTo((bits, bits)));
            ElementaryFunctions.SinCos(new Vector<double>(nan), out Vector<double> vs, out Vector<double> vc);
            Assert.That((B(vs[0]), B(vc[0])), Is.EqualTo((bits, bits)), "vector form");
        }
    }

    /// <summary>The vector form on the reference inputs, each lane against the reference, with lanes in every position.</summary>
    [Test]
    public void VectorForm_IsCorrectlyRounded_OnTheReference()
    {
        Case[] cases = Cases.Value;
        int width = Vector<double>.Count;
        var lanes = new double[width];
        for (int start = 0; start < cases.Length; start += width - 1) // overlapping groups: every case in several lanes
        {
            for (int lane = 0; lane < width; lane++)
            {
                lanes[lane] = cases[(start + lane) % cases.Length].X;
            }
            ElementaryFunctions.SinCos(new Vector<double>(lanes), out Vector<double> sin, out Vector<double> cos);
            Vector<double> sinOnly = ElementaryFunctions.Sin(new Vector<double>(lanes)), cosOnly = ElementaryFunctions.Cos(new Vector<double>(lanes));
            for (int lane = 0; lane < width; lane++)
            {
                Case c = cases[(start + lane) % cases.Length];
                Assert.That((B(sin[lane]), B(cos[lane])), Is.EqualTo((B(c.Sin), B(c.Cos))), $"x = {c.X:R}, lane {lane} of {width}");
                Assert.That((B(sinOnly[lane]), B(cosOnly[lane])), Is.EqualTo((B(c.Sin), B(c.Cos))), $"x = {c.X:R}, Sin/Cos lane {lane}");
            }
        }
    }

    /// <summary>
    /// A million inputs (CartPole's angles densely, [−4, 4], the fast path's whole domain, random bit patterns, with NaN,
    /// ±∞ and huge values mixed into the lanes): the vector form bit for bit the scalar one. Also counts how often the
    /// rounding test sends CartPole's angles to the exact path.
    /// </summary>
    [Test]
    public void VectorForm_MatchesTheScalarForm_BitForBit()
    {
        int width = Vector<double>.Count;
        var random = new Pcg64(2025);
        var lanes = new double[width];
        long mismatches = 0, count = 0;
        double[] specials = [double.NaN, double.PositiveInfinity, double.NegativeInfinity, 1e300, -3e9, 0.0, -0.0, 5e-324, 1e-8];
        long exactBefore = ElementaryFunctions.ExactTrigEvaluations;
        for (int i = 0; i < 1_000_000 / width; i++)
        {
            for (int lane = 0; lane < width; lane++)
            {
                int which = (i * width + lane) % 8;
                lanes[lane] = which switch
                {
                    < 4 => random.NextUniform(-0.25, 0.25),
                    4 => random.NextUniform(-4, 4),
                    5 => random.NextUniform(-268435456.0, 268435456.0),
                    6 => BitConverter.UInt64BitsToDouble(random.NextUInt64()),
                    _ => i % 97 == 0 ? specials[(i / 97) % specials.Length] : random.NextUniform(-1, 1),
                };
            }
            ElementaryFunctions.SinCos(new Vector<double>(lanes), out Vector<double> sin, out Vector<double> cos);
            for (int lane = 0; lane < width; lane++)
            {
                (double s, double c) = ElementaryFunctions.SinCos(lanes[lane]);
                mismatches += B(s) == B(sin[lane]) && B(c) == B(cos[lane]) ? 0 : 1;
                mismatches += B(s) == B(ElementaryFunctions.Sin(lanes[lane])) && B(c) == B(ElementaryFunctions.Cos(lanes[lane])) ? 0 : 1;
                count++;
            }
        }
        TestContext.Out.WriteLine($"{count} inputs, Vector<double>.Count = {width}: {mismatches} mismatches; "
            + $"{ElementaryFunctions.ExactTrigEvaluations - exactBefore} exact-path evaluations (most for random bit patterns beyond 2^28)");
        Assert.That(mismatches, Is.Zero);
    }

    /// <summary>
    /// How often CartPole's angles (|x| ≤ ¼, two million) need the exact path: the fast path's bound there is below
    /// 2⁻⁸⁰ relative, so essentially never; counted, not just assumed.
    /// </summary>
    [Test]
    public void CartPoleAngles_RarelyNeedTheExactPath()
    {
        var random = new Pcg64(7);
        long before = ElementaryFunctions.ExactTrigEvaluations;
        double sum = 0;
        for (int i = 0; i < 2_000_000; i++)
        {
            (double s, double c) = ElementaryFunctions.SinCos(random.NextUniform(-0.25, 0.25));
            sum += s + c;
        }
        long exact = ElementaryFunctions.ExactTrigEvaluations - before;
        TestContext.Out.WriteLine($"2000000 angles in [-1/4, 1/4]: {exact} exact-path evaluations (checksum {sum:R})");
        Assert.That(exact, Is.LessThanOrEqualTo(2));
    }
}
