using Reinforce.Numerics;

namespace Reinforce.Tests.Numerics;

/// <summary>
/// The register-blocked batched kernels against their row-by-row definitions, bit for bit (tolerance: none; the
/// float bit patterns must be equal): y[t,o] = Dot(W[o,:], X[t,:]) + b[o]; dX row t = MatTransposeVec(W, dY row t);
/// dW, db = Rank1Update and Add for t = 0, 1, …. The shapes cover every tile edge: batch and outputs around the
/// 4 × 4 forward tile and the 6-row backward tile, inputs around the 32-lane block (all tail, exact blocks, blocks
/// plus tail) and the vector width, and the network's own layers at T = 500.
/// </summary>
[TestFixture]
public sealed class BatchedKernelBitExactnessTests
{
    private static readonly int[] Batches = [1, 2, 3, 4, 5, 7, 9, 17];
    private static readonly int[] Inputs = [1, 3, 4, 5, 8, 9, 31, 32, 33, 40, 64, 100, 129];
    private static readonly int[] Outputs = [1, 2, 3, 4, 5, 7, 8, 9, 12, 16, 17, 33];

    private static IEnumerable<(int Batch, int Inputs, int Outputs)> Shapes()
    {
        foreach (int batch in Batches)
        {
            foreach (int inputs in Inputs)
            {
                foreach (int outputs in Outputs)
                {
                    yield return (batch, inputs, outputs);
                }
            }
        }
        // The layers of the default network and of the benchmarks, over one CartPole-v1 episode.
        yield return (500, 4, 128);
        yield return (500, 128, 2);
        yield return (500, 128, 128);
        yield return (37, 256, 256);
        yield return (31, 257, 21);
    }

    /// <summary>With the x86-specific forward for in = 4 (where the machine has it) and with the portable one everywhere.</summary>
    [TestCase(true)]
    [TestCase(false)]
    public void MatMulTransposedB_EqualsDotPerRowAndOutput_BitForBit(bool x86Forward)
    {
        var random = new Random(20260421);
        SimdKernels.X86ForwardEnabled = x86Forward;
        using var restore = new RestoreX86Forward();
        foreach (var (batch, inputs, outputs) in Shapes())
        {
            float[] x = Values(random, batch * inputs), w = Values(random, outputs * inputs), b = Values(random, outputs);
            var expected = new float[batch * outputs];
            var actual = new float[batch * outputs];
            SimdKernels.MatMulTransposedBRowByRow(x, w, b, batch, inputs, outputs, expected);
            SimdKernels.MatMulTransposedB(x, w, b, batch, actual);
            AssertBitsEqual(actual, expected, $"forward T={batch} {inputs}→{outputs}");
        }
    }

    [Test]
    public void MatMul_EqualsMatTransposeVecPerRow_BitForBit()
    {
        var random = new Random(20260422);
        foreach (var (batch, inputs, outputs) in Shapes())
        {
            float[] dy = Values(random, batch * outputs), w = Values(random, outputs * inputs);
            float[] expected = Values(random, batch * inputs); // both overwrite whatever is there
            float[] actual = (float[])expected.Clone();
            SimdKernels.MatMulRowByRow(dy, w, batch, outputs, inputs, expected);
            SimdKernels.MatMul(dy, w, batch, actual);
            AssertBitsEqual(actual, expected, $"dX T={batch} {inputs}→{outputs}");
        }
    }

    [Test]
    public void AccumulateWeightGradients_EqualsRank1UpdatesInTimeOrder_BitForBit()
    {
        var random = new Random(20260423);
        foreach (var (batch, inputs, outputs) in Shapes().Append((300, 9, 10)).Append((600, 128, 2)))
        {
            float[] dy = Values(random, batch * outputs), x = Values(random, batch * inputs);
            // Gradients accumulate: start from non-zero dW and db.
            float[] expectedW = Values(random, outputs * inputs), expectedB = Values(random, outputs);
            float[] actualW = (float[])expectedW.Clone(), actualB = (float[])expectedB.Clone();
            SimdKernels.AccumulateWeightGradientsRowByRow(dy, x, batch, outputs, inputs, expectedW, expectedB);
            SimdKernels.AccumulateWeightGradients(dy, x, batch, actualW, actualB);
            AssertBitsEqual(actualW, expectedW, $"dW T={batch} {inputs}→{outputs}");
            AssertBitsEqual(actualB, expectedB, $"db T={batch} {inputs}→{outputs}");
        }
    }

    /// <summary>
    /// The fused forward + ReLU against the forward, then ReluForward of its output (tolerance: none): z is the same, a is
    /// ReLU(z) element for element, with the x86 kernels for in = 4 and the portable ones. Some rows of X are NaN or −0 so
    /// that NaN and signed-zero pre-activations reach the select (NaN and −0 give +0, as ReluForward's x &gt; 0 ? x : 0).
    /// </summary>
    [TestCase(true)]
    [TestCase(false)]
    public void MatMulTransposedBRelu_EqualsForwardThenRelu_BitForBit(bool x86Forward)
    {
        var random = new Random(20260424);
        SimdKernels.X86ForwardEnabled = x86Forward;
        using var restore = new RestoreX86Forward();
        foreach (var (batch, inputs, outputs) in Shapes())
        {
            float[] x = Values(random, batch * inputs), w = Values(random, outputs * inputs), b = Values(random, outputs);
            WithSpecialRows(x, batch, inputs, random);
            float[] expectedZ = new float[batch * outputs], expectedA = new float[batch * outputs];
            float[] actualZ = new float[batch * outputs], actualA = Values(random, batch * outputs); // both overwrite a
            SimdKernels.MatMulTransposedB(x, w, b, batch, expectedZ);
            SimdKernels.ReluForward(expectedZ, expectedA);
            SimdKernels.MatMulTransposedBRelu(x, w, b, batch, actualZ, actualA);
            AssertBitsEqual(actualZ, expectedZ, $"fused forward z T={batch} {inputs}→{outputs}");
            AssertBitsEqual(actualA, expectedA, $"fused forward a T={batch} {inputs}→{outputs}");
        }
    }

    /// <summary>
    /// The fused dX = (dY·W) ⊙ [z &gt; 0] against MatMul, then ReluBackward in place (tolerance: none), over the shapes
    /// above (outputs up to 8 take the fused row kernel, wider ones the tiles then the select). z has exact zeros, −0, NaN
    /// and negatives besides positives, so every branch of the select is taken.
    /// </summary>
    [Test]
    public void MatMulReluBackward_EqualsMatMulThenReluBackward_BitForBit()
    {
        var random = new Random(20260425);
        foreach (var (batch, inputs, outputs) in Shapes().Append((128, 128, 2)).Append((500, 100, 2)).Append((13, 7, 6)))
        {
            float[] dy = Values(random, batch * outputs), w = Values(random, outputs * inputs), z = Values(random, batch * inputs);
            for (int i = 0; i < z.Length; i += 11)
            {
                z[i] = (i / 11 % 3) switch { 0 => -0f, 1 => float.NaN, _ => 0f };
            }
            float[] expected = new float[batch * inputs];
            float[] actual = Values(random, batch * inputs); // overwritten
            SimdKernels.MatMul(dy, w, batch, expected);
            SimdKernels.ReluBackward(z, expected, expected);
            SimdKernels.MatMulReluBackward(dy, w, z, batch, actual);
            AssertBitsEqual(actual, expected, $"fused dZ T={batch} {inputs}→{outputs}");
        }
    }

    /// <summary>
    /// The one-pass backward of a 4 → H ReLU → 2 network against its definition, the three kernels in turn
    /// (tolerance: none): dW₂, db₂, dW₁, db₁ from non-zero starting values, over hidden widths around the kernel's blocks
    /// of 2·Count units and row counts from 1 to an episode. A₁ is ReLU of values with exact zeros, −0 and NaN, and X
    /// has a NaN, so every branch of the mask and NaN products reach the chains.
    /// </summary>
    [Test]
    public void TwoLayerReluBackward_EqualsTheThreeKernelsInTurn_BitForBit()
    {
        var random = new Random(20260426);
        int width = System.Numerics.Vector<float>.Count;
        int[] hiddens = [1, 3, width - 1, width, 2 * width - 1, 2 * width, 2 * width + 1, 5 * width + 3, 128, 129];
        foreach (int batch in new[] { 1, 2, 7, 17, 128, 500 })
        {
            foreach (int hidden in hiddens)
            {
                float[] dy = Values(random, batch * 2), w2 = Values(random, 2 * hidden), x = Values(random, batch * 4);
                float[] z = Values(random, batch * hidden);
                for (int i = 0; i < z.Length; i += 7)
                {
                    z[i] = (i / 7 % 4) switch { 0 => -0f, 1 => float.NaN, 2 => 0f, _ => -z[i] };
                }
                float[] a1 = new float[z.Length];
                SimdKernels.ReluForward(z, a1);
                if (batch >= 7)
                {
                    x[4 * 5 + 2] = float.NaN;
                }
                float[] expectedW2 = Values(random, 2 * hidden), expectedB2 = Values(random, 2);
                float[] expectedW1 = Values(random, hidden * 4), expectedB1 = Values(random, hidden);
                float[] actualW2 = (float[])expectedW2.Clone(), actualB2 = (float[])expectedB2.Clone();
                float[] actualW1 = (float[])expectedW1.Clone(), actualB1 = (float[])expectedB1.Clone();
                SimdKernels.TwoLayerReluBackwardUnfused(dy, w2, a1, x, batch, expectedW2, expectedB2, expectedW1, expectedB1, new float[batch * hidden]);
                SimdKernels.TwoLayerReluBackward(dy, w2, a1, x, batch, actualW2, actualB2, actualW1, actualB1);
                string shape = $"T={batch} 4→{hidden}→2";
                AssertBitsEqual(actualW2, expectedW2, $"dW2 {shape}");
                AssertBitsEqual(actualB2, expectedB2, $"db2 {shape}");
                AssertBitsEqual(actualW1, expectedW1, $"dW1 {shape}");
                AssertBitsEqual(actualB1, expectedB1, $"db1 {shape}");
            }
        }
    }

    // Row 0 of X all −0 (every product ±0: z is the bias), and, from three rows on, one NaN in the last row (a NaN row of z).
    private static void WithSpecialRows(float[] x, int batch, int inputs, Random random)
    {
        Array.Fill(x, -0f, 0, inputs);
        if (batch >= 3)
        {
            x[(batch - 1) * inputs + random.Next(inputs)] = float.NaN;
        }
    }

    [Test]
    public void MatMulTransposedB_KeepsTheSignOfZero_LikeTheDefinition()
    {
        // All-zero products: Dot's chain starts at +0, so −0·x sums to +0; the bias −0 then gives +0 + −0 = +0.
        const int batch = 5, inputs = 4, outputs = 9;
        float[] x = Enumerable.Repeat(-0f, batch * inputs).ToArray();
        float[] w = Enumerable.Repeat(1f, outputs * inputs).ToArray();
        float[] b = Enumerable.Repeat(-0f, outputs).ToArray();
        var expected = new float[batch * outputs];
        var actual = new float[batch * outputs];
        SimdKernels.MatMulTransposedBRowByRow(x, w, b, batch, inputs, outputs, expected);
        SimdKernels.MatMulTransposedB(x, w, b, batch, actual);
        AssertBitsEqual(actual, expected, "signed zeros");
    }

    // Values spread over several binades with a few exact zeros, so that rounding differences would show.
    private static float[] Values(Random random, int length)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = random.Next(50) == 0 ? 0f : (float)((random.NextDouble() * 2 - 1) * Math.Pow(2, random.Next(-6, 6)));
        }
        return values;
    }

    private static void AssertBitsEqual(float[] actual, float[] expected, string what)
    {
        int[] actualBits = actual.Select(BitConverter.SingleToInt32Bits).ToArray();
        int[] expectedBits = expected.Select(BitConverter.SingleToInt32Bits).ToArray();
        Assert.That(actualBits, Is.EqualTo(expectedBits).AsCollection, what);
    }

    private readonly struct RestoreX86Forward : IDisposable
    {
        public void Dispose() => SimdKernels.X86ForwardEnabled = true;
    }
}
