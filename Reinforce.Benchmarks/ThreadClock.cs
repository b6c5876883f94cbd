using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Reinforce.Benchmarks;

/// <summary>
/// The calling thread's CPU time in nanoseconds where the C library reports it (<c>clock_gettime(CLOCK_THREAD_CPUTIME_ID)</c>
/// on Linux), else the wall clock: on a machine shared with other work, the time the thread waited for a core is not
/// counted. The interleaved commands (<c>rate</c>, <c>act</c>) time with it.
/// </summary>
internal static partial class ThreadClock
{
    private const int ThreadCpuTimeId = 3; // CLOCK_THREAD_CPUTIME_ID on Linux

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

#pragma warning disable SYSLIB1054 // DllImport: LibraryImport's generated code needs unsafe blocks, which the suite does not enable
    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);
#pragma warning restore SYSLIB1054

    /// <summary>Whether <see cref="Nanoseconds"/> is CPU time (else wall time).</summary>
    public static bool IsCpuTime { get; } = OperatingSystem.IsLinux() && Probe();

    public static string Name => IsCpuTime ? "thread CPU time" : "wall time";

    public static double Nanoseconds()
    {
        if (IsCpuTime && ClockGetTime(ThreadCpuTimeId, out TimeSpec time) == 0)
        {
            return time.Seconds * 1e9 + time.Nanoseconds;
        }
        return Stopwatch.GetTimestamp() * 1e9 / Stopwatch.Frequency;
    }

    private static bool Probe()
    {
        try
        {
            return ClockGetTime(ThreadCpuTimeId, out _) == 0;
        }
        catch (DllNotFoundException)
        {
            return false;
        }
        catch (EntryPointNotFoundException)
        {
            return false;
        }
    }
}
