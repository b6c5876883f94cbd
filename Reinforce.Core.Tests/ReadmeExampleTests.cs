using Reinforce.Environments;
using Reinforce.Policies;
using Reinforce.Training;

namespace Reinforce.Tests;

/// <summary>
/// The README's "Using the library" example, verbatim but for the console output, so the README
/// cannot drift from the API. The README states its outcome, measured with this code (and by
/// <c>reinforce train --seed 7</c>, the same configuration): seed 7 solves after exactly 840 episodes and 184,501 steps
/// (deterministic, so asserted exactly).
/// </summary>
public class ReadmeExampleTests
{
    [Test]
    public void ReadmeExample_RunsAndSolves()
    {
        var trainer = new ReinforceTrainer(TrainerOptions.Default with { Seed = 7 });
        UpdateStatistics last = trainer.Train(s => TestContext.Progress.Write(""));
        Assert.That(trainer.Solved, Is.True, $"after {trainer.EpisodesCompleted} episodes");
        Assert.That(last.Solved, Is.True);
        Assert.That((trainer.EpisodesCompleted, trainer.StepsCompleted), Is.EqualTo((840L, 184501L)), "the numbers the README states");

        Policy policy = trainer.Policy;
        Span<float> firstWeight = policy.Parameters.Value("0.weight");
        Assert.That(firstWeight.Length, Is.EqualTo(32 * 4));
        float[] states = new float[3 * 4];
        policy.Parameters.ZeroGradients();
        PolicyLoss loss = policy.AccumulateGradients(states, actions: [0, 1, 1], weights: [1f, 0.5f, -1f], entropyCoefficient: 0.01f);
        Assert.That(double.IsFinite(loss.Loss), Is.True);
        Assert.That(policy.Parameters.Gradient("2.weight").Length, Is.EqualTo(2 * 32));

        var env = CartPole.Create("CartPole-v1");
        float[] observation = new float[4];
        env.Reset(observation, seed: 42);
        StepResult step;
        int length = 0;
        do
        {
            step = env.Step(policy.ActGreedy(observation), observation);
            length++;
        }
        while (!step.IsDone);
        Assert.That(length, Is.InRange(1, 500));
    }
}
