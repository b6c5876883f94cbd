using System.Globalization;
using Reinforce.Execution;
using Reinforce.Training;

namespace Reinforce.Benchmarks;

/// <summary>
/// <c>rate [rounds] [episodes[/lanes]…]</c>: the warm training rate (environment steps per second, rollout and update included) of
/// the fast engine on one thread (its CPU time where the system reports it: <see cref="ThreadClock"/>) by episodes per update, from a policy that solved CartPole-v1 (episodes of up to 500
/// steps) trained on with a learning rate of 1e-6, so that every batch size sees the same episodes' lengths. The sizes
/// run interleaved round by round in one process; each round times a few updates of each; prints the median and the best
/// rate of each size and its median ratio to the first size's, paired by round. Each round also runs one batch of each size
/// in pieces, timing the collection (the rollout) apart from the gradient pass (weights, forward, loss, backward; no optimizer
/// step, so the weights stay), and prints the median rollout and pass time per step and the rollout's share of the two.
/// </summary>
public static class RateByBatch
{
    public static int Run(string[] args)
    {
        // --default: the network and loss of TrainerOptions.Default (what `reinforce train` runs) instead of new TrainerOptions()'s.
        bool defaults = args.Contains("--default");
        args = [.. args.Where(a => a != "--default")];
        TrainerOptions baseOptions = defaults ? TrainerOptions.Default : new TrainerOptions();
        int rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20;
        // A size is "episodes" or "episodes/lanes" (lanes: ExecutionPolicy.MaxLockstepLanes, the default's when absent).
        string[] labels = args.Length > 2 ? args[2..] : ["1", "4", "16", "64"];
        int[] sizes = [.. labels.Select(a => int.Parse(a.Split('/')[0], CultureInfo.InvariantCulture))];
        int?[] lanes = [.. labels.Select(a => a.Contains('/') ? int.Parse(a.Split('/')[1], CultureInfo.InvariantCulture) : (int?)null)];
        var solved = new ReinforceTrainer(baseOptions);
        solved.Train();
        var trainers = sizes.Select((e, s) =>
        {
            var trainer = new ReinforceTrainer(baseOptions with
            {
                BatchEpisodes = e, LearningRate = 1e-6, Seed = 7, MaxEpisodes = null, StopWhenSolved = false, Execution = ExecutionMode.Fast,
            }, null, lanes[s] is int l ? new ExecutionPolicy { MaxLockstepLanes = l } : ExecutionPolicy.Default);
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
        var rolloutNs = sizes.Select(_ => new List<double>()).ToArray();
        var passNs = sizes.Select(_ => new List<double>()).ToArray();
        for (int round = 0; round < rounds; round++)
        {
            for (int s = 0; s < sizes.Length; s++)
            {
                ReinforceTrainer trainer = trainers[s];
                int updates = Math.Max(1, 64 / sizes[s]);
                long steps = trainer.StepsCompleted;
                double start = ThreadClock.Nanoseconds();
                for (int u = 0; u < updates; u++)
                {
                    trainer.Update();
                }
                rates[s].Add((trainer.StepsCompleted - steps) / (ThreadClock.Nanoseconds() - start) * 1e9);
                (double rollout, double pass) = TimePieces(trainer);
                rolloutNs[s].Add(rollout);
                passNs[s].Add(pass);
            }
        }
        Console.WriteLine($"# warm steps/s by episodes per update, {(defaults ? "TrainerOptions.Default's network" : "new TrainerOptions()")}, fast engine, 1 thread, {rounds} interleaved rounds of 64 episodes per size, {ThreadClock.Name}; .NET {Environment.Version}");
        Console.WriteLine($"{"episodes",9} {"median",12} {"best",12} {"vs first",9} {"rollout ns/step",16} {"pass ns/step",13} {"rollout share",14}");
        for (int s = 0; s < sizes.Length; s++)
        {
            double ratio = Median(Enumerable.Range(0, rounds).Select(r => rates[s][r] / rates[0][r]).ToList());
            double share = Median(Enumerable.Range(0, rounds).Select(r => rolloutNs[s][r] / (rolloutNs[s][r] + passNs[s][r])).ToList());
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{labels[s],9} {Median(rates[s]),12:N0} {rates[s].Max(),12:N0} {ratio,8:F2}× {Median(rolloutNs[s]),16:F1} {Median(passNs[s]),13:F1} {share,13:P0}"));
        }
        return 0;
    }

    // One batch in pieces, as ReinforceTrainer.Update runs them: the engine's collection, then the weights and the gradient
    // pass (no optimizer step). Nanoseconds per step of each.
    private static (double Rollout, double Pass) TimePieces(ReinforceTrainer trainer)
    {
        double start = ThreadClock.Nanoseconds();
        EpisodeBatch batch = trainer.Engine.Collect(trainer.EpisodesCompleted);
        double collected = ThreadClock.Nanoseconds();
        Reinforce.Reference.ReferenceEngine.ComputeWeights(trainer.Options, batch);
        trainer.Policy.Parameters.ZeroGradients();
        trainer.Engine.AccumulateGradients(batch);
        double end = ThreadClock.Nanoseconds();
        double perStep = 1.0 / batch.Steps;
        return ((collected - start) * perStep, (end - collected) * perStep);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        int n = sorted.Count;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
