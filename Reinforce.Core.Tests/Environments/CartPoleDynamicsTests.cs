using Reinforce.Environments;

namespace Reinforce.Tests.Environments;

/// <summary>
/// CartPole physics: constants, hand-worked steps, bit-exact trajectories and the termination predicate.
/// Reference numbers: tools/reference/cartpole_reference.py (Gymnasium's step in plain Python floats, math.sin/cos),
/// compared bit for bit through BitConverter.DoubleToInt64Bits unless a test says otherwise.
/// </summary>
[TestFixture]
public sealed class CartPoleDynamicsTests
{
    /// <summary>Relative tolerance of the hand-worked steps: the rational results are rounded a few times on the way.</summary>
    private const double HandRelativeTolerance = 1e-15;

    [Test]
    public void Constants_HaveGymnasiumValues()
    {
        // Expected values: Gymnasium cartpole.py __init__; bit patterns printed by the reference script ("# Constants").
        Assert.Multiple(() =>
        {
            Assert.That(CartPole.Gravity, Is.EqualTo(9.8));
            Assert.That(CartPole.MassCart, Is.EqualTo(1.0));
            Assert.That(CartPole.MassPole, Is.EqualTo(0.1));
            Assert.That(CartPole.Length, Is.EqualTo(0.5));
            Assert.That(CartPole.ForceMag, Is.EqualTo(10.0));
            Assert.That(CartPole.Tau, Is.EqualTo(0.02));
            Assert.That(CartPole.XThreshold, Is.EqualTo(2.4));
            Assert.That(Bits(CartPole.TotalMass), Is.EqualTo(0x3FF199999999999AL));
            Assert.That(Bits(CartPole.PoleMassLength), Is.EqualTo(0x3FA999999999999AL));
            Assert.That(Bits(CartPole.ThetaThresholdRadians), Is.EqualTo(0x3FCACEE9F37BEBD5L));
            Assert.That(CartPole.DefaultResetLow, Is.EqualTo(-0.05));
            Assert.That(CartPole.DefaultResetHigh, Is.EqualTo(0.05));
        });
    }

    [Test]
    public void Advance_Euler_FromRestPushingRight_MatchesTheHandWorkedStep()
    {
        // From (x, ẋ, θ, θ̇) = (0, 0, 0, 0), action 1 (F = +10): sin θ = 0, cos θ = 1, θ̇² = 0.
        //   temp = (10 + 0.05·0·0) / 1.1                       = 100/11  ≈  9.090909090909091
        //   θ̈    = (9.8·0 − 1·100/11) / (0.5·(4/3 − 0.1·1/1.1)) = −(100/11) / (41/66) = −600/41 ≈ −14.634146341463415
        //   ẍ    = 100/11 − 0.05·(−600/41)·1/1.1               = 100/11 + 300/451 = 400/41 ≈ 9.75609756097561
        // Euler: x = 0 + 0.02·0 = 0; ẋ = 0.02·400/41 = 8/41 ≈ 0.1951219512195122;
        //        θ = 0 + 0.02·0 = 0; θ̇ = 0.02·(−600/41) = −12/41 ≈ −0.2926829268292683.
        CartPoleState next = CartPole.Advance(new CartPoleState(0, 0, 0, 0), 1, CartPoleIntegrator.Euler);

        Assert.Multiple(() =>
        {
            AssertRelative(next.X, 0.0);
            AssertRelative(next.XDot, 8.0 / 41.0);
            AssertRelative(next.Theta, 0.0);
            AssertRelative(next.ThetaDot, -12.0 / 41.0);

            // The same step, bit-exact, from the reference script ("# Hand-worked steps").
            Assert.That(BitsOf(next), Is.EqualTo(new long[] { 0, 0x3FC8F9C18F9C18FA, 0, unchecked((long)0xBFD2BB512BB512BB) }));
        });
    }

    [Test]
    public void Advance_SemiImplicit_UsesTheNewVelocities_AsTheHandWorkedStep()
    {
        // From (0, 1, 0, 0.5), action 0 (F = −10): sin θ = 0, cos θ = 1.
        //   temp = (−10 + 0.05·0.25·0) / 1.1                   = −100/11
        //   θ̈    = (0 − 1·(−100/11)) / (41/66)                  = 600/41  ≈ 14.634146341463415
        //   ẍ    = −100/11 − 0.05·(600/41)·1/1.1               = −400/41 ≈ −9.75609756097561
        // Semi-implicit: ẋ = 1 + 0.02·(−400/41) = 33/41 ≈ 0.8048780487804879; x = 0 + 0.02·33/41 = 33/2050 ≈ 0.016097560975609757;
        //                θ̇ = 0.5 + 0.02·600/41 = 65/82 ≈ 0.7926829268292683; θ = 0 + 0.02·65/82 = 13/820 ≈ 0.015853658536585366.
        // (Explicit Euler would give x = 0.02 and θ = 0.01.)
        CartPoleState next = CartPole.Advance(new CartPoleState(0, 1, 0, 0.5), 0, CartPoleIntegrator.SemiImplicitEuler);

        Assert.Multiple(() =>
        {
            AssertRelative(next.X, 33.0 / 2050.0);
            AssertRelative(next.XDot, 33.0 / 41.0);
            AssertRelative(next.Theta, 13.0 / 820.0);
            AssertRelative(next.ThetaDot, 65.0 / 82.0);
            Assert.That(BitsOf(next), Is.EqualTo(new long[] { 0x3F907BE107BE107C, 0x3FE9C18F9C18F9C2, 0x3F903BF103BF103C, 0x3FE95DA895DA895E }));
        });
    }

    private static IEnumerable<TestCaseData> ReferenceTrajectories()
    {
        // tools/reference/cartpole_reference.py: 200 steps from (0.01, -0.02, 0.03, -0.04), termination ignored;
        // the states after steps 50, 100, 150, 200 as bit patterns, and FNV-1a-64 over all 200 states' bits.
        // Advance uses the library's correctly rounded sin and cos, which give the script's (glibc's FMA build) values
        // on every angle these trajectories visit where it matters; with CartPoleTrig.Platform on glibc's SSE2 build
        // (GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX2,-FMA,-FMA4,-AVX512F) the first trajectory leaves the pinned one at
        // step 122, where that build's sin is one ulp off (CartPoleTrigTests prints the comparison).
        yield return new TestCaseData(
            CartPoleIntegrator.Euler,
            new Func<int, CartPoleState, int>((_, s) => s.Theta > 0 ? 1 : 0),
            new[]
            {
                new ulong[] { 0xBFC7CE5FAB67A416, 0xC0028D48E21ADF30, 0x3FBA5118DC349F4E, 0x40045ACFB0508FBD },
                new ulong[] { 0x3FF1B407D87B1CFB, 0x3FE75A3E7D4933B2, 0xBFE3714209791115, 0xBFE4BCDBDA3DFF6E },
                new ulong[] { 0xC00516E464D5686D, 0xC020C1D9D2CB151E, 0xBFE95B4942BC0B0D, 0xBFCB527D806A9184 },
                new ulong[] { 0xC02F0DEC81ED6ABB, 0xC031DBE0537C8991, 0xC00DA12D4AFA1842, 0xC022D4E357030FDF },
            },
            0x697C82A25725E3CBUL).SetArgDisplayNames("Euler", "push toward the lean");
        yield return new TestCaseData(
            CartPoleIntegrator.SemiImplicitEuler,
            new Func<int, CartPoleState, int>((t, _) => (t * 7 + 3) % 5 < 2 ? 1 : 0),
            new[]
            {
                new ulong[] { 0xBFEBAA355FFDC761, 0xBFF8217C87079305, 0x400A37BE0F9D7ED2, 0x401F2944B8CC0068 },
                new ulong[] { 0xC00CAEA99E4732A8, 0xC00D801117030584, 0x40175BF7BEDD4DD1, 0xBFD75DE85A03142E },
                new ulong[] { 0xC02063B2E8EC4BBF, 0xC015CC4041460483, 0x3FF5E268EA27A3E6, 0xC015E2083AF21D94 },
                new ulong[] { 0xC02CFED40065FBEC, 0xC01D80131342EA5F, 0x3FD5E5AFE97793E3, 0x3FFD9ADF1D76D8BA },
            },
            0xBD886BBCDA3872B5UL).SetArgDisplayNames("SemiImplicitEuler", "fixed action pattern");
        yield return new TestCaseData(
            CartPoleIntegrator.Euler,
            new Func<int, CartPoleState, int>((_, _) => 1),
            new[]
            {
                new ulong[] { 0x4011A1E540810DEE, 0x4022338913192B07, 0xC01438C5E1D214E0, 0xC002269415E286CD },
                new ulong[] { 0x4031FDABE2DA4CD2, 0x40326049009D624D, 0xC01ABEB25C540185, 0xC0145911F798DCAE },
                new ulong[] { 0x40444B8B514FC3FC, 0x403B73D4BED3ADE5, 0xC0291850FABC5BBC, 0xC011EF8B9B5A85E2 },
                new ulong[] { 0x405213D34612D1B1, 0x40424DCACE9FB333, 0xC033184F05A35DCF, 0xC0181566D6F893EA },
            },
            0xBFEECAE07E1C6DB5UL).SetArgDisplayNames("Euler", "always push right (pole swings through large angles)");
    }

    [TestCaseSource(nameof(ReferenceTrajectories))]
    public void Advance_Over200Steps_IsBitIdenticalToTheReferenceScript(
        CartPoleIntegrator integrator, Func<int, CartPoleState, int> chooseAction, ulong[][] checkpoints, ulong expectedHash)
    {
        var state = new CartPoleState(0.01, -0.02, 0.03, -0.04);
        ulong hash = FnvOffset;
        var actualCheckpoints = new List<ulong[]>();

        for (int t = 1; t <= 200; t++)
        {
            state = CartPole.Advance(state, chooseAction(t, state), integrator);
            foreach (long bits in BitsOf(state))
            {
                hash = Fnv1a(hash, (ulong)bits);
            }

            if (t % 50 == 0)
            {
                actualCheckpoints.Add([.. BitsOf(state).Select(b => (ulong)b)]);
            }
        }

        Assert.Multiple(() =>
        {
            Assert.That(actualCheckpoints, Is.EqualTo(checkpoints));
            Assert.That(hash, Is.EqualTo(expectedHash), $"FNV-1a-64 0x{hash:X16}");
        });
    }

    [TestCase(-1)]
    [TestCase(2)]
    [TestCase(int.MinValue)]
    public void Advance_Throws_ForAnInvalidAction(int action)
    {
        Assert.That(
            () => CartPole.Advance(default, action, CartPoleIntegrator.Euler),
            Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("0 (push left) or 1 (push right)"));
    }

    [Test]
    public void Advance_Throws_ForAnUndefinedIntegrator()
    {
        Assert.That(
            () => CartPole.Advance(default, 0, (CartPoleIntegrator)7),
            Throws.TypeOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("integrator"));
    }

    // Component 0 = x (threshold 2.4), 2 = θ (threshold 12°). Ulps outward from ±threshold: 0 = exactly on it,
    // 1 = the next double outside, -1 = the next double inside. Tolerance: none, the predicate is exact and strict.
    [TestCase(0, +1, -1, false, TestName = "IsTerminal_IsFalse_WhenXJustInsidePositiveThreshold")]
    [TestCase(0, +1, 0, false, TestName = "IsTerminal_IsFalse_WhenXExactlyOnPositiveThreshold")]
    [TestCase(0, +1, 1, true, TestName = "IsTerminal_IsTrue_WhenXJustOutsidePositiveThreshold")]
    [TestCase(0, -1, -1, false, TestName = "IsTerminal_IsFalse_WhenXJustInsideNegativeThreshold")]
    [TestCase(0, -1, 0, false, TestName = "IsTerminal_IsFalse_WhenXExactlyOnNegativeThreshold")]
    [TestCase(0, -1, 1, true, TestName = "IsTerminal_IsTrue_WhenXJustOutsideNegativeThreshold")]
    [TestCase(2, +1, -1, false, TestName = "IsTerminal_IsFalse_WhenThetaJustInsidePositiveThreshold")]
    [TestCase(2, +1, 0, false, TestName = "IsTerminal_IsFalse_WhenThetaExactlyOnPositiveThreshold")]
    [TestCase(2, +1, 1, true, TestName = "IsTerminal_IsTrue_WhenThetaJustOutsidePositiveThreshold")]
    [TestCase(2, -1, -1, false, TestName = "IsTerminal_IsFalse_WhenThetaJustInsideNegativeThreshold")]
    [TestCase(2, -1, 0, false, TestName = "IsTerminal_IsFalse_WhenThetaExactlyOnNegativeThreshold")]
    [TestCase(2, -1, 1, true, TestName = "IsTerminal_IsTrue_WhenThetaJustOutsideNegativeThreshold")]
    public void IsTerminal_IsStrictAtEachThreshold(int component, int sign, int ulpsOutward, bool expected)
    {
        CartPoleState state = ThresholdState(component, sign, ulpsOutward);

        Assert.That(CartPole.IsTerminal(state), Is.EqualTo(expected), state.ToString());
    }

    [Test]
    public void IsTerminal_IsFalse_ForVelocitiesAlone()
    {
        Assert.That(CartPole.IsTerminal(new CartPoleState(0, 1e6, 0, -1e6)), Is.False);
    }

    /// <summary>
    /// A state on (or next to) a threshold with zero velocities: an Euler step keeps x and θ exactly
    /// (x + 0.02·0 = x), so Step's new state lands precisely there.
    /// </summary>
    internal static CartPoleState ThresholdState(int component, int sign, int ulpsOutward)
    {
        double threshold = component == 0 ? CartPole.XThreshold : CartPole.ThetaThresholdRadians;
        double value = sign * threshold;
        for (int i = 0; i < Math.Abs(ulpsOutward); i++)
        {
            bool increase = (sign > 0) == (ulpsOutward > 0);
            value = increase ? Math.BitIncrement(value) : Math.BitDecrement(value);
        }

        return component == 0 ? new CartPoleState(value, 0, 0, 0) : new CartPoleState(0, 0, value, 0);
    }

    private const ulong FnvOffset = 0xCBF29CE484222325;
    private const ulong FnvPrime = 0x100000001B3;

    /// <summary>FNV-1a-64 over the 8 little-endian bytes of a word, as in the reference script.</summary>
    private static ulong Fnv1a(ulong hash, ulong word)
    {
        for (int shift = 0; shift < 64; shift += 8)
        {
            hash ^= (word >> shift) & 0xFF;
            hash *= FnvPrime;
        }

        return hash;
    }

    private static long Bits(double value) => BitConverter.DoubleToInt64Bits(value);

    private static long[] BitsOf(CartPoleState s) => [Bits(s.X), Bits(s.XDot), Bits(s.Theta), Bits(s.ThetaDot)];

    private static void AssertRelative(double actual, double expected) =>
        Assert.That(actual, Is.EqualTo(expected).Within(HandRelativeTolerance * Math.Abs(expected)));
}
