using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Reinforce.Numerics;
using Reinforce.Policies;
using Reinforce.Randomness;

namespace Reinforce.Execution.Fast;

/// <summary>
/// The categorical head on vector lanes: Vector&lt;float&gt;.Count rows at a time, one row per lane. The logits are
/// transposed into K column vectors, and every lane then runs the head's LogSoftmax, Sample and RowGradient float
/// operations in their order, with the library's vector exp and log (bit for bit the scalar ones) and Vector.Max (IEEE
/// maximum, as MathF.Max). So each row gets the row-by-row numbers bit for bit (CategoricalHeadRowsTests sweep row counts
/// and special values). Sampling pads the last rows to a full vector; the loss gradient sends rows past the last full
/// vector through the scalar code. Two actions sample through a shorter route to the same numbers (SampleTwoActions:
/// two exps and a log per vector of rows where the logits are finite, the head's four and one elsewhere).
/// </summary>
internal static class CategoricalLanes
{
    public static void SampleRows(CategoricalHead head, ReadOnlySpan<float> outputs, ReadOnlySpan<Pcg64> generators, Span<int> actions)
    {
        if (head.ActionCount == 2)
        {
            SampleTwoActionRows(outputs, generators, actions);
            return;
        }
        SampleRowsAnyK(head, outputs, generators, actions);
    }

    /// <summary>
    /// <see cref="SampleRows"/> for two actions with the logits as two columns, each padded to whole vectors
    /// (<see cref="RolloutForward.PaddedRows"/>; what the padding holds is computed and ignored): the lockstep rollout's
    /// sampler, reading <see cref="RolloutForward.ForwardTwoLogits"/>'s output as it is.
    /// </summary>
    public static void SampleTwoActions(ReadOnlySpan<float> logits0, ReadOnlySpan<float> logits1, ReadOnlySpan<Pcg64> generators, Span<int> actions)
    {
        int rows = actions.Length;
        int padded = RolloutForward.PaddedRows(rows);
        if (logits0.Length < padded || logits1.Length < padded || generators.Length < rows)
        {
            throw new ArgumentException($"Two logits columns of at least {padded} floats and {rows} generators are needed.", nameof(logits0));
        }
        Span<float> p0 = stackalloc float[ChunkRows], p1 = stackalloc float[ChunkRows];
        for (int row = 0; row < rows; row += ChunkRows)
        {
            int count = Math.Min(ChunkRows, rows - row);
            TwoActionProbabilities(logits0[row..], logits1[row..], count, p0, p1);
            Invert(p0, p1, generators.Slice(row, count), actions.Slice(row, count));
        }
    }

    // Rows per pass of the two-action sampler: first the probabilities of all its vectors (independent chains of exp, log,
    // exp, which the processor overlaps), then the draws. Why this shape: benchmarks/notes.md#two-action-sampler
    private const int ChunkRows = 64;

    // Row-major (rows, 2) logits: each chunk of rows gathered into two columns (the last vector padded with zeros).
    private static void SampleTwoActionRows(ReadOnlySpan<float> outputs, ReadOnlySpan<Pcg64> generators, Span<int> actions)
    {
        int rows = actions.Length;
        Span<float> column0 = stackalloc float[ChunkRows], column1 = stackalloc float[ChunkRows];
        Span<float> p0 = stackalloc float[ChunkRows], p1 = stackalloc float[ChunkRows];
        for (int row = 0; row < rows; row += ChunkRows)
        {
            int count = Math.Min(ChunkRows, rows - row);
            column0.Clear();
            column1.Clear();
            for (int i = 0; i < count; i++)
            {
                column0[i] = outputs[2 * (row + i)];
                column1[i] = outputs[2 * (row + i) + 1];
            }
            TwoActionProbabilities(column0, column1, count, p0, p1);
            Invert(p0, p1, generators.Slice(row, count), actions.Slice(row, count));
        }
    }

    // p₀ and p₁ of the first `count` rows (whole vectors of them) from two padded columns; p₁ is 1 in a vector whose logits
    // are all finite, where only "p₁ > 0" is read and holds (FiniteTwoActionP0).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TwoActionProbabilities(ReadOnlySpan<float> logits0, ReadOnlySpan<float> logits1, int count, Span<float> p0, Span<float> p1)
    {
        var infinity = new Vector<float>(float.PositiveInfinity);
        for (int v = 0; v < count; v += Vector<float>.Count)
        {
            var z0 = new Vector<float>(logits0[v..]);
            var z1 = new Vector<float>(logits1[v..]);
            if (Vector.LessThanAll(Vector.Abs(z0), infinity) & Vector.LessThanAll(Vector.Abs(z1), infinity))
            {
                FiniteTwoActionP0(z0, z1).CopyTo(p0[v..]);
                Vector<float>.One.CopyTo(p1[v..]);
            }
            else
            {
                AnyTwoActionProbabilities(z0, z1, p0[v..], p1[v..]);
            }
        }
    }

    // CategoricalHead.SampleFromProbabilities on two probabilities, one draw u per row: its inversion returns 0 when p₀ > 0
    // and u < p₀ (the first cumulative sum is p₀ exactly, in double), else 1 when p₁ > 0 (whether or not u < p₀ + p₁: 1 is
    // then the last action with p > 0), else 0 (the last with p > 0, or none: NaN logits). Without branches: u < p₀ is a coin.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Invert(ReadOnlySpan<float> p0, ReadOnlySpan<float> p1, ReadOnlySpan<Pcg64> generators, Span<int> actions)
    {
        for (int i = 0; i < actions.Length; i++)
        {
            double u = generators[i].NextDouble();
            float q0 = p0[i], q1 = p1[i];
            bool first = ((q0 > 0f) & (u < q0)) | !(q1 > 0f);
            actions[i] = first ? 0 : 1;
        }
    }

    // p₀ of LogSoftmaxColumns and exp for K = 2 when both logits are finite, with two exps and a log instead of four and
    // one. With m = max(z₀, z₁) (one of them) and dⱼ = zⱼ − m as the head rounds it, one dⱼ is ±0 and its exp is 1 exactly,
    // so the head's sum (0 + e₀) + e₁ is 1 + exp(min(d₀, d₁)) (0 + e = e for e ≥ 0; the addition commutes); log p₀ = d₀ − log
    // sum as the head computes it. p₁ > 0 always holds where it matters: p₁ = 0 needs d₁ − log sum ≤ −103.9, so
    // exp(d₁) < 2⁻²⁴, the sum rounds to 1, log sum = 0, d₀ = 0 and p₀ = 1 > u: action 0, as the inversion gives.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> FiniteTwoActionP0(Vector<float> z0, Vector<float> z1)
    {
        Vector<float> max = Vector.Max(z0, z1);
        Vector<float> d0 = z0 - max, d1 = z1 - max;
        Vector<float> logSum = ElementaryFunctions.Log(Vector<float>.One + ElementaryFunctions.Exp(Vector.Min(d0, d1)));
        return ElementaryFunctions.Exp(d0 - logSum);
    }

    // LogSoftmaxColumns and p = exp(log p) for K = 2, the same operations in the same order (any logits: ±∞, NaN).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AnyTwoActionProbabilities(Vector<float> z0, Vector<float> z1, Span<float> p0, Span<float> p1)
    {
        Vector<float> max = Vector.Max(z0, z1);
        Vector<float> sum = Vector<float>.Zero;
        sum += ElementaryFunctions.Exp(z0 - max);
        sum += ElementaryFunctions.Exp(z1 - max);
        Vector<float> logSum = ElementaryFunctions.Log(sum);
        ElementaryFunctions.Exp(z0 - max - logSum).CopyTo(p0);
        ElementaryFunctions.Exp(z1 - max - logSum).CopyTo(p1);
    }

    /// <summary>Any K: the logits of each vector of rows transposed into K column vectors, then the head's operations per lane (benchmarks time it for K = 2 too).</summary>
    internal static void SampleRowsAnyK(CategoricalHead head, ReadOnlySpan<float> outputs, ReadOnlySpan<Pcg64> generators, Span<int> actions)
    {
        int k = head.ActionCount, width = Vector<float>.Count, rows = actions.Length;
        Span<Vector<float>> logP = stackalloc Vector<float>[k];
        Span<float> probabilities = stackalloc float[width * k];
        Span<float> padded = stackalloc float[width * k];
        for (int row = 0; row < rows; row += width)
        {
            // The last rows (fewer than a vector: all of them for the 4 lanes of the default batch on 8-lane AVX2) run
            // padded with zero logits, whose lanes are computed and ignored; the lanes do not interact.
            int count = Math.Min(width, rows - row);
            if (count < width)
            {
                padded.Clear();
                outputs.Slice(row * k, count * k).CopyTo(padded);
                LogSoftmaxColumns(k, padded, logP);
            }
            else
            {
                LogSoftmaxColumns(k, outputs.Slice(row * k, width * k), logP);
            }
            // p_j = exp(log p_j), back in row order: probabilities[lane·K + j].
            for (int j = 0; j < k; j++)
            {
                Vector<float> p = ElementaryFunctions.Exp(logP[j]);
                for (int lane = 0; lane < width; lane++)
                {
                    probabilities[lane * k + j] = p[lane];
                }
            }
            for (int lane = 0; lane < count; lane++)
            {
                actions[row + lane] = CategoricalHead.SampleFromProbabilities(probabilities.Slice(lane * k, k), generators[row + lane]);
            }
        }
    }

    /// <summary>The head's row gradients of every row (actions checked), Vector&lt;float&gt;.Count rows at a time, the last rows one by one.</summary>
    public static void RowGradients(CategoricalHead head, ReadOnlySpan<float> outputs, ReadOnlySpan<int> actions, ReadOnlySpan<float> weights,
        float entropyCoefficient, float inverseN, Span<float> outputGradients, Span<float> logProbabilities, Span<float> entropies)
    {
        int k = head.ActionCount, width = Vector<float>.Count, rows = actions.Length;
        Span<Vector<float>> logP = stackalloc Vector<float>[k];
        Span<Vector<float>> p = stackalloc Vector<float>[k];
        Span<int> laneActions = stackalloc int[width];
        var beta = new Vector<float>(entropyCoefficient);
        var scale = new Vector<float>(inverseN);
        int row = k == 2 ? TwoActionRowGradients(outputs, actions, weights, entropyCoefficient, inverseN, outputGradients, logProbabilities, entropies) : 0;
        for (; row <= rows - width; row += width)
        {
            LogSoftmaxColumns(k, outputs.Slice(row * k, width * k), logP);
            actions.Slice(row, width).CopyTo(laneActions);
            var action = new Vector<int>(laneActions);
            var weight = new Vector<float>(weights.Slice(row, width));
            // H = −Σ_j p_j·log p_j over the terms with p_j > 0, in j order (RowGradient's loop).
            Vector<float> entropy = Vector<float>.Zero, chosen = Vector<float>.Zero;
            for (int j = 0; j < k; j++)
            {
                p[j] = ElementaryFunctions.Exp(logP[j]);
                Vector<int> positive = Vector.GreaterThan(p[j], Vector<float>.Zero);
                entropy = Vector.ConditionalSelect(positive, entropy - (p[j] * logP[j]), entropy);
                chosen = Vector.ConditionalSelect(Vector.Equals(action, new Vector<int>(j)), logP[j], chosen);
            }
            for (int j = 0; j < k; j++)
            {
                Vector<int> isAction = Vector.Equals(action, new Vector<int>(j));
                Vector<float> policy = weight * Vector.ConditionalSelect(isAction, p[j] - Vector<float>.One, p[j]);
                Vector<float> entropyTerm = Vector.ConditionalSelect(Vector.GreaterThan(p[j], Vector<float>.Zero),
                    beta * p[j] * (logP[j] + entropy), Vector<float>.Zero);
                Vector<float> gradient = (policy + entropyTerm) * scale;
                for (int lane = 0; lane < width; lane++)
                {
                    outputGradients[(row + lane) * k + j] = gradient[lane];
                }
            }
            chosen.CopyTo(logProbabilities.Slice(row, width));
            entropy.CopyTo(entropies.Slice(row, width));
        }
        for (; row < rows; row++)
        {
            (logProbabilities[row], entropies[row]) = head.OneRowGradient(outputs.Slice(row * k, k), actions[row], weights[row],
                entropyCoefficient, inverseN, outputGradients.Slice(row * k, k));
        }
    }

    // K = 2 (CartPole), the whole vectors of rows: RowGradients' lane operations with the logits and gradients
    // (de)interleaved in registers instead of element by element, and one exp fewer per row. Of d₀ = z₀ − m and
    // d₁ = z₁ − m (m = max(z₀, z₁)) one is z − z = +0 (or NaN when that z is ±∞, or both NaN when a logit is NaN), so
    // at most one per row is neither 0 nor NaN: exp of that one, t, is the only exp the log-sum needs; exp(±0) = 1 and
    // exp(NaN) = NaN (its input, unchanged) are selected. The rows run TwoActionBlock vectors at a time in three passes
    // (exp of t; the log-sum; the probabilities and gradients), so that consecutive vectors' exp and log are
    // independent work instead of one long dependent chain per vector. Returns the first row it did not compute.
    private static int TwoActionRowGradients(ReadOnlySpan<float> outputs, ReadOnlySpan<int> actions, ReadOnlySpan<float> weights,
        float entropyCoefficient, float inverseN, Span<float> outputGradients, Span<float> logProbabilities, Span<float> entropies)
    {
        int width = Vector<float>.Count, vectors = actions.Length / width;
        ref float pz = ref MemoryMarshal.GetReference(outputs);
        ref int pa = ref MemoryMarshal.GetReference(actions);
        ref float pw = ref MemoryMarshal.GetReference(weights);
        ref float pg = ref MemoryMarshal.GetReference(outputGradients);
        ref float plp = ref MemoryMarshal.GetReference(logProbabilities);
        ref float ph = ref MemoryMarshal.GetReference(entropies);
        var beta = new Vector<float>(entropyCoefficient);
        var scale = new Vector<float>(inverseN);
        Vector<float> zero = Vector<float>.Zero, one = Vector<float>.One;
        // d₀, d₁ and the log-sum of a block's vectors, between the passes.
        Span<Vector<float>> block = stackalloc Vector<float>[3 * TwoActionBlock];
        ref Vector<float> pd0 = ref MemoryMarshal.GetReference(block);
        ref Vector<float> pd1 = ref Unsafe.Add(ref pd0, TwoActionBlock);
        ref Vector<float> pls = ref Unsafe.Add(ref pd1, TwoActionBlock);
        for (int first = 0; first < vectors; first += TwoActionBlock)
        {
            int count = Math.Min(TwoActionBlock, vectors - first);
            // LogSoftmax: m, d_j = z_j − m, sum = (0 + e^d₀) + e^d₁.
            for (int v = 0; v < count; v++)
            {
                nuint at = (nuint)((first + v) * width);
                Vector<float> v0 = Vector.LoadUnsafe(ref pz, 2 * at), v1 = Vector.LoadUnsafe(ref pz, 2 * at + (nuint)width);
                Vector<float> z0 = Deinterleave(v0, v1, odd: false), z1 = Deinterleave(v0, v1, odd: true);
                Vector<float> max = Vector.Max(z0, z1);
                Vector<float> d0 = z0 - max, d1 = z1 - max;
                Vector<int> d0Regular = ~Vector.Equals(d0, zero) & Vector.Equals(d0, d0);
                Vector<float> expT = ElementaryFunctions.Exp(Vector.ConditionalSelect(d0Regular, d0, d1));
                Vector<float> e0 = Vector.ConditionalSelect(Vector.Equals(d0, zero), one, Vector.ConditionalSelect(Vector.Equals(d0, d0), expT, d0));
                Vector<float> e1 = Vector.ConditionalSelect(Vector.Equals(d1, zero), one, Vector.ConditionalSelect(Vector.Equals(d1, d1), expT, d1));
                Unsafe.Add(ref pd0, v) = d0;
                Unsafe.Add(ref pd1, v) = d1;
                Unsafe.Add(ref pls, v) = zero + e0 + e1;
            }
            for (int v = 0; v < count; v++)
            {
                Unsafe.Add(ref pls, v) = ElementaryFunctions.Log(Unsafe.Add(ref pls, v));
            }
            for (int v = 0; v < count; v++)
            {
                nuint at = (nuint)((first + v) * width);
                // log p_j = d_j − log sum, p_j = exp(log p_j); H = −Σ_j p_j·log p_j over the terms with p_j > 0, in j order.
                Vector<float> logSum = Unsafe.Add(ref pls, v);
                Vector<float> logP0 = Unsafe.Add(ref pd0, v) - logSum, logP1 = Unsafe.Add(ref pd1, v) - logSum;
                Vector<float> p0 = ElementaryFunctions.Exp(logP0), p1 = ElementaryFunctions.Exp(logP1);
                Vector<int> positive0 = Vector.GreaterThan(p0, zero), positive1 = Vector.GreaterThan(p1, zero);
                Vector<float> entropy = Vector.ConditionalSelect(positive0, zero - (p0 * logP0), zero);
                entropy = Vector.ConditionalSelect(positive1, entropy - (p1 * logP1), entropy);
                // Actions are 0 or 1 (checked).
                Vector<int> isAction1 = Vector.Equals(Vector.LoadUnsafe(ref pa, at), Vector<int>.One);
                Vector<float> weight = Vector.LoadUnsafe(ref pw, at);
                Vector<float> policy0 = weight * Vector.ConditionalSelect(isAction1, p0, p0 - one);
                Vector<float> policy1 = weight * Vector.ConditionalSelect(isAction1, p1 - one, p1);
                Vector<float> g0 = (policy0 + Vector.ConditionalSelect(positive0, beta * p0 * (logP0 + entropy), zero)) * scale;
                Vector<float> g1 = (policy1 + Vector.ConditionalSelect(positive1, beta * p1 * (logP1 + entropy), zero)) * scale;
                Interleave(g0, g1, high: false).StoreUnsafe(ref pg, 2 * at);
                Interleave(g0, g1, high: true).StoreUnsafe(ref pg, 2 * at + (nuint)width);
                Vector.ConditionalSelect(isAction1, logP1, logP0).StoreUnsafe(ref plp, at);
                entropy.StoreUnsafe(ref ph, at);
            }
        }
        return vectors * width;
    }

    // Vectors of rows per pass of TwoActionRowGradients.
    private const int TwoActionBlock = 8;

    // The rows of a (Count, 2) block held in two registers, v0 = [a₀ b₀ a₁ b₁ …] and v1 the next rows: the a's (or,
    // with odd, the b's) in row order. (One vector per call, not two out parameters, which would keep them in memory.)
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Deinterleave(Vector<float> v0, Vector<float> v1, bool odd)
    {
        if (Vector<float>.Count == 8)
        {
            Vector256<int> split = Vector256.Create(0, 2, 4, 6, 1, 3, 5, 7);
            Vector256<float> s0 = Vector256.Shuffle(v0.AsVector256(), split), s1 = Vector256.Shuffle(v1.AsVector256(), split);
            return (odd ? Vector256.Create(s0.GetUpper(), s1.GetUpper()) : Vector256.Create(s0.GetLower(), s1.GetLower())).AsVector();
        }
        if (Vector<float>.Count == 4)
        {
            Vector128<int> split = Vector128.Create(0, 2, 1, 3);
            Vector128<float> s0 = Vector128.Shuffle(v0.AsVector128(), split), s1 = Vector128.Shuffle(v1.AsVector128(), split);
            return (odd ? Vector128.Create(s0.GetUpper(), s1.GetUpper()) : Vector128.Create(s0.GetLower(), s1.GetLower())).AsVector();
        }
        if (Vector<float>.Count == 16)
        {
            Vector512<int> split = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
            Vector512<float> s0 = Vector512.Shuffle(v0.AsVector512(), split), s1 = Vector512.Shuffle(v1.AsVector512(), split);
            return (odd ? Vector512.Create(s0.GetUpper(), s1.GetUpper()) : Vector512.Create(s0.GetLower(), s1.GetLower())).AsVector();
        }
        throw new PlatformNotSupportedException($"Vector<float>.Count = {Vector<float>.Count}; the lanes need 4, 8 or 16.");
    }

    // Deinterleave's inverse: [a₀ b₀ a₁ b₁ …] of the first half of the rows (or, with high, of the second half).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Interleave(Vector<float> even, Vector<float> odd, bool high)
    {
        if (Vector<float>.Count == 8)
        {
            Vector256<float> a = even.AsVector256(), b = odd.AsVector256();
            Vector256<float> halves = high ? Vector256.Create(a.GetUpper(), b.GetUpper()) : Vector256.Create(a.GetLower(), b.GetLower());
            return Vector256.Shuffle(halves, Vector256.Create(0, 4, 1, 5, 2, 6, 3, 7)).AsVector();
        }
        if (Vector<float>.Count == 4)
        {
            Vector128<float> a = even.AsVector128(), b = odd.AsVector128();
            Vector128<float> halves = high ? Vector128.Create(a.GetUpper(), b.GetUpper()) : Vector128.Create(a.GetLower(), b.GetLower());
            return Vector128.Shuffle(halves, Vector128.Create(0, 2, 1, 3)).AsVector();
        }
        if (Vector<float>.Count == 16)
        {
            Vector512<float> a = even.AsVector512(), b = odd.AsVector512();
            Vector512<float> halves = high ? Vector512.Create(a.GetUpper(), b.GetUpper()) : Vector512.Create(a.GetLower(), b.GetLower());
            return Vector512.Shuffle(halves, Vector512.Create(0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15)).AsVector();
        }
        throw new PlatformNotSupportedException($"Vector<float>.Count = {Vector<float>.Count}; the lanes need 4, 8 or 16.");
    }

    // LogSoftmax of Vector<float>.Count rows (block is (Count, K), row-major), one row per lane: logP[j] holds column j.
    private static void LogSoftmaxColumns(int k, ReadOnlySpan<float> block, Span<Vector<float>> logP)
    {
        int width = Vector<float>.Count;
        Span<float> column = stackalloc float[width];
        for (int j = 0; j < k; j++)
        {
            for (int lane = 0; lane < width; lane++)
            {
                column[lane] = block[lane * k + j];
            }
            logP[j] = new Vector<float>(column);
        }
        Vector<float> max = logP[0];
        for (int j = 1; j < k; j++)
        {
            max = Vector.Max(max, logP[j]);
        }
        Vector<float> sum = Vector<float>.Zero;
        for (int j = 0; j < k; j++)
        {
            sum += ElementaryFunctions.Exp(logP[j] - max);
        }
        Vector<float> logSum = ElementaryFunctions.Log(sum);
        for (int j = 0; j < k; j++)
        {
            logP[j] = logP[j] - max - logSum;
        }
    }
}
