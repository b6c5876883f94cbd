using Reinforce.NeuralNetworks;
using Reinforce.Tests.TestSupport;

namespace Reinforce.Tests.NeuralNetworks;

/// <summary>
/// The dense layer's backward for the scalar function f = Σ_{t,o} c[t,o]·y[t,o] (so ∂f/∂y = c):
/// dW, db and dx against central finite differences in double (f is linear in each parameter, so
/// the quotient is exact up to rounding). Tolerance 1e-5·max(1, |expected|).
/// </summary>
public class DenseTests
{
    [TestCase(1, 4, 3)]
    [TestCase(5, 4, 128)]
    [TestCase(7, 33, 2)]
    public void Backward_MatchesFiniteDifferences(int batch, int inputs, int outputs)
    {
        float[] x = TestData.Uniform(batch * inputs, 71), w = TestData.Uniform(outputs * inputs, 72), b = TestData.Uniform(outputs, 73);
        float[] c = TestData.Uniform(batch * outputs, 74);

        double F(double[] wd, double[] bd, double[] xd)
        {
            double f = 0;
            for (int t = 0; t < batch; t++)
            {
                for (int o = 0; o < outputs; o++)
                {
                    double y = bd[o];
                    for (int i = 0; i < inputs; i++)
                    {
                        y += wd[o * inputs + i] * xd[t * inputs + i];
                    }
                    f += c[t * outputs + o] * y;
                }
            }
            return f;
        }
        double[] W = [.. w.Select(v => (double)v)], B = [.. b.Select(v => (double)v)], X = [.. x.Select(v => (double)v)];
        double[] expectedDw = ReferenceModel.FiniteDifferences(W, p => F(p, B, X));
        double[] expectedDb = ReferenceModel.FiniteDifferences(B, p => F(W, p, X));
        double[] expectedDx = ReferenceModel.FiniteDifferences(X, p => F(W, B, p));

        float[] dw = new float[w.Length], db = new float[b.Length], dx = new float[x.Length];
        Dense.Backward(x, w, c, batch, dw, db, dx);
        AssertClose(dw, expectedDw, "dW");
        AssertClose(db, expectedDb, "db");
        AssertClose(dx, expectedDx, "dx");

        float[] y = new float[batch * outputs];
        Dense.Forward(x, w, b, batch, y);
        double[] yd = new double[y.Length];
        double f = 0;
        for (int k = 0; k < y.Length; k++)
        {
            f += c[k] * (double)y[k];
        }
        Assert.That(f, Is.EqualTo(F(W, B, X)).Within(1e-5 * Math.Max(1, Math.Abs(f))), "forward");
    }

    [Test]
    public void Backward_AccumulatesIntoGradients_AndOverwritesDx()
    {
        float[] x = [1f, 2f], w = [3f, 4f], dy = [0.5f];
        float[] dw = [10f, 20f], db = [1f], dx = [99f, 99f];
        Dense.Backward(x, w, dy, 1, dw, db, dx);
        // Hand calculation: dW += dy·xᵀ = [0.5, 1]; db += 0.5; dx = Wᵀ·dy = [1.5, 2].
        Assert.That(dw, Is.EqualTo(new[] { 10.5f, 21f }));
        Assert.That(db, Is.EqualTo(new[] { 1.5f }));
        Assert.That(dx, Is.EqualTo(new[] { 1.5f, 2f }));
    }

    private static void AssertClose(float[] actual, double[] expected, string what)
    {
        for (int k = 0; k < actual.Length; k++)
        {
            Assert.That(actual[k], Is.EqualTo(expected[k]).Within(1e-5 * Math.Max(1, Math.Abs(expected[k]))), $"{what}[{k}]");
        }
    }
}
