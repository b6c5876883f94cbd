using System.Globalization;
using Reinforce.NeuralNetworks;
using Reinforce.Optimizers;
using Reinforce.Policies;
using Reinforce.Returns;

using Reinforce.Tests.TestSupport;

namespace Reinforce.Tests.Docs;

/// <summary>
/// docs/worked-example.md, computed by the library. The document is the single source of the
/// example: its inputs (weights, episode, γ, β, Adam's settings) are read from its <c>```text</c>
/// blocks, the library computes every other quantity, and every number the blocks print is
/// asserted, so the document cannot drift from the code.
/// </summary>
/// <remarks>
/// Tolerance: one unit in the last printed digit of each number (10⁻⁶ for <c>0.123456</c>,
/// 10⁻⁸ for <c>1.2345e-04</c>; integers exactly). Printed values were rounded from float results, which
/// uses half a unit; the other half covers the ulps by which another machine's exp, log or tanh may
/// differ. Independent cross-checks: central finite differences of a double-precision model written
/// here (no library code), and tools/reference/worked_example.py, which recomputes the document
/// with PyTorch.
/// </remarks>
[TestFixture]
public sealed class WorkedExampleTests
{
    private const int Steps = 3;

    private static readonly string[] InputLabels =
    [
        "W1[0]", "W1[1]", "W1[2]", "b1", "W2[0]", "W2[1]", "b2", "s[0]", "s[1]", "s[2]", "a", "r",
        "gamma", "beta", "lr", "adam.beta1", "adam.beta2", "adam.eps", "norm.eps",
    ];

    private Dictionary<string, string[]> printed = null!;
    private Dictionary<string, double[]> computed = null!;
    private Example example = null!;

    [OneTimeSetUp]
    public void ReadTheDocumentAndComputeTheExample()
    {
        printed = WorkedExampleDocument.Read(WorkedExampleDocument.Locate());
        example = Example.FromDocument(printed);
        computed = example.Compute();
    }

    [Test]
    public void EveryPrintedNumber_IsWhatTheLibraryComputes_ToOneUnitInTheLastPrintedDigit()
    {
        double worst = 0;
        string worstLabel = "";
        Assert.Multiple(() =>
        {
            foreach (var (label, values) in computed)
            {
                if (!printed.TryGetValue(label, out string[]? texts))
                {
                    continue; // reported by the completeness test
                }
                Assert.That(texts, Has.Length.EqualTo(values.Length), $"{label}: count of printed numbers");
                for (int i = 0; i < Math.Min(texts.Length, values.Length); i++)
                {
                    double expected = WorkedExampleDocument.Parse(texts[i]);
                    double unit = WorkedExampleDocument.UnitInLastDigit(texts[i]);
                    Assert.That(values[i], Is.EqualTo(expected).Within(unit), $"{label} #{i}: printed {texts[i]}");
                    double deviation = unit > 0 ? Math.Abs(values[i] - expected) / unit : 0;
                    if (deviation > worst)
                    {
                        (worst, worstLabel) = (deviation, label);
                    }
                }
            }
        });
        TestContext.Out.WriteLine($"{computed.Count} labels, {computed.Values.Sum(v => v.Length)} numbers; largest |library − printed| = {worst:F2} units of the last printed digit ({worstLabel})");
    }

    /// <summary>
    /// The page states the command that prints it (the one line of the page starting with <c>reinforce explain</c>):
    /// run in-process, its output is the page's blocks — the same sections in the same order, the same comment
    /// lines, labels and number formats, and every number within one unit of its last printed digit (the tolerance
    /// of the other tests, for another machine's exp, log and tanh).
    /// </summary>
    [Test]
    public void TheDocumentsBlocks_AreTheOutputOfTheExplainCommandItStates()
    {
        string path = WorkedExampleDocument.Locate();
        string[] page = File.ReadAllLines(path);
        string command = page.Single(line => line.StartsWith("reinforce explain ", StringComparison.Ordinal));
        string[] arguments = [.. command.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(a => a == "docs/worked-example.md" ? path : a)];
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = Reinforce.Cli.Cli.Run(arguments, stdout, stderr);
        Assert.That(exit, Is.Zero, stderr.ToString());

        var expected = new List<(string Section, List<string> Lines)>();
        string section = "";
        for (int i = 0; i < page.Length; i++)
        {
            if (page[i].StartsWith("## ", StringComparison.Ordinal))
            {
                section = page[i][3..];
            }
            else if (page[i] == "```text")
            {
                var lines = new List<string>();
                for (i++; page[i] != "```"; i++)
                {
                    lines.Add(page[i]);
                }
                expected.Add((section, lines));
            }
        }
        var actual = new List<(string Section, List<string> Lines)>();
        foreach (string part in stdout.ToString().Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            var lines = part.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
            if (lines[0].StartsWith("## ", StringComparison.Ordinal))
            {
                section = lines[0][3..];
                lines.RemoveAt(0);
            }
            if (lines.Count > 0)
            {
                actual.Add((section, lines));
            }
        }

        Assert.That(actual.Select(b => b.Section), Is.EqualTo(expected.Select(b => b.Section)), "sections of the blocks, in order");
        int exact = 0, total = 0;
        Assert.Multiple(() =>
        {
            for (int b = 0; b < expected.Count; b++)
            {
                Assert.That(actual[b].Lines, Has.Count.EqualTo(expected[b].Lines.Count), $"block {b} ({expected[b].Section}): lines");
                for (int l = 0; l < Math.Min(actual[b].Lines.Count, expected[b].Lines.Count); l++)
                {
                    string printed = expected[b].Lines[l], output = actual[b].Lines[l];
                    total++;
                    exact += printed == output ? 1 : 0;
                    if (printed.StartsWith('#'))
                    {
                        Assert.That(output, Is.EqualTo(printed), $"block {b}, comment line {l}");
                        continue;
                    }
                    string[] want = printed.Split(' ', StringSplitOptions.RemoveEmptyEntries), got = output.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    Assert.That(got.Take(2), Is.EqualTo(want.Take(2)), $"block {b}, line {l}: label");
                    Assert.That(got, Has.Length.EqualTo(want.Length), $"{want[0]}: count of numbers");
                    for (int k = 2; k < Math.Min(got.Length, want.Length); k++)
                    {
                        double unit = WorkedExampleDocument.UnitInLastDigit(want[k]);
                        Assert.That(WorkedExampleDocument.UnitInLastDigit(got[k]), Is.EqualTo(unit), $"{want[0]} #{k - 2}: format of {got[k]} against {want[k]}");
                        Assert.That(WorkedExampleDocument.Parse(got[k]), Is.EqualTo(WorkedExampleDocument.Parse(want[k])).Within(unit), $"{want[0]} #{k - 2}");
                    }
                }
            }
        });
        TestContext.Out.WriteLine($"{expected.Count} blocks, {total} lines; {exact} identical character for character");
    }

    [Test]
    public void TheDocument_PrintsExactlyTheInputsAndTheNumbersThisTestChecks()
    {
        var expectedLabels = InputLabels.Concat(computed.Keys).Order(StringComparer.Ordinal).ToArray();
        Assert.That(printed.Keys.Order(StringComparer.Ordinal).ToArray(), Is.EqualTo(expectedLabels));
    }

    /// <summary>What the document's text says about its numbers (the numbers themselves are asserted above).</summary>
    [Test]
    public void TheClaimsOfTheText_HoldForTheComputedNumbers()
    {
        double[] w = computed["w"];
        double[] Row(string label) => computed[label];
        Assert.Multiple(() =>
        {
            // Forward: "at step 0 the policy prefers action 0 but action 1 was taken; at step 2 it prefers action 1".
            Assert.That(Row("p[0]")[0], Is.GreaterThan(Row("p[0]")[1]), "step 0 prefers action 0");
            Assert.That(example.Actions[0], Is.EqualTo(1), "action 1 taken at step 0");
            Assert.That(Row("p[2]")[1], Is.GreaterThan(Row("p[2]")[0]), "step 2 prefers action 1");
            Assert.That(example.Actions[2], Is.EqualTo(1), "action 1 taken at step 2");
            Assert.That(Row("z1[2]")[1] - Row("h[2]")[1], Is.GreaterThan(0.5), "tanh bends the second unit at step 2");

            // Returns: "every reward was +1, yet the last action gets a negative weight; the middle weight is close to zero".
            Assert.That(example.Rewards, Is.All.EqualTo(1f));
            Assert.That(w[0], Is.Positive);
            Assert.That(w[2], Is.Negative);
            Assert.That(Math.Abs(w[1]), Is.LessThan(0.1));

            for (int t = 0; t < Steps; t++)
            {
                double[] policy = Row($"dlogits.policy[{t}]"), entropy = Row($"dlogits.entropy[{t}]"), total = Row($"dlogits[{t}]");
                // "Each row sums to zero."
                Assert.That(total[0] + total[1], Is.EqualTo(0).Within(1e-7), $"row {t} of dlogits sums to zero");
                // "The entropy terms are far smaller and always lower the logit of the likelier action."
                Assert.That(Math.Abs(entropy[0]), Is.LessThan(Math.Abs(policy[0]) / 10), $"entropy term of row {t} is small");
                int likelier = Row($"p[{t}]")[0] > Row($"p[{t}]")[1] ? 0 : 1;
                Assert.That(entropy[likelier], Is.Positive, $"descent lowers the likelier logit at step {t}");
            }
            // "At step 0 it raises the logit of action 1; at step 2 it lowers the logit of action 1."
            Assert.That(Row("dlogits[0]")[1], Is.Negative);
            Assert.That(Row("dlogits[2]")[1], Is.Positive);

            // "The two rows [of dW2] are opposite."
            for (int j = 0; j < 3; j++)
            {
                Assert.That(Row("dW2[0]")[j] + Row("dW2[1]")[j], Is.EqualTo(0).Within(1e-7), $"dW2 column {j}");
            }

            // "Every one of the 23 parameters moved by the learning rate, against the sign of its gradient."
            for (int k = 0; k < example.Gradients.Length; k++)
            {
                double moved = example.UpdatedParameters[k] - (double)example.InitialParameters[k];
                Assert.That(moved, Is.EqualTo(-example.LearningRate * Math.Sign(example.Gradients[k])).Within(1e-6), $"parameter {k}");
            }

            // "Step 0's action became more likely, step 2's less likely, and step 1's less likely although its weight was positive."
            Assert.That(Row("p.new[0]")[1], Is.GreaterThan(Row("p[0]")[1]));
            Assert.That(Row("p.new[2]")[1], Is.LessThan(Row("p[2]")[1]));
            Assert.That(example.Actions[1], Is.EqualTo(0));
            Assert.That(w[1], Is.Positive);
            Assert.That(Row("p.new[1]")[0], Is.LessThan(Row("p[1]")[0]));
            // "The loss of the batch went down."
            Assert.That(Row("L.new")[0], Is.LessThan(Row("L")[0]));
        });
    }

    /// <summary>
    /// Every entry of ∂L/∂θ and of ∂L/∂logits against central differences (h = 10⁻⁶) of the loss
    /// written again in double precision, returns and normalisation included. Tolerance 10⁻⁶: the
    /// library's float gradients of entries below 1 carry errors near 10⁻⁷, the differences near 10⁻⁹.
    /// </summary>
    [Test]
    public void LibraryGradients_MatchFiniteDifferencesOfAnIndependentDoubleModel()
    {
        double[] theta = example.InitialParameters.Select(v => (double)v).ToArray();
        double[] weights = DoubleModel.NormalisedReturns(example.Rewards, example.Gamma, example.NormalisationEpsilon);
        double[] logits = DoubleModel.Logits(theta, example.States);
        double[] parameterDifferences = ReferenceModel.FiniteDifferences(theta,
            probe => DoubleModel.Loss(DoubleModel.Logits(probe, example.States), example.Actions, weights, example.Beta));
        double[] logitDifferences = ReferenceModel.FiniteDifferences(logits,
            probe => DoubleModel.Loss(probe, example.Actions, weights, example.Beta));

        Assert.Multiple(() =>
        {
            Assert.That(example.Gradients, Is.EqualTo(parameterDifferences).Within(1e-6), "∂L/∂θ, flat layout 0.weight, 0.bias, 2.weight, 2.bias");
            Assert.That(example.LogitGradients, Is.EqualTo(logitDifferences).Within(1e-6), "∂L/∂logits, (T, 2)");
            Assert.That(computed["w"], Is.EqualTo(weights).Within(1e-6), "normalised returns");
        });
    }

    /// <summary>
    /// The document walks the chain rule by hand with the library's layer functions (Dense.Backward,
    /// Activation.Backward); the trainer calls Mlp.Backward. Both must give the same gradients, bit for bit.
    /// </summary>
    [Test]
    public void TheStepByStepChain_GivesTheGradientsOfMlpBackward_BitForBit()
    {
        Assert.That(example.ChainGradients, Is.EqualTo(example.Gradients));
    }

    /// <summary>Policy.AccumulateGradients (forward, loss, backward in one call) agrees with the separate steps, bit for bit.</summary>
    [Test]
    public void PolicyAccumulateGradients_GivesTheSameLossAndGradients()
    {
        var network = example.NewNetwork();
        var policy = new Policy(network, new CategoricalHead(2));
        float[] weights = computed["w"].Select(v => (float)v).ToArray();
        PolicyLoss loss = policy.AccumulateGradients(example.States, example.Actions, weights, (float)example.Beta);
        Assert.Multiple(() =>
        {
            Assert.That(loss.Loss, Is.EqualTo(computed["L"][0]));
            Assert.That(policy.Parameters.Gradients, Is.EqualTo(example.Gradients));
        });
    }

    /// <summary>
    /// Adam's step recomputed in double from the library's gradient with the paper's formulas
    /// (m̂ = m/(1 − β₁), v̂ = v/(1 − β₂), θ′ = θ − lr·m̂/(√v̂ + ε)). Tolerance 2·10⁻⁷: the float
    /// rounding of θ′ (half an ulp of a value below 2 is 6·10⁻⁸) plus that of the step itself.
    /// </summary>
    [Test]
    public void AdamStep_MatchesThePapersFormulasInDouble()
    {
        double[] expected = new double[example.Gradients.Length];
        for (int k = 0; k < expected.Length; k++)
        {
            double g = example.Gradients[k];
            double m = (1 - example.Beta1) * g, v = (1 - example.Beta2) * g * g;
            double mHat = m / (1 - example.Beta1), vHat = v / (1 - example.Beta2);
            expected[k] = example.InitialParameters[k] - example.LearningRate * mHat / (Math.Sqrt(vHat) + example.Epsilon);
        }
        Assert.That(example.UpdatedParameters, Is.EqualTo(expected).Within(2e-7));
    }

    /// <summary>The example's inputs and everything the library computes from them.</summary>
    private sealed class Example
    {
        public float[] InitialParameters { get; private init; } = [];
        public float[] States { get; private init; } = [];
        public int[] Actions { get; private init; } = [];
        public float[] Rewards { get; private init; } = [];
        public double Gamma { get; private init; }
        public double Beta { get; private init; }
        public double LearningRate { get; private init; }
        public double Beta1 { get; private init; }
        public double Beta2 { get; private init; }
        public double Epsilon { get; private init; }
        public double NormalisationEpsilon { get; private init; }

        public float[] Gradients { get; private set; } = [];
        public float[] ChainGradients { get; private set; } = [];
        public float[] LogitGradients { get; private set; } = [];
        public float[] UpdatedParameters { get; private set; } = [];

        public static Example FromDocument(IReadOnlyDictionary<string, string[]> doc)
        {
            float[] Floats(params string[] labels) => labels.SelectMany(l => doc[l]).Select(t => (float)WorkedExampleDocument.Parse(t)).ToArray();
            double Scalar(string label) => WorkedExampleDocument.Parse(doc[label].Single());
            return new Example
            {
                // The flat layout of ParameterBuffer: 0.weight (3, 4), 0.bias (3), 2.weight (2, 3), 2.bias (2).
                InitialParameters = Floats("W1[0]", "W1[1]", "W1[2]", "b1", "W2[0]", "W2[1]", "b2"),
                States = Floats("s[0]", "s[1]", "s[2]"),
                Actions = doc["a"].Select(t => int.Parse(t, CultureInfo.InvariantCulture)).ToArray(),
                Rewards = Floats("r"),
                Gamma = Scalar("gamma"),
                Beta = Scalar("beta"),
                LearningRate = Scalar("lr"),
                Beta1 = Scalar("adam.beta1"),
                Beta2 = Scalar("adam.beta2"),
                Epsilon = Scalar("adam.eps"),
                NormalisationEpsilon = Scalar("norm.eps"),
            };
        }

        public Mlp NewNetwork()
        {
            var network = new Mlp([4, 3, 2], Activation.Tanh);
            InitialParameters.CopyTo(network.Parameters.Values, 0);
            return network;
        }

        /// <summary>Runs the example through the library, in the order of ReinforceTrainer.Update, and names every result as the document does.</summary>
        public Dictionary<string, double[]> Compute()
        {
            var results = new Dictionary<string, double[]>(StringComparer.Ordinal);
            void Put(string label, ReadOnlySpan<float> values) => results.Add(label, values.ToArray().Select(v => (double)v).ToArray());
            void PutRows(string label, ReadOnlySpan<float> matrix, int width)
            {
                for (int r = 0; r < matrix.Length / width; r++)
                {
                    Put($"{label}[{r}]", matrix.Slice(r * width, width));
                }
            }

            Mlp network = NewNetwork();
            ParameterBuffer parameters = network.Parameters;
            var head = new CategoricalHead(2);
            MlpWorkspace workspace = network.CreateWorkspace(Steps);

            // Forward.
            float[] logits = new float[Steps * 2];
            network.Forward(States, Steps, workspace, logits);
            float[] z1 = workspace.PreActivations(1).ToArray(), h = workspace.Activations(1).ToArray();
            for (int t = 0; t < Steps; t++)
            {
                ReadOnlySpan<float> row = logits.AsSpan(t * 2, 2);
                float[] logP = new float[2], p = new float[2];
                CategoricalHead.LogSoftmax(row, logP);
                CategoricalHead.Softmax(row, p);
                Put($"z1[{t}]", z1.AsSpan(t * 3, 3));
                Put($"h[{t}]", h.AsSpan(t * 3, 3));
                Put($"logits[{t}]", row);
                Put($"p[{t}]", p);
                Put($"logp[{t}]", logP);
                Put($"H[{t}]", [head.Entropy(row)]);
            }

            // Returns and weights, as ReinforceTrainer.ComputeWeights does for one episode.
            float[] returns = new float[Steps];
            ReturnCalculator.Discounted(Rewards, Gamma, returns);
            var (mean, std) = ReturnCalculator.MeanAndStd(returns, unbiased: true);
            float[] weights = (float[])returns.Clone();
            ReturnCalculator.Normalize(weights, NormalisationEpsilon);
            Put("G", returns);
            results.Add("G.mean", [mean]);
            results.Add("G.std", [std]);
            Put("w", weights);

            // Loss and its gradient at the logits, whole and split into its two terms.
            float[] logitGradients = new float[Steps * 2], policyPart = new float[Steps * 2], entropyPart = new float[Steps * 2];
            PolicyLoss loss = head.LossAndGradient(logits, Actions, weights, (float)Beta, LossReduction.Mean, logitGradients);
            head.LossAndGradient(logits, Actions, weights, 0f, LossReduction.Mean, policyPart);
            head.LossAndGradient(logits, Actions, new float[Steps], (float)Beta, LossReduction.Mean, entropyPart);
            LogitGradients = logitGradients;
            float[] chosenLogP = new float[Steps];
            for (int t = 0; t < Steps; t++)
            {
                chosenLogP[t] = head.LogProbability(logits.AsSpan(t * 2, 2), Actions[t]);
            }
            Put("logp_a", chosenLogP);
            results.Add("L.policy", [loss.PolicyTerm]);
            results.Add("H.mean", [loss.MeanEntropy]);
            results.Add("L.entropy", [loss.Loss - loss.PolicyTerm]);
            results.Add("L", [loss.Loss]);
            for (int t = 0; t < Steps; t++)
            {
                Put($"dlogits.policy[{t}]", policyPart.AsSpan(t * 2, 2));
                Put($"dlogits.entropy[{t}]", entropyPart.AsSpan(t * 2, 2));
                Put($"dlogits[{t}]", logitGradients.AsSpan(t * 2, 2));
            }

            // Backward as the trainer runs it: zero, then Mlp.Backward accumulates.
            parameters.ZeroGradients();
            network.Backward(logitGradients, workspace);
            Gradients = (float[])parameters.Gradients.Clone();

            // The same chain step by step with the layer functions, for dh and dz1.
            float[] chain = new float[parameters.Length];
            float[] dh = new float[Steps * 3], dz1 = new float[Steps * 3];
            Dense.Backward(h, parameters.Value("2.weight"), logitGradients, Steps,
                ParameterBuffer.View(chain, parameters["2.weight"]), ParameterBuffer.View(chain, parameters["2.bias"]), dh);
            Activation.Tanh.Backward(z1, h, dh, dz1);
            Dense.Backward(States, parameters.Value("0.weight"), dz1, Steps,
                ParameterBuffer.View(chain, parameters["0.weight"]), ParameterBuffer.View(chain, parameters["0.bias"]), []);
            ChainGradients = chain;

            PutRows("dW2", parameters.Gradient("2.weight"), 3);
            Put("db2", parameters.Gradient("2.bias"));
            for (int t = 0; t < Steps; t++)
            {
                Put($"dh[{t}]", dh.AsSpan(t * 3, 3));
                Put($"dz1[{t}]", dz1.AsSpan(t * 3, 3));
            }
            PutRows("dW1", parameters.Gradient("0.weight"), 4);
            Put("db1", parameters.Gradient("0.bias"));

            // One Adam step.
            var adam = new Adam(parameters.Length, LearningRate, Beta1, Beta2, Epsilon);
            AdamCoefficients coefficients = adam.Coefficients(1);
            adam.Step(parameters.Values, parameters.Gradients);
            UpdatedParameters = (float[])parameters.Values.Clone();
            results.Add("adam.step_size", [-coefficients.NegativeStepSize]);
            results.Add("adam.bc2_sqrt", [coefficients.BiasCorrection2Sqrt]);
            foreach (var (name, tensor, width) in new[] { ("W1", "0.weight", 4), ("b1", "0.bias", 0), ("W2", "2.weight", 3), ("b2", "2.bias", 0) })
            {
                ParameterTensor view = parameters[tensor];
                foreach (var (label, buffer) in new[] { ($"m.{name}", adam.FirstMoment), ($"v.{name}", adam.SecondMoment), ($"{name}.new", parameters.Values) })
                {
                    if (width == 0)
                    {
                        Put(label, ParameterBuffer.View(buffer, view));
                    }
                    else
                    {
                        PutRows(label, ParameterBuffer.View(buffer, view), width);
                    }
                }
            }

            // The policy after the update, and the loss of the same batch under it.
            network.Forward(States, Steps, workspace, logits);
            for (int t = 0; t < Steps; t++)
            {
                float[] p = new float[2];
                CategoricalHead.Softmax(logits.AsSpan(t * 2, 2), p);
                Put($"p.new[{t}]", p);
            }
            PolicyLoss lossAfter = head.LossAndGradient(logits, Actions, weights, (float)Beta, LossReduction.Mean, new float[Steps * 2]);
            results.Add("L.new", [lossAfter.Loss]);
            return results;
        }
    }

    /// <summary>The example's network and loss in double precision, written from the formulas alone.</summary>
    private static class DoubleModel
    {
        /// <summary>Logits (T, 2) of the 4→3 tanh→2 network; θ in the flat layout W1, b1, W2, b2.</summary>
        public static double[] Logits(double[] theta, float[] states)
        {
            int steps = states.Length / 4;
            double[] logits = new double[steps * 2];
            for (int t = 0; t < steps; t++)
            {
                double[] hidden = new double[3];
                for (int j = 0; j < 3; j++)
                {
                    double z = theta[12 + j];
                    for (int i = 0; i < 4; i++)
                    {
                        z += theta[j * 4 + i] * states[t * 4 + i];
                    }
                    hidden[j] = Math.Tanh(z);
                }
                for (int k = 0; k < 2; k++)
                {
                    double z = theta[21 + k];
                    for (int j = 0; j < 3; j++)
                    {
                        z += theta[15 + k * 3 + j] * hidden[j];
                    }
                    logits[t * 2 + k] = z;
                }
            }
            return logits;
        }

        /// <summary>L = −(1/N)·Σ wₜ·log π(aₜ|sₜ) − β·(1/N)·Σ H(π(·|sₜ)), π = softmax of the logits.</summary>
        public static double Loss(double[] logits, int[] actions, double[] weights, double beta)
        {
            int n = actions.Length;
            double policy = 0, entropy = 0;
            for (int t = 0; t < n; t++)
            {
                double z0 = logits[t * 2], z1 = logits[t * 2 + 1];
                double logSum = Math.Log(Math.Exp(z0) + Math.Exp(z1));
                double logP0 = z0 - logSum, logP1 = z1 - logSum;
                policy += weights[t] * (actions[t] == 0 ? logP0 : logP1);
                entropy -= Math.Exp(logP0) * logP0 + Math.Exp(logP1) * logP1;
            }
            return -policy / n - beta * entropy / n;
        }

        /// <summary>Gₜ = rₜ + γ·Gₜ₊₁, then (G − mean)/(std + ε) with the n − 1 standard deviation.</summary>
        public static double[] NormalisedReturns(float[] rewards, double gamma, double epsilon)
        {
            int n = rewards.Length;
            double[] g = new double[n];
            double next = 0;
            for (int t = n - 1; t >= 0; t--)
            {
                next = rewards[t] + gamma * next;
                g[t] = next;
            }
            double mean = g.Average();
            double std = Math.Sqrt(g.Sum(x => (x - mean) * (x - mean)) / (n - 1));
            return g.Select(x => (x - mean) / (std + epsilon)).ToArray();
        }
    }
}
