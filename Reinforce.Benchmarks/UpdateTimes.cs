using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Reinforce.Benchmarks;

/// <summary>
/// <c>update-times [rounds] [filter]</c>: <see cref="UpdateBenchmarks.Update"/> and the pieces of
/// <see cref="UpdateBreakdownBenchmarks"/>, interleaved round by round in one process (a shared machine's load changes
/// from second to second, so separate BenchmarkDotNet runs of the pieces are not comparable). Each round times a batch of
/// calls of every piece; prints the median and the lower quartile of the per-call time over the rounds, in µs. On Linux
/// the time is the thread's CPU time (CLOCK_THREAD_CPUTIME_ID), which leaves out the time the thread waits while other
/// processes run on its core; elsewhere the wall time. To compare two builds, run their binaries alternately and
/// compare the medians.
/// </summary>
public static class UpdateTimes
{
    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds, Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    private const int ThreadCpuTimeClock = 3; // CLOCK_THREAD_CPUTIME_ID

    private static readonly bool CpuTime = OperatingSystem.IsLinux() && ClockGetTime(ThreadCpuTimeClock, out _) == 0;

    // Microseconds on the thread's CPU clock (Linux) or the wall clock.
    private static double Now()
    {
        if (CpuTime)
        {
            ClockGetTime(ThreadCpuTimeClock, out TimeSpec time);
            return time.Seconds * 1e6 + time.Nanoseconds * 1e-3;
        }
        return Stopwatch.GetTimestamp() * 1e6 / Stopwatch.Frequency;
    }

    public static int Run(string[] args)
    {
        int rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100;
        string filter = args.Length > 2 ? args[2] : "";
        var update = new UpdateBenchmarks();
        update.Setup();
        var pieces = new UpdateBreakdownBenchmarks();
        pieces.Setup();
        var variants = new List<(string Name, Action Run)>
        {
            ("Update", () => update.Update()),
            ("NetworkForward", pieces.NetworkForward),
            ("Head", () => pieces.Head()),
            ("NetworkBackward", pieces.NetworkBackward),
            ("AdamStep", pieces.AdamStep),
            ("Layer1ForwardRelu", pieces.Layer1ForwardRelu),
            ("Layer2Forward", pieces.Layer2Forward),
            ("Layer2WeightGradients", pieces.Layer2WeightGradients),
            ("Layer2InputGradientsRelu", pieces.Layer2InputGradientsRelu),
            ("Layer1WeightGradients", pieces.Layer1WeightGradients),
            ("TwoLayerBackwardFused", pieces.TwoLayerBackwardFused),
        };
        variants = [.. variants.Where(v => v.Name.Contains(filter, StringComparison.OrdinalIgnoreCase))];
        // Warm-up: 3 s of calls of every piece, in turns, for tiered compilation to reach the optimised code of each (its
        // call-counting delay restarts while methods are still being compiled, so a fixed number of calls was not always
        // enough: a run measured the head at twice its time).
        long warmUntil = Stopwatch.GetTimestamp() + 3 * Stopwatch.Frequency;
        while (Stopwatch.GetTimestamp() < warmUntil)
        {
            foreach (var (_, run) in variants)
            {
                for (int i = 0; i < 50; i++)
                {
                    run();
                }
            }
        }
        var times = variants.Select(_ => new List<double>()).ToList();
        const int Calls = 20;
        for (int round = 0; round < rounds; round++)
        {
            for (int v = 0; v < variants.Count; v++)
            {
                double start = Now();
                for (int i = 0; i < Calls; i++)
                {
                    variants[v].Run();
                }
                times[v].Add((Now() - start) / Calls);
            }
        }
        Console.WriteLine($"# µs per call ({(CpuTime ? "thread CPU time" : "wall time")}), {rounds} interleaved rounds of {Calls} calls; median / lower quartile; .NET {Environment.Version}, Vector<float>.Count = {System.Numerics.Vector<float>.Count}");
        for (int v = 0; v < variants.Count; v++)
        {
            List<double> sorted = [.. times[v].Order()];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {variants[v].Name,-26} {sorted[sorted.Count / 2],9:F2} {sorted[sorted.Count / 4],9:F2}"));
        }
        return 0;
    }
}
