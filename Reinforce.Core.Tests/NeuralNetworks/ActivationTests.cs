using Reinforce.NeuralNetworks;
using Reinforce.Tests.TestSupport;

namespace Reinforce.Tests.NeuralNetworks;

/// <summary>
/// Each activation's backward against central finite differences (in double, h = 1e-6) of the
/// double-precision reference activation. Tolerance 1e-5·max(1, |expected|): the library computes
/// in float (ε ≈ 1.2e-7) and the difference quotient is accurate to ~1e-10.
/// Points within 1e-3 of the kinks at 0 are avoided; the value at exactly 0 is tested separately.
/// </summary>
public class ActivationTests
{
    private static IEnumerable<Activation> All() => [Activation.Identity, Activation.ReLU, Activation.Tanh, Activation.LeakyReLU(0.01f), Activation.LeakyReLU(0.2f), Activation.Elu(1f), Activation.Elu(0.5f)];

    [TestCaseSource(nameof(All))]
    public void Backward_MatchesFiniteDifferences(Activation activation)
    {
        float[] x = TestData.Uniform(101, 61, -3f, 3f).Select(v => MathF.Abs(v) < 1e-3f ? v + 0.01f : v).ToArray();
        float[] dy = TestData.Uniform(101, 62);
        float[] y = new float[x.Length], dx = new float[x.Length];
        activation.Forward(x, y);
        activation.Backward(x, y, dy, dx);
        for (int i = 0; i < x.Length; i++)
        {
            double h = 1e-6;
            double slope = (ReferenceModel.Activate(activation.Kind, activation.Parameter, x[i] + h)
                - ReferenceModel.Activate(activation.Kind, activation.Parameter, x[i] - h)) / (2 * h);
            double expected = dy[i] * slope;
            Assert.That(dx[i], Is.EqualTo(expected).Within(1e-5 * Math.Max(1, Math.Abs(expected))), $"{activation} at x = {x[i]}");
            double forward = ReferenceModel.Activate(activation.Kind, activation.Parameter, x[i]);
            Assert.That(y[i], Is.EqualTo(forward).Within(2e-7 * Math.Max(1, Math.Abs(forward))), $"forward of {activation} at x = {x[i]}");
        }
    }

    /// <summary>PyTorch's convention at the kink: ReLU′(0) = 0, LeakyReLU′(0) = slope, ELU′(0) = α.</summary>
    [TestCase("relu", 0f)]
    [TestCase("leaky-relu", 0.01f)]
    [TestCase("elu", 1f)]
    [TestCase("tanh", 1f)]
    public void Backward_AtZero_FollowsPyTorch(string name, float expected)
    {
        var activation = Activation.Parse(name);
        float[] x = [0f], y = new float[1], dx = new float[1];
        activation.Forward(x, y);
        activation.Backward(x, y, [1f], dx);
        Assert.That(dx[0], Is.EqualTo(expected));
    }

    [Test]
    public void Elu_KeepsRelativePrecision_NearZero()
    {
        // α·(e^x − 1) for x = −1e-6 is −9.999995e-7; a naive Exp(x) − 1 in float would give −9.5367432e-7.
        float[] y = new float[1];
        Activation.Elu().Forward([-1e-6f], y);
        Assert.That(y[0], Is.EqualTo(-9.999995e-7f).Within(1e-12f));
    }

    [Test]
    public void Parse_RejectsUnknownNames_ListingTheAcceptedOnes()
    {
        var ex = Assert.Throws<ArgumentException>(() => Activation.Parse("sigmoid"));
        Assert.That(ex!.Message, Does.Contain("sigmoid").And.Contain("leaky-relu"));
    }
}
