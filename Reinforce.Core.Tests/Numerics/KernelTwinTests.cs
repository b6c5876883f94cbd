using System.Numerics;
using Reinforce.Numerics;
using Reinforce.Optimizers;
using Reinforce.Tests.TestSupport;

namespace Reinforce.Tests.Numerics;

/// <summary>
/// Every SIMD kernel against its scalar twin over the lengths of <see cref="TestData.SweepLengths"/>
/// (all lengths 0..3·Count+1, around the 32-lane block, and large ones).
/// Tolerances: element-wise kernels differ only by the rounding of one fused multiply-add, so
/// |simd − scalar| ≤ 2ε·(|a·x| + |y|) per element (ε = 2⁻²³); reductions of n terms computed in
/// different orders both lie within γₙ·Σ|xᵢyᵢ| of the exact sum (γₙ ≈ n·ε, Higham §3.1), so they
/// differ by at most 2n·ε·Σ|xᵢyᵢ|. Kernels without rounding differences are compared exactly.
/// </summary>
public class KernelTwinTests
{
    private const float Epsilon = 1.1920929e-7f;

    private static IEnumerable<int> Lengths() => TestData.SweepLengths();

    private static void AssertDotClose(float simd, float scalar, ReadOnlySpan<float> x, ReadOnlySpan<float> y, string what)
    {
        double absoluteSum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            absoluteSum += Math.Abs((double)x[i] * y[i]);
        }
        double bound = 2 * Math.Max(x.Length, 1) * Epsilon * absoluteSum + 1e-30;
        Assert.That(Math.Abs((double)simd - scalar), Is.LessThanOrEqualTo(bound), what);
    }

    [TestCaseSource(nameof(Lengths))]
    public void Dot_MatchesScalarTwin_WithinReductionBound(int n)
    {
        float[] x = TestData.Uniform(n, 1), y = TestData.Uniform(n, 2);
        AssertDotClose(SimdKernels.Dot(x, y), ScalarKernels.Dot(x, y), x, y, $"n = {n}");
    }

    /// <summary>
    /// The SIMD dot product is bit-identical to a plain emulation of its documented layout: 32
    /// logical lanes, fused accumulation per lane in block order, a fold with strides 16, 8, 4, 2, 1,
    /// then the tail. This holds for whatever <see cref="Vector{T}.Count"/> the machine has — CI runs
    /// this test with Count = 8 and again with hardware intrinsics off (Count = 4).
    /// </summary>
    [TestCaseSource(nameof(Lengths))]
    public void Dot_IsBitIdenticalToTheFixed32LaneLayout_WhateverTheVectorWidth(int n)
    {
        float[] x = TestData.Uniform(n, 3), y = TestData.Uniform(n, 4);
        Assert.That(SimdKernels.Dot(x, y), Is.EqualTo(ThirtyTwoLaneDot(x, y)), $"n = {n}, Vector<float>.Count = {Vector<float>.Count}");
    }

    private static float ThirtyTwoLaneDot(float[] x, float[] y)
    {
        const int lanes = SimdKernels.ReductionLanes;
        int blocked = x.Length - x.Length % lanes;
        float sum = 0f;
        if (blocked > 0)
        {
            var lane = new float[lanes];
            for (int i = 0; i < blocked; i += lanes)
            {
                for (int j = 0; j < lanes; j++)
                {
                    lane[j] = MathF.FusedMultiplyAdd(x[i + j], y[i + j], lane[j]);
                }
            }
            for (int stride = lanes / 2; stride >= 1; stride /= 2)
            {
                for (int j = 0; j < stride; j++)
                {
                    lane[j] += lane[j + stride];
                }
            }
            sum = lane[0];
        }
        for (int i = blocked; i < x.Length; i++)
        {
            sum = MathF.FusedMultiplyAdd(x[i], y[i], sum);
        }
        return sum;
    }

    [TestCaseSource(nameof(Lengths))]
    public void Axpy_MatchesScalarTwin_WithinOneFusedRounding(int n)
    {
        float[] x = TestData.Uniform(n, 5), y = TestData.Uniform(n, 6);
        const float a = -0.731f;
        float[] simd = (float[])y.Clone(), scalar = (float[])y.Clone();
        SimdKernels.Axpy(x, a, simd);
        ScalarKernels.Axpy(x, a, scalar);
        for (int i = 0; i < n; i++)
        {
            float bound = 2 * Epsilon * (Math.Abs(a * x[i]) + Math.Abs(y[i]));
            Assert.That(simd[i], Is.EqualTo(scalar[i]).Within(bound), $"n = {n}, i = {i}");
        }
    }

    [TestCaseSource(nameof(Lengths))]
    public void AddAndScale_MatchScalarTwins_Exactly(int n)
    {
        float[] x = TestData.Uniform(n, 7), y = TestData.Uniform(n, 8);
        float[] simd = (float[])y.Clone(), scalar = (float[])y.Clone();
        SimdKernels.Add(x, simd);
        ScalarKernels.Add(x, scalar);
        Assert.That(simd, Is.EqualTo(scalar), "Add: one IEEE addition per element in both");
        SimdKernels.Scale(1.37f, simd);
        ScalarKernels.Scale(1.37f, scalar);
        Assert.That(simd, Is.EqualTo(scalar), "Scale: one IEEE multiplication per element in both");
    }

    [TestCaseSource(nameof(Lengths))]
    public void ActivationKernels_MatchScalarTwins_Exactly(int n)
    {
        float[] x = TestData.Uniform(n, 9), dy = TestData.Uniform(n, 10);
        if (n > 2)
        {
            x[1] = 0f;           // the derivative's value at 0 must agree too
            x[2] = float.NaN;    // and NaN is treated alike (not positive: 0 for ReLU)
        }
        float[] simd = new float[n], scalar = new float[n];
        SimdKernels.ReluForward(x, simd);
        ScalarKernels.ReluForward(x, scalar);
        Assert.That(simd, Is.EqualTo(scalar), "ReluForward");
        SimdKernels.ReluBackward(x, dy, simd);
        ScalarKernels.ReluBackward(x, dy, scalar);
        Assert.That(simd, Is.EqualTo(scalar), "ReluBackward");
        SimdKernels.LeakyReluForward(x, 0.01f, simd);
        ScalarKernels.LeakyReluForward(x, 0.01f, scalar);
        Assert.That(simd, Is.EqualTo(scalar), "LeakyReluForward");
        SimdKernels.LeakyReluBackward(x, dy, 0.01f, simd);
        ScalarKernels.LeakyReluBackward(x, dy, 0.01f, scalar);
        Assert.That(simd, Is.EqualTo(scalar), "LeakyReluBackward");
        // tanh and ELU go through the library's exp, expm1 and tanh, whose vector and scalar forms agree bit for bit.
        SimdKernels.TanhForward(x, simd);
        ScalarKernels.TanhForward(x, scalar);
        Assert.That(simd, Is.EqualTo(scalar), "TanhForward");
        float[] y = (float[])scalar.Clone();
        SimdKernels.TanhBackward(y, dy, simd);
        ScalarKernels.TanhBackward(y, dy, scalar);
        Assert.That(simd, Is.EqualTo(scalar), "TanhBackward");
        SimdKernels.EluForward(x, 1.3f, simd);
        ScalarKernels.EluForward(x, 1.3f, scalar);
        Assert.That(simd, Is.EqualTo(scalar), "EluForward");
        SimdKernels.EluBackward(x, dy, 1.3f, simd);
        ScalarKernels.EluBackward(x, dy, 1.3f, scalar);
        Assert.That(simd, Is.EqualTo(scalar), "EluBackward");
    }

    [TestCase(1, 1)]
    [TestCase(3, 4)]
    [TestCase(7, 9)]
    [TestCase(16, 33)]
    [TestCase(128, 4)]
    [TestCase(2, 128)]
    [TestCase(5, 67)]
    public void MatrixKernels_MatchScalarTwins(int rows, int cols)
    {
        float[] w = TestData.Uniform(rows * cols, 11), x = TestData.Uniform(cols, 12), b = TestData.Uniform(rows, 13), dy = TestData.Uniform(rows, 14);

        float[] simd = new float[rows], scalar = new float[rows];
        SimdKernels.MatVec(w, x, b, simd);
        ScalarKernels.MatVec(w, x, b, scalar);
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> row = w.AsSpan(r * cols, cols);
            AssertDotClose(simd[r] - b[r], scalar[r] - b[r], row, x, $"MatVec row {r}");
        }

        float[] dxSimd = new float[cols], dxScalar = new float[cols];
        SimdKernels.MatTransposeVec(w, dy, dxSimd);
        ScalarKernels.MatTransposeVec(w, dy, dxScalar);
        for (int c = 0; c < cols; c++)
        {
            double bound = 0;
            for (int r = 0; r < rows; r++)
            {
                bound += Math.Abs((double)w[r * cols + c] * dy[r]);
            }
            Assert.That(dxSimd[c], Is.EqualTo(dxScalar[c]).Within(2 * rows * Epsilon * bound + 1e-30), $"MatTransposeVec column {c}");
        }

        float[] dwSimd = TestData.Uniform(rows * cols, 15), dwScalar = (float[])dwSimd.Clone();
        float[] dwStart = (float[])dwSimd.Clone();
        SimdKernels.Rank1Update(dy, x, dwSimd);
        ScalarKernels.Rank1Update(dy, x, dwScalar);
        for (int k = 0; k < dwSimd.Length; k++)
        {
            float product = dy[k / cols] * x[k % cols];
            float bound = 2 * Epsilon * (Math.Abs(product) + Math.Abs(dwStart[k]));
            Assert.That(dwSimd[k], Is.EqualTo(dwScalar[k]).Within(bound), $"Rank1Update element {k}");
        }
    }

    /// <summary>The batched kernels are defined row by row, so a batch equals its rows one at a time, bit for bit.</summary>
    [TestCase(1, 4, 128)]
    [TestCase(5, 4, 128)]
    [TestCase(7, 128, 2)]
    [TestCase(3, 33, 17)]
    [TestCase(4, 64, 64)]
    public void BatchedKernels_AreBitIdenticalToTheirRows(int batch, int inputs, int outputs)
    {
        float[] x = TestData.Uniform(batch * inputs, 21), w = TestData.Uniform(outputs * inputs, 22), b = TestData.Uniform(outputs, 23);
        float[] dy = TestData.Uniform(batch * outputs, 24);

        float[] y = new float[batch * outputs], yRows = new float[batch * outputs];
        SimdKernels.MatMulTransposedB(x, w, b, batch, y);
        for (int t = 0; t < batch; t++)
        {
            SimdKernels.MatVec(w, x.AsSpan(t * inputs, inputs), b, yRows.AsSpan(t * outputs, outputs));
        }
        Assert.That(y, Is.EqualTo(yRows), "forward");

        float[] dx = new float[batch * inputs], dxRows = new float[batch * inputs];
        SimdKernels.MatMul(dy, w, batch, dx);
        for (int t = 0; t < batch; t++)
        {
            SimdKernels.MatTransposeVec(w, dy.AsSpan(t * outputs, outputs), dxRows.AsSpan(t * inputs, inputs));
        }
        Assert.That(dx, Is.EqualTo(dxRows), "input gradient");

        float[] dw = new float[outputs * inputs], db = new float[outputs];
        float[] dwRows = new float[outputs * inputs], dbRows = new float[outputs];
        SimdKernels.AccumulateWeightGradients(dy, x, batch, dw, db);
        for (int t = 0; t < batch; t++)
        {
            SimdKernels.Rank1Update(dy.AsSpan(t * outputs, outputs), x.AsSpan(t * inputs, inputs), dwRows);
            SimdKernels.Add(dy.AsSpan(t * outputs, outputs), dbRows);
        }
        Assert.That(dw, Is.EqualTo(dwRows), "weight gradient");
        Assert.That(db, Is.EqualTo(dbRows), "bias gradient");
    }

    [TestCase(3, 4, 5)]
    [TestCase(17, 4, 128)]
    [TestCase(6, 128, 2)]
    [TestCase(9, 17, 3)]
    public void BatchedKernels_MatchScalarTwins(int batch, int inputs, int outputs)
    {
        float[] x = TestData.Uniform(batch * inputs, 31), w = TestData.Uniform(outputs * inputs, 32), b = TestData.Uniform(outputs, 33);
        float[] dy = TestData.Uniform(batch * outputs, 34);
        // Σ|terms| ≤ inputs (or outputs, or batch) since every factor is in [−1, 1]: a loose common bound.
        float tolerance = 2 * Epsilon * (inputs + outputs + batch) * (inputs + outputs + batch);

        float[] y = new float[batch * outputs], yScalar = new float[batch * outputs];
        SimdKernels.MatMulTransposedB(x, w, b, batch, y);
        ScalarKernels.MatMulTransposedB(x, w, b, batch, yScalar);
        Assert.That(y, Is.EqualTo(yScalar).Within(tolerance), "forward");

        float[] dx = new float[batch * inputs], dxScalar = new float[batch * inputs];
        SimdKernels.MatMul(dy, w, batch, dx);
        ScalarKernels.MatMul(dy, w, batch, dxScalar);
        Assert.That(dx, Is.EqualTo(dxScalar).Within(tolerance), "input gradient");

        float[] dw = new float[outputs * inputs], db = new float[outputs], dwScalar = new float[outputs * inputs], dbScalar = new float[outputs];
        SimdKernels.AccumulateWeightGradients(dy, x, batch, dw, db);
        ScalarKernels.AccumulateWeightGradients(dy, x, batch, dwScalar, dbScalar);
        Assert.That(dw, Is.EqualTo(dwScalar).Within(tolerance), "weight gradient");
        Assert.That(db, Is.EqualTo(dbScalar), "bias gradient: additions in the same order");

        // The fused ReLU kernels: the same bound on z and dX; the select itself is exact, so where z is far from 0 a is z,
        // and the scalar twin's select may differ only where the two z straddle 0 (both then within the bound of 0).
        float[] z = new float[batch * outputs], a = new float[batch * outputs], zScalar = new float[batch * outputs], aScalar = new float[batch * outputs];
        SimdKernels.MatMulTransposedBRelu(x, w, b, batch, z, a);
        ScalarKernels.MatMulTransposedBRelu(x, w, b, batch, zScalar, aScalar);
        Assert.That(z, Is.EqualTo(zScalar).Within(tolerance), "fused forward, z");
        Assert.That(a, Is.EqualTo(aScalar).Within(tolerance), "fused forward, ReLU(z)");

        float[] reluInput = TestData.Uniform(batch * inputs, 35);
        float[] dz = new float[batch * inputs], dzScalar = new float[batch * inputs];
        SimdKernels.MatMulReluBackward(dy, w, reluInput, batch, dz);
        ScalarKernels.MatMulReluBackward(dy, w, reluInput, batch, dzScalar);
        Assert.That(dz, Is.EqualTo(dzScalar).Within(tolerance), "fused input gradient through ReLU");
        Assert.That(dz.Count(v => v != 0f), Is.EqualTo(dzScalar.Count(v => v != 0f)), "the same elements selected");
    }

    [TestCaseSource(nameof(Lengths))]
    public void AdamUpdate_MatchesScalarTwin_BitForBit(int n)
    {
        // The twin takes exactly the kernel's operations (Adam is matched to PyTorch to the bit).
        var adam = new Adam(n, 1e-2);
        float[] p = TestData.Uniform(n, 41), m = TestData.Uniform(n, 42, -0.1f, 0.1f), v = TestData.Uniform(n, 43, 0f, 0.01f), g = TestData.Uniform(n, 44);
        float[] p2 = (float[])p.Clone(), m2 = (float[])m.Clone(), v2 = (float[])v.Clone();
        var c = adam.Coefficients(3);
        SimdKernels.AdamUpdate(g, c, p, m, v);
        ScalarKernels.AdamUpdate(g, c, p2, m2, v2);
        Assert.Multiple(() =>
        {
            Assert.That(p, Is.EqualTo(p2), "parameters");
            Assert.That(m, Is.EqualTo(m2), "first moment");
            Assert.That(v, Is.EqualTo(v2), "second moment");
        });
    }

    [TestCaseSource(nameof(Lengths))]
    public void AllFinite_FindsEveryNonFiniteValue_AtEveryPosition(int n)
    {
        float[] x = TestData.Uniform(n, 51);
        Assert.That(SimdKernels.AllFinite(x), Is.True);
        foreach (float bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
        {
            for (int i = 0; i < n; i += Math.Max(1, n / 7))
            {
                float saved = x[i];
                x[i] = bad;
                Assert.That(SimdKernels.AllFinite(x), Is.EqualTo(ScalarKernels.AllFinite(x)).And.False, $"{bad} at {i} of {n}");
                x[i] = saved;
            }
        }
    }

    [Test]
    public void Kernels_RejectMismatchedLengths_NamingTheArgument()
    {
        var ex = Assert.Throws<ArgumentException>(() => SimdKernels.Dot(new float[3], new float[4]));
        Assert.That(ex!.ParamName, Is.EqualTo("y"));
        ex = Assert.Throws<ArgumentException>(() => SimdKernels.MatVec(new float[5], new float[2], new float[3], new float[3]));
        Assert.That(ex!.Message, Does.Contain("[3, 2]"));
    }
}
