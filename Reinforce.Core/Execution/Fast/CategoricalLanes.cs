using System.Numerics;
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
/// vector through the scalar code.
/// </summary>
internal static class CategoricalLanes
{
    public static void SampleRows(CategoricalHead head, ReadOnlySpan<float> outputs, ReadOnlySpan<Pcg64> generators, Span<int> actions)
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
        int row = 0;
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
