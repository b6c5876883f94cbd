using Reinforce.NeuralNetworks;

namespace Reinforce.Tests.TestSupport;

/// <summary>
/// An independent double-precision implementation of the policy network and the REINFORCE loss,
/// written the plain way (loops, no kernels, no shared code with Core), for central finite
/// differences: the library's float gradients are compared with (L(θ + h) − L(θ − h)) / 2h of
/// this model.
/// </summary>
internal static class ReferenceModel
{
    public static double Activate(ActivationKind kind, double parameter, double x) => kind switch
    {
        ActivationKind.Identity => x,
        ActivationKind.ReLU => x > 0 ? x : 0,
        ActivationKind.Tanh => Math.Tanh(x),
        ActivationKind.LeakyReLU => x > 0 ? x : parameter * x,
        ActivationKind.ELU => x > 0 ? x : parameter * (Math.Exp(x) - 1),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>
    /// Outputs (T, out) of an MLP with parameters θ in the library's flat layout. With
    /// <paramref name="dropoutMasks"/> (T, Σ hidden sizes, first hidden layer first), every hidden
    /// pre-activation is multiplied by its mask entry before the activation (Linear → Dropout → f).
    /// </summary>
    public static double[] Forward(IReadOnlyList<int> sizes, Activation activation, double[] theta, float[] states, int batch,
        float[]? dropoutMasks = null)
    {
        int maskWidth = 0;
        for (int l = 1; l < sizes.Count - 1; l++)
        {
            maskWidth += sizes[l];
        }
        int maskOffset = 0;
        int input = sizes[0];
        double[] current = new double[batch * input];
        for (int i = 0; i < current.Length; i++)
        {
            current[i] = states[i];
        }
        int offset = 0;
        for (int l = 0; l < sizes.Count - 1; l++)
        {
            int fanIn = sizes[l], fanOut = sizes[l + 1];
            int weightOffset = offset, biasOffset = offset + fanIn * fanOut;
            offset = biasOffset + fanOut;
            var next = new double[batch * fanOut];
            for (int t = 0; t < batch; t++)
            {
                for (int o = 0; o < fanOut; o++)
                {
                    double z = theta[biasOffset + o];
                    for (int i = 0; i < fanIn; i++)
                    {
                        z += theta[weightOffset + o * fanIn + i] * current[t * fanIn + i];
                    }
                    if (l < sizes.Count - 2 && dropoutMasks is not null)
                    {
                        z *= dropoutMasks[t * maskWidth + maskOffset + o];
                    }
                    next[t * fanOut + o] = l < sizes.Count - 2 ? Activate(activation.Kind, activation.Parameter, z) : z;
                }
            }
            if (l < sizes.Count - 2)
            {
                maskOffset += fanOut;
            }
            current = next;
        }
        return current;
    }

    /// <summary>log π(a) and H for one row of categorical logits, in double.</summary>
    public static (double LogProbability, double Entropy) Categorical(ReadOnlySpan<double> logits, int action)
    {
        double max = double.NegativeInfinity;
        foreach (double z in logits)
        {
            max = Math.Max(max, z);
        }
        double sum = 0;
        foreach (double z in logits)
        {
            sum += Math.Exp(z - max);
        }
        double logSum = max + Math.Log(sum);
        double entropy = 0;
        foreach (double z in logits)
        {
            double logP = z - logSum;
            entropy -= Math.Exp(logP) * logP;
        }
        return (logits[action] - logSum, entropy);
    }

    /// <summary>log π(a) and H for a Bernoulli logit, in double, from p = 1/(1 + e^−z) directly.</summary>
    public static (double LogProbability, double Entropy) Bernoulli(double logit, int action)
    {
        double p = 1 / (1 + Math.Exp(-logit));
        double logP = action == 1 ? Math.Log(p) : Math.Log(1 - p);
        return (logP, -(p * Math.Log(p) + (1 - p) * Math.Log(1 - p)));
    }

    /// <summary>L = −(1/N)·Σ wᵢ·log π(aᵢ|sᵢ) − β·(1/N)·Σ H over rows of outputs (N = rows, mean reduction).</summary>
    public static double Loss(string head, double[] outputs, int[] actions, float[] weights, double beta)
    {
        int rows = actions.Length, width = outputs.Length / rows;
        double policy = 0, entropy = 0;
        for (int i = 0; i < rows; i++)
        {
            var (logP, h) = head == "bernoulli"
                ? Bernoulli(outputs[i], actions[i])
                : Categorical(outputs.AsSpan(i * width, width), actions[i]);
            policy += weights[i] * logP;
            entropy += h;
        }
        return -policy / rows - beta * entropy / rows;
    }

    /// <summary>Central difference ∂f/∂θₖ for every k, in double.</summary>
    public static double[] FiniteDifferences(double[] theta, Func<double[], double> f, double h = 1e-6)
    {
        var gradient = new double[theta.Length];
        var probe = (double[])theta.Clone();
        for (int k = 0; k < theta.Length; k++)
        {
            probe[k] = theta[k] + h;
            double plus = f(probe);
            probe[k] = theta[k] - h;
            double minus = f(probe);
            probe[k] = theta[k];
            gradient[k] = (plus - minus) / (2 * h);
        }
        return gradient;
    }
}
