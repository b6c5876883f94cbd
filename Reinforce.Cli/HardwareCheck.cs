using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace Reinforce.Cli;

/// <summary>
/// The one machine fact that changes the tool's speed by an order of magnitude without changing a number: every kernel
/// of the library is built on fused multiply-adds (they define the bits), and an x64 process without the FMA instruction
/// set computes each of them in software. That happens on a CPU or VM without FMA, in a native build for the baseline
/// x64 target, and under the JIT with <c>DOTNET_EnableAVX2=0</c> or <c>DOTNET_EnableHWIntrinsic=0</c>. ARM64's
/// fused multiply-add is always in hardware.
/// </summary>
internal static class HardwareCheck
{
    /// <summary>The commands that train or run episodes, whose time the missing FMA multiplies.</summary>
    private static readonly HashSet<string> Computing = ["train", "sweep", "eval", "baseline", "render"];

    /// <summary>One warning line for stderr when <paramref name="args"/> runs a computing command without hardware FMA, else null.</summary>
    public static string? FmaWarning(string[] args)
    {
        if (RuntimeInformation.ProcessArchitecture is not (Architecture.X64 or Architecture.X86) || Fma.IsSupported
            || args.Length == 0 || !Computing.Contains(args[0]) || args.Contains("--help") || args.Contains("-h"))
        {
            return null;
        }
        string why = !RuntimeFeature.IsDynamicCodeSupported
            ? "this native build targets an x64 without FMA; install the x86-64-v3 build"
            : Environment.GetEnvironmentVariable("DOTNET_EnableHWIntrinsic") == "0" || Environment.GetEnvironmentVariable("DOTNET_EnableAVX2") == "0"
                ? "DOTNET_EnableHWIntrinsic=0 or DOTNET_EnableAVX2=0 turns it off; unset it"
                : "this CPU has none; a CPU with FMA (x86-64-v3: Intel Haswell, AMD Zen or newer) runs it in hardware";
        return $"reinforce: warning: no hardware fused multiply-add (Fma.IsSupported is false): every kernel computes it in software, "
            + $"so training runs many times slower (the numbers are the same); {why}";
    }
}
