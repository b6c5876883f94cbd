using BenchmarkDotNet.Attributes;
using Reinforce.NeuralNetworks;
using Reinforce.Numerics;
using Reinforce.Optimizers;
using Reinforce.Policies;
using Reinforce.Randomness;

namespace Reinforce.Benchmarks;

/// <summary>
/// The pieces of <see cref="UpdateBenchmarks.Update"/> (4→128 ReLU→2, categorical, 500 rows), each on its own, for the
/// README's roofline note: the three stages through the library's API (network forward, head, network backward, Adam),
/// then the kernels they run. The GFLOP/s column counts an FMA as 2 flops where the method sets <c>Flops</c>.
/// </summary>
[MemoryDiagnoser]
public class UpdateBreakdownBenchmarks
{
    private const int T = UpdateBenchmarks.T, Hidden = 128;
    private Policy policy = null!;
    private Adam adam = null!;
    private MlpWorkspace workspace = null!;
    private float[] states = [], weights = [], logits = [], logitGradients = [];
    private int[] actions = [];
    private float[] w1 = [], b1 = [], w2 = [], b2 = [], z = [], a = [], da = [], dw1 = [], db1 = [], dw2 = [], db2 = [];

    [GlobalSetup]
    public void Setup()
    {
        policy = Policy.Create(4, [Hidden], Activation.ReLU, new CategoricalHead(2), new Pcg64(543));
        adam = new Adam(policy.Parameters.Length, 1e-2);
        workspace = policy.Network.CreateWorkspace(T);
        var random = new Random(42);
        states = Enumerable.Range(0, 4 * T).Select(_ => (float)(random.NextDouble() * 0.2 - 0.1)).ToArray();
        actions = Enumerable.Range(0, T).Select(_ => random.Next(2)).ToArray();
        weights = Enumerable.Range(0, T).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        logits = new float[2 * T];
        logitGradients = new float[2 * T];
        float[] values = policy.Parameters.Values;
        w1 = values[..(4 * Hidden)];
        b1 = values[(4 * Hidden)..(5 * Hidden)];
        w2 = values[(5 * Hidden)..(7 * Hidden)];
        b2 = values[(7 * Hidden)..];
        z = new float[Hidden * T];
        a = new float[Hidden * T];
        da = new float[Hidden * T];
        dw1 = new float[4 * Hidden];
        db1 = new float[Hidden];
        dw2 = new float[2 * Hidden];
        db2 = new float[2];
        policy.Network.Forward(states, T, workspace, logits);
        policy.Head.LossAndGradient(logits, actions, weights, 0f, LossReduction.Mean, logitGradients);
        Dense.Forward(states, w1, b1, T, z);
        SimdKernels.ReluForward(z, a);
    }

    [Benchmark, BenchmarkCategory("stage")]
    public void NetworkForward() => policy.Network.Forward(states, T, workspace, logits);

    [Benchmark, BenchmarkCategory("stage")]
    public double Head() => policy.Head.LossAndGradient(logits, actions, weights, 0f, LossReduction.Mean, logitGradients).Loss;

    [Benchmark, BenchmarkCategory("stage")]
    public void NetworkBackward() => policy.Network.Backward(logitGradients, workspace);

    [Benchmark, BenchmarkCategory("stage")]
    public void AdamStep() => adam.Step(policy.Parameters.Values, policy.Parameters.Gradients);

    /// <summary>Z₁ = X·W₁ᵀ + b₁, 500 × 4 → 128: 2·500·4·128 = 512 kflop.</summary>
    [Benchmark]
    public void Layer1Forward() => Dense.Forward(states, w1, b1, T, z);

    /// <summary>A₁ = max(Z₁, 0) over 64,000 floats.</summary>
    [Benchmark]
    public void ReluForward() => SimdKernels.ReluForward(z, a);

    /// <summary>Z₁ and A₁ = max(Z₁, 0) in one pass: <see cref="Layer1Forward"/> + <see cref="ReluForward"/> fused, as Mlp runs them with ReLU.</summary>
    [Benchmark]
    public void Layer1ForwardRelu() => SimdKernels.MatMulTransposedBRelu(states, w1, b1, T, z, a);

    /// <summary>logits = A₁·W₂ᵀ + b₂, 500 × 128 → 2: 256 kflop.</summary>
    [Benchmark]
    public void Layer2Forward() => Dense.Forward(a, w2, b2, T, logits);

    /// <summary>dW₂ += dYᵀ·A₁ and db₂: 256 kflop.</summary>
    [Benchmark]
    public void Layer2WeightGradients() => SimdKernels.AccumulateWeightGradients(logitGradients, a, T, dw2, db2);

    /// <summary>dA₁ = dY·W₂: 256 kflop, 256 KiB written.</summary>
    [Benchmark]
    public void Layer2InputGradients() => SimdKernels.MatMul(logitGradients, w2, T, da);

    /// <summary>dZ₁ = dA₁ ⊙ [Z₁ &gt; 0] over 64,000 floats, in place.</summary>
    [Benchmark]
    public void ReluBackward() => SimdKernels.ReluBackward(z, da, da);

    /// <summary>dZ₁ = (dY·W₂) ⊙ [Z₁ &gt; 0] in one pass: <see cref="Layer2InputGradients"/> + <see cref="ReluBackward"/> fused, as Mlp runs them with ReLU.</summary>
    [Benchmark]
    public void Layer2InputGradientsRelu() => SimdKernels.MatMulReluBackward(logitGradients, w2, z, T, da);

    /// <summary>
    /// The whole backward below the logits in one pass, as Mlp runs it for 4 → H ReLU → 2: <see cref="Layer2WeightGradients"/>,
    /// <see cref="Layer2InputGradientsRelu"/> and <see cref="Layer1WeightGradients"/> fused, dZ₁ never written: 1 Mflop.
    /// </summary>
    [Benchmark]
    public void TwoLayerBackwardFused() => SimdKernels.TwoLayerReluBackward(logitGradients, w2, a, states, T, dw2, db2, dw1, db1);

    /// <summary>dW₁ += dZ₁ᵀ·X (128 × 4, a chain over 500 rows per element) and db₁: 512 kflop.</summary>
    [Benchmark]
    public void Layer1WeightGradients() => SimdKernels.AccumulateWeightGradients(da, states, T, dw1, db1);
}
