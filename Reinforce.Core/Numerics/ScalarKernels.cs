namespace Reinforce.Numerics;

/// <summary>
/// The scalar twins of <see cref="SimdKernels"/>: the same signatures, written as the textbook
/// loop (one element at a time, separate multiply and add, sums in index order). They are the
/// reference the SIMD kernels are tested against and the baseline of the benchmarks. Results
/// differ from the SIMD kernels only by rounding (fused multiply-add, and the 32-lane order of
/// the SIMD reductions).
/// </summary>
public static class ScalarKernels
{
    /// <summary>Dot product Σᵢ xᵢ·yᵢ, summed in index order.</summary>
    public static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        Guard.SameLength(x.Length, y.Length, nameof(y));
        float sum = 0f;
        for (int i = 0; i < x.Length; i++)
        {
            sum += x[i] * y[i];
        }
        return sum;
    }

    /// <summary>y ← a·x + y.</summary>
    public static void Axpy(ReadOnlySpan<float> x, float a, Span<float> y)
    {
        Guard.SameLength(x.Length, y.Length, nameof(y));
        for (int i = 0; i < x.Length; i++)
        {
            y[i] += a * x[i];
        }
    }

    /// <summary>y ← y + x.</summary>
    public static void Add(ReadOnlySpan<float> x, Span<float> y)
    {
        Guard.SameLength(x.Length, y.Length, nameof(y));
        for (int i = 0; i < x.Length; i++)
        {
            y[i] += x[i];
        }
    }

    /// <summary>z = x ⊙ y, element by element.</summary>
    public static void Multiply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> z)
    {
        Guard.SameLength(x.Length, y.Length, nameof(y));
        Guard.SameLength(x.Length, z.Length, nameof(z));
        for (int i = 0; i < x.Length; i++)
        {
            z[i] = x[i] * y[i];
        }
    }

    /// <summary>x ← a·x.</summary>
    public static void Scale(float a, Span<float> x)
    {
        for (int i = 0; i < x.Length; i++)
        {
            x[i] *= a;
        }
    }

    /// <summary>y = W·x + b, W is [rows, cols] row-major.</summary>
    public static void MatVec(ReadOnlySpan<float> w, ReadOnlySpan<float> x, ReadOnlySpan<float> b, Span<float> y)
    {
        int rows = y.Length, cols = x.Length;
        Guard.MatrixShape(w.Length, rows, cols, nameof(w));
        Guard.SameLength(b.Length, rows, nameof(b));
        for (int r = 0; r < rows; r++)
        {
            float sum = 0f;
            for (int c = 0; c < cols; c++)
            {
                sum += w[r * cols + c] * x[c];
            }
            y[r] = sum + b[r];
        }
    }

    /// <summary>dx = Wᵀ·dy, W is [rows, cols]. See docs/backprop.md#dense-layer.</summary>
    public static void MatTransposeVec(ReadOnlySpan<float> w, ReadOnlySpan<float> dy, Span<float> dx)
    {
        int rows = dy.Length, cols = dx.Length;
        Guard.MatrixShape(w.Length, rows, cols, nameof(w));
        for (int c = 0; c < cols; c++)
        {
            float sum = 0f;
            for (int r = 0; r < rows; r++)
            {
                sum += w[r * cols + c] * dy[r];
            }
            dx[c] = sum;
        }
    }

    /// <summary>dW += dy·xᵀ. See docs/backprop.md#dense-layer.</summary>
    public static void Rank1Update(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, Span<float> dw)
    {
        int rows = dy.Length, cols = x.Length;
        Guard.MatrixShape(dw.Length, rows, cols, nameof(dw));
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < cols; c++)
            {
                dw[r * cols + c] += dy[r] * x[c];
            }
        }
    }

    /// <summary>Y = X·Wᵀ + b for a batch: X [T, in], W [out, in], b [out], Y [T, out].</summary>
    public static void MatMulTransposedB(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, int batch, Span<float> y)
    {
        if (batch == 0)
        {
            return;
        }
        int outputs = b.Length;
        int inputs = Guard.BatchWidth(x.Length, batch, nameof(x));
        Guard.MatrixShape(y.Length, batch, outputs, nameof(y));
        for (int t = 0; t < batch; t++)
        {
            MatVec(w, x.Slice(t * inputs, inputs), b, y.Slice(t * outputs, outputs));
        }
    }

    /// <summary>dX = dY·W: dY [T, out], W [out, in], dX [T, in] (overwritten). See docs/backprop.md#dense-layer.</summary>
    public static void MatMul(ReadOnlySpan<float> dy, ReadOnlySpan<float> w, int batch, Span<float> dx)
    {
        if (batch == 0)
        {
            return;
        }
        int outputs = Guard.BatchWidth(dy.Length, batch, nameof(dy));
        int inputs = Guard.BatchWidth(dx.Length, batch, nameof(dx));
        for (int t = 0; t < batch; t++)
        {
            MatTransposeVec(w, dy.Slice(t * outputs, outputs), dx.Slice(t * inputs, inputs));
        }
    }

    /// <summary>Y = X·Wᵀ + b, then A = max(Y, 0): <see cref="MatMulTransposedB"/> and <see cref="ReluForward"/>, one after the other.</summary>
    public static void MatMulTransposedBRelu(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, int batch, Span<float> y,
        Span<float> a)
    {
        MatMulTransposedB(x, w, b, batch, y);
        ReluForward(y, a);
    }

    /// <summary>dX = (dY·W) ⊙ [z &gt; 0]: <see cref="MatMul"/>, then <see cref="ReluBackward"/> in place. See docs/backprop.md#activations.</summary>
    public static void MatMulReluBackward(ReadOnlySpan<float> dy, ReadOnlySpan<float> w, ReadOnlySpan<float> z, int batch, Span<float> dx)
    {
        MatMul(dy, w, batch, dx);
        ReluBackward(z, dx, dx);
    }

    /// <summary>dW += dYᵀ·X and db += Σ_t dY[t,:]. See docs/backprop.md#dense-layer.</summary>
    public static void AccumulateWeightGradients(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, int batch, Span<float> dw, Span<float> db)
    {
        if (batch == 0)
        {
            return;
        }
        int outputs = db.Length;
        int inputs = Guard.BatchWidth(x.Length, batch, nameof(x));
        Guard.MatrixShape(dy.Length, batch, outputs, nameof(dy));
        for (int t = 0; t < batch; t++)
        {
            Rank1Update(dy.Slice(t * outputs, outputs), x.Slice(t * inputs, inputs), dw);
            Add(dy.Slice(t * outputs, outputs), db);
        }
    }

    /// <summary>True when every element is finite.</summary>
    public static bool AllFinite(ReadOnlySpan<float> x)
    {
        foreach (float v in x)
        {
            if (!float.IsFinite(v))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>ReLU forward: y = max(x, 0).</summary>
    public static void ReluForward(ReadOnlySpan<float> x, Span<float> y)
    {
        Guard.SameLength(x.Length, y.Length, nameof(y));
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = x[i] > 0f ? x[i] : 0f;
        }
    }

    /// <summary>ReLU backward: dx = dy·[x &gt; 0]. See docs/backprop.md#activations.</summary>
    public static void ReluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        Guard.SameLength(x.Length, dy.Length, nameof(dy));
        Guard.SameLength(x.Length, dx.Length, nameof(dx));
        for (int i = 0; i < x.Length; i++)
        {
            dx[i] = x[i] > 0f ? dy[i] : 0f;
        }
    }

    /// <summary>LeakyReLU forward: y = x for x &gt; 0, slope·x otherwise.</summary>
    public static void LeakyReluForward(ReadOnlySpan<float> x, float slope, Span<float> y)
    {
        Guard.SameLength(x.Length, y.Length, nameof(y));
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = x[i] > 0f ? x[i] : x[i] * slope;
        }
    }

    /// <summary>LeakyReLU backward: dx = dy for x &gt; 0, slope·dy otherwise. See docs/backprop.md#activations.</summary>
    public static void LeakyReluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, float slope, Span<float> dx)
    {
        Guard.SameLength(x.Length, dy.Length, nameof(dy));
        Guard.SameLength(x.Length, dx.Length, nameof(dx));
        for (int i = 0; i < x.Length; i++)
        {
            dx[i] = x[i] > 0f ? dy[i] : dy[i] * slope;
        }
    }

    /// <summary>tanh forward, one element at a time with <see cref="ElementaryFunctions.Tanh(float)"/>.</summary>
    public static void TanhForward(ReadOnlySpan<float> x, Span<float> y)
    {
        Guard.SameLength(x.Length, y.Length, nameof(y));
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = ElementaryFunctions.Tanh(x[i]);
        }
    }

    /// <summary>tanh backward from the output: dx = dy·(1 − y·y). See docs/backprop.md#activations.</summary>
    public static void TanhBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        Guard.SameLength(y.Length, dy.Length, nameof(dy));
        Guard.SameLength(y.Length, dx.Length, nameof(dx));
        for (int i = 0; i < y.Length; i++)
        {
            dx[i] = dy[i] * (1f - y[i] * y[i]);
        }
    }

    /// <summary>ELU forward: y = x for x &gt; 0, α·(eˣ − 1) otherwise.</summary>
    public static void EluForward(ReadOnlySpan<float> x, float alpha, Span<float> y)
    {
        Guard.SameLength(x.Length, y.Length, nameof(y));
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = x[i] > 0f ? x[i] : ElementaryFunctions.ExpM1(x[i]) * alpha;
        }
    }

    /// <summary>ELU backward: dx = dy for x &gt; 0, (dy·α)·eˣ otherwise. See docs/backprop.md#activations.</summary>
    public static void EluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, float alpha, Span<float> dx)
    {
        Guard.SameLength(x.Length, dy.Length, nameof(dy));
        Guard.SameLength(x.Length, dx.Length, nameof(dx));
        for (int i = 0; i < x.Length; i++)
        {
            dx[i] = x[i] > 0f ? dy[i] : dy[i] * alpha * ElementaryFunctions.Exp(x[i]);
        }
    }

    /// <summary>
    /// One Adam step, one element at a time, in exactly the operations of the SIMD kernel
    /// (m ← fma(w₁, g − m, m); v ← fma(w₂·g, g, β₂·v); θ ← θ + (−step·m) / (√v / √(1 − β₂ᵗ) + ε)):
    /// Adam is matched to PyTorch to the bit, so its twin is exact too. See docs/backprop.md#adam.
    /// </summary>
    public static void AdamUpdate(ReadOnlySpan<float> g, Optimizers.AdamCoefficients c, Span<float> p, Span<float> m, Span<float> v)
    {
        Guard.SameLength(g.Length, p.Length, nameof(p));
        Guard.SameLength(g.Length, m.Length, nameof(m));
        Guard.SameLength(g.Length, v.Length, nameof(v));
        for (int i = 0; i < g.Length; i++)
        {
            m[i] = MathF.FusedMultiplyAdd(c.Weight1, g[i] - m[i], m[i]);
            v[i] = MathF.FusedMultiplyAdd(c.Weight2 * g[i], g[i], v[i] * c.Beta2);
            float denominator = MathF.Sqrt(v[i]) / c.BiasCorrection2Sqrt + c.Epsilon;
            p[i] += c.NegativeStepSize * m[i] / denominator;
        }
    }
}
