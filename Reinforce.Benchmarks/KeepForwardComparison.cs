using System.Diagnostics;
using System.Globalization;
using Reinforce.Training;

namespace Reinforce.Benchmarks;

/// <summary>
/// End to end (benchmarks/notes.md#keep-forward): the trainer's update (lockstep collection + returns + forward/backward + Adam) with the
/// update recomputing the batch's forward ("recompute", the default) against the update reading what the lockstep
/// rollout kept of it ("logits": each step's logits copied into the episode buffers during the rollout, so the update
/// skips the output layer's forward; "all": the logits and every hidden activation, so the update runs no forward).
/// The trainers hold the same weights and take the same batches bit for bit (KeptForwardTests), so they do the same
/// work but for the forward; they run interleaved in one process, round by round (who goes first rotates), so the
/// machine's drift hits them alike.
/// <code>
/// dotnet run -c Release --project Reinforce.Benchmarks -- keep-forward [--rounds 40] [--updates 10]
/// </code>
/// Per case: the median (and minimum) over rounds of the mean time of one <c>CollectBatch</c> and of one
/// <c>Update</c> (which includes its collection), in µs. "trained" is a policy that solved CartPole-v1 with the
/// default configuration (episodes of up to 500 steps), learning rate 1e-6 so that it stays trained; "initial" the
/// untrained policy (~20-step episodes). For whole training runs, <c>compare --keep-forward logits|all</c>.
/// </summary>
public static class KeepForwardComparison
{
    public static int Run(string[] args)
    {
        int rounds = 40, updates = 10;
        for (int i = 1; i < args.Length; i++)
        {
            if (args[i] == "--rounds" && i + 1 < args.Length)
            {
                rounds = int.Parse(args[++i], CultureInfo.InvariantCulture);
            }
            else if (args[i] == "--updates" && i + 1 < args.Length)
            {
                updates = int.Parse(args[++i], CultureInfo.InvariantCulture);
            }
        }
        var solved = new ReinforceTrainer(Compare.CliDefault(0));
        solved.Train();
        float[] trained = solved.Policy.Parameters.Values;

        RolloutForwardKept[] modes = [RolloutForwardKept.Nothing, RolloutForwardKept.Logits, RolloutForwardKept.Everything];
        Console.WriteLine($"# keep the rollout's forward: median (min) over {rounds} interleaved rounds of {updates} calls, µs per call;");
        Console.WriteLine("# recompute = the whole forward again (today), logits = the rollout's logits kept, all = its logits and hidden activations kept");
        Console.WriteLine($"{"case",-22} {"steps",6} {"what",8} {"recompute",17} {"logits",17} {"all",17} {"logits/rec",11} {"all/rec",8}");
        foreach ((int episodes, string policy) in new[] { (4, "trained"), (16, "trained"), (4, "initial"), (16, "initial") })
        {
            var options = new TrainerOptions { BatchEpisodes = episodes, LearningRate = 1e-6, Seed = 7 };
            var trainers = modes.Select(mode => new ReinforceTrainer(options, null, lockstep: true, mode)).ToArray();
            foreach (ReinforceTrainer trainer in trainers)
            {
                if (policy == "trained")
                {
                    trained.CopyTo(trainer.Policy.Parameters.Values, 0);
                }
                for (int i = 0; i < 20; i++) // buffers grown, methods compiled at their last tier
                {
                    trainer.Update();
                }
            }
            var collect = modes.Select(_ => new List<double>()).ToArray();
            var update = modes.Select(_ => new List<double>()).ToArray();
            for (int round = 0; round < rounds; round++)
            {
                for (int j = 0; j < modes.Length; j++)
                {
                    int m = (j + round) % modes.Length; // who goes first rotates
                    ReinforceTrainer trainer = trainers[m];
                    collect[m].Add(Time(() => trainer.CollectBatch(), updates));
                    update[m].Add(Time(() => trainer.Update(), updates));
                }
            }
            bool same = trainers.All(t => t.Policy.Parameters.Values.AsSpan().SequenceEqual(trainers[0].Policy.Parameters.Values));
            string name = $"{episodes} episodes, {policy}";
            foreach ((string what, List<double>[] times) in new[] { ("collect", collect), ("update", update) })
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{name,-22} {trainers[0].LastBatch.Steps,6} {what,8} {Cell(times[0]),17} {Cell(times[1]),17} {Cell(times[2]),17} {Median(times[1]) / Median(times[0]),11:F3} {Median(times[2]) / Median(times[0]),8:F3}{(same ? "" : "  (weights differ!)")}"));
            }
        }
        return 0;
    }

    private static double Time(Action call, int calls)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < calls; i++)
        {
            call();
        }
        return Stopwatch.GetElapsedTime(start).TotalMicroseconds / calls;
    }

    private static string Cell(List<double> values) => string.Create(CultureInfo.InvariantCulture, $"{Median(values):F1} ({values.Min():F1})");

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        int n = sorted.Count;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
