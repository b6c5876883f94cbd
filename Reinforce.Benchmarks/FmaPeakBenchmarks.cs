using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;

namespace Reinforce.Benchmarks;

/// <summary>
/// The float FMA peak of one core, measured: 12 independent accumulators a ← m·c + a of <see cref="Vector{T}"/>
/// fused multiply-adds (enough to cover 2 FMA pipes × 4 cycles of latency) with no memory traffic. (Not the form
/// a ← a·m + c, with the accumulator as a factor: benchmarks/notes.md#fma-peak.)
/// GFLOP/s = 2 · lanes · FMAs / time. This is the reference of the dense layer's "half of peak" target.
/// </summary>
[MemoryDiagnoser]
public class FmaPeakBenchmarks : IFlopCount
{
    internal const int Iterations = 100_000;
    internal const int Chains = 12;

    // Read at run time, so that the JIT cannot fold m·c into one constant.
    private static float factor = 0.999f, addend = 1e-3f;

    public double Flops(string method) => method switch
    {
        nameof(FmaThroughputTwoThreads) => 2 * 2.0 * Vector<float>.Count * Chains * Iterations,
        nameof(FmaThroughput512) => 2.0 * Vector512<float>.Count * Chains * Iterations,
        _ => 2.0 * Vector<float>.Count * Chains * Iterations,
    };

    [Benchmark]
    public float FmaThroughput() => Kernel();

    /// <summary>The loop on 512-bit vectors (<see cref="Kernel512"/>).</summary>
    [Benchmark]
    public float FmaThroughput512() => Kernel512();

    /// <summary>
    /// The same loop on two threads at once: twice the work. On two independent cores it takes as long as one loop
    /// (twice the GFLOP/s); on two hardware threads of one core it takes about twice as long.
    /// </summary>
    [Benchmark]
    public float FmaThroughputTwoThreads()
    {
        float a = 0, b = 0;
        Parallel.Invoke(() => a = Kernel(), () => b = Kernel());
        return a + b;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static float Kernel()
    {
        var m = new Vector<float>(0.999f);
        var c = new Vector<float>(1e-3f);
        Vector<float> a0 = Vector<float>.One, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0,
            a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (int i = 0; i < Iterations; i++)
        {
            a0 = Vector.FusedMultiplyAdd(m, c, a0);
            a1 = Vector.FusedMultiplyAdd(m, c, a1);
            a2 = Vector.FusedMultiplyAdd(m, c, a2);
            a3 = Vector.FusedMultiplyAdd(m, c, a3);
            a4 = Vector.FusedMultiplyAdd(m, c, a4);
            a5 = Vector.FusedMultiplyAdd(m, c, a5);
            a6 = Vector.FusedMultiplyAdd(m, c, a6);
            a7 = Vector.FusedMultiplyAdd(m, c, a7);
            a8 = Vector.FusedMultiplyAdd(m, c, a8);
            a9 = Vector.FusedMultiplyAdd(m, c, a9);
            a10 = Vector.FusedMultiplyAdd(m, c, a10);
            a11 = Vector.FusedMultiplyAdd(m, c, a11);
        }
        return Vector.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    /// <summary>
    /// The same loop on <see cref="Vector512{T}"/> (16 floats): where the core executes 512-bit FMAs at full width, twice
    /// the flops of the 256-bit loop per instruction; where it splits them in two halves, the same GFLOP/s. 0 where
    /// 512-bit vectors are not accelerated.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static float Kernel512()
    {
        if (!Vector512.IsHardwareAccelerated)
        {
            return 0;
        }
        var m = Vector512.Create(factor);
        var c = Vector512.Create(addend);
        Vector512<float> a0 = Vector512<float>.One, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0,
            a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (int i = 0; i < Iterations; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(m, c, a0);
            a1 = Vector512.FusedMultiplyAdd(m, c, a1);
            a2 = Vector512.FusedMultiplyAdd(m, c, a2);
            a3 = Vector512.FusedMultiplyAdd(m, c, a3);
            a4 = Vector512.FusedMultiplyAdd(m, c, a4);
            a5 = Vector512.FusedMultiplyAdd(m, c, a5);
            a6 = Vector512.FusedMultiplyAdd(m, c, a6);
            a7 = Vector512.FusedMultiplyAdd(m, c, a7);
            a8 = Vector512.FusedMultiplyAdd(m, c, a8);
            a9 = Vector512.FusedMultiplyAdd(m, c, a9);
            a10 = Vector512.FusedMultiplyAdd(m, c, a10);
            a11 = Vector512.FusedMultiplyAdd(m, c, a11);
        }
        return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }
}
