using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using Reinforce.Execution;
using Reinforce.Execution.Split;
using Reinforce.NeuralNetworks;
using Reinforce.Policies;
using Reinforce.Randomness;
using Reinforce.Training;

namespace Reinforce.Benchmarks;

/// <summary>
/// The gradient pass (forward, head, backward; no optimizer step) of a 16-episode batch of 8,000 rows, 4→128 ReLU→2:
/// the one-worker <see cref="Policy.AccumulateGradients"/> against <see cref="SplitUpdate"/> on 2 workers
/// (benchmarks/notes.md#split-update), at a few chunk sizes. Both give the same bits (SplitUpdateTests); only the time differs.
/// </summary>
[MemoryDiagnoser]
public class SplitUpdateBenchmarks
{
    public const int Rows = 8000;
    private Policy policy = null!;
    private SplitUpdate split = null!;
    private float[] states = [], weights = [];
    private int[] actions = [];

    /// <summary>"1 worker" is <see cref="Policy.AccumulateGradients"/>; "2 workers/…" the split with that many rows per chunk.</summary>
    [Params("1 worker", "2 workers/128", "2 workers/256", "2 workers/512")]
    public string Pass { get; set; } = "1 worker";

    [GlobalSetup]
    public void Setup()
    {
        (policy, states, actions, weights) = Batch(Rows);
        split = Pass == "1 worker" ? null! : new SplitUpdate(policy, 2, int.Parse(Pass.Split('/')[1], CultureInfo.InvariantCulture));
        GradientPass();
    }

    [Benchmark]
    public double GradientPass()
    {
        policy.Parameters.ZeroGradients();
        return split is null
            ? policy.AccumulateGradients(states, actions, weights, 0f).Loss
            : split.AccumulateGradients(states, actions, weights, 0f).Loss;
    }

    internal static (Policy Policy, float[] States, int[] Actions, float[] Weights) Batch(int rows)
    {
        Policy policy = Policy.Create(4, [128], Activation.ReLU, new CategoricalHead(2), new Pcg64(543));
        var random = new Random(42);
        float[] states = Enumerable.Range(0, 4 * rows).Select(_ => (float)(random.NextDouble() * 0.2 - 0.1)).ToArray();
        int[] actions = Enumerable.Range(0, rows).Select(_ => random.Next(2)).ToArray();
        float[] weights = Enumerable.Range(0, rows).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        return (policy, states, actions, weights);
    }

    /// <summary>
    /// <c>split-update [rounds] [rows…]</c>: the one-worker pass and the split on 2 workers, interleaved round by round in one
    /// process (the second vCPU of a shared machine does different amounts of work from minute to minute, so separate runs
    /// are not comparable), then the 16-episode trainer update (collect + update) on 1 and 2 threads. Prints the best and the
    /// median of each.
    /// </summary>
    public static int RunInterleaved(string[] args)
    {
        int rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200;
        int[] rowCounts = args.Length > 2 ? [.. args.Skip(2).Select(a => int.Parse(a, CultureInfo.InvariantCulture))] : [Rows];
        foreach (int rows in rowCounts)
        {
            var (policy, states, actions, weights) = Batch(rows);
            var variants = new List<(string Name, Func<double> Pass)>
            {
                ("1 worker", () => policy.AccumulateGradients(states, actions, weights, 0f).Loss),
            };
            foreach (int chunk in new[] { 128, 256, 512 })
            {
                var split = new SplitUpdate(policy, 2, chunk);
                variants.Add(($"2 workers/{chunk}", () => split.AccumulateGradients(states, actions, weights, 0f).Loss));
            }
            var split1 = new SplitUpdate(policy, 1, 256);
            variants.Add(("split on 1 worker/256", () => split1.AccumulateGradients(states, actions, weights, 0f).Loss));
            Measure($"gradient pass, {rows} rows", variants.Select(v => (v.Name, (Action)(() =>
            {
                policy.Parameters.ZeroGradients();
                v.Pass();
            }))).ToList(), rounds);
        }

        var trainers = new List<(string, Action)>();
        var solved = new ReinforceTrainer(new TrainerOptions());
        solved.Train();
        foreach (var (threads, mode) in new[] { (1, SplitUpdateMode.Auto), (2, SplitUpdateMode.Never), (2, SplitUpdateMode.Always), (2, SplitUpdateMode.Auto) })
        {
            var trainer = new ReinforceTrainer(new TrainerOptions { BatchEpisodes = 16, Threads = threads, LearningRate = 1e-6, Seed = 7 }, null,
                new ExecutionPolicy { Split = mode });
            solved.Policy.Parameters.Values.CopyTo(trainer.Policy.Parameters.Values, 0);
            string pass = threads == 1 ? "" : mode switch { SplitUpdateMode.Never => ", pass unsplit", SplitUpdateMode.Always => ", pass split", _ => ", pass auto" };
            trainers.Add(($"16-episode update, {threads} thread(s){pass}", () => trainer.Update()));
            if (mode == SplitUpdateMode.Never || threads == 1)
            {
                trainers.Add(($"16-episode collect only, {threads} thread(s)", () => trainer.Engine.Collect(trainer.EpisodesCompleted)));
            }
        }
        Measure("trainer, trained policy", trainers, Math.Max(20, rounds / 4));
        return 0;
    }

    private static void Measure(string title, List<(string Name, Action Run)> variants, int rounds)
    {
        foreach (var (_, run) in variants)
        {
            for (int i = 0; i < 5; i++)
            {
                run();
            }
        }
        var times = variants.Select(_ => new List<double>()).ToList();
        for (int round = 0; round < rounds; round++)
        {
            for (int v = 0; v < variants.Count; v++)
            {
                // Each variant back to back a few times, the first untimed: its helper threads are then awake, as in a run of
                // updates (where the rollout helpers hand over to the pass), not asleep after the other variants' turns.
                variants[v].Run();
                for (int repeat = 0; repeat < 2; repeat++)
                {
                    long start = Stopwatch.GetTimestamp();
                    variants[v].Run();
                    times[v].Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
                }
            }
        }
        Console.WriteLine($"{title}: best / median of {rounds} interleaved rounds (2 timed runs each), µs; speed-up over the first: best / best,");
        Console.WriteLine("  and the quartiles of the paired ratio (the first's time / this one's, the faster run of each in the same round)");
        double baseline = times[0].Min();
        for (int v = 0; v < variants.Count; v++)
        {
            List<double> sorted = [.. times[v].Order()];
            List<double> ratios = [.. Enumerable.Range(0, rounds)
                .Select(r => Math.Min(times[0][2 * r], times[0][2 * r + 1]) / Math.Min(times[v][2 * r], times[v][2 * r + 1])).Order()];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {variants[v].Name,-52} {sorted[0],9:F1} {sorted[sorted.Count / 2],9:F1}   best {baseline / sorted[0]:F2}×   paired {ratios[rounds / 4]:F2} / {ratios[rounds / 2]:F2} / {ratios[3 * rounds / 4]:F2}×"));
        }
    }
}
