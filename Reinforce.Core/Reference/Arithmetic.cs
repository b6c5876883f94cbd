namespace Reinforce.Reference;

/// <summary>
/// The sums every layer is made of, written as plain loops in the order that defines their bits. Matrices are row-major
/// and a layer's W is (out, in), as in PyTorch's <c>nn.Linear</c>. Every product is added with one fused multiply-add
/// (<see cref="MathF.FusedMultiplyAdd"/>: a·b + c rounded once), so a sum is fixed by the order of its terms alone.
/// See docs/simd.md#reductions-the-fixed-32-lane-layout and docs/backprop.md#dense-layer.
/// </summary>
internal static class Arithmetic
{
    /// <summary>The logical lanes of a dot product: element i of every full block of 32 goes to lane i mod 32.</summary>
    public const int Lanes = 32;

    /// <summary>
    /// Σᵢ xᵢ·yᵢ in the fixed layout of docs/simd.md#reductions-the-fixed-32-lane-layout, the same bits whatever the machine's vector width:
    /// <code>
    /// lane[j] = fma chain over the full blocks b = 0, 1, …:  lane[j] ← fma(x[32b + j], y[32b + j], lane[j]), from +0
    /// fold:   for stride s = 16, 8, 4, 2, 1:  lane[j] ← lane[j] + lane[j + s]  for j &lt; s
    /// tail:   sum = lane[0];  sum ← fma(x[i], y[i], sum)  for the elements after the last full block, in order
    /// </code>
    /// With fewer than 32 elements there is no block and the dot is the tail's chain from 0.
    /// </summary>
    public static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        int n = x.Length, blocked = n - n % Lanes;
        Span<float> lane = stackalloc float[Lanes]; // zeroed
        for (int block = 0; block < blocked; block += Lanes)
        {
            for (int j = 0; j < Lanes; j++)
            {
                lane[j] = MathF.FusedMultiplyAdd(x[block + j], y[block + j], lane[j]);
            }
        }
        for (int stride = Lanes / 2; stride >= 1; stride /= 2)
        {
            for (int j = 0; j < stride; j++)
            {
                lane[j] += lane[j + stride];
            }
        }
        float sum = lane[0];
        for (int i = blocked; i < n; i++)
        {
            sum = MathF.FusedMultiplyAdd(x[i], y[i], sum);
        }
        return sum;
    }

    /// <summary>
    /// y = W·x + b: w is (rows, cols), x is (cols), b and y are (rows). y[r] = Dot(W[r, :], x) + b[r]: the bias is added
    /// once, after the whole dot product.
    /// </summary>
    public static void MatVec(ReadOnlySpan<float> w, ReadOnlySpan<float> x, ReadOnlySpan<float> b, Span<float> y)
    {
        int cols = x.Length;
        for (int r = 0; r < y.Length; r++)
        {
            y[r] = Dot(w.Slice(r * cols, cols), x) + b[r];
        }
    }

    /// <summary>
    /// dx = Wᵀ·dy: w is (rows, cols), dy is (rows), dx is (cols), overwritten. Each dx[c] is one chain over the rows in
    /// order, from +0: dx[c] ← fma(dy[r], W[r, c], dx[c]) for r = 0, 1, … (docs/backprop.md#dense-layer).
    /// </summary>
    public static void MatTransposeVec(ReadOnlySpan<float> w, ReadOnlySpan<float> dy, Span<float> dx)
    {
        int cols = dx.Length;
        dx.Clear();
        for (int r = 0; r < dy.Length; r++)
        {
            for (int c = 0; c < cols; c++)
            {
                dx[c] = MathF.FusedMultiplyAdd(dy[r], w[r * cols + c], dx[c]);
            }
        }
    }

    /// <summary>
    /// dW += dy·xᵀ (rank 1): dy is (rows), x is (cols), dw is (rows, cols). dw[r, c] ← fma(dy[r], x[c], dw[r, c]); called
    /// once per time step, in time order, it makes every dw element one chain over t (docs/backprop.md#dense-layer).
    /// </summary>
    public static void Rank1Update(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, Span<float> dw)
    {
        int cols = x.Length;
        for (int r = 0; r < dy.Length; r++)
        {
            for (int c = 0; c < cols; c++)
            {
                dw[r * cols + c] = MathF.FusedMultiplyAdd(dy[r], x[c], dw[r * cols + c]);
            }
        }
    }
}
