using Reinforce.NeuralNetworks;
using Reinforce.Randomness;

namespace Reinforce.Tests.TestSupport;

/// <summary>Seeded test inputs, float comparison helpers and the paths of reference files.</summary>
internal static class TestData
{
    /// <summary>
    /// A batch for a policy-gradient pass of a 4-input network, drawn from <paramref name="random"/> in this order: the
    /// states (uniform in [−0.5, 0.5)), the actions (0 or 1), the weights (uniform in [−2, 2)), then, with
    /// <paramref name="dropout"/> &gt; 0, each row's dropout masks.
    /// </summary>
    public static (float[] States, int[] Actions, float[] Weights, float[] Masks) PolicyBatch(Mlp network, int batch, double dropout, Pcg64 random)
    {
        float[] states = Enumerable.Range(0, 4 * batch).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        int[] actions = Enumerable.Range(0, batch).Select(_ => random.NextDouble() < 0.5 ? 1 : 0).ToArray();
        float[] weights = Enumerable.Range(0, batch).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
        int maskWidth = network.DropoutMaskWidth;
        var masks = new float[batch * maskWidth];
        for (int t = 0; t < batch && dropout > 0; t++)
        {
            Dropout.DrawMask(dropout, random, masks.AsSpan(t * maskWidth, maskWidth));
        }
        return (states, actions, weights, masks);
    }

    /// <summary>n floats uniform in [low, high) from <c>Pcg64(seed)</c>.</summary>
    public static float[] Uniform(int n, ulong seed, float low = -1f, float high = 1f)
    {
        var rng = new Pcg64(seed);
        var values = new float[n];
        for (int i = 0; i < n; i++)
        {
            values[i] = (float)rng.NextUniform(low, high);
        }
        return values;
    }

    /// <summary>Distance in units in the last place between two finite floats of the same sign region.</summary>
    public static long UlpDistance(float a, float b)
    {
        static long Ordered(float x)
        {
            int bits = BitConverter.SingleToInt32Bits(x);
            return bits < 0 ? int.MinValue - (long)bits : bits;
        }
        return Math.Abs(Ordered(a) - Ordered(b));
    }

    /// <summary>A path under the test's output folder <c>Reference/</c>.</summary>
    public static string ReferencePath(string file) => Path.Combine(TestContext.CurrentContext.TestDirectory, "Reference", file);

    /// <summary>Lengths for SIMD-vs-scalar sweeps: every length 0..3·Count+1 around the vector width,
    /// every length around the 32-lane reduction block, and a few large ones.</summary>
    public static IEnumerable<int> SweepLengths()
    {
        int width = System.Numerics.Vector<float>.Count;
        var lengths = new SortedSet<int>();
        for (int n = 0; n <= 3 * width + 1; n++)
        {
            lengths.Add(n);
        }
        for (int n = 28; n <= 100; n++)
        {
            lengths.Add(n);
        }
        foreach (int n in new[] { 127, 128, 129, 255, 1000, 1024, 4099 })
        {
            lengths.Add(n);
        }
        return lengths;
    }
}
