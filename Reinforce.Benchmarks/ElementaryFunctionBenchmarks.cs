using System.Numerics;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Reinforce.Numerics;

namespace Reinforce.Benchmarks;

/// <summary>
/// The library's exp, log and tanh (<see cref="ElementaryFunctions"/>) against the C library's through .NET's
/// <c>MathF</c> (the baseline of each category), over N = 1024 floats: one call per element, and the span form
/// (the vector form through the element-wise loop driver; for tanh, 512-bit registers where AVX-512 is there, and the
/// Vector&lt;float&gt; form alone beside it). Arguments in the range the policy sees: exp of log-softmax
/// terms in [−8, 0], log of sums in [1, 3], tanh of pre-activations in [−4, 4]. The double sin and cos
/// (<see cref="ElementaryFunctions.SinCos(double)"/>, correctly rounded) against <see cref="Math.Sin"/> plus
/// <see cref="Math.Cos"/> over N CartPole angles in [−0.21, 0.21]: one SinCos per angle, and the vector form.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class ElementaryFunctionBenchmarks
{
    private const int N = 1024;
    private readonly float[] expArguments = new float[N], logArguments = new float[N], tanhArguments = new float[N], results = new float[N];
    private readonly double[] angles = new double[N], sines = new double[N], cosines = new double[N];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        for (int i = 0; i < N; i++)
        {
            expArguments[i] = (float)(random.NextDouble() * -8);
            logArguments[i] = (float)(1 + random.NextDouble() * 2);
            tanhArguments[i] = (float)(random.NextDouble() * 8 - 4);
            angles[i] = random.NextDouble() * 0.42 - 0.21;
        }
    }

    [Benchmark(Baseline = true), BenchmarkCategory("Exp")]
    public void ExpMathF()
    {
        for (int i = 0; i < N; i++)
        {
            results[i] = MathF.Exp(expArguments[i]);
        }
    }

    [Benchmark, BenchmarkCategory("Exp")]
    public void ExpScalar()
    {
        for (int i = 0; i < N; i++)
        {
            results[i] = ElementaryFunctions.Exp(expArguments[i]);
        }
    }

    [Benchmark, BenchmarkCategory("Exp")]
    public void ExpSpan() => ElementaryFunctions.Exp(expArguments, results);

    [Benchmark(Baseline = true), BenchmarkCategory("Log")]
    public void LogMathF()
    {
        for (int i = 0; i < N; i++)
        {
            results[i] = MathF.Log(logArguments[i]);
        }
    }

    [Benchmark, BenchmarkCategory("Log")]
    public void LogScalar()
    {
        for (int i = 0; i < N; i++)
        {
            results[i] = ElementaryFunctions.Log(logArguments[i]);
        }
    }

    [Benchmark, BenchmarkCategory("Log")]
    public void LogSpan() => ElementaryFunctions.Log(logArguments, results);

    [Benchmark(Baseline = true), BenchmarkCategory("Tanh")]
    public void TanhMathF()
    {
        for (int i = 0; i < N; i++)
        {
            results[i] = MathF.Tanh(tanhArguments[i]);
        }
    }

    [Benchmark, BenchmarkCategory("Tanh")]
    public void TanhScalar()
    {
        for (int i = 0; i < N; i++)
        {
            results[i] = ElementaryFunctions.Tanh(tanhArguments[i]);
        }
    }

    [Benchmark, BenchmarkCategory("Tanh")]
    public void TanhSpan() => ElementaryFunctions.Tanh(tanhArguments, results);

    /// <summary>The Vector&lt;float&gt; form alone (the span form runs 512-bit registers where AVX-512 is there).</summary>
    [Benchmark, BenchmarkCategory("Tanh")]
    public void TanhVector()
    {
        for (int i = 0; i < N; i += Vector<float>.Count)
        {
            ElementaryFunctions.Tanh(new Vector<float>(tanhArguments, i)).CopyTo(results, i);
        }
    }

    [Benchmark(Baseline = true), BenchmarkCategory("SinCos")]
    public void SinCosMath()
    {
        for (int i = 0; i < N; i++)
        {
            sines[i] = Math.Sin(angles[i]);
            cosines[i] = Math.Cos(angles[i]);
        }
    }

    [Benchmark, BenchmarkCategory("SinCos")]
    public void SinCosScalar()
    {
        for (int i = 0; i < N; i++)
        {
            (sines[i], cosines[i]) = ElementaryFunctions.SinCos(angles[i]);
        }
    }

    [Benchmark, BenchmarkCategory("SinCos")]
    public void SinCosVector()
    {
        ReadOnlySpan<Vector<double>> x = MemoryMarshal.Cast<double, Vector<double>>(angles);
        Span<Vector<double>> s = MemoryMarshal.Cast<double, Vector<double>>(sines.AsSpan()), c = MemoryMarshal.Cast<double, Vector<double>>(cosines.AsSpan());
        for (int v = 0; v < x.Length; v++)
        {
            ElementaryFunctions.SinCos(x[v], out s[v], out c[v]);
        }
    }

    [Benchmark, BenchmarkCategory("SinCos")]
    public void SinScalar()
    {
        for (int i = 0; i < N; i++)
        {
            sines[i] = ElementaryFunctions.Sin(angles[i]);
        }
    }

    [Benchmark, BenchmarkCategory("SinCos")]
    public void SinMath()
    {
        for (int i = 0; i < N; i++)
        {
            sines[i] = Math.Sin(angles[i]);
        }
    }
}
