using Reinforce.Environments;
using Reinforce.Evaluation;
using Reinforce.Training;

namespace Reinforce.Tests.Docs;

/// <summary>
/// The example of the package's README (Reinforce.Core/README.md) as a method: its using directives are this file's,
/// and the lines between the markers are the README's statements, line for line (<see cref="PackageReadmeExampleTests"/>
/// compares the texts). The parameter is named <c>Console</c>, so the example's <c>Console.WriteLine</c> calls, written
/// as the README has them, write to the test's writer rather than to the process's standard output.
/// </summary>
internal static class PackageReadmeExample
{
    public const string Begin = "// example:begin";
    public const string End = "// example:end";

    public static void Run(TextWriter Console)
    {
        // example:begin
        // REINFORCE on CartPole-v1 with the default settings (a 4-128-2 ReLU policy, Adam, four episodes per update).
        var trainer = new ReinforceTrainer(new TrainerOptions { Seed = 7, MaxUpdates = 10 });
        trainer.Train(s => Console.WriteLine($"update {s.Update}: mean return {s.MeanReturn:F2}, running reward {s.RunningReward:F2}"));
        Console.WriteLine($"{trainer.EpisodesCompleted} episodes, {trainer.StepsCompleted} steps, solved: {trainer.Solved}");

        // The trained policy, acting greedily, on ten evaluation episodes.
        EvaluationResult result = PolicyEvaluation.Evaluate(trainer.Policy, CartPole.Create("CartPole-v1"), episodes: 10, seed: 42);
        Console.WriteLine($"greedy: mean return {result.MeanReturn:F1} over {result.Episodes} episodes");
        // example:end
    }
}
