using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Reinforce.Numerics;

namespace Reinforce.Benchmarks;

/// <summary>
/// The one kernel that keeps an x86-only path: the forward Y = X·Wᵀ + b of a layer with 4 inputs (CartPole's
/// observation), on its portable path (Vector128: what ARM64 runs) against the AVX2/FMA/AVX-512 one, for one row (the
/// rollout's action) and a 500-step episode (the update), with the default network's 128 and Spinning Up's 32 outputs.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByParams)]
public class PortableKernelBenchmarks
{
    private float[] x = [], w = [], b = [], y = [];
    private int batch, inputs, outputs;

    [Params("1×4→128", "500×4→128", "1×4→32", "500×4→32")]
    public string Shape { get; set; } = "1×4→128";

    [GlobalSetup]
    public void Setup()
    {
        batch = int.Parse(Shape.Split('×')[0], System.Globalization.CultureInfo.InvariantCulture);
        inputs = int.Parse(Shape.Split('×')[1].Split('→')[0], System.Globalization.CultureInfo.InvariantCulture);
        outputs = int.Parse(Shape.Split('→')[1], System.Globalization.CultureInfo.InvariantCulture);
        var random = new Random(42);
        float[] Fill(int n) => Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        x = Fill(batch * inputs);
        w = Fill(outputs * inputs);
        b = Fill(outputs);
        y = new float[batch * outputs];
    }

    [Benchmark(Baseline = true)]
    public void X86() => SimdKernels.MatMulTransposedB(x, w, b, batch, y);

    [Benchmark]
    public void Portable()
    {
        SimdKernels.X86ForwardEnabled = false;
        SimdKernels.MatMulTransposedB(x, w, b, batch, y);
        SimdKernels.X86ForwardEnabled = true;
    }
}
