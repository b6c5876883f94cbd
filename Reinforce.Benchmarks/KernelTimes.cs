using System.Globalization;
using Reinforce.Numerics;

namespace Reinforce.Benchmarks;

/// <summary>
/// <c>kernels [rounds] [N…]</c>: each <see cref="SimdKernels"/> kernel of <see cref="KernelBenchmarks"/> against its
/// <see cref="ScalarKernels"/> twin at vector length N (default 128 and 1024; the matrix kernels on [N, N]), and Adam over
/// the default network's 898 parameters (<see cref="AdamBenchmarks"/>), interleaved round by round on
/// <see cref="ThreadClock"/> (<see cref="Interleaved"/>). Prints Markdown rows: the kernel, N, the median scalar and SIMD
/// times and the speed-up (scalar over SIMD). The full BenchmarkDotNet tables are in benchmarks/&lt;cpu&gt;/.
/// </summary>
public static class KernelTimes
{
    public static int Run(string[] args)
    {
        int rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 50;
        int[] sizes = args.Length > 2 ? [.. args.Skip(2).Select(a => int.Parse(a, CultureInfo.InvariantCulture))] : [128, 1024];
        var rows = new List<(string Kernel, string Size, int Pieces)>();
        var pieces = new List<Interleaved.Piece>();
        foreach (int n in sizes)
        {
            var k = new KernelBenchmarks { N = n };
            k.Setup();
            // About 50–200 µs of scalar work per block.
            int vectorCalls = Math.Max(1, 200_000 / n), matrixCalls = Math.Max(1, 100_000 / (n * n / 4 + 1));
            void Add(string kernel, Action scalar, Action simd, int calls)
            {
                rows.Add((kernel, n.ToString(CultureInfo.InvariantCulture), pieces.Count));
                pieces.Add(new($"{kernel} scalar", scalar, calls));
                pieces.Add(new($"{kernel} SIMD", simd, calls));
            }
            Add("Dot", () => k.DotScalar(), () => k.DotSimd(), vectorCalls);
            Add("Axpy", k.AxpyScalar, k.AxpySimd, vectorCalls);
            Add("MatVec", k.MatVecScalar, k.MatVecSimd, matrixCalls);
            Add("MatTransposeVec", k.MatTransposeVecScalar, k.MatTransposeVecSimd, matrixCalls);
            Add("Rank1Update", k.Rank1UpdateScalar, k.Rank1UpdateSimd, matrixCalls);
        }
        var adam = new AdamBenchmarks { Parameters = 898 };
        adam.Setup();
        rows.Add(("Adam step", "898 parameters", pieces.Count));
        pieces.Add(new("Adam scalar", adam.Scalar, 64));
        pieces.Add(new("Adam SIMD", adam.Simd, 64));
        double[] ns = Interleaved.MedianNanoseconds(pieces, rounds);
        Console.WriteLine($"# kernels: medians of {rounds} interleaved rounds, {ThreadClock.Name}; .NET {Environment.Version}, Vector<float>.Count {System.Numerics.Vector<float>.Count}");
        Console.WriteLine("| kernel | N | scalar | SIMD | speed-up |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        foreach (var (kernel, size, p) in rows)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {kernel} | {size} | {Time(ns[p])} | {Time(ns[p + 1])} | {ns[p] / ns[p + 1]:F1}× |"));
        }
        return 0;
    }

    private static string Time(double ns) => ns >= 1e3
        ? string.Create(CultureInfo.InvariantCulture, $"{ns / 1e3:N2} µs")
        : string.Create(CultureInfo.InvariantCulture, $"{ns:F1} ns");
}
