using Reinforce.Environments;

namespace Reinforce.Tests.Environments;

/// <summary>
/// CartPole episodes: creation, seeded resets, stepping, termination, truncation, rewards and refusals.
/// Reset vectors come from tools/reference/numpy_rng_vectors.py (NumPy 1.24.2), compared exactly as float32/double bits.
/// </summary>
[TestFixture]
public sealed class CartPoleEpisodeTests
{
    private readonly float[] _observation = new float[CartPole.ObservationLength];

    [TestCase(CartPole.V0Id, CartPoleVersion.V0, 200, 195.0)]
    [TestCase(CartPole.V1Id, CartPoleVersion.V1, 500, 475.0)]
    public void Create_ReturnsTheRegisteredVariant(string id, CartPoleVersion version, int maxSteps, double threshold)
    {
        CartPole env = CartPole.Create(id);

        Assert.Multiple(() =>
        {
            Assert.That(env.Id, Is.EqualTo(id));
            Assert.That(env.Version, Is.EqualTo(version));
            Assert.That(env.ObservationSize, Is.EqualTo(4));
            Assert.That(env.ActionCount, Is.EqualTo(2));
            Assert.That(env.MaxEpisodeSteps, Is.EqualTo(maxSteps));
            Assert.That(env.RewardThreshold, Is.EqualTo(threshold));
            Assert.That(env.Integrator, Is.EqualTo(CartPoleIntegrator.Euler));
            Assert.That(env.SuttonBartoReward, Is.False);
            Assert.That(env.NeedsReset, Is.True);
        });
    }

    [TestCase("CartPole-v2")]
    [TestCase("cartpole-v1")]
    [TestCase("CartPole-v1 ")]
    [TestCase("")]
    [TestCase("MountainCar-v0")]
    public void Create_Throws_ForAnUnknownIdAndNamesTheAcceptedIds(string id)
    {
        Assert.That(
            () => CartPole.Create(id),
            Throws.ArgumentException
                .With.Message.Contains($"'{id}'")
                .And.Message.Contains("'CartPole-v0'")
                .And.Message.Contains("'CartPole-v1'"));
    }

    [Test]
    public void Create_Throws_ForANullId()
    {
        Assert.That(() => CartPole.Create(null!), Throws.ArgumentNullException);
    }

    [TestCase(0)]
    [TestCase(-5)]
    public void Constructor_Throws_ForATimeLimitBelowOne(int maxEpisodeSteps)
    {
        Assert.That(
            () => new CartPole(maxEpisodeSteps: maxEpisodeSteps),
            Throws.TypeOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("maxEpisodeSteps"));
    }

    [Test]
    public void Create_KeepsOptions_AndTheTimeLimitOverride()
    {
        CartPole env = CartPole.Create(CartPole.V0Id, CartPoleIntegrator.SemiImplicitEuler, suttonBartoReward: true, maxEpisodeSteps: 7);

        Assert.Multiple(() =>
        {
            Assert.That(env.Id, Is.EqualTo(CartPole.V0Id));
            Assert.That(env.Integrator, Is.EqualTo(CartPoleIntegrator.SemiImplicitEuler));
            Assert.That(env.SuttonBartoReward, Is.True);
            Assert.That(env.MaxEpisodeSteps, Is.EqualTo(7));
        });
    }

    // numpy: default_rng(seed).uniform(-0.05, 0.05, size=4): float32 bits of the observation, double bits of the state.
    [TestCase(0L, new uint[] { 0x3C6065E5, 0xBCBC973A, 0xBD3C046A, 0xBD4607C0 },
        new ulong[] { 0x3F8C0CBCA647CED0, 0xBF9792E736320F47, 0xBFA7808D4489D6D2, 0xBFA8C0F80EC8F29D })]
    [TestCase(42L, new uint[] { 0x3CE06CBF, 0xBBC8487B, 0x3D12E1B8, 0x3CA1AF13 },
        new ulong[] { 0x3F9C0D97EBA2BD40, 0xBF79090F63C0B010, 0x3FA25C36F3AFC536, 0x3F9435E26C08CD04 })]
    [TestCase(543L, new uint[] { 0xBB66B005, 0x3C83FCD1, 0xBBB08A2F, 0xBBB24667 },
        new ulong[] { 0xBF6CD600AA419150, 0x3F907F9A2145AC94, 0xBF761145DEDEA130, 0xBF7648CCD56FF790 })]
    public void Reset_WithSeed_EqualsNumpyUniformCastToFloat32(long seed, uint[] observationBits, ulong[] stateBits)
    {
        var env = new CartPole();

        env.Reset(_observation, seed);
        CartPoleState s = env.State;

        Assert.Multiple(() =>
        {
            Assert.That(_observation.Select(BitConverter.SingleToUInt32Bits), Is.EqualTo(observationBits));
            Assert.That(
                new[] { s.X, s.XDot, s.Theta, s.ThetaDot }.Select(BitConverter.DoubleToUInt64Bits),
                Is.EqualTo(stateBits));
            Assert.That(env.ElapsedSteps, Is.Zero);
            Assert.That(env.NeedsReset, Is.False);
        });
    }

    [Test]
    public void Reset_WithoutSeed_ContinuesTheSeededGenerator()
    {
        // numpy: default_rng(42).uniform(-0.05, 0.05, size=8)[4:] as float32 bits.
        uint[] expected = [0xBD263997, 0x3D42D09E, 0x3CD5ECF7, 0x3CEA5808];
        var env = new CartPole();
        env.Reset(_observation, 42);

        env.Reset(_observation);

        Assert.That(_observation.Select(BitConverter.SingleToUInt32Bits), Is.EqualTo(expected));
    }

    [Test]
    public void Reset_WithTheSameSeed_RepeatsTheEpisodeStart()
    {
        var env = new CartPole();
        env.Reset(_observation, 7);
        float[] first = [.. _observation];
        env.Step(1, _observation);
        env.Reset(_observation);

        env.Reset(_observation, 7);

        Assert.That(_observation, Is.EqualTo(first));
    }

    [Test]
    public void Reset_WithBounds_EqualsGymnasiumResetOptions()
    {
        // Gymnasium's docstring example reset(seed=123, options={"low": 0, "high": 1}) → [0.6823519, 0.05382102, 0.22035988, 0.18437181];
        // exact float32 bits from numpy: default_rng(123).uniform(0, 1, size=4).
        uint[] expected = [0x3F2EAE9D, 0x3D5C736E, 0x3E61A605, 0x3E3CCBF7];
        var env = new CartPole();

        env.Reset(_observation, 123, 0.0, 1.0);

        Assert.That(_observation.Select(BitConverter.SingleToUInt32Bits), Is.EqualTo(expected));
    }

    [Test]
    public void Reset_NeverSeeded_SeedsFromOsEntropyWithinTheDefaultBounds()
    {
        var first = new CartPole();
        var second = new CartPole();
        var other = new float[4];

        first.Reset(_observation);
        second.Reset(other);

        Assert.Multiple(() =>
        {
            // Two independent 128-bit seeds: equal starts have negligible probability.
            Assert.That(other, Is.Not.EqualTo(_observation));
            Assert.That(_observation, Has.All.InRange(-0.05f, 0.05f));
            Assert.That(other, Has.All.InRange(-0.05f, 0.05f));
        });
    }

    [TestCase(-1L)]
    [TestCase(long.MinValue)]
    public void Reset_Throws_ForANegativeSeed(long seed)
    {
        var env = new CartPole();

        Assert.That(
            () => env.Reset(_observation, seed),
            Throws.TypeOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("seed"));
    }

    [TestCase(0.1, -0.1)]
    public void Reset_Throws_WhenLowExceedsHigh(double low, double high)
    {
        var env = new CartPole();

        Assert.That(() => env.Reset(_observation, 0, low, high), Throws.ArgumentException.With.Message.Contains("must not exceed"));
    }

    [TestCase(double.NaN, 0.05)]
    [TestCase(-0.05, double.PositiveInfinity)]
    [TestCase(-double.MaxValue, double.MaxValue)]
    public void Reset_Throws_ForNonFiniteBounds(double low, double high)
    {
        var env = new CartPole();

        Assert.That(() => env.Reset(_observation, 0, low, high), Throws.TypeOf<ArgumentOutOfRangeException>());
    }

    [TestCase(0)]
    [TestCase(3)]
    public void ResetAndStep_Throw_WhenTheObservationBufferIsTooShort(int length)
    {
        var env = new CartPole();
        var tooShort = new float[length];
        env.Reset(_observation, 0);

        Assert.Multiple(() =>
        {
            Assert.That(() => env.Reset(tooShort, 0), Throws.ArgumentException.With.Property("ParamName").EqualTo("observation"));
            Assert.That(() => env.Step(0, tooShort), Throws.ArgumentException.With.Property("ParamName").EqualTo("observation"));
        });
    }

    [Test]
    public void Step_WritesTheFloat32CastOfTheNewState_AndCountsSteps()
    {
        var env = new CartPole();
        env.Reset(_observation, 0);
        CartPoleState expected = CartPole.Advance(env.State, 1, CartPoleIntegrator.Euler);

        StepResult result = env.Step(1, _observation);

        Assert.Multiple(() =>
        {
            Assert.That(env.State, Is.EqualTo(expected));
            Assert.That(_observation, Is.EqualTo(new[] { (float)expected.X, (float)expected.XDot, (float)expected.Theta, (float)expected.ThetaDot }));
            Assert.That(result, Is.EqualTo(new StepResult(1.0, false, false)));
            Assert.That(env.ElapsedSteps, Is.EqualTo(1));
        });
    }

    [Test]
    public void Step_UsesTheConfiguredIntegrator()
    {
        var env = new CartPole(integrator: CartPoleIntegrator.SemiImplicitEuler);
        var start = new CartPoleState(0, 1, 0, 0.5);
        env.SetState(start);

        env.Step(0, _observation);

        Assert.That(env.State, Is.EqualTo(CartPole.Advance(start, 0, CartPoleIntegrator.SemiImplicitEuler)));
    }

    // After SetState on (or next to) a threshold with zero velocities, an Euler step keeps x and θ bit for bit
    // (x + 0.02·0 = x), so the NEW state sits exactly where the test puts it. Exact, no tolerance.
    [TestCase(0, +1, 0, false, TestName = "Step_DoesNotTerminate_WhenXLandsExactlyOnPositiveThreshold")]
    [TestCase(0, +1, 1, true, TestName = "Step_Terminates_WhenXLandsJustOutsidePositiveThreshold")]
    [TestCase(0, -1, 0, false, TestName = "Step_DoesNotTerminate_WhenXLandsExactlyOnNegativeThreshold")]
    [TestCase(0, -1, 1, true, TestName = "Step_Terminates_WhenXLandsJustOutsideNegativeThreshold")]
    [TestCase(2, +1, 0, false, TestName = "Step_DoesNotTerminate_WhenThetaLandsExactlyOnPositiveThreshold")]
    [TestCase(2, +1, 1, true, TestName = "Step_Terminates_WhenThetaLandsJustOutsidePositiveThreshold")]
    [TestCase(2, -1, 0, false, TestName = "Step_DoesNotTerminate_WhenThetaLandsExactlyOnNegativeThreshold")]
    [TestCase(2, -1, 1, true, TestName = "Step_Terminates_WhenThetaLandsJustOutsideNegativeThreshold")]
    public void Step_TerminatesOnlyStrictlyBeyondEachThreshold(int component, int sign, int ulpsOutward, bool expected)
    {
        var env = new CartPole();
        CartPoleState start = CartPoleDynamicsTests.ThresholdState(component, sign, ulpsOutward);
        env.SetState(start);

        StepResult result = env.Step(sign > 0 ? 0 : 1, _observation);

        Assert.Multiple(() =>
        {
            Assert.That(component == 0 ? env.State.X : env.State.Theta, Is.EqualTo(component == 0 ? start.X : start.Theta));
            Assert.That(result.Terminated, Is.EqualTo(expected));
            Assert.That(result.Truncated, Is.False);
            Assert.That(result.Reward, Is.EqualTo(1.0));
        });
    }

    [TestCase(CartPoleVersion.V0, 200)]
    [TestCase(CartPoleVersion.V1, 500)]
    public void Step_TruncatesExactlyAtTheTimeLimit_WithoutTerminating(CartPoleVersion version, int limit)
    {
        // Hold the pole upright by putting it back to rest before every step: nothing ever terminates.
        var env = new CartPole(version);
        env.Reset(_observation, 0);
        int firstTruncation = -1;
        int terminations = 0;

        for (int step = 1; step <= limit; step++)
        {
            env.SetState(new CartPoleState(0, 0, 0, 0), env.ElapsedSteps);
            StepResult result = env.Step(step % 2, _observation);
            terminations += result.Terminated ? 1 : 0;
            if (result.Truncated && firstTruncation < 0)
            {
                firstTruncation = step;
            }
        }

        Assert.Multiple(() =>
        {
            Assert.That(firstTruncation, Is.EqualTo(limit));
            Assert.That(terminations, Is.Zero);
            Assert.That(env.ElapsedSteps, Is.EqualTo(limit));
            Assert.That(env.NeedsReset, Is.True);
        });
    }

    [Test]
    public void Step_TruncatesAtAnOverriddenTimeLimit()
    {
        var env = new CartPole(maxEpisodeSteps: 3);
        env.Reset(_observation, 0);

        bool[] truncated = [env.Step(0, _observation).Truncated, env.Step(1, _observation).Truncated, env.Step(0, _observation).Truncated];

        Assert.That(truncated, Is.EqualTo(new[] { false, false, true }));
    }

    [Test]
    public void Step_ReportsTerminatedAndTruncatedSeparately_WhenBothHappenOnTheLastStep()
    {
        var env = new CartPole(CartPoleVersion.V0);
        env.SetState(new CartPoleState(3.0, 0, 0, 0), elapsedSteps: 199);

        StepResult result = env.Step(0, _observation);

        Assert.Multiple(() =>
        {
            Assert.That(result.Terminated, Is.True);
            Assert.That(result.Truncated, Is.True);
            Assert.That(result.IsDone, Is.True);
        });
    }

    [TestCase(false, 1.0, 1.0)]
    [TestCase(true, 0.0, -1.0)]
    public void Step_PaysTheConfiguredReward(bool suttonBarto, double aliveReward, double terminalReward)
    {
        var env = new CartPole(suttonBartoReward: suttonBarto);
        env.SetState(new CartPoleState(0, 0, 0, 0));
        StepResult alive = env.Step(1, _observation);
        env.SetState(new CartPoleState(2.5, 0, 0, 0));

        StepResult fallen = env.Step(1, _observation);

        Assert.Multiple(() =>
        {
            Assert.That(alive, Is.EqualTo(new StepResult(aliveReward, false, false)));
            Assert.That(fallen, Is.EqualTo(new StepResult(terminalReward, true, false)));
        });
    }

    [Test]
    public void Step_Throws_BeforeAnyReset()
    {
        var env = new CartPole();

        Assert.That(() => env.Step(0, _observation), Throws.InvalidOperationException.With.Message.Contains("Reset"));
    }

    [Test]
    public void Step_Throws_AfterTermination_UntilReset()
    {
        var env = new CartPole();
        env.SetState(new CartPoleState(0, 0, 0.5, 0));
        Assume.That(env.Step(0, _observation).Terminated, Is.True);

        Assert.Multiple(() =>
        {
            Assert.That(env.NeedsReset, Is.True);
            Assert.That(() => env.Step(0, _observation), Throws.InvalidOperationException.With.Message.Contains("already ended"));
        });
        env.Reset(_observation, 1);
        Assert.That(env.Step(0, _observation).Reward, Is.EqualTo(1.0));
    }

    [Test]
    public void Step_Throws_AfterTruncation()
    {
        var env = new CartPole(maxEpisodeSteps: 1);
        env.Reset(_observation, 0);
        Assume.That(env.Step(0, _observation).Truncated, Is.True);

        Assert.That(() => env.Step(1, _observation), Throws.InvalidOperationException.With.Message.Contains("already ended"));
    }

    [TestCase(-1)]
    [TestCase(2)]
    [TestCase(int.MaxValue)]
    public void Step_Throws_ForAnInvalidActionAndNamesTheAcceptedOnes(int action)
    {
        var env = new CartPole();
        env.Reset(_observation, 0);

        Assert.That(
            () => env.Step(action, _observation),
            Throws.TypeOf<ArgumentOutOfRangeException>()
                .With.Property("ParamName").EqualTo("action")
                .And.Message.Contains("0 (push left) or 1 (push right)"));
        Assert.That(env.ElapsedSteps, Is.Zero, "a refused step changes nothing");
    }

    [Test]
    public void SetState_ReplaysAnEpisodeFromARecordedState()
    {
        var env = new CartPole();
        env.Reset(_observation, 5);
        env.Step(1, _observation);
        CartPoleState recorded = env.State;
        int recordedSteps = env.ElapsedSteps;
        StepResult[] original = [env.Step(0, _observation), env.Step(0, _observation)];
        CartPoleState originalEnd = env.State;

        var replay = new CartPole();
        replay.SetState(recorded, recordedSteps);
        StepResult[] replayed = [replay.Step(0, _observation), replay.Step(0, _observation)];

        Assert.Multiple(() =>
        {
            Assert.That(replayed, Is.EqualTo(original));
            Assert.That(replay.State, Is.EqualTo(originalEnd));
            Assert.That(replay.ElapsedSteps, Is.EqualTo(3));
        });
    }

    [Test]
    public void WriteObservation_WritesTheCurrentState()
    {
        var env = new CartPole();
        env.SetState(new CartPoleState(0.1, -0.2, 0.03, 1e-3));

        env.WriteObservation(_observation);

        Assert.That(_observation, Is.EqualTo(new[] { 0.1f, -0.2f, 0.03f, 1e-3f }));
    }

    [Test]
    public void WriteObservation_Throws_BeforeAnyState()
    {
        Assert.That(() => new CartPole().WriteObservation(_observation), Throws.InvalidOperationException);
    }

    [TestCase(-1)]
    [TestCase(500)]
    public void SetState_Throws_ForElapsedStepsOutsideTheEpisode(int elapsedSteps)
    {
        var env = new CartPole();

        Assert.That(
            () => env.SetState(default, elapsedSteps),
            Throws.TypeOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("elapsedSteps"));
    }

    [TestCase(double.NaN)]
    [TestCase(double.PositiveInfinity)]
    public void SetState_Throws_ForANonFiniteComponent(double value)
    {
        var env = new CartPole();

        Assert.That(() => env.SetState(new CartPoleState(0, 0, value, 0)), Throws.ArgumentException);
    }

    [Test]
    public void ResetAndStep_DoNotAllocate()
    {
        var env = new CartPole();
        int sink = RunEpisodes(env, _observation, 20);

        long before = GC.GetAllocatedBytesForCurrentThread();
        sink += RunEpisodes(env, _observation, 200);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.That(allocated, Is.Zero, $"steps {sink}");

        static int RunEpisodes(CartPole env, Span<float> observation, int episodes)
        {
            int steps = 0;
            for (int episode = 0; episode < episodes; episode++)
            {
                if (episode % 2 == 0)
                {
                    env.Reset(observation, episode);
                }
                else
                {
                    env.Reset(observation);
                }

                while (!env.Step(BaselinePolicy.Act(observation), observation).IsDone)
                {
                    steps++;
                }
            }

            return steps;
        }
    }
}
