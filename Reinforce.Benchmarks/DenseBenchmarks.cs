using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Reinforce.NeuralNetworks;
using Reinforce.Numerics;

namespace Reinforce.Benchmarks;

/// <summary>
/// One dense layer over a batch of T = 500 rows (one CartPole-v1 episode): forward Y = X·Wᵀ + b, backward
/// dW += dYᵀ·X, db += Σ dY, dX = dY·W, and both. FLOPs: forward 2·T·in·out, backward 4·T·in·out
/// (the bias terms are not counted). The scalar twin's forward+backward is the baseline.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByParams)]
public class DenseBenchmarks : IFlopCount
{
    public const int T = 500;
    private float[] x = [], w = [], b = [], y = [], dy = [], dw = [], db = [], dx = [];

    /// <summary>in→out.</summary>
    [Params("4→128", "128→128", "256→256")]
    public string Shape { get; set; } = "4→128";

    private int Inputs => int.Parse(Shape.Split('→')[0], System.Globalization.CultureInfo.InvariantCulture);

    private int Outputs => int.Parse(Shape.Split('→')[1], System.Globalization.CultureInfo.InvariantCulture);

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        float[] Fill(int n, float scale) => Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1) * scale).ToArray();
        int inputs = Inputs, outputs = Outputs;
        x = Fill(T * inputs, 1);
        w = Fill(outputs * inputs, 1 / MathF.Sqrt(inputs));
        b = Fill(outputs, 0.1f);
        y = new float[T * outputs];
        dy = Fill(T * outputs, 1e-3f);
        dw = new float[outputs * inputs];
        db = new float[outputs];
        dx = new float[T * inputs];
    }

    public double Flops(string method)
    {
        double product = (double)T * Inputs * Outputs;
        return method switch
        {
            nameof(Forward) => 2 * product,
            nameof(Backward) => 4 * product,
            nameof(ForwardBackward) or nameof(ForwardBackwardScalar) => 6 * product,
            _ => 0,
        };
    }

    [Benchmark]
    public void Forward() => Dense.Forward(x, w, b, T, y);

    [Benchmark]
    public void Backward()
    {
        Array.Clear(dw);
        Array.Clear(db);
        Dense.Backward(x, w, dy, T, dw, db, dx);
    }

    [Benchmark]
    public void ForwardBackward()
    {
        Dense.Forward(x, w, b, T, y);
        Array.Clear(dw);
        Array.Clear(db);
        Dense.Backward(x, w, dy, T, dw, db, dx);
    }

    [Benchmark(Baseline = true)]
    public void ForwardBackwardScalar()
    {
        ScalarKernels.MatMulTransposedB(x, w, b, T, y);
        Array.Clear(dw);
        Array.Clear(db);
        ScalarKernels.AccumulateWeightGradients(dy, x, T, dw, db);
        ScalarKernels.MatMul(dy, w, T, dx);
    }
}
