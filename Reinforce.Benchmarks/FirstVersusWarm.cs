using System.Diagnostics;
using System.Globalization;
using Reinforce.Training;

namespace Reinforce.Benchmarks;

/// <summary>
/// <c>first-vs-warm [--config default|pytorch] [--runs N]</c>: what a user's fresh process sees. Trains the same seed N
/// times in this process (the same work every time) and prints each run's environment steps per second, then the first
/// run's rate over the median of the last half's (the warm rate), on three clocks: the wall clock (what a user waits),
/// the training thread's CPU time (<see cref="ThreadClock"/>: what a busy machine inflates least; it leaves out the JIT's
/// background compilations) and the process's CPU time (every thread: the tiered JIT's background compilations
/// included). Run it as a fresh process, with the runtime settings to compare in the environment (e.g.
/// <c>DOTNET_TieredPGO=0</c>, <c>DOTNET_TieredCompilation=0</c>) or in the runtimeconfig.
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
        var wall = new List<double>();
        var thread = new List<double>();
        var process = new List<double>();
        var jitMilliseconds = new List<double>();
        var jitMethods = new List<long>();
        using var self = Process.GetCurrentProcess();
        for (int r = 0; r < runs; r++)
        {
            self.Refresh();
            TimeSpan processStart = self.TotalProcessorTime;
            TimeSpan jitStart = System.Runtime.JitInfo.GetCompilationTime();
            long methodsStart = System.Runtime.JitInfo.GetCompiledMethodCount();
            double threadStart = ThreadClock.Nanoseconds();
            long start = Stopwatch.GetTimestamp();
            var trainer = new ReinforceTrainer(options);
            trainer.Train();
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            double threadSeconds = (ThreadClock.Nanoseconds() - threadStart) * 1e-9;
            self.Refresh();
            double processSeconds = (self.TotalProcessorTime - processStart).TotalSeconds;
            jitMilliseconds.Add((System.Runtime.JitInfo.GetCompilationTime() - jitStart).TotalMilliseconds);
            jitMethods.Add(System.Runtime.JitInfo.GetCompiledMethodCount() - methodsStart);
            wall.Add(trainer.StepsCompleted / seconds);
            thread.Add(trainer.StepsCompleted / threadSeconds);
            process.Add(trainer.StepsCompleted / processSeconds);
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"first-vs-warm {config}: .NET {Environment.Version}, warm = median of runs {runs / 2 + 1}-{runs}"));
        Print("wall", wall, runs);
        Print(ThreadClock.Name, thread, runs);
        Print("process CPU time", process, runs);
        // The JIT's own time, every thread (the tiered JIT compiles tier-1 code in the background), during each run.
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  JIT during run 1: {jitMethods[0]} methods, {jitMilliseconds[0]:F1} ms; runs 2-{runs}: {jitMethods.Skip(1).Sum()} methods, {jitMilliseconds.Skip(1).Sum():F1} ms"));
        return 0;
    }

    private static void Print(string clock, List<double> rates, int runs)
    {
        List<double> warm = [.. rates.Skip(runs / 2).Order()];
        double warmRate = warm.Count % 2 == 1 ? warm[warm.Count / 2] : (warm[warm.Count / 2 - 1] + warm[warm.Count / 2]) / 2;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {clock,-16}: first {rates[0],10:F0} steps/s, warm {warmRate,10:F0} steps/s, first/warm {rates[0] / warmRate:F2}; all: {string.Join(" ", rates.Select(x => x.ToString("F0", CultureInfo.InvariantCulture)))}"));
    }
}
