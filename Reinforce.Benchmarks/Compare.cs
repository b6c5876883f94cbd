using System.Diagnostics;
using System.Globalization;
using Reinforce.Policies;
using Reinforce.Execution;
using Reinforce.Training;

namespace Reinforce.Benchmarks;

/// <summary>
/// The C# half of the PyTorch comparison (peers/reinforce_pytorch.py): trains CartPole-v1 to solved for several
/// seeds and prints episodes, environment steps, wall seconds and steps per second, one line per seed, then the
/// medians. <c>--config pytorch</c> (the default) is the peer script's configuration; <c>--config default</c> is
/// the command line's default preset.
/// <code>
/// dotnet run -c Release --project Reinforce.Benchmarks -- compare --seeds 1 2 3 4 5 [--config pytorch|default] [--threads N]
/// </code>
/// </summary>
public static class Compare
{
    /// <summary>
    /// PyTorch's reinforce.py today, as the peer script runs it: the <c>pytorch-example</c> preset's network,
    /// optimizer, returns and summed loss (4→128 ReLU→2, Adam 1e-2, γ 0.99, one episode per update, returns
    /// normalised per episode) on CartPole-v1 with the running reward r ← 0.95·r + 0.05·R from 10, solved above
    /// 475. (The preset itself follows the older notebook: CartPole-v0 and a weight of 0.01.)
    /// </summary>
    public static TrainerOptions PyTorchExample(ulong seed) => new()
    {
        Seed = seed,
        LearningRate = 1e-2,
        Returns = Reinforce.Returns.ReturnKind.Discounted,
        Normalization = Reinforce.Returns.Normalization.PerEpisode,
        BatchEpisodes = 1,
        LossReduction = LossReduction.Sum,
        RunningRewardStart = 10,
        MaxEpisodes = 10_000,
    };

    /// <summary>
    /// The command line's <c>default</c> preset (Reinforce.Cli/Presets.cs), which is <see cref="TrainerOptions.Default"/>:
    /// 4→32 tanh→2, Adam 0.05, eight episodes per update, discounted returns (γ 0.99) normalised over the batch, an
    /// entropy bonus of 0.02, mean loss, at most 5000 episodes, solved when the mean of the last 100 returns reaches 475.
    /// </summary>
    public static TrainerOptions CliDefault(ulong seed) => TrainerOptions.Default with { Seed = seed };

    public static int Run(string[] args)
    {
        var seeds = new List<ulong>();
        int threads = 1;
        Func<ulong, TrainerOptions> configuration = PyTorchExample;
        string name = "pytorch";
        ExecutionMode execution = ExecutionMode.Auto;
        for (int i = 1; i < args.Length; i++)
        {
            if (args[i] == "--config" && i + 1 < args.Length)
            {
                name = args[++i];
                configuration = name == "default" ? CliDefault : PyTorchExample;
            }
            else if (args[i] == "--execution" && i + 1 < args.Length)
            {
                execution = Enum.Parse<ExecutionMode>(args[++i], ignoreCase: true);
            }
            else if (args[i] == "--threads" && i + 1 < args.Length)
            {
                threads = int.Parse(args[++i], CultureInfo.InvariantCulture);
            }
            else if (args[i] == "--seeds")
            {
                while (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    seeds.Add(ulong.Parse(args[++i], CultureInfo.InvariantCulture));
                }
            }
        }
        if (seeds.Count == 0)
        {
            seeds.AddRange([1, 2, 3, 4, 5]);
        }

        // Untimed runs first so the JIT's tiered compilation has settled before anything is timed: with Dynamic PGO the
        // hot methods pass through an instrumented tier, and the last of them reach tier 1 only after several trainings
        // (benchmarks/notes.md#first-vs-warm).
        for (ulong warmup = 1000; warmup < 1010; warmup++)
        {
            new ReinforceTrainer(configuration(warmup) with { MaxEpisodes = 1000, Threads = threads, Execution = execution }).Train();
        }

        Console.WriteLine($"# Reinforce (C#), .NET {Environment.Version}, {threads} thread(s), configuration '{name}', execution {execution}");
        Console.WriteLine($"{"seed",5} {"episodes",9} {"steps",9} {"seconds",9} {"steps/s",10} solved");
        var seconds = new List<double>(); // of the runs that solved
        var rates = new List<double>();
        foreach (ulong seed in seeds)
        {
            var trainer = new ReinforceTrainer(configuration(seed) with { Threads = threads, Execution = execution });
            var stopwatch = Stopwatch.StartNew();
            trainer.Train();
            double elapsed = stopwatch.Elapsed.TotalSeconds;
            if (trainer.Solved)
            {
                seconds.Add(elapsed);
            }
            rates.Add(trainer.StepsCompleted / elapsed);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{seed,5} {trainer.EpisodesCompleted,9} {trainer.StepsCompleted,9} {elapsed,9:F3} {trainer.StepsCompleted / elapsed,10:F0} {trainer.Solved}"));
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"solved {seconds.Count}/{seeds.Count}; median: {(seconds.Count > 0 ? Median(seconds) : double.NaN):F3} s to solve (solved runs), {Median(rates):F0} steps/s (all runs)"));
        return 0;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        int n = sorted.Count;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
