using System.Text.Json.Nodes;
using Reinforce.Checkpoints;
using Reinforce.Cli;
using Reinforce.Execution;
using Reinforce.Training;

namespace Reinforce.Tests.Cli;

/// <summary>
/// <c>train --execution reference|fast|auto</c>: the flag, config.json and the checkpoint keep the mode, a file written
/// before the mode existed reads as auto, resume may switch it, and every mode gives the same weights bit for bit.
/// </summary>
/// <remarks>
/// Until the trainer honours <see cref="TrainerOptions.Execution"/>, the equality tests pass trivially (every mode runs
/// the same code); they become the real check of the CLI path when the reference and the fast engines are wired in.
/// </remarks>
[TestFixture]
public sealed class ExecutionFlagTests : CliTestBase
{
    // A small run: 3 updates of 4 episodes with 8 hidden units.
    private static readonly string[] Small = ["--hidden", "8", "--max-updates", "3", "--quiet"];

    private static TrainerOptions Resolved(params string[] args) =>
        TrainCommand.Resolve(ParsedArguments.Parse("train", args, TrainCommand.Flags, 0, "")).Options;

    // Expected: the mode the value names, in any case (as every choice flag); exact.
    [TestCase("auto", ExecutionMode.Auto)]
    [TestCase("fast", ExecutionMode.Fast)]
    [TestCase("reference", ExecutionMode.Reference)]
    [TestCase("Reference", ExecutionMode.Reference)]
    public void EachValue_ParsesToItsMode(string value, ExecutionMode expected)
    {
        Assert.That(Resolved("--execution", value).Execution, Is.EqualTo(expected));
        Assert.That(Resolved($"--execution={value}").Execution, Is.EqualTo(expected));
    }

    [Test]
    public void WithoutTheFlag_TheModeIsAuto_InEveryPreset()
    {
        // Expected: ExecutionMode.Auto, TrainerOptions' default, which no preset changes.
        Assert.That(Resolved().Execution, Is.EqualTo(ExecutionMode.Auto));
        foreach (string preset in Reinforce.Cli.Preset.Names)
        {
            Assert.That(Resolved("--preset", preset).Execution, Is.EqualTo(ExecutionMode.Auto), preset);
        }
    }

    [TestCase("refrence", "--execution 'refrence' is not accepted; expected one of: auto, fast, reference; did you mean 'reference'?")]
    [TestCase("turbo", "--execution 'turbo' is not accepted; expected one of: auto, fast, reference")]
    [TestCase("", "--execution '' is not accepted; expected one of: auto, fast, reference")]
    public void BadValue_Exits2_WithOneLineNamingTheFlagAndTheValue(string value, string expected)
    {
        string run = InFolder("run");

        CliResult result = Run(["train", "--execution", value, "--out", run, .. Small]);

        AssertUsageError(result, expected);
        Assert.That(Directory.Exists(run) || Directory.Exists(run + ".partial"), Is.False, "no run folder for bad input");
    }

    [TestCase("auto")]
    [TestCase("fast")]
    [TestCase("reference")]
    public void ConfigJson_RecordsTheMode_AndRerunningItKeepsIt(string mode)
    {
        string first = InFolder("first"), second = InFolder("second");
        Assert.That(Run(["train", "--execution", mode, "--out", first, .. Small]).ExitCode, Is.Zero);

        CliResult rerun = Run("train", "--config", Path.Combine(first, "config.json"), "--out", second, "--quiet");

        // Expected: the name written by config.json, read back by --config, written again; the checkpoint's options agree. Exact.
        Assert.That(rerun.ExitCode, Is.Zero, rerun.ToString());
        Assert.That(SavedExecution(first), Is.EqualTo(mode));
        Assert.That(SavedExecution(second), Is.EqualTo(mode));
        Assert.That(TrainingCheckpoint.Load(Path.Combine(second, "checkpoint.safetensors")).Options.Execution.Name(), Is.EqualTo(mode));
        // Tolerance: bit-exact — the same configuration and seed.
        Assert.That(Weights(second), Is.EqualTo(Weights(first)));
    }

    [Test]
    public void TrainerOptionsJson_RoundTripsEveryMode()
    {
        foreach (ExecutionMode mode in Enum.GetValues<ExecutionMode>())
        {
            var options = new TrainerOptions { Execution = mode };
            string json = TrainerOptionsJson.Serialize(options);

            // Expected: the same options back, with every key required (as a checkpoint reads them). Exact.
            Assert.That(TrainerOptionsJson.Serialize(TrainerOptionsJson.Deserialize(json, requireAll: true)), Is.EqualTo(json), mode.ToString());
            Assert.That(TrainerOptionsJson.Deserialize(json, requireAll: true).Execution, Is.EqualTo(mode));
        }
    }

    [Test]
    public void ConfigJson_WithoutTheExecutionKey_LoadsAsAuto()
    {
        // A config.json written before the key existed: today's file with "execution" removed from "trainer".
        string first = InFolder("first"), second = InFolder("second"), legacy = InFolder("legacy.json");
        Assert.That(Run(["train", "--execution", "reference", "--out", first, .. Small]).ExitCode, Is.Zero);
        JsonObject config = JsonNode.Parse(File.ReadAllText(Path.Combine(first, "config.json")))!.AsObject();
        Assert.That(config["trainer"]!.AsObject().Remove("execution"), Is.True);
        File.WriteAllText(legacy, config.ToJsonString());

        CliResult rerun = Run("train", "--config", legacy, "--out", second, "--quiet");

        // Expected: auto (the default), and the same weights: the mode does not change the numbers. Tolerance: bit-exact.
        Assert.That(rerun.ExitCode, Is.Zero, rerun.ToString());
        Assert.That(SavedExecution(second), Is.EqualTo("auto"));
        Assert.That(Weights(second), Is.EqualTo(Weights(first)));
        // The bare options object of an older file, too (no key: the defaults).
        Assert.That(TrainerOptionsJson.Deserialize("""{ "seed": 3 }""").Execution, Is.EqualTo(ExecutionMode.Auto));
    }

    [TestCase("\"turbo\"", "key 'execution': Unknown execution mode 'turbo'; accepted: auto, fast, reference")]
    [TestCase("1", "key 'execution' must be a string, not '1'")]
    [TestCase("null", "key 'execution' must be a string, not 'null'")]
    public void ConfigJson_WithABadExecution_Exits2_NamingTheKey(string value, string expected)
    {
        string first = InFolder("first"), bad = InFolder("bad.json");
        Assert.That(Run(["train", "--out", first, .. Small]).ExitCode, Is.Zero);
        string text = File.ReadAllText(Path.Combine(first, "config.json"));
        Assert.That(text, Does.Contain("\"execution\": \"auto\""));
        File.WriteAllText(bad, text.Replace("\"execution\": \"auto\"", $"\"execution\": {value}", StringComparison.Ordinal));

        AssertUsageError(Run("train", "--config", bad, "--out", InFolder("second"), "--quiet"), expected);
    }

    [Test]
    public void Checkpoint_WithoutTheExecutionKey_Resumes_AsAuto()
    {
        // A checkpoint written before the key existed (format version 2 all the same): its trainer_options lack it.
        string whole = InFolder("whole"), split = InFolder("split");
        Assert.That(Run("train", "--hidden", "8", "--max-updates", "5", "--out", whole, "--quiet").ExitCode, Is.Zero);
        Assert.That(Run(["train", "--execution", "fast", "--out", split, .. Small]).ExitCode, Is.Zero);
        EditSafetensors(Path.Combine(split, "checkpoint.safetensors"), header =>
        {
            var options = JsonNode.Parse(header["__metadata__"]!["trainer_options"]!.GetValue<string>())!.AsObject();
            Assert.That(options.Remove("execution"), Is.True);
            header["__metadata__"]!["trainer_options"] = options.ToJsonString();
        });
        Assert.That(TrainingCheckpoint.Load(Path.Combine(split, "checkpoint.safetensors")).Options.Execution, Is.EqualTo(ExecutionMode.Auto));

        CliResult resumed = Run("train", "--resume", split, "--max-updates", "5", "--quiet");

        // Expected: the uninterrupted run's weights, Adam moments and counters. Tolerance: bit-exact.
        Assert.That(resumed.ExitCode, Is.Zero, resumed.ToString());
        Assert.That(SavedExecution(split), Is.EqualTo("auto"));
        Assert.That(Weights(split), Is.EqualTo(Weights(whole)));
    }

    [Test]
    public void Resume_WithAnotherMode_RecordsIt_AndContinuesAsAnUninterruptedRun()
    {
        string whole = InFolder("whole"), split = InFolder("split");
        Assert.That(Run("train", "--hidden", "8", "--max-updates", "6", "--out", whole, "--quiet").ExitCode, Is.Zero);
        Assert.That(Run(["train", "--execution", "fast", "--out", split, .. Small]).ExitCode, Is.Zero);

        CliResult resumed = Run("train", "--resume", split, "--execution", "reference", "--max-updates", "6", "--quiet");

        // Expected: the mode now used in config.json and the checkpoint; the uninterrupted (auto) run's weights, Adam
        // moments, counters, metrics.csv and episodes.csv. Tolerance: bit-exact (no mode changes the numbers).
        Assert.That(resumed.ExitCode, Is.Zero, resumed.ToString());
        Assert.That(SavedExecution(split), Is.EqualTo("reference"));
        Assert.That(TrainingCheckpoint.Load(Path.Combine(split, "checkpoint.safetensors")).Options.Execution, Is.EqualTo(ExecutionMode.Reference));
        Assert.That(Weights(split), Is.EqualTo(Weights(whole)));
        Assert.That(MetricsWithoutWallTime(split), Is.EqualTo(MetricsWithoutWallTime(whole)));
        Assert.That(EpisodesWithoutWallTime(split), Is.EqualTo(EpisodesWithoutWallTime(whole)));

        // Resuming again without the flag keeps the mode the run now uses (as --threads keeps its saved value).
        Assert.That(Run("train", "--resume", split, "--max-updates", "7", "--quiet").ExitCode, Is.Zero);
        Assert.That(SavedExecution(split), Is.EqualTo("reference"));
    }

    [Test]
    public void EveryMode_GivesTheSameCheckpointBitForBit()
    {
        // The default (auto), each mode named, and the fast engine with two workers (the split gradient pass).
        string[][] variants = [[], ["--execution", "auto"], ["--execution", "fast"], ["--execution", "reference"], ["--execution", "fast", "--threads", "2"],
            ["--execution", "auto", "--threads", "2"]];
        var weights = new List<int[]>();
        var metrics = new List<string[]>();
        for (int i = 0; i < variants.Length; i++)
        {
            string run = InFolder($"run{i}");
            CliResult result = Run(["train", .. variants[i], "--out", run, .. Small]);
            Assert.That(result.ExitCode, Is.Zero, result.ToString());
            weights.Add(Weights(run));
            metrics.Add(MetricsWithoutWallTime(run));
        }

        // Expected: the default run's weights, Adam moments, step and episode counts, and metrics.csv. Tolerance: bit-exact.
        for (int i = 1; i < variants.Length; i++)
        {
            Assert.That(weights[i], Is.EqualTo(weights[0]), string.Join(' ', variants[i]));
            Assert.That(metrics[i], Is.EqualTo(metrics[0]), string.Join(' ', variants[i]));
        }
    }

    [Test]
    public void Reference_WithThreads_WarnsOnce_AndRuns()
    {
        string run = InFolder("run");

        CliResult result = Run(["train", "--execution", "reference", "--threads", "2", "--out", run, .. Small]);
        // One-episode batches would give --threads a second reason; still one line.
        CliResult single = Run(["train", "--execution", "reference", "--threads", "2", "--batch-episodes", "1", "--out", InFolder("single"), .. Small]);
        CliResult fast = Run(["train", "--execution", "fast", "--threads", "2", "--out", InFolder("fast"), .. Small]);

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.ErrorLines, Has.Length.EqualTo(1), result.ToString());
        Assert.That(result.ErrorLines[0], Does.StartWith("reinforce train: warning: --threads has no effect here: threads are not used by the reference"));
        Assert.That(single.ExitCode, Is.Zero, single.ToString());
        Assert.That(single.ErrorLines, Has.Length.EqualTo(1), single.ToString());
        Assert.That(single.ErrorLines[0], Does.Contain("not used by the reference"));
        Assert.That(fast.ExitCode, Is.Zero, fast.ToString());
        Assert.That(fast.Error, Is.Empty, "the fast engine uses the workers: no warning");
    }

    private static string SavedExecution(string run) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(run, "config.json")))!["trainer"]!["execution"]!.GetValue<string>();
}
