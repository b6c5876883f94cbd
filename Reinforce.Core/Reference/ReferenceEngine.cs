using Reinforce.Environments;
using Reinforce.Execution;
using Reinforce.NeuralNetworks;
using Reinforce.Optimizers;
using Reinforce.Policies;
using Reinforce.Randomness;
using Reinforce.Returns;
using Reinforce.Training;

namespace Reinforce.Reference;

/// <summary>
/// The reference REINFORCE update: plain scalar code, one episode at a time on one thread, in the order of
/// docs/policy-gradient.md#one-update-line-by-line. It defines the bits: every fast engine must give exactly its numbers.
/// The policy and the optimizer are used only as descriptions (layer sizes, activation, dropout, head, the
/// <see cref="ParameterBuffer"/>) and as the state they hold; all the arithmetic is in this folder.
/// </summary>
/// <remarks>
/// The network (docs/backprop.md#the-mlp), with dense layers l = 1 … L, m_l the dropout mask of hidden layer l:
/// <code>
/// forward:   a₀ = x;   z_l = (a_{l−1}·W_lᵀ + b_l) ⊙ m_l;   a_l = f(z_l) for l &lt; L;   logits = z_L
/// backward:  dz_L = ∂L/∂logits;   dW_l += dz_lᵀ·a_{l−1};   db_l += Σ_t dz_l;   dz_{l−1} = ((dz_l·W_l) ⊙ f′(z_{l−1})) ⊙ m_{l−1}
/// </code>
/// Buffers hold every row of the largest batch the options allow, allocated here: an update allocates nothing.
/// </remarks>
internal sealed class ReferenceEngine : IExecutionEngine
{
    private readonly TrainerOptions options;
    private readonly IEnvironment environment;
    private readonly int maxEpisodeSteps;
    private readonly ParameterBuffer parameters;
    private readonly int[] sizes;                 // input, hidden…, output: layer l maps sizes[l − 1] → sizes[l]
    private readonly int layers;                  // L dense layers
    private readonly Activation activation;
    private readonly float dropoutScale;          // 1/(1 − p) as a float; 1 without dropout
    private readonly PolicyHead head;             // categorical: K softmax logits; Bernoulli: one sigmoid logit
    private readonly ParameterTensor[] weight, bias; // [l] for l = 1 … L ([0] unused)
    private readonly EpisodeBatch batch;
    private readonly Pcg64 rng = new(0);
    private readonly float[] observation;
    private readonly float[][] z, a, dz;          // [l]: (rows, sizes[l]) of the batch
    private readonly float[][] rowZ, rowA;        // [l]: one row, for the rollout's forward
    private readonly float[] logP, p;             // one row of the head, K entries

    /// <summary>Builds the buffers for <paramref name="policy"/> on <paramref name="environment"/>, sized for the largest batch.</summary>
    internal ReferenceEngine(TrainerOptions options, Policy policy, IEnvironment environment, int maxEpisodeSteps)
    {
        this.options = options;
        this.environment = environment;
        this.maxEpisodeSteps = maxEpisodeSteps;
        Mlp network = policy.Network;
        parameters = policy.Parameters;
        sizes = [.. network.LayerSizes];
        layers = sizes.Length - 1;
        activation = network.HiddenActivation;
        dropoutScale = network.DropoutScale;
        head = policy.Head;
        weight = new ParameterTensor[layers + 1];
        bias = new ParameterTensor[layers + 1];
        for (int l = 1; l <= layers; l++)
        {
            weight[l] = parameters[Mlp.WeightName(l - 1, network.Dropout > 0)];
            bias[l] = parameters[Mlp.BiasName(l - 1, network.Dropout > 0)];
        }
        // As ReinforceTrainer: a batch by steps may pass its target by up to one episode.
        int maxRows = options.BatchSteps is int target ? target + maxEpisodeSteps : maxEpisodeSteps * options.BatchEpisodes;
        batch = new EpisodeBatch(sizes[0], maxRows, options.BatchSteps is int steps ? Math.Min(steps, 1024) : options.BatchEpisodes,
            network.DropoutMaskWidth);
        observation = new float[sizes[0]];
        (z, a, dz) = (new float[layers + 1][], new float[layers + 1][], new float[layers + 1][]);
        (rowZ, rowA) = (new float[layers + 1][], new float[layers + 1][]);
        for (int l = 0; l <= layers; l++)
        {
            (z[l], a[l], dz[l]) = (new float[maxRows * sizes[l]], new float[maxRows * sizes[l]], new float[maxRows * sizes[l]]);
            (rowZ[l], rowA[l]) = (new float[sizes[l]], new float[sizes[l]]);
        }
        logP = new float[policy.Head.ActionCount];
        p = new float[policy.Head.ActionCount];
    }

    /// <summary>The batch of the last <see cref="Collect"/> (this engine's; valid until the next call).</summary>
    internal EpisodeBatch Batch => batch;

    /// <summary>
    /// One whole update (docs/policy-gradient.md#one-update-line-by-line): collect episodes firstEpisode, firstEpisode + 1, …,
    /// their weights wₜ, zero the gradients, forward, loss and ∂L/∂logits, backward, the optimizer step. Returns L.
    /// (The trainer also checks that L, the gradients and the stepped weights are finite; the math does not need it.)
    /// </summary>
    internal PolicyLoss Update(long firstEpisode, Optimizer optimizer)
    {
        Collect(firstEpisode);                                // 1. collect
        ComputeWeights(options, batch);                       // 2. weights wₜ
        parameters.ZeroGradients();                           // 3. zero: backward passes accumulate
        PolicyLoss loss = AccumulateGradients(batch);         // 4.–7. forward, loss, ∂L/∂logits, backward
        Step(optimizer, parameters);                          // 9. step
        return loss;
    }

    // ---------------------------------------------------------------- 1. collect

    /// <inheritdoc/>
    public EpisodeBatch Collect(long firstEpisode)
    {
        batch.Clear();
        // By episodes: exactly BatchEpisodes. By steps: another episode while the batch has fewer than BatchSteps steps.
        while (options.BatchSteps is int target ? batch.Steps < target : batch.Episodes < options.BatchEpisodes)
        {
            RunEpisode(firstEpisode + batch.Episodes);
        }
        return batch;
    }

    // Episode k on stream k of the seed: the first draw seeds the reset, then every step draws its dropout masks (none
    // when p = 0), then samples the action from the logits of the forward with those masks.
    private void RunEpisode(long k)
    {
        rng.Reseed(options.Seed, (ulong)k);
        environment.Reset(observation, (long)(rng.NextUInt64() >> 1));
        for (int t = 0; t < maxEpisodeSteps; t++)
        {
            observation.CopyTo(batch.NextObservation());
            Span<float> masks = batch.NextDropoutMask();
            Layers.DrawDropoutMask(options.Dropout, dropoutScale, rng, masks);
            Forward(observation, 1, masks, rowZ, rowA);
            ReadOnlySpan<float> logits = rowZ[layers];
            int action = Heads.SampleAction(head, logits, rng, logP);
            StepResult result = environment.Step(action, observation);
            batch.CommitStep(action, (float)result.Reward);
            if (result.IsDone)
            {
                break;
            }
        }
        batch.EndEpisode();
    }

    // ---------------------------------------------------------------- 2. weights

    /// <summary>
    /// wₜ: each episode's returns (<see cref="TrainerOptions.Returns"/>, docs/policy-gradient.md#causality-and-reward-to-go),
    /// minus the batch mean if <see cref="TrainerOptions.Baseline"/> (docs/policy-gradient.md#baselines), then standardised
    /// per episode or per batch (docs/policy-gradient.md#normalisation). Sums in double, stored as float.
    /// </summary>
    internal static void ComputeWeights(TrainerOptions options, EpisodeBatch batch)
    {
        Span<float> rewards = batch.Rewards, weights = batch.Weights;
        for (int e = 0; e < batch.Episodes; e++)
        {
            Range range = batch.EpisodeRange(e);
            ReturnCalculator.Compute(options.Returns, rewards[range], options.Gamma, weights[range]);
        }
        if (options.Baseline)
        {
            var (mean, _) = ReturnCalculator.MeanAndStd(weights, unbiased: false);
            for (int t = 0; t < weights.Length; t++)
            {
                weights[t] = (float)(weights[t] - mean);
            }
        }
        switch (options.Normalization)
        {
            case Normalization.PerEpisode:
                for (int e = 0; e < batch.Episodes; e++)
                {
                    ReturnCalculator.Normalize(weights[batch.EpisodeRange(e)], options.NormalizationEpsilon);
                }
                break;
            case Normalization.PerBatch:
                ReturnCalculator.Normalize(weights, options.NormalizationEpsilon);
                break;
        }
    }

    // ---------------------------------------------------------------- 4.–7. forward, loss, backward

    /// <summary>
    /// The surrogate loss over the batch's N rows (docs/policy-gradient.md#the-surrogate-loss) and its gradient, added to
    /// the parameters' gradients:
    /// <code>
    /// L = −(1/N)·Σₜ wₜ·log π(aₜ|sₜ) − β·(1/N)·Σₜ H(π(·|sₜ))      (N = 1 for a summed loss)
    /// </code>
    /// The sums run in double over the rows in order; 1/N is a float and enters each row's gradient once
    /// (docs/backprop.md#batch-mean).
    /// </summary>
    public PolicyLoss AccumulateGradients(EpisodeBatch batch)
    {
        int rows = batch.Steps, outputs = sizes[layers];
        ReadOnlySpan<int> actions = batch.Actions;
        ReadOnlySpan<float> weights = batch.Weights;
        // 4. forward, with the masks the rollout drew: z[L] holds the logits, (N, out).
        Forward(batch.Observations, rows, batch.DropoutMasks, z, a);
        // 5. loss and ∂L/∂logits, row by row.
        float beta = (float)options.EntropyCoefficient;
        float inverseN = options.LossReduction == LossReduction.Mean ? 1f / rows : 1f;
        double policySum = 0, entropySum = 0;
        for (int t = 0; t < rows; t++)
        {
            Span<float> logits = z[layers].AsSpan(t * outputs, outputs), dLogits = dz[layers].AsSpan(t * outputs, outputs);
            (float logProbability, float entropy) = Heads.LossGradient(head, logits, actions[t], weights[t], beta, inverseN, dLogits, logP, p);
            policySum += weights[t] * (double)logProbability;
            entropySum += entropy;
        }
        // 7. backward.
        Backward(batch.Observations, rows, batch.DropoutMasks);
        double policyTerm = -policySum * inverseN;
        return new PolicyLoss(policyTerm - beta * entropySum * inverseN, policyTerm, entropySum / rows);
    }

    // a₀ = x (rows, in); for l = 1 … L: z_l = a_{l−1}·W_lᵀ + b_l, then for a hidden layer z_l ← z_l ⊙ m_l (training with
    // dropout: masks is (rows, mask width), layer 1's columns first) and a_l = f(z_l). The logits are z[L].
    private void Forward(ReadOnlySpan<float> x, int rows, ReadOnlySpan<float> masks, float[][] z, float[][] a)
    {
        int maskOffset = 0;
        for (int l = 1; l <= layers; l++)
        {
            ReadOnlySpan<float> input = l == 1 ? x : a[l - 1].AsSpan(0, rows * sizes[l - 1]);
            Span<float> zl = z[l].AsSpan(0, rows * sizes[l]);
            Layers.DenseForward(input, Values(weight[l]), Values(bias[l]), rows, zl);
            if (l < layers)
            {
                if (!masks.IsEmpty)
                {
                    Layers.DropoutForward(zl, rows, masks, maskOffset);
                    maskOffset += sizes[l];
                }
                Layers.ActivationForward(activation, zl, a[l].AsSpan(0, rows * sizes[l]));
            }
        }
    }

    // From dz[L] = ∂L/∂logits down to layer 1: dW_l, db_l, and below layer 1 dz_{l−1} = ((dz_l·W_l) ⊙ f′) ⊙ m_{l−1},
    // with f′ from the forward's z_{l−1} (after dropout: the activation's input) and a_{l−1}.
    private void Backward(ReadOnlySpan<float> x, int rows, ReadOnlySpan<float> masks)
    {
        int maskOffset = masks.IsEmpty ? 0 : masks.Length / rows; // layer l's mask columns end where layer l + 1's start
        for (int l = layers; l >= 1; l--)
        {
            ReadOnlySpan<float> input = l == 1 ? x : a[l - 1].AsSpan(0, rows * sizes[l - 1]);
            Span<float> below = l == 1 ? [] : dz[l - 1].AsSpan(0, rows * sizes[l - 1]);
            Layers.DenseBackward(input, Values(weight[l]), dz[l].AsSpan(0, rows * sizes[l]), rows,
                Gradients(weight[l]), Gradients(bias[l]), below);
            if (l > 1)
            {
                Layers.ActivationBackward(activation, z[l - 1].AsSpan(0, below.Length), a[l - 1].AsSpan(0, below.Length), below, below);
                if (!masks.IsEmpty)
                {
                    maskOffset -= sizes[l - 1];
                    Layers.DropoutBackward(below, rows, masks, maskOffset);
                }
            }
        }
    }

    private Span<float> Values(ParameterTensor tensor) => ParameterBuffer.View(parameters.Values, tensor);

    private Span<float> Gradients(ParameterTensor tensor) => ParameterBuffer.View(parameters.Gradients, tensor);

    // ---------------------------------------------------------------- 9. step

    /// <inheritdoc/>
    public void Step(Optimizer optimizer, ParameterBuffer parameters) => OptimizerSteps.Step(optimizer, parameters.Values, parameters.Gradients);
}
