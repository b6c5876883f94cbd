using Reinforce.Environments;
using Reinforce.Randomness;

namespace Reinforce.Tests.Environments;

/// <summary>
/// The vectorised CartPole against N single CartPoles driven with the same actions, bit for bit (tolerance: none;
/// observations as float bits, states as double bits): environment i behaves as a CartPole reset with seed sᵢ and
/// reset with no seed on the step after each episode end (next-step autoreset: reward 0, flags false).
/// </summary>
[TestFixture]
public sealed class VectorCartPoleTests
{
    [TestCase(1, CartPoleVersion.V1, CartPoleIntegrator.Euler, false, null)]
    [TestCase(7, CartPoleVersion.V1, CartPoleIntegrator.Euler, false, null)]
    [TestCase(8, CartPoleVersion.V0, CartPoleIntegrator.SemiImplicitEuler, false, null)]
    [TestCase(13, CartPoleVersion.V1, CartPoleIntegrator.Euler, true, 25)]
    [TestCase(5, CartPoleVersion.V1, CartPoleIntegrator.SemiImplicitEuler, true, 3)]
    [TestCase(7, CartPoleVersion.V1, CartPoleIntegrator.Euler, false, null, CartPoleTrig.Platform)]
    [TestCase(13, CartPoleVersion.V1, CartPoleIntegrator.Euler, true, 25, CartPoleTrig.Platform)]
    public void Step_MatchesTheSingleCartPoleInEveryEnvironment_BitForBit(int count, CartPoleVersion version,
        CartPoleIntegrator integrator, bool suttonBarto, int? maxSteps, CartPoleTrig trig = CartPoleTrig.Library)
    {
        var vector = new VectorCartPole(count, version, integrator, suttonBarto, maxSteps, trig);
        var singles = Enumerable.Range(0, count).Select(_ => new CartPole(version, integrator, suttonBarto, maxSteps, trig)).ToArray();
        long[] seeds = Enumerable.Range(0, count).Select(i => 1000L + 17 * i).ToArray();
        var observations = new float[count * 4];
        var expected = new float[4];
        vector.Reset(observations, seeds);
        for (int i = 0; i < count; i++)
        {
            singles[i].Reset(expected, seeds[i]);
            AssertRow(observations, i, expected, "reset");
        }

        var actions = new int[count];
        var rewards = new float[count];
        var terminated = new bool[count];
        var truncated = new bool[count];
        var rng = new Pcg64(99);
        int episodeEnds = 0;
        for (int step = 0; step < 1500; step++)
        {
            for (int i = 0; i < count; i++)
            {
                // Mostly the baseline policy (episodes of ~40 steps) with some random pushes.
                actions[i] = rng.NextDouble() < 0.8 ? BaselinePolicy.Act(observations.AsSpan(i * 4, 4)) : rng.NextInt32(2);
            }
            vector.Step(actions, observations, rewards, terminated, truncated);
            for (int i = 0; i < count; i++)
            {
                string where = $"step {step}, environment {i}";
                if (singles[i].NeedsReset)
                {
                    singles[i].Reset(expected); // no seed: the environment's generator continues
                    Assert.That(rewards[i], Is.EqualTo(0f), where);
                    Assert.That(terminated[i] || truncated[i], Is.False, where);
                }
                else
                {
                    StepResult result = singles[i].Step(actions[i], expected);
                    Assert.That(rewards[i], Is.EqualTo((float)result.Reward), where);
                    Assert.That(terminated[i], Is.EqualTo(result.Terminated), where);
                    Assert.That(truncated[i], Is.EqualTo(result.Truncated), where);
                    episodeEnds += result.IsDone ? 1 : 0;
                }
                AssertRow(observations, i, expected, where);
                Assert.That(StateBits(vector.State(i)), Is.EqualTo(StateBits(singles[i].State)).AsCollection, where);
                Assert.That(vector.ElapsedSteps(i), Is.EqualTo(singles[i].ElapsedSteps), where);
            }
        }
        Assert.That(episodeEnds, Is.GreaterThan(count * 5), "the run crosses many episode ends");
    }

    [Test]
    public void Step_IgnoresTheActionOfAnEnvironmentThatIsStartingItsNextEpisode()
    {
        var vector = new VectorCartPole(2, maxEpisodeSteps: 1);
        var observations = new float[8];
        var rewards = new float[2];
        var terminated = new bool[2];
        var truncated = new bool[2];
        vector.Reset(observations, [1, 2]);
        vector.Step([0, 1], observations, rewards, terminated, truncated);
        Assert.That(truncated, Is.EqualTo(new[] { true, true }).AsCollection);

        Assert.That(() => vector.Step([7, 7], observations, rewards, terminated, truncated), Throws.Nothing);
        Assert.That(rewards, Is.EqualTo(new[] { 0f, 0f }).AsCollection);
    }

    [Test]
    public void StepBeforeReset_Throws()
    {
        var vector = new VectorCartPole(3);
        Assert.That(() => vector.Step(new int[3], new float[12], new float[3], new bool[3], new bool[3]), Throws.InvalidOperationException);
    }

    [Test]
    public void Reset_Throws_ForAWrongNumberOfSeedsOrObservations()
    {
        var vector = new VectorCartPole(3);
        Assert.Multiple(() =>
        {
            Assert.That(() => vector.Reset(new float[12], [1, 2]), Throws.ArgumentException.With.Message.Contains("seed"));
            Assert.That(() => vector.Reset(new float[8], [1, 2, 3]), Throws.ArgumentException.With.Message.Contains("[3, 4]"));
            Assert.That(() => vector.Reset(new float[12], [1, -2, 3]), Throws.InstanceOf<ArgumentOutOfRangeException>());
        });
    }

    private static void AssertRow(float[] observations, int i, float[] expected, string where)
    {
        int[] actual = observations.AsSpan(i * 4, 4).ToArray().Select(BitConverter.SingleToInt32Bits).ToArray();
        Assert.That(actual, Is.EqualTo(expected.Select(BitConverter.SingleToInt32Bits).ToArray()).AsCollection, where);
    }

    private static long[] StateBits(CartPoleState s) =>
        [BitConverter.DoubleToInt64Bits(s.X), BitConverter.DoubleToInt64Bits(s.XDot),
         BitConverter.DoubleToInt64Bits(s.Theta), BitConverter.DoubleToInt64Bits(s.ThetaDot)];
}
