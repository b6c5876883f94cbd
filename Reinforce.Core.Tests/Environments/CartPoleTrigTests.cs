using Reinforce.Environments;
using Reinforce.Numerics;
using Reinforce.Training;

namespace Reinforce.Tests.Environments;

/// <summary>
/// CartPole's trig source (<see cref="CartPoleTrig"/>) and how much it matters. The library's correctly rounded sin and
/// cos are the default; the C library's (<see cref="Math.Sin"/>, <see cref="Math.Cos"/>) is an option. The measurement
/// tests print, over the angles CartPole visits in the pinned Gymnasium scenarios (CartPoleDynamicsTests'
/// 200-step trajectories and BaselinePolicyTests' 100 seeded episodes) and in the golden training runs, how often
/// the C library's sin and cos differ from the correctly rounded ones, and whether a difference reached the state.
/// On this repository's reference machine (x86-64 glibc, its FMA build) the pinned trajectories are the same with
/// either source; <c>.ci/run</c> reruns these tests with glibc's SSE2 build
/// (<c>GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX2,-FMA,-FMA4,-AVX512F</c>), where the library's trig keeps them equal.
/// </summary>
[TestFixture]
public sealed class CartPoleTrigTests
{
    [Test]
    public void Library_IsTheDefault_AndPlatformIsAnOption()
    {
        Assert.That(new CartPole().Trig, Is.EqualTo(CartPoleTrig.Library));
        Assert.That(CartPole.Create(CartPole.V1Id).Trig, Is.EqualTo(CartPoleTrig.Library));
        Assert.That(new VectorCartPole(3).Trig, Is.EqualTo(CartPoleTrig.Library));
        Assert.That(CartPole.Create(CartPole.V0Id, trig: CartPoleTrig.Platform).Trig, Is.EqualTo(CartPoleTrig.Platform));
        Assert.That(() => new CartPole(trig: (CartPoleTrig)5), Throws.TypeOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("trig"));
        Assert.That(() => new VectorCartPole(2, trig: (CartPoleTrig)5), Throws.TypeOf<ArgumentOutOfRangeException>());
        Assert.That(() => CartPole.Advance(default, 0, CartPoleIntegrator.Euler, (CartPoleTrig)5), Throws.TypeOf<ArgumentOutOfRangeException>());
    }

    /// <summary>
    /// Each source's step is Gymnasium's Euler step written out with that source's sin and cos, at angles where the
    /// C library and the correctly rounded value disagree (searched for; on a correctly rounding C library the two
    /// steps simply coincide).
    /// </summary>
    [Test]
    public void Advance_UsesTheChosenTrig()
    {
        int disagreeing = 0;
        for (int i = 1; i <= 20000; i++)
        {
            var state = new CartPoleState(0.1, -0.2, i * 1e-5, 0.3);
            (double sin, double cos) = ElementaryFunctions.SinCos(state.Theta);
            Assert.That(CartPole.Advance(state, 1, CartPoleIntegrator.Euler), Is.EqualTo(EulerStep(state, sin, cos)));
            Assert.That(CartPole.Advance(state, 1, CartPoleIntegrator.Euler, CartPoleTrig.Platform),
                Is.EqualTo(EulerStep(state, Math.Sin(state.Theta), Math.Cos(state.Theta))));
            disagreeing += sin == Math.Sin(state.Theta) && cos == Math.Cos(state.Theta) ? 0 : 1;
        }
        TestContext.Out.WriteLine($"{disagreeing} of 20000 angles in (0, 0.2] where the C library's sin or cos is not correctly rounded");
    }

    /// <summary>A million uniform angles in ±¼: how often the C library's sin and cos are not correctly rounded (printed).</summary>
    [Test]
    public void MillionAngles_PlatformTrigAgainstTheLibrary()
    {
        var random = new Reinforce.Randomness.Pcg64(12);
        var tally = new Tally();
        for (int i = 0; i < 1_000_000; i++)
        {
            tally.Add(random.NextUniform(-0.25, 0.25));
        }
        TestContext.Out.WriteLine($"uniform in [-1/4, 1/4]: {tally}");
    }

    // Gymnasium's step with action 1 (force +10 N), the explicit Euler update.
    private static CartPoleState EulerStep(CartPoleState s, double sinTheta, double cosTheta)
    {
        double temp = (CartPole.ForceMag + (CartPole.PoleMassLength * (s.ThetaDot * s.ThetaDot) * sinTheta)) / CartPole.TotalMass;
        double thetaAcc = ((CartPole.Gravity * sinTheta) - (cosTheta * temp))
            / (CartPole.Length * ((4.0 / 3.0) - (CartPole.MassPole * (cosTheta * cosTheta) / CartPole.TotalMass)));
        double xAcc = temp - (CartPole.PoleMassLength * thetaAcc * cosTheta / CartPole.TotalMass);
        return new CartPoleState(s.X + (CartPole.Tau * s.XDot), s.XDot + (CartPole.Tau * xAcc),
            s.Theta + (CartPole.Tau * s.ThetaDot), s.ThetaDot + (CartPole.Tau * thetaAcc));
    }

    /// <summary>
    /// The pinned Gymnasium scenarios angle by angle: every θ whose sin and cos a step takes, the C library against the
    /// correctly rounded value, and the two trajectories (library trig, platform trig) state by state. Prints what it
    /// finds; the pinned values themselves are checked (with the library's trig) by CartPoleDynamicsTests and
    /// BaselinePolicyTests, so they do not depend on the C library.
    /// </summary>
    [Test]
    public void PinnedGymnasiumScenarios_PlatformTrigAgainstTheLibrary()
    {
        var tally = new Tally();
        var start = new CartPoleState(0.01, -0.02, 0.03, -0.04);
        (string Name, CartPoleIntegrator Integrator, Func<int, CartPoleState, int> Action)[] trajectories =
        [
            ("Euler, push toward the lean", CartPoleIntegrator.Euler, (_, s) => s.Theta > 0 ? 1 : 0),
            ("semi-implicit, fixed pattern", CartPoleIntegrator.SemiImplicitEuler, (t, _) => (t * 7 + 3) % 5 < 2 ? 1 : 0),
            ("Euler, always push right", CartPoleIntegrator.Euler, (_, _) => 1),
        ];
        foreach (var (name, integrator, action) in trajectories)
        {
            CartPoleState library = start, platform = start;
            int firstDifference = 0;
            for (int t = 1; t <= 200; t++)
            {
                tally.Add(library.Theta);
                library = CartPole.Advance(library, action(t, library), integrator);
                platform = CartPole.Advance(platform, action(t, platform), integrator, CartPoleTrig.Platform);
                if (firstDifference == 0 && !library.Equals(platform))
                {
                    firstDifference = t;
                }
            }
            TestContext.Out.WriteLine($"{name}: platform and library trajectories "
                + (firstDifference == 0 ? "identical over 200 steps" : $"differ from step {firstDifference}"));
        }

        var observation = new float[4];
        var platformObservation = new float[4];
        var differing = new List<string>();
        var libraryEnv = new CartPole();
        var platformEnv = new CartPole(trig: CartPoleTrig.Platform);
        for (int seed = 0; seed < 100; seed++)
        {
            libraryEnv.Reset(observation, seed);
            platformEnv.Reset(platformObservation, seed);
            bool done = false, sameLength = true;
            int firstDifference = 0;
            while (!done)
            {
                tally.Add(libraryEnv.State.Theta);
                done = libraryEnv.Step(BaselinePolicy.Act(observation), observation).IsDone;
                if (!platformEnv.NeedsReset)
                {
                    platformEnv.Step(BaselinePolicy.Act(platformObservation), platformObservation);
                }
                if (firstDifference == 0 && !libraryEnv.State.Equals(platformEnv.State))
                {
                    firstDifference = libraryEnv.ElapsedSteps;
                }
            }
            sameLength = platformEnv.NeedsReset && platformEnv.ElapsedSteps == libraryEnv.ElapsedSteps;
            if (firstDifference != 0)
            {
                differing.Add($"seed {seed} from step {firstDifference} ({(sameLength ? "same" : "different")} length {libraryEnv.ElapsedSteps})");
            }
        }
        TestContext.Out.WriteLine($"baseline episodes (seeds 0..99): {differing.Count} of 100 states differ between platform and library trig"
            + (differing.Count == 0 ? "" : ": " + string.Join("; ", differing)));
        TestContext.Out.WriteLine($"pinned scenarios: {tally}");
    }

    /// <summary>The angles of the golden training runs (GoldenRunTests' presets), the C library against the correctly rounded sin and cos.</summary>
    [Test]
    public void GoldenRunAngles_PlatformTrigAgainstTheLibrary()
    {
        foreach (var run in new[] { ("default", 25), ("practical-rl", 60), ("spinningup-rtg", 2) })
        {
            var tally = new Tally();
            TrainerOptions options = Reinforce.Cli.Preset.Find(run.Item1)!.Options with { MaxUpdates = run.Item2, MaxEpisodes = null, StopWhenSolved = false, Threads = 1 };
            var trainer = new ReinforceTrainer(options, () => new RecordingCartPole(CartPole.Create(options.EnvironmentId), tally));
            trainer.Train();
            TestContext.Out.WriteLine($"{run.Item1}, {run.Item2} updates: {tally}");
        }
    }

    private sealed class Tally
    {
        private long angles, sinDifferences, cosDifferences;
        private double largest;

        public void Add(double theta)
        {
            (double sin, double cos) = ElementaryFunctions.SinCos(theta);
            angles++;
            sinDifferences += sin == Math.Sin(theta) ? 0 : 1;
            cosDifferences += cos == Math.Cos(theta) ? 0 : 1;
            largest = Math.Max(largest, Math.Abs(theta));
        }

        public override string ToString() => $"{angles} angles (|θ| ≤ {largest:F3}): Math.Sin differs from the correctly rounded sin on "
            + $"{sinDifferences} ({100.0 * sinDifferences / angles:F3} %), Math.Cos on {cosDifferences} ({100.0 * cosDifferences / angles:F4} %)";
    }

    private sealed class RecordingCartPole(CartPole inner, Tally tally) : IEnvironment
    {
        public string Id => inner.Id;
        public int ObservationSize => inner.ObservationSize;
        public int ActionCount => inner.ActionCount;
        public int? MaxEpisodeSteps => inner.MaxEpisodeSteps;
        public double? RewardThreshold => inner.RewardThreshold;
        public void Reset(Span<float> observation, long? seed = null) => inner.Reset(observation, seed);

        public StepResult Step(int action, Span<float> observation)
        {
            tally.Add(inner.State.Theta);
            return inner.Step(action, observation);
        }
    }
}
