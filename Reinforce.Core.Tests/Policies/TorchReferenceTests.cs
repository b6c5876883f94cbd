using System.Text.Json;
using Reinforce.NeuralNetworks;
using Reinforce.Policies;
using Reinforce.Tests.TestSupport;

namespace Reinforce.Tests.Policies;

/// <summary>
/// The library against PyTorch: Reference/torch_policy_gradient.json is written by
/// tools/reference/torch_policy_gradient.py (nn.Sequential with fixed weights, every hidden
/// activation, Categorical and Bernoulli distributions, loss.backward(), float32). The library,
/// given the same parameters by name, must produce the same logits, log-probabilities, loss and
/// gradient of every named parameter. Tolerance 2e-6·max(1, |expected|): both sides compute in
/// float32 but sum in different orders (the library's 32-lane dot products against PyTorch's
/// BLAS), which moves results by a few ulps.
/// The dropout cases add a dropout module after every hidden Linear (nn.Sequential indices 0, 3, 6) in training
/// mode with a FIXED mask from the file ("keep", 0/1 per hidden unit and row); the library gets the same mask as
/// keep·<see cref="Dropout.Scale"/>(p) and must give the same numbers at the same tolerance.
/// </summary>
public class TorchReferenceTests
{
    private const double Tolerance = 2e-6;

    private static IEnumerable<TestCaseData> Cases()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(
            Path.GetDirectoryName(typeof(TorchReferenceTests).Assembly.Location)!, "Reference", "torch_policy_gradient.json")));
        foreach (var c in document.RootElement.GetProperty("cases").EnumerateArray())
        {
            string dropout = c.TryGetProperty("dropout", out var p) ? $"-dropout{p.GetDouble()}" : "";
            yield return new TestCaseData(c.GetRawText()).SetArgDisplayNames(
                $"{c.GetProperty("head").GetString()}-{c.GetProperty("activation").GetString()}-beta{c.GetProperty("beta").GetDouble()}{dropout}");
        }
    }

    [TestCaseSource(nameof(Cases))]
    public void LogitsLossAndGradients_MatchPyTorch(string json)
    {
        using var document = JsonDocument.Parse(json);
        var c = document.RootElement;
        worst = 0;
        int[] sizes = Ints(c.GetProperty("sizes"));
        var activation = Activation.Parse(c.GetProperty("activation").GetString()!);
        var head = PolicyHead.Create(c.GetProperty("head").GetString()!, c.GetProperty("head").GetString() == "bernoulli" ? 2 : sizes[^1]);
        double dropout = c.TryGetProperty("dropout", out var p) ? p.GetDouble() : 0;
        var reduction = c.TryGetProperty("reduction", out var r) && r.GetString() == "sum" ? LossReduction.Sum : LossReduction.Mean;
        var policy = new Policy(new Mlp(sizes, activation, dropout), head);
        foreach (var parameter in c.GetProperty("parameters").EnumerateObject())
        {
            Floats(parameter.Value).CopyTo(policy.Parameters.Value(parameter.Name));
        }
        float[] states = Floats(c.GetProperty("states"));
        int[] actions = Ints(c.GetProperty("actions"));
        float[] weights = Floats(c.GetProperty("weights"));
        float beta = (float)c.GetProperty("beta").GetDouble();

        float[] masks = dropout > 0
            ? [.. c.GetProperty("keep").EnumerateArray().Select(k => k.GetInt32() == 1 ? Dropout.Scale(dropout) : 0f)]
            : [];

        float[] logits = new float[actions.Length * head.OutputSize];
        policy.Logits(states, actions.Length, logits, masks);
        AssertClose(logits, Floats(c.GetProperty("logits")), "logits");

        float[] logP = new float[actions.Length];
        for (int i = 0; i < actions.Length; i++)
        {
            logP[i] = head.LogProbability(logits.AsSpan(i * head.OutputSize, head.OutputSize), actions[i]);
        }
        AssertClose(logP, Floats(c.GetProperty("log_probabilities")), "log-probabilities");
        if (dropout == 0)
        {
            policy.LogProbabilities(states, actions, logP);
            AssertClose(logP, Floats(c.GetProperty("log_probabilities")), "log-probabilities (Policy.LogProbabilities)");
        }

        policy.Parameters.ZeroGradients();
        var loss = policy.AccumulateGradients(states, actions, weights, beta, reduction, masks);
        double expectedLoss = c.GetProperty("loss").GetDouble();
        Assert.That(loss.Loss, Is.EqualTo(expectedLoss).Within(Tolerance * Math.Max(1, Math.Abs(expectedLoss))), "loss");
        double expectedEntropy = c.GetProperty("entropy_mean").GetDouble();
        Assert.That(loss.MeanEntropy, Is.EqualTo(expectedEntropy).Within(Tolerance * Math.Max(1, expectedEntropy)), "mean entropy");
        foreach (var gradient in c.GetProperty("gradients").EnumerateObject())
        {
            AssertClose(policy.Parameters.Gradient(gradient.Name).ToArray(), Floats(gradient.Value), $"gradient of {gradient.Name}");
        }
        TestContext.Out.WriteLine($"largest |library − torch| / max(1, |torch|) over logits, log-probabilities and gradients: {worst:E2} (tolerance {Tolerance:E0})");
    }

    private double worst;

    private void AssertClose(float[] actual, float[] expected, string what)
    {
        Assert.That(actual, Has.Length.EqualTo(expected.Length), what);
        for (int k = 0; k < actual.Length; k++)
        {
            Assert.That(actual[k], Is.EqualTo(expected[k]).Within(Tolerance * Math.Max(1, Math.Abs(expected[k]))), $"{what}[{k}]");
            worst = Math.Max(worst, Math.Abs(actual[k] - (double)expected[k]) / Math.Max(1, Math.Abs(expected[k])));
        }
    }

    private static float[] Floats(JsonElement array) => [.. array.EnumerateArray().Select(e => (float)e.GetDouble())];

    private static int[] Ints(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetInt32())];
}
