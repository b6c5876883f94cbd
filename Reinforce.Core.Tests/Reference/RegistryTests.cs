using Reinforce.NeuralNetworks;
using Reinforce.Optimizers;
using Reinforce.Policies;
using Reinforce.Randomness;
using Reinforce.Reference;

namespace Reinforce.Tests.Reference;

/// <summary>
/// Every name a registry offers (<see cref="Activation.Names"/>, <see cref="Optimizer.Names"/>, <see cref="PolicyHead.Names"/>)
/// has its reference in <c>Reference/</c>, and the fast code behind the name gives the reference's bits. So an entry added
/// to a registry without its reference fails here (docs/extending.md). Tolerance: none. Inputs: seeded draws from
/// <see cref="Pcg64"/> plus the edge values 0, −0, ±1e-30, ±30.
/// </summary>
public class RegistryTests
{
    private static float[] Inputs(int seed, int count = 301)
    {
        var rng = new Pcg64((ulong)seed);
        float[] values = [0f, -0f, 1e-30f, -1e-30f, 30f, -30f, .. Enumerable.Range(0, count).Select(_ => (float)(rng.NextDouble() * 12 - 6))];
        return values;
    }

    public static IEnumerable<string> ActivationNames => Activation.Names;

    [TestCaseSource(nameof(ActivationNames))]
    public void EveryActivation_HasAReference_WithTheFastBits(string name)
    {
        Activation f = Activation.Parse(name);
        float[] z = Inputs(1), dy = Inputs(2)[..z.Length];
        float[] a = new float[z.Length], expectedA = new float[z.Length], dz = new float[z.Length], expectedDz = new float[z.Length];

        Layers.ActivationForward(f, z, a);
        f.Forward(z, expectedA);
        Layers.ActivationBackward(f, z, a, dy, dz);
        f.Backward(z, expectedA, dy, expectedDz);

        Assert.That(a.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(expectedA.Select(BitConverter.SingleToInt32Bits)), "forward");
        Assert.That(dz.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(expectedDz.Select(BitConverter.SingleToInt32Bits)), "backward");
    }

    public static IEnumerable<string> OptimizerNames => Optimizer.Names;

    [TestCaseSource(nameof(OptimizerNames))]
    public void EveryOptimizer_HasAReferenceStep_WithTheFastBits(string name)
    {
        const int length = 77;
        Optimizer reference = Optimizer.Create(name, length, 0.01), fast = Optimizer.Create(name, length, 0.01);
        float[] parameters = Inputs(3, length)[..length], fastParameters = [.. parameters];
        for (int step = 0; step < 3; step++)
        {
            float[] gradients = Inputs(10 + step, length)[..length];
            OptimizerSteps.Step(reference, parameters, gradients);
            fast.Step(fastParameters, gradients);
        }

        Assert.That(parameters.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(fastParameters.Select(BitConverter.SingleToInt32Bits)), "parameters");
        Assert.That(reference.StepCount, Is.EqualTo(fast.StepCount));
        for (int b = 0; b < fast.StateBuffers.Count; b++)
        {
            Assert.That(reference.StateBuffers[b].Buffer.Select(BitConverter.SingleToInt32Bits),
                Is.EqualTo(fast.StateBuffers[b].Buffer.Select(BitConverter.SingleToInt32Bits)), fast.StateBuffers[b].Name);
        }
    }

    public static IEnumerable<string> HeadNames => PolicyHead.Names;

    [TestCaseSource(nameof(HeadNames))]
    public void EveryHead_HasAReference_WithTheFastBits(string name)
    {
        PolicyHead head = PolicyHead.Create(name, 2);
        int rows = 40, k = head.OutputSize;
        float[] logits = Inputs(4, rows * k)[..(rows * k)];
        int[] actions = [.. Enumerable.Range(0, rows).Select(t => t % 2)];
        float[] weights = Inputs(5, rows)[..rows];
        const float beta = 0.01f;
        float[] expected = new float[rows * k];
        PolicyLoss loss = head.LossAndGradient(logits, actions, weights, beta, LossReduction.Mean, expected);

        float[] dz = new float[rows * k], logP = new float[head.ActionCount], p = new float[head.ActionCount];
        double policySum = 0, entropySum = 0;
        var referenceRng = new Pcg64(6);
        var fastRng = new Pcg64(6);
        for (int t = 0; t < rows; t++)
        {
            ReadOnlySpan<float> row = logits.AsSpan(t * k, k);
            (float logProbability, float entropy) = Heads.LossGradient(head, row, actions[t], weights[t], beta, 1f / rows, dz.AsSpan(t * k, k), logP, p);
            policySum += weights[t] * (double)logProbability;
            entropySum += entropy;
            Assert.That(Heads.SampleAction(head, row, referenceRng, logP), Is.EqualTo(head.Sample(row, fastRng)), $"the action sampled at row {t}");
        }

        Assert.That(dz.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(expected.Select(BitConverter.SingleToInt32Bits)), "∂L/∂logits");
        Assert.That(BitConverter.DoubleToInt64Bits(-policySum * (1f / rows)), Is.EqualTo(BitConverter.DoubleToInt64Bits(loss.PolicyTerm)), "the policy term");
        Assert.That(BitConverter.DoubleToInt64Bits(entropySum / rows), Is.EqualTo(BitConverter.DoubleToInt64Bits(loss.MeanEntropy)), "the mean entropy");
    }
}
