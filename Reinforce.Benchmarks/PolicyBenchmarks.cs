using BenchmarkDotNet.Attributes;
using Reinforce.Execution.Fast;
using Reinforce.NeuralNetworks;
using Reinforce.Policies;
using Reinforce.Randomness;

namespace Reinforce.Benchmarks;

/// <summary>
/// The policy of the default configuration (4→128 ReLU→2, categorical): one action on one state (the
/// rollout's inner loop), and the head's loss and gradient (log-softmax, entropy, ∂L/∂logits) over a
/// 500-step batch.
/// </summary>
[MemoryDiagnoser]
public class PolicyBenchmarks
{
    public const int T = 500;
    private readonly float[] observation = [0.01f, -0.02f, 0.03f, 0.04f];
    private readonly Pcg64 rng = new(7);
    private readonly float[] output = new float[2];
    private Policy policy = null!;
    private MlpWorkspace workspace = null!;
    private RolloutForward rolloutForward = null!;
    private float[] logits = [], gradients = [], weights = [];
    private int[] actions = [];
    public const int Lanes = 16;
    private MlpWorkspace lanesWorkspace = null!;
    private float[] laneStates = [], laneLogits = [];
    private int[] laneActions = [];
    private Pcg64[] laneGenerators = [];
    private float[] laneLogits0 = [], laneLogits1 = [];

    [GlobalSetup]
    public void Setup()
    {
        policy = Policy.Create(4, [128], Activation.ReLU, new CategoricalHead(2), new Pcg64(543));
        workspace = policy.Network.CreateWorkspace(1);
        rolloutForward = RolloutForward.TryCreate(policy.Network)!;
        rolloutForward.Refresh();
        var random = new Random(42);
        logits = Enumerable.Range(0, 2 * T).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
        gradients = new float[2 * T];
        actions = Enumerable.Range(0, T).Select(_ => random.Next(2)).ToArray();
        weights = Enumerable.Range(0, T).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        lanesWorkspace = policy.Network.CreateWorkspace(Lanes);
        laneStates = Enumerable.Range(0, 4 * Lanes).Select(_ => (float)(random.NextDouble() * 0.1 - 0.05)).ToArray();
        laneLogits = new float[2 * Lanes];
        laneActions = new int[Lanes];
        laneGenerators = Enumerable.Range(0, Lanes).Select(i => Pcg64.Derive(7, (ulong)i)).ToArray();
        laneLogits0 = new float[RolloutForward.PaddedRows(Lanes)];
        laneLogits1 = new float[laneLogits0.Length];
    }

    /// <summary>
    /// The lockstep rollout's action for 16 states, reported per state: one batched 4→128→2 forward over the 16 rows
    /// through <see cref="Mlp.Forward(ReadOnlySpan{float}, int, MlpWorkspace, Span{float})"/>, then the categorical head on
    /// vector lanes, each row sampling from its own generator (the trainer's SampleRows).
    /// </summary>
    [Benchmark(OperationsPerInvoke = Lanes)]
    public int ActSixteenStates()
    {
        policy.Network.Forward(laneStates, Lanes, lanesWorkspace, laneLogits);
        policy.Head.SampleRows(laneLogits, laneGenerators, laneActions);
        return laneActions[0];
    }

    /// <summary>
    /// The same with the forward through <see cref="RolloutForward.Forward"/> (the fused 4→128 ReLU→2 kernel, row-major logits)
    /// and <see cref="PolicyHead.SampleRows"/> (the two-action sampler after gathering the logits into columns).
    /// </summary>
    [Benchmark(OperationsPerInvoke = Lanes)]
    public int ActSixteenStatesRolloutForward()
    {
        rolloutForward.Forward(laneStates, Lanes, lanesWorkspace, laneLogits);
        policy.Head.SampleRows(laneLogits, laneGenerators, laneActions);
        return laneActions[0];
    }

    /// <summary>
    /// The action as the lockstep groups run it now: the fused forward into two logits columns
    /// (<see cref="RolloutForward.ForwardTwoLogits"/>) and the two-action sampler reading them there.
    /// </summary>
    [Benchmark(OperationsPerInvoke = Lanes)]
    public int ActSixteenStatesTwoLogits()
    {
        rolloutForward.ForwardTwoLogits(laneStates, Lanes, laneLogits0, laneLogits1);
        CategoricalLanes.SampleTwoActions(laneLogits0, laneLogits1, laneGenerators, laneActions);
        return laneActions[0];
    }

    /// <summary>The fused forward of 16 states alone, per state.</summary>
    [Benchmark(OperationsPerInvoke = Lanes)]
    public void ForwardTwoLogitsSixteenStates() => rolloutForward.ForwardTwoLogits(laneStates, Lanes, laneLogits0, laneLogits1);

    /// <summary>Its plain-loop twin (<see cref="RolloutForward.ForwardTwoLogitsScalar"/>), per state.</summary>
    [Benchmark(OperationsPerInvoke = Lanes)]
    public void ForwardTwoLogitsScalarSixteenStates() => rolloutForward.ForwardTwoLogitsScalar(laneStates, Lanes, laneLogits0, laneLogits1);

    /// <summary>The two-action sampler of 16 states alone, per state.</summary>
    [Benchmark(OperationsPerInvoke = Lanes)]
    public int SampleTwoActionsSixteenStates()
    {
        CategoricalLanes.SampleTwoActions(laneLogits0, laneLogits1, laneGenerators, laneActions);
        return laneActions[0];
    }

    /// <summary>Its twin: the head's row-by-row <see cref="CategoricalHead.Sample"/> of the same 16 rows, per state.</summary>
    [Benchmark(OperationsPerInvoke = Lanes)]
    public int SampleSixteenStatesRowByRow()
    {
        int sum = 0;
        for (int i = 0; i < Lanes; i++)
        {
            sum += policy.Head.Sample(laneLogits.AsSpan(2 * i, 2), laneGenerators[i]);
        }
        return sum;
    }

    /// <summary>
    /// The default configuration's lockstep action: 4 episodes per update, so 4 states per step, reported per state,
    /// through <see cref="Mlp.Forward(ReadOnlySpan{float}, int, MlpWorkspace, Span{float})"/>.
    /// </summary>
    [Benchmark(OperationsPerInvoke = 4)]
    public int ActFourStates()
    {
        policy.Network.Forward(laneStates.AsSpan(0, 16), 4, lanesWorkspace, laneLogits.AsSpan(0, 8));
        policy.Head.SampleRows(laneLogits.AsSpan(0, 8), laneGenerators.AsSpan(0, 4), laneActions.AsSpan(0, 4));
        return laneActions[0];
    }

    /// <summary>The same through <see cref="RolloutForward"/>.</summary>
    [Benchmark(OperationsPerInvoke = 4)]
    public int ActFourStatesRolloutForward()
    {
        rolloutForward.Forward(laneStates.AsSpan(0, 16), 4, lanesWorkspace, laneLogits.AsSpan(0, 8));
        policy.Head.SampleRows(laneLogits.AsSpan(0, 8), laneGenerators.AsSpan(0, 4), laneActions.AsSpan(0, 4));
        return laneActions[0];
    }

    /// <summary>
    /// The policy action of the one-episode-at-a-time rollout through <see cref="Mlp.Forward(ReadOnlySpan{float}, int, MlpWorkspace, Span{float})"/>:
    /// the 4→128→2 forward on one state with the worker's workspace, then a sample from the softmax (the trainer's path
    /// before <see cref="RolloutForward"/>).
    /// </summary>
    [Benchmark]
    public int Act()
    {
        policy.Network.Forward(observation, 1, workspace, output);
        return policy.Head.Sample(output, rng);
    }

    /// <summary>
    /// The same action as the trainer runs it now: the forward through <see cref="RolloutForward"/> (W₁ kept as columns
    /// between refreshes, ReLU in the same registers, no Mlp bookkeeping; the same bits), then the sample.
    /// </summary>
    [Benchmark]
    public int ActRolloutForward()
    {
        rolloutForward.Forward(observation, 1, workspace, output);
        return policy.Head.Sample(output, rng);
    }

    /// <summary>The rollout forward alone (no sample), against <see cref="Forward"/>.</summary>
    [Benchmark]
    public void ForwardRolloutForward() => rolloutForward.Forward(observation, 1, workspace, output);

    /// <summary>The same through the convenience API <see cref="Policy.Act"/> (the network's own one-row workspace).</summary>
    [Benchmark]
    public int PolicyAct() => policy.Act(observation, rng);

    /// <summary>The forward alone (no sample).</summary>
    [Benchmark]
    public void Forward() => policy.Network.Forward(observation, 1, workspace, output);

    /// <summary>The sample alone: log-softmax of 2 logits, one uniform draw, the inversion.</summary>
    [Benchmark]
    public int Sample() => policy.Head.Sample(logits.AsSpan(0, 2), rng);

    /// <summary>Log-softmax, entropy and ∂L/∂logits for 500 rows (categorical head, β = 0.01).</summary>
    [Benchmark]
    public double HeadLossAndGradient()
        => policy.Head.LossAndGradient(logits, actions, weights, 0.01f, LossReduction.Mean, gradients).Loss;
}
