using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
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

    /// <summary>
    /// The instruction sets and the vector width the kernels choose their paths from, in the names and format of the
    /// claims <c>.ci/run</c> passes to the tests in <c>REINFORCE_EXPECT_ISA</c> (Reinforce.Core.Tests/Numerics/InstructionSetTests.cs):
    /// <c>arch=x64 avx512=off avx2=on fma=on advsimd=off simd=on vector=8</c>. avx512 is on when both
    /// <see cref="Avx512F.IsSupported"/> and <see cref="Vector512.IsHardwareAccelerated"/> are, off when neither is, and
    /// says which when they differ; vector is <see cref="Vector{T}.Count"/> of float.
    /// </summary>
    public static string InstructionSets()
    {
        static string OnOff(bool value) => value ? "on" : "off";
        string avx512 = Avx512F.IsSupported == Vector512.IsHardwareAccelerated
            ? OnOff(Avx512F.IsSupported)
            : $"mixed (Avx512F {OnOff(Avx512F.IsSupported)}, Vector512 {OnOff(Vector512.IsHardwareAccelerated)})";
        return string.Join(' ',
            $"arch={RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant()}",
            $"avx512={avx512}",
            $"avx2={OnOff(Avx2.IsSupported)}",
            $"fma={OnOff(Fma.IsSupported)}",
            $"advsimd={OnOff(AdvSimd.IsSupported)}",
            $"simd={OnOff(Vector.IsHardwareAccelerated)}",
            $"vector={Vector<float>.Count.ToString(CultureInfo.InvariantCulture)}");
    }
}
