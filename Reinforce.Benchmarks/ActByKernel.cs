using System.Globalization;
using Reinforce.Execution.Fast;
using Reinforce.NeuralNetworks;
using Reinforce.Policies;
using Reinforce.Randomness;

namespace Reinforce.Benchmarks;

/// <summary>
/// <c>act [rounds] [states…]</c>: the lockstep action (forward of the live lanes' states and the two-action sample) of the
/// default policy (4→128 ReLU→2, categorical), ns per state, by way of computing it, interleaved round by round in one
/// process so that a busy machine slows every way alike: the layers one by one (<see cref="RolloutForward.FusedEnabled"/>
/// off) with the any-K lane sampler (the rollout before the fused kernel), the fused forward with the same sampler, and the
/// fused forward into columns with the two-action sampler (the rollout now). Prints the median ns per state of each and its
/// median ratio to the first, paired by round; every way gives the same actions (RolloutForwardTests, CategoricalHeadRowsTests).
/// </summary>
public static class ActByKernel
{
    private delegate void Way(int states);

    public static int Run(string[] args)
    {
        int rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 300;
        int[] sizes = args.Length > 2 ? [.. args.Skip(2).Select(a => int.Parse(a, CultureInfo.InvariantCulture))] : [4, 16, 64];
        int most = sizes.Max();
        var policy = Policy.Create(4, [128], Activation.ReLU, new CategoricalHead(2), new Pcg64(543));
        var forward = RolloutForward.TryCreate(policy.Network)!;
        forward.Refresh();
        var random = new Random(42);
        float[] states = [.. Enumerable.Range(0, 4 * most).Select(_ => (float)(random.NextDouble() * 0.1 - 0.05))];
        float[] logits = new float[2 * most], logits0 = new float[RolloutForward.PaddedRows(most)], logits1 = new float[logits0.Length];
        int[] actions = new int[most];
        Pcg64[] generators = [.. Enumerable.Range(0, most).Select(i => Pcg64.Derive(7, (ulong)i))];
        MlpWorkspace workspace = policy.Network.CreateWorkspace(most);
        var head = (CategoricalHead)policy.Head;
        (string Name, Way Act)[] ways =
        [
            ("layers + any-K sampler", n =>
            {
                RolloutForward.FusedEnabled = false;
                forward.Forward(states.AsSpan(0, 4 * n), n, workspace, logits.AsSpan(0, 2 * n));
                RolloutForward.FusedEnabled = true;
                CategoricalLanes.SampleRowsAnyK(head, logits.AsSpan(0, 2 * n), generators.AsSpan(0, n), actions.AsSpan(0, n));
            }),
            ("fused + any-K sampler", n =>
            {
                forward.Forward(states.AsSpan(0, 4 * n), n, workspace, logits.AsSpan(0, 2 * n));
                CategoricalLanes.SampleRowsAnyK(head, logits.AsSpan(0, 2 * n), generators.AsSpan(0, n), actions.AsSpan(0, n));
            }),
            ("fused columns + two-action sampler", n =>
            {
                forward.ForwardTwoLogits(states.AsSpan(0, 4 * n), n, logits0, logits1);
                CategoricalLanes.SampleTwoActions(logits0, logits1, generators.AsSpan(0, n), actions.AsSpan(0, n));
            }),
            ("layers forward alone", n =>
            {
                RolloutForward.FusedEnabled = false;
                forward.Forward(states.AsSpan(0, 4 * n), n, workspace, logits.AsSpan(0, 2 * n));
                RolloutForward.FusedEnabled = true;
            }),
            ("fused forward alone", n => forward.ForwardTwoLogits(states.AsSpan(0, 4 * n), n, logits0, logits1)),
            ("two-action sampler alone", n => CategoricalLanes.SampleTwoActions(logits0, logits1, generators.AsSpan(0, n), actions.AsSpan(0, n))),
            ("the draws alone (u per state)", n =>
            {
                double sum = 0;
                for (int i = 0; i < n; i++)
                {
                    sum += generators[i].NextDouble();
                }
                actions[0] = sum > 1e300 ? 1 : 0;
            }),
        ];
        var ns = new List<double>[sizes.Length, ways.Length];
        for (int s = 0; s < sizes.Length; s++)
        {
            for (int w = 0; w < ways.Length; w++)
            {
                ns[s, w] = [];
                for (int i = 0; i < 20000; i++)
                {
                    ways[w].Act(sizes[s]); // warm: tier-1 code
                }
            }
        }
        for (int round = 0; round < rounds; round++)
        {
            for (int s = 0; s < sizes.Length; s++)
            {
                // About 100–200 µs per timing, so that most of them run between two preemptions of a busy machine.
                int repeats = Math.Max(1, 4096 / sizes[s]);
                for (int w = 0; w < ways.Length; w++)
                {
                    double start = ThreadClock.Nanoseconds();
                    for (int i = 0; i < repeats; i++)
                    {
                        ways[w].Act(sizes[s]);
                    }
                    ns[s, w].Add((ThreadClock.Nanoseconds() - start) / ((double)repeats * sizes[s]));
                }
            }
        }
        Console.WriteLine($"# ns per state of the lockstep action, {rounds} interleaved rounds, {ThreadClock.Name}; .NET {Environment.Version}, Vector<float>.Count {System.Numerics.Vector<float>.Count}");
        Console.WriteLine($"{"states",7} {"way",-36} {"median",8} {"best",8} {"vs first",9}");
        for (int s = 0; s < sizes.Length; s++)
        {
            for (int w = 0; w < ways.Length; w++)
            {
                double ratio = Median([.. Enumerable.Range(0, rounds).Select(r => ns[s, w][r] / ns[s, 0][r])]);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{sizes[s],7} {ways[w].Name,-36} {Median(ns[s, w]),8:F1} {ns[s, w].Min(),8:F1} {ratio,8:F2}×"));
            }
        }
        return 0;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        int n = sorted.Count;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
