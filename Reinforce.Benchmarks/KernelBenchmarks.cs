using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Reinforce.Numerics;

namespace Reinforce.Benchmarks;

/// <summary>
/// Each <see cref="SimdKernels"/> kernel against its <see cref="ScalarKernels"/> twin (the baseline of its
/// category) at vector length N = 4, 128 and 1024; the matrix kernels use an [N, N] matrix. N = 4 is all
/// tail for the 32-lane reduction; 1024 is 32 full blocks.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByParams)]
[CategoriesColumn]
public class KernelBenchmarks
{
    private float[] x = [], y = [], w = [], b = [], outRows = [];

    [Params(4, 128, 1024)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        float Next() => (float)(random.NextDouble() * 2 - 1);
        x = Enumerable.Range(0, N).Select(_ => Next()).ToArray();
        y = Enumerable.Range(0, N).Select(_ => Next()).ToArray();
        b = Enumerable.Range(0, N).Select(_ => Next()).ToArray();
        outRows = new float[N];
        // Small entries: Rank1Update accumulates into w on every invocation and must stay finite.
        w = Enumerable.Range(0, N * N).Select(_ => Next() * 1e-3f).ToArray();
    }

    [Benchmark(Baseline = true), BenchmarkCategory("Dot")]
    public float DotScalar() => ScalarKernels.Dot(x, y);

    [Benchmark, BenchmarkCategory("Dot")]
    public float DotSimd() => SimdKernels.Dot(x, y);

    [Benchmark(Baseline = true), BenchmarkCategory("Axpy")]
    public void AxpyScalar() => ScalarKernels.Axpy(x, 1e-7f, y);

    [Benchmark, BenchmarkCategory("Axpy")]
    public void AxpySimd() => SimdKernels.Axpy(x, 1e-7f, y);

    [Benchmark(Baseline = true), BenchmarkCategory("MatVec")]
    public void MatVecScalar() => ScalarKernels.MatVec(w, x, b, outRows);

    [Benchmark, BenchmarkCategory("MatVec")]
    public void MatVecSimd() => SimdKernels.MatVec(w, x, b, outRows);

    [Benchmark(Baseline = true), BenchmarkCategory("MatTransposeVec")]
    public void MatTransposeVecScalar() => ScalarKernels.MatTransposeVec(w, y, outRows);

    [Benchmark, BenchmarkCategory("MatTransposeVec")]
    public void MatTransposeVecSimd() => SimdKernels.MatTransposeVec(w, y, outRows);

    [Benchmark(Baseline = true), BenchmarkCategory("Rank1Update")]
    public void Rank1UpdateScalar() => ScalarKernels.Rank1Update(y, x, w);

    [Benchmark, BenchmarkCategory("Rank1Update")]
    public void Rank1UpdateSimd() => SimdKernels.Rank1Update(y, x, w);
}
