using System.Numerics;
using Reinforce.Policies;
using Reinforce.Randomness;

namespace Reinforce.Tests.Policies;

/// <summary>
/// The categorical head over many rows at once (one row per vector lane, the library's vector exp and log) gives
/// the row-by-row numbers bit for bit. Tolerance: none — actions, and gradients, log-probabilities and entropies as
/// bit patterns. The expected values are the scalar head's: <see cref="CategoricalHead.Sample"/> row by row with a
/// copy of each row's generator, and <see cref="PolicyHead.LossAndGradient"/> over one row at a time (fewer rows
/// than a vector, so the scalar path) with the sum reduction, then scaled by 1/N as the mean reduction does.
/// Row counts sweep 0 to a few vectors past <see cref="Vector{T}.Count"/>; logits include ±0, ±∞, NaN, huge and tiny.
/// </summary>
public class CategoricalHeadRowsTests
{
    private static readonly float[] Specials =
    [
        0f, -0f, 1e-30f, -1e-30f, 30f, -30f, 88.7f, -104f, 1e6f, -1e6f, float.MaxValue, float.MinValue,
        float.PositiveInfinity, float.NegativeInfinity, float.NaN, float.Epsilon,
    ];

    private static float[] Logits(int rows, int actions, int seed, bool specials)
    {
        var random = new Pcg64((ulong)seed);
        var logits = new float[rows * actions];
        for (int i = 0; i < logits.Length; i++)
        {
            logits[i] = specials && random.NextDouble() < 0.3
                ? Specials[(int)(random.NextDouble() * Specials.Length)]
                : (float)(random.NextDouble() * 20 - 10);
        }
        return logits;
    }

    public static IEnumerable<TestCaseData> Shapes()
    {
        foreach (int actions in new[] { 1, 2, 3, 7 })
        {
            foreach (bool specials in new[] { false, true })
            {
                yield return new TestCaseData(actions, specials);
            }
        }
    }

    [TestCaseSource(nameof(Shapes))]
    public void SampleRows_GivesRowByRowSample_BitForBit(int actions, bool specials)
    {
        var head = new CategoricalHead(actions);
        for (int rows = 0; rows <= 3 * Vector<float>.Count + 1; rows++)
        {
            float[] logits = Logits(rows, actions, 100 + rows, specials);
            Pcg64[] batched = Enumerable.Range(0, rows).Select(i => Pcg64.Derive(7, (ulong)i)).ToArray();
            Pcg64[] single = Enumerable.Range(0, rows).Select(i => Pcg64.Derive(7, (ulong)i)).ToArray();
            var actual = new int[rows];
            head.SampleRows(logits, batched, actual);
            for (int i = 0; i < rows; i++)
            {
                Assert.That(actual[i], Is.EqualTo(head.Sample(logits.AsSpan(i * actions, actions), single[i])), $"{rows} rows, row {i}");
                Assert.That(batched[i].NextUInt64(), Is.EqualTo(single[i].NextUInt64()), "one draw per row");
            }
        }
    }

    // Two actions from two padded logits columns (the lockstep rollout's sampler), against the head row by row. Besides the
    // random logits and specials: differences around the exp underflow (p of one action 0 or subnormal), ties, ±0.
    [TestCase(false)]
    [TestCase(true)]
    public void SampleTwoActions_FromColumns_GivesRowByRowSample_BitForBit(bool specials)
    {
        var head = new CategoricalHead(2);
        float[] edges = [0f, -0f, 1e-7f, -1e-7f, 87f, -87f, 103f, -103f, 103.9f, -103.9f, 104f, -104f, 110f, -110f, 16.6f, -16.6f, 17.4f, -17.4f];
        for (int rows = 0; rows <= 3 * Vector<float>.Count + 1; rows++)
        {
            float[] logits = Logits(rows, 2, 400 + rows, specials);
            if (rows > 0 && !specials)
            {
                for (int i = 0; i < rows; i++)
                {
                    // Row i: z₁ = z₀ + an edge difference, so the softmax sits at an underflow or rounding edge.
                    logits[2 * i + 1] = logits[2 * i] + edges[(rows + i) % edges.Length];
                }
            }
            int padded = Reinforce.Execution.Fast.RolloutForward.PaddedRows(rows);
            var column0 = new float[padded];
            var column1 = new float[padded];
            for (int i = 0; i < rows; i++)
            {
                column0[i] = logits[2 * i];
                column1[i] = logits[2 * i + 1];
            }
            Pcg64[] batched = Enumerable.Range(0, rows).Select(i => Pcg64.Derive(9, (ulong)i)).ToArray();
            Pcg64[] single = Enumerable.Range(0, rows).Select(i => Pcg64.Derive(9, (ulong)i)).ToArray();
            var actual = new int[rows];
            Reinforce.Execution.Fast.CategoricalLanes.SampleTwoActions(column0, column1, batched, actual);
            for (int i = 0; i < rows; i++)
            {
                Assert.That(actual[i], Is.EqualTo(head.Sample(logits.AsSpan(2 * i, 2), single[i])), $"{rows} rows, row {i}: {logits[2 * i]}, {logits[2 * i + 1]}");
                Assert.That(batched[i].NextUInt64(), Is.EqualTo(single[i].NextUInt64()), "one draw per row");
            }
        }
    }

    // Where a row's action is decided by u against p₀ itself: many draws per pair of logits near the underflow edge, so
    // that both actions come up, as the head samples them.
    [Test]
    public void SampleTwoActions_AtTheUnderflowEdge_MatchesTheHeadOverManyDraws()
    {
        var head = new CategoricalHead(2);
        float[] differences = [-104.5f, -104f, -103.97f, -103.9f, -90f, -88.7f, -20f, -16.7f, -16.6f, -1e-3f, 0f, 1e-3f, 16.6f, 16.7f, 20f, 88.7f, 90f, 103.9f, 103.97f, 104f, 104.5f];
        const int Rows = 40;
        foreach (float difference in differences)
        {
            var column0 = new float[Reinforce.Execution.Fast.RolloutForward.PaddedRows(Rows)];
            var column1 = new float[column0.Length];
            for (int i = 0; i < Rows; i++)
            {
                column0[i] = 0.25f * i;
                column1[i] = column0[i] + difference;
            }
            Pcg64[] batched = Enumerable.Range(0, Rows).Select(i => Pcg64.Derive(11, (ulong)i)).ToArray();
            Pcg64[] single = Enumerable.Range(0, Rows).Select(i => Pcg64.Derive(11, (ulong)i)).ToArray();
            var actual = new int[Rows];
            for (int draw = 0; draw < 50; draw++)
            {
                Reinforce.Execution.Fast.CategoricalLanes.SampleTwoActions(column0, column1, batched, actual);
                for (int i = 0; i < Rows; i++)
                {
                    float[] row = [column0[i], column1[i]];
                    Assert.That(actual[i], Is.EqualTo(head.Sample(row, single[i])), $"difference {difference}, row {i}, draw {draw}");
                }
            }
        }
    }

    [TestCaseSource(nameof(Shapes))]
    public void LossAndGradient_OverManyRows_GivesTheRowByRowNumbers_BitForBit(int actions, bool specials)
    {
        int width = Vector<float>.Count;
        // Every count to a few vectors, then counts around the two-action kernel's blocks of 8 vectors and the head's
        // chunks of 256 rows (several blocks, a partial last block, a scalar tail).
        int[] counts = [.. Enumerable.Range(1, 3 * width + 1), 8 * width - 1, 8 * width, 8 * width + 1, 9 * width + 3, 17 * width + 5, 256, 300, 500];
        CheckLossAndGradient(actions, specials, counts);
    }

    private static void CheckLossAndGradient(int actions, bool specials, int[] counts)
    {
        var head = new CategoricalHead(actions);
        foreach (int rows in counts)
        {
            float[] logits = Logits(rows, actions, 200 + rows, specials);
            var random = new Pcg64((ulong)(300 + rows));
            int[] chosen = Enumerable.Range(0, rows).Select(_ => (int)(random.NextDouble() * actions)).ToArray();
            float[] weights = Enumerable.Range(0, rows).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
            const float Beta = 0.01f;
            var gradients = new float[rows * actions];
            PolicyLoss loss = head.LossAndGradient(logits, chosen, weights, Beta, LossReduction.Mean, gradients);

            float inverseN = 1f / rows;
            var expected = new float[rows * actions];
            double policySum = 0, entropySum = 0;
            for (int i = 0; i < rows; i++)
            {
                Span<float> row = expected.AsSpan(i * actions, actions);
                PolicyLoss one = head.LossAndGradient(logits.AsSpan(i * actions, actions), [chosen[i]], [weights[i]], Beta, LossReduction.Sum, row);
                for (int j = 0; j < actions; j++)
                {
                    row[j] *= inverseN;
                }
                policySum += weights[i] * (double)head.LogProbability(logits.AsSpan(i * actions, actions), chosen[i]);
                entropySum += one.MeanEntropy;
            }
            Assert.That(gradients.Select(f => Bits(f)), Is.EqualTo(expected.Select(f => Bits(f))).AsCollection, $"{rows} rows");
            double policyTerm = -policySum * inverseN;
            Assert.That(Bits(loss.PolicyTerm), Is.EqualTo(Bits(policyTerm)), $"{rows} rows");
            Assert.That(Bits(loss.MeanEntropy), Is.EqualTo(Bits(entropySum / rows)), $"{rows} rows");
        }
    }

    // Bit patterns, with every NaN as one value: IEEE 754 leaves the sign and payload of a NaN that an operation
    // creates (∞ − ∞, 0·∞) to the platform — x64 makes the negative quiet NaN, ARM64 the positive one — so the test's
    // own reference sum, which reaches NaN by a different operation than the head, may differ from it in that bit
    // only (seen under ARM64 emulation). Every number that is not NaN must match bit for bit.
    private static long Bits(double value) => double.IsNaN(value) ? long.MinValue : BitConverter.DoubleToInt64Bits(value);

    private static long Bits(float value) => float.IsNaN(value) ? long.MinValue : BitConverter.SingleToInt32Bits(value);
}
