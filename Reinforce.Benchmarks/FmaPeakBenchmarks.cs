using System.Numerics;
using BenchmarkDotNet.Attributes;

namespace Reinforce.Benchmarks;

/// <summary>
/// The float FMA peak of one core, measured: 12 independent chains of <see cref="Vector{T}"/> fused
/// multiply-adds (enough to cover 2 FMA pipes × 4–5 cycles of latency) with no memory traffic.
/// GFLOP/s = 2 · lanes · FMAs / time. This is the reference of the dense layer's "half of peak" target.
/// </summary>
[MemoryDiagnoser]
public class FmaPeakBenchmarks : IFlopCount
{
    private const int Iterations = 100_000;
    private const int Chains = 12;

    public double Flops(string method) => 2.0 * Vector<float>.Count * Chains * Iterations;

    [Benchmark]
    public float FmaThroughput()
    {
        var m = new Vector<float>(0.999f);
        var c = new Vector<float>(1e-3f);
        Vector<float> a0 = Vector<float>.One, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0,
            a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (int i = 0; i < Iterations; i++)
        {
            a0 = Vector.FusedMultiplyAdd(a0, m, c);
            a1 = Vector.FusedMultiplyAdd(a1, m, c);
            a2 = Vector.FusedMultiplyAdd(a2, m, c);
            a3 = Vector.FusedMultiplyAdd(a3, m, c);
            a4 = Vector.FusedMultiplyAdd(a4, m, c);
            a5 = Vector.FusedMultiplyAdd(a5, m, c);
            a6 = Vector.FusedMultiplyAdd(a6, m, c);
            a7 = Vector.FusedMultiplyAdd(a7, m, c);
            a8 = Vector.FusedMultiplyAdd(a8, m, c);
            a9 = Vector.FusedMultiplyAdd(a9, m, c);
            a10 = Vector.FusedMultiplyAdd(a10, m, c);
            a11 = Vector.FusedMultiplyAdd(a11, m, c);
        }
        return Vector.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }
}
