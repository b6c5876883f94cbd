using BenchmarkDotNet.Attributes;
using Reinforce.Numerics;
using Reinforce.Optimizers;

namespace Reinforce.Benchmarks;

/// <summary>
/// One Adam step over the flat buffer: the default network's 898 parameters (4·128 + 128 + 128·2 + 2) and
/// one million. The scalar twin is the baseline.
/// </summary>
[MemoryDiagnoser]
public class AdamBenchmarks
{
    private float[] g = [], p = [], m = [], v = [];
    private AdamCoefficients coefficients;

    [Params(898, 1_000_000)]
    public int Parameters { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        g = Enumerable.Range(0, Parameters).Select(_ => (float)(random.NextDouble() * 2 - 1) * 1e-2f).ToArray();
        p = Enumerable.Range(0, Parameters).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        m = new float[Parameters];
        v = new float[Parameters];
        coefficients = new Adam(Parameters, 1e-2).Coefficients(10);
    }

    [Benchmark(Baseline = true)]
    public void Scalar() => ScalarKernels.AdamUpdate(g, coefficients, p, m, v);

    [Benchmark]
    public void Simd() => SimdKernels.AdamUpdate(g, coefficients, p, m, v);
}
