using System.Diagnostics;
using System.Globalization;
using Reinforce.Execution;
using Reinforce.Training;

namespace Reinforce.Benchmarks;

/// <summary>
/// <c>rate [rounds] [episodes…]</c>: the warm training rate (environment steps per second, rollout and update included) of
/// the fast engine on one thread by episodes per update, from a policy that solved CartPole-v1 (episodes of up to 500
/// steps) trained on with a learning rate of 1e-6, so that every batch size sees the same episodes' lengths. The sizes
/// run interleaved round by round in one process; each round times a few updates of each; prints the median and the best
/// rate of each size and its median ratio to the first size's, paired by round.
/// </summary>
public static class RateByBatch
{
    public static int Run(string[] args)
    {
        int rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20;
        int[] sizes = args.Length > 2 ? [.. args.Skip(2).Select(a => int.Parse(a, CultureInfo.InvariantCulture))] : [1, 4, 16, 64];
        var solved = new ReinforceTrainer(new TrainerOptions());
        solved.Train();
        var trainers = sizes.Select(e =>
        {
            var trainer = new ReinforceTrainer(new TrainerOptions
            {
                BatchEpisodes = e, LearningRate = 1e-6, Seed = 7, MaxEpisodes = null, StopWhenSolved = false, Execution = ExecutionMode.Fast,
            });
            solved.Policy.Parameters.Values.CopyTo(trainer.Policy.Parameters.Values, 0);
            return trainer;
        }).ToArray();
        // About 4,000 episodes' worth of warm-up in total, so the JIT has optimised the hot loops of every size.
        foreach (ReinforceTrainer trainer in trainers)
        {
            for (int u = 0; u < Math.Max(4, 1000 / trainer.Options.BatchEpisodes); u++)
            {
                trainer.Update();
            }
        }
        var rates = sizes.Select(_ => new List<double>()).ToArray();
        for (int round = 0; round < rounds; round++)
        {
            for (int s = 0; s < sizes.Length; s++)
            {
                ReinforceTrainer trainer = trainers[s];
                int updates = Math.Max(1, 64 / sizes[s]);
                long steps = trainer.StepsCompleted, start = Stopwatch.GetTimestamp();
                for (int u = 0; u < updates; u++)
                {
                    trainer.Update();
                }
                rates[s].Add((trainer.StepsCompleted - steps) / Stopwatch.GetElapsedTime(start).TotalSeconds);
            }
        }
        Console.WriteLine($"# warm steps/s by episodes per update, fast engine, 1 thread, {rounds} interleaved rounds of 64 episodes per size; .NET {Environment.Version}");
        Console.WriteLine($"{"episodes",9} {"median",12} {"best",12} {"vs first",9}");
        for (int s = 0; s < sizes.Length; s++)
        {
            double ratio = Median(Enumerable.Range(0, rounds).Select(r => rates[s][r] / rates[0][r]).ToList());
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{sizes[s],9} {Median(rates[s]),12:N0} {rates[s].Max(),12:N0} {ratio,8:F2}×"));
        }
        return 0;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        int n = sorted.Count;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
