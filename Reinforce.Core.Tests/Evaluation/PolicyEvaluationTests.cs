using Reinforce.Cli;
using Reinforce.Environments;
using Reinforce.Evaluation;
using Reinforce.Policies;
using Reinforce.Randomness;
using Reinforce.Training;
using static Reinforce.Tests.Statistics.StatisticsReference;

namespace Reinforce.Tests.Evaluation;

/// <summary>
/// PolicyEvaluation: the same episodes as <c>reinforce eval</c> played before it used this function (that loop, kept here as
/// an independent reference, compared value for value), episodes
/// that do not depend on how many are played, evaluation seeds equal to NumPy's SeedSequence (reference file), evaluation
/// that changes no training number, no allocation per episode, and the summary worked out by hand.
/// </summary>
public class PolicyEvaluationTests
{
    private static Policy PartlyTrainedPolicy()
    {
        // 40 episodes of the default configuration: returns still vary widely, so greedy and sampled runs differ.
        var trainer = new ReinforceTrainer(new TrainerOptions { Seed = 7, MaxEpisodes = 40 });
        trainer.Train();
        return trainer.Policy;
    }

    [TestCase(ActionSelection.Greedy)]
    [TestCase(ActionSelection.Sample)]
    public void Evaluate_PlaysTheEpisodesOfReinforceEval(ActionSelection selection)
    {
        // The reference is the loop `reinforce eval` had before it used this function (ReplayByHand, below): same seed,
        // same episodes, same returns, lengths and flags.
        Policy policy = PartlyTrainedPolicy();
        var setup = new EpisodeSetup(CartPole.V1Id, CartPoleIntegrator.Euler, false, null, Seed: 11);
        var expected = ReplayByHand(setup, 30, selection == ActionSelection.Sample
            ? (observation, rng) => policy.Act(observation, rng)
            : (observation, _) => policy.ActGreedy(observation));

        EvaluationResult actual = PolicyEvaluation.Evaluate(policy, CartPole.Create(CartPole.V1Id), 30, seed: 11, selection);

        Assert.That(actual.Returns, Is.EqualTo(expected.Select(o => o.Return)));
        Assert.That(actual.Lengths, Is.EqualTo(expected.Select(o => o.Length)));
        Assert.That(actual.Truncated, Is.EqualTo(expected.Select(o => o.Truncated)));
        Assert.That(actual.Lengths.Distinct().Count(), Is.GreaterThan(1), "a policy whose episodes differ, or the test shows little");
    }

    [Test]
    public void Evaluate_OfAHandWrittenPolicy_MatchesReinforceBaseline()
    {
        var setup = new EpisodeSetup(CartPole.V0Id, CartPoleIntegrator.Euler, false, null, Seed: 3);
        var expected = ReplayByHand(setup, 50, (observation, _) => BaselinePolicy.Act(observation));

        EvaluationResult actual = PolicyEvaluation.Evaluate((observation, _) => BaselinePolicy.Act(observation), CartPole.Create(CartPole.V0Id), 50, seed: 3);

        Assert.That(actual.Lengths, Is.EqualTo(expected.Select(o => o.Length)));
        Assert.That(actual.Returns, Is.EqualTo(expected.Select(o => o.Return)));
    }

    [Test]
    public void Evaluate_OfTheBaselinePolicy_PrintsWhatReinforceBaselinePrints()
    {
        // `reinforce baseline --episodes 100` (CartPole-v1, seed 0) printed, before the CLI used this function:
        // "return  mean 42.57  std 9.71  min 25  max 64" and "reached the time limit: 0/100". The mean is exact
        // (4257 / 100); the std is compared to the printed two decimals (±0.005).
        EvaluationResult result = PolicyEvaluation.Evaluate((observation, _) => BaselinePolicy.Act(observation), CartPole.Create(CartPole.V1Id), 100, seed: 0);

        Assert.That(result.MeanReturn, Is.EqualTo(42.57));
        Assert.That(result.StdReturn, Is.EqualTo(9.71).Within(0.005));
        Assert.That((result.MinReturn, result.MaxReturn, result.TruncatedEpisodes), Is.EqualTo((25.0, 64.0, 0)));
    }

    [Test]
    public void EpisodeI_IsTheSame_WhateverHowManyArePlayed_OrWhereTheBufferStarts()
    {
        Policy policy = PartlyTrainedPolicy();
        var environment = CartPole.Create(CartPole.V1Id);
        EvaluationResult five = PolicyEvaluation.Evaluate(policy, environment, 5, seed: 2, ActionSelection.Sample);
        EvaluationResult twelve = PolicyEvaluation.Evaluate(policy, environment, 12, seed: 2, ActionSelection.Sample);
        double[] returns = new double[4];
        int[] lengths = new int[4];
        bool[] truncated = new bool[4];
        PolicyEvaluation.Evaluate(PolicyEvaluation.Chooser(policy, ActionSelection.Sample), environment, 2, firstEpisode: 8, returns, lengths, truncated);

        Assert.That(twelve.Returns.Take(5), Is.EqualTo(five.Returns));
        Assert.That(returns, Is.EqualTo(twelve.Returns.Skip(8)));
    }

    [Test]
    public void EvaluationSeed_IsNumPysSeedSequenceWord_AndNeverTheRunSeed()
    {
        foreach (var row in Root.GetProperty("evaluation_seeds").EnumerateArray())
        {
            ulong run = row[0].GetUInt64(), expected = row[1].GetUInt64();
            Assert.That(PolicyEvaluation.EvaluationSeed(run), Is.EqualTo(expected), $"run seed {run}");
            Assert.That(PolicyEvaluation.EvaluationSeed(run), Is.Not.EqualTo(run));
        }
    }

    [Test]
    public void EvaluatingBetweenUpdates_ChangesNoTrainingNumber()
    {
        var options = new TrainerOptions { Seed = 5, BatchEpisodes = 2, MaxUpdates = 12 };
        var plain = new ReinforceTrainer(options);
        var evaluated = new ReinforceTrainer(options);
        var evaluationEnvironment = CartPole.Create(CartPole.V1Id);
        var plainStatistics = new List<(double, double, double)>();
        var evaluatedStatistics = new List<(double, double, double)>();

        plain.Train(s => plainStatistics.Add((s.MeanReturn, s.Loss, s.RunningReward)));
        evaluated.Train(s =>
        {
            evaluatedStatistics.Add((s.MeanReturn, s.Loss, s.RunningReward));
            PolicyEvaluation.Evaluate(evaluated.Policy, evaluationEnvironment, 3, PolicyEvaluation.EvaluationSeed(options.Seed), ActionSelection.Sample);
            PolicyEvaluation.Evaluate(evaluated.Policy, evaluationEnvironment, 2, PolicyEvaluation.EvaluationSeed(options.Seed));
        });

        Assert.That(evaluatedStatistics, Is.EqualTo(plainStatistics));
        Assert.That(evaluated.Policy.Parameters.Values, Is.EqualTo(plain.Policy.Parameters.Values));
    }

    [Test]
    public void Evaluate_AllocatesNothingPerEpisodeOrStep()
    {
        // Bytes allocated by 40 episodes minus bytes allocated by 10: the per-call allocations (generator, observation
        // buffer) cancel, so any allocation per episode or per step shows. Exact: 0 bytes.
        Policy policy = PartlyTrainedPolicy();
        ActionChooser chooser = PolicyEvaluation.Chooser(policy, ActionSelection.Sample);
        var environment = CartPole.Create(CartPole.V1Id);
        double[] returns = new double[40];
        int[] lengths = new int[40];
        bool[] truncated = new bool[40];
        long Allocated(int episodes)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            PolicyEvaluation.Evaluate(chooser, environment, 1, 0, returns.AsSpan(0, episodes), lengths.AsSpan(0, episodes), truncated.AsSpan(0, episodes));
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }
        Allocated(40); // warm-up: JIT

        // Up to five tries, one of which must be exact: an allocation per episode or step recurs in every try, while a
        // one-off of the runtime (tiered JIT work landing on this thread, seen once in a CI run with 16-lane vectors)
        // shows in one try only. Every try's difference is in the failure message.
        var differences = new List<long>();
        for (int attempt = 0; attempt < 5 && (differences.Count == 0 || differences[^1] != 0); attempt++)
        {
            differences.Add(Allocated(40) - Allocated(10));
        }
        Assert.That(differences, Has.Some.Zero, $"bytes of 40 episodes minus bytes of 10, per try: {string.Join(", ", differences)}");
        Assert.That(lengths.Sum(), Is.GreaterThan(40 * 10), "the episodes took steps");
    }

    [Test]
    public void Summary_IsWorkedOutByHand()
    {
        // Returns 1, 2, 3, 6: mean 3, squared deviations 4 + 1 + 0 + 9 = 14, population std √(14/4) = √3.5.
        var result = new EvaluationResult(9, [1, 2, 3, 6], [1, 2, 3, 6], [false, false, true, false]);

        Assert.Multiple(() =>
        {
            Assert.That(result.MeanReturn, Is.EqualTo(3.0));
            Assert.That(result.StdReturn, Is.EqualTo(Math.Sqrt(3.5)).Within(1e-15));
            Assert.That((result.MinReturn, result.MaxReturn, result.MeanLength), Is.EqualTo((1.0, 6.0, 3.0)));
            Assert.That((result.Episodes, result.TruncatedEpisodes, result.Seed), Is.EqualTo((4, 1, 9UL)));
        });
    }

    [Test]
    public void AnEnvironmentWithoutATimeLimit_NeedsAStepCap_AndIsCutThere()
    {
        var endless = new EndlessEnvironment();

        Assert.That(() => PolicyEvaluation.Evaluate((_, _) => 0, endless, 1, 0), Throws.ArgumentException.With.Message.Contains("no time limit"));
        EvaluationResult capped = PolicyEvaluation.Evaluate((_, _) => 0, endless, 2, 0, maxEpisodeSteps: 7);
        Assert.That(capped.Lengths, Is.EqualTo(new[] { 7, 7 }));
        Assert.That(capped.Returns, Is.EqualTo(new[] { 3.5, 3.5 }), "7 steps of reward 0.5");
        Assert.That(capped.Truncated, Is.EqualTo(new[] { true, true }));
    }

    /// <summary>An environment that never ends an episode; reward 0.5 per step.</summary>
    private sealed class EndlessEnvironment : IEnvironment
    {
        public string Id => "Endless-v0";
        public int ObservationSize => 1;
        public int ActionCount => 1;
        public int? MaxEpisodeSteps => null;
        public double? RewardThreshold => null;
        public void Reset(Span<float> observation, long? seed = null) => observation[0] = 0;
        public StepResult Step(int action, Span<float> observation) => new(0.5, false, false);
    }

    /// <summary>
    /// The episodes written out independently, as the CLI's eval loop played them before it called PolicyEvaluation:
    /// episode i reseeds one generator with stream i of the seed, its first draw shifted right by one seeds the reset,
    /// the rest choose the actions.
    /// </summary>
    private static List<(double Return, int Length, bool Truncated)> ReplayByHand(EpisodeSetup setup, int count, Func<float[], Pcg64, int> act)
    {
        CartPole environment = setup.CreateEnvironment();
        var observation = new float[CartPole.ObservationLength];
        var rng = new Pcg64(0);
        var outcomes = new List<(double, int, bool)>(count);
        for (int i = 0; i < count; i++)
        {
            rng.Reseed(setup.Seed, (ulong)i);
            environment.Reset(observation, (long)(rng.NextUInt64() >> 1));
            double total = 0;
            int length = 0;
            StepResult step;
            do
            {
                step = environment.Step(act(observation, rng), observation);
                total += step.Reward;
                length++;
            }
            while (!step.IsDone);
            outcomes.Add((total, length, step.Truncated && !step.Terminated));
        }
        return outcomes;
    }
}
