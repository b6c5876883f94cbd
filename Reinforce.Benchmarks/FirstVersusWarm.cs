using System.Diagnostics;
using System.Globalization;
using Reinforce.Training;

namespace Reinforce.Benchmarks;

/// <summary>
/// <c>first-vs-warm [--config default|pytorch] [--runs N]</c>: what a user's fresh process sees. Trains the same seed N
/// times in this process (the same work every time) and prints each run's environment steps per second, then the first
/// run's rate over the median of the last half's (the warm rate). Run it as a fresh process, with the runtime settings to
/// compare in the environment (e.g. <c>DOTNET_TieredPGO=0</c>, <c>DOTNET_TieredCompilation=0</c>).
/// </summary>
public static class FirstVersusWarm
{
    public static int Run(string[] args)
    {
        string config = "pytorch";
        int runs = 10;
        for (int i = 1; i + 1 < args.Length; i++)
        {
            if (args[i] == "--config")
            {
                config = args[++i];
            }
            else if (args[i] == "--runs")
            {
                runs = int.Parse(args[++i], CultureInfo.InvariantCulture);
            }
        }
        TrainerOptions options = config == "default" ? Compare.CliDefault(0) : Compare.PyTorchExample(0);
        var rates = new List<double>();
        for (int r = 0; r < runs; r++)
        {
            long start = Stopwatch.GetTimestamp();
            var trainer = new ReinforceTrainer(options);
            trainer.Train();
            rates.Add(trainer.StepsCompleted / Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
        List<double> warm = [.. rates.Skip(runs / 2).Order()];
        double warmRate = warm[warm.Count / 2];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"first-vs-warm {config}: first {rates[0]:F0} steps/s, warm (median of runs {runs / 2 + 1}-{runs}) {warmRate:F0} steps/s, first/warm {rates[0] / warmRate:F2}; all: {string.Join(" ", rates.Select(x => x.ToString("F0", CultureInfo.InvariantCulture)))}"));
        return 0;
    }
}
