using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Reinforce.Checkpoints;
using Reinforce.Cli;

namespace Reinforce.Tests.Cli;

/// <summary>
/// <c>--json</c> on train, eval, baseline and sweep: exactly one JSON object on stdout whatever the exit code, holding
/// the numbers of the text summary (checked against the text, the checkpoint and the sweep's summary.csv), errors as
/// <c>reinforce.error/1</c> with the stderr line unchanged, and numbers that are round-trip doubles and never NaN.
/// docs/cli.md's tables of the fields are checked in <see cref="Docs.JsonOutputDocsTests"/>.
/// </summary>
[TestFixture]
public sealed partial class JsonOutputTests : CliTestBase
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>stdout as one JSON object on one line (what the tool promises), parsed.</summary>
    internal static JsonElement SingleObject(string stdout)
    {
        Assert.That(stdout, Does.EndWith("\n"), stdout);
        Assert.That(stdout.TrimEnd('\n'), Does.Not.Contain('\n'), "one line");
        using var document = JsonDocument.Parse(stdout);
        Assert.That(document.RootElement.ValueKind, Is.EqualTo(JsonValueKind.Object), stdout);
        return document.RootElement.Clone();
    }

    private static JsonElement Object(CliResult result) => SingleObject(result.Output);

    [Test]
    public void Train_PrintsOneObject_WithTheNumbersOfTheTextSummary_AndOfTheCheckpoint()
    {
        string textRun = InFolder("text"), jsonRun = InFolder("json");
        CliResult text = Run(["train", .. PreviousDefault, "--out", textRun, "--quiet"]);

        CliResult result = Run(["train", .. PreviousDefault, "--out", jsonRun, "--quiet", "--json"]);

        // Expected (on the previous default, which solves by the running reward): the same seed's run, so the text summary's numbers (rounded as printed) and the checkpoint's counters
        // and running reward (exact: the JSON number is the round-trip form of the same double).
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Error, Is.EqualTo(text.Error), "stderr as without --json");
        JsonElement json = Object(result);
        Assert.That(json.GetProperty("schema").GetString(), Is.EqualTo("reinforce.train/1"));
        Assert.That(json.GetProperty("command").GetString(), Is.EqualTo("train"));
        Assert.That(json.GetProperty("exitCode").GetInt32(), Is.Zero);
        Assert.That(json.GetProperty("error").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(json.GetProperty("status").GetString(), Is.EqualTo("solved"));
        Assert.That(json.GetProperty("runFolder").GetString(), Is.EqualTo(jsonRun));

        Match solved = Regex.Match(text.OutputLines[0], @"^Solved CartPole-v1 after (\d+) episodes \((\d+) steps\) in .* \(running reward (\d+\.\d\d) > (\d+\.\d\d)\)$");
        Assert.That(solved.Success, Is.True, text.Output);
        Assert.That(json.GetProperty("episodes").GetInt64(), Is.EqualTo(long.Parse(solved.Groups[1].Value, Invariant)));
        Assert.That(json.GetProperty("steps").GetInt64(), Is.EqualTo(long.Parse(solved.Groups[2].Value, Invariant)));
        Assert.That(json.GetProperty("runningReward").GetDouble().ToString("0.00", Invariant), Is.EqualTo(solved.Groups[3].Value));
        Assert.That(json.GetProperty("threshold").GetDouble().ToString("0.00", Invariant), Is.EqualTo(solved.Groups[4].Value));
        Match first = Regex.Match(text.OutputLines[1], @"running reward > 475\.00 at episode (\d+); mean of the last 100 returns ≥ 475\.00 not yet \(now (\d+\.\d\d)\)$");
        Assert.That(first.Success, Is.True, "the previous default's seed 0 solves by the running reward before the mean of 100: " + text.Output);
        Assert.That(json.GetProperty("firstSolved").GetProperty("running").GetInt64(), Is.EqualTo(long.Parse(first.Groups[1].Value, Invariant)));
        Assert.That(json.GetProperty("firstSolved").GetProperty("mean100").ValueKind, Is.EqualTo(JsonValueKind.Null), "not yet");
        Assert.That(json.GetProperty("meanOfLast100").GetDouble().ToString("0.00", Invariant), Is.EqualTo(first.Groups[2].Value));

        TrainingCheckpoint checkpoint = TrainingCheckpoint.Load(Path.Combine(jsonRun, "checkpoint.safetensors"));
        Assert.That(json.GetProperty("updates").GetInt32(), Is.EqualTo(checkpoint.Progress.UpdatesCompleted));
        Assert.That(json.GetProperty("episodes").GetInt64(), Is.EqualTo(checkpoint.Progress.EpisodesCompleted));
        Assert.That(json.GetProperty("steps").GetInt64(), Is.EqualTo(checkpoint.Progress.StepsCompleted));
        Assert.That(json.GetProperty("runningReward").GetDouble(), Is.EqualTo(checkpoint.Progress.RunningReward), "bit for bit");
        Assert.That(json.GetProperty("seconds").GetDouble(), Is.EqualTo(double.Parse(checkpoint.Extra["cli.wall_seconds"], Invariant)), "the time the checkpoint records");
        Assert.That(json.GetProperty("solved").GetBoolean(), Is.True);
        Assert.That(json.GetProperty("solvedBy").GetString(), Is.EqualTo("running"));
        Assert.That(json.GetProperty("seed").GetUInt64(), Is.Zero);
        Assert.That(json.GetProperty("resumed").GetBoolean(), Is.False);
        Assert.That(json.GetProperty("bestEvaluation").ValueKind, Is.EqualTo(JsonValueKind.Null), "no --eval-interval");
    }

    [Test]
    public void Train_WithEvaluations_ReportsTheBestAndTheLast_AsEvalCsvHasThem()
    {
        string run = InFolder("run");

        CliResult result = Run("train", "--max-updates", "4", "--eval-interval", "2", "--eval-episodes", "3", "--out", run, "--quiet", "--json");

        // Expected: eval.csv's rows (written with 4 decimals: compared at that rounding) and the best one's file.
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        JsonElement json = Object(result);
        Assert.That(json.GetProperty("status").GetString(), Is.EqualTo("finished"));
        string[][] rows = [.. File.ReadAllLines(Path.Combine(run, "eval.csv")).Skip(1).Select(l => l.Split(','))];
        Assert.That(rows, Has.Length.EqualTo(2), "updates 2 and 4");
        JsonElement last = json.GetProperty("lastEvaluation");
        Assert.That(last.GetProperty("update").GetInt32(), Is.EqualTo(4));
        Assert.That(last.GetProperty("episodes").GetInt32(), Is.EqualTo(3));
        Assert.That(last.GetProperty("return").GetProperty("mean").GetDouble().ToString("0.####", Invariant), Is.EqualTo(rows[1][4]));
        Assert.That(last.GetProperty("return").GetProperty("std").GetDouble().ToString("0.####", Invariant), Is.EqualTo(rows[1][5]));
        Assert.That(last.GetProperty("length").GetProperty("mean").GetDouble().ToString("0.####", Invariant), Is.EqualTo(rows[1][8]));
        JsonElement best = json.GetProperty("bestEvaluation");
        double bestInCsv = rows.Max(r => double.Parse(r[4], Invariant));
        Assert.That(best.GetProperty("meanReturn").GetDouble().ToString("0.####", Invariant), Is.EqualTo(bestInCsv.ToString("0.####", Invariant)));
        Assert.That(best.GetProperty("path").GetString(), Is.EqualTo(Path.Combine(run, "best.safetensors")));
        Assert.That(File.Exists(best.GetProperty("path").GetString()), Is.True);
    }

    [Test]
    public void EvalAndBaseline_PrintOneObject_WithTheNumbersAndTheHistogramOfTheTextReport()
    {
        string run = InFolder("run"), svg = InFolder("lengths.svg");
        Assert.That(Run("train", "--max-updates", "3", "--out", run, "--quiet").ExitCode, Is.Zero);

        foreach (string[] command in new[]
        {
            new[] { "eval", run, "--episodes", "40", "--seed", "7", "--policy", "sample" },
            new[] { "baseline", "--episodes", "60", "--svg", svg },
        })
        {
            CliResult text = Run(command);
            CliResult result = Run([.. command, "--json"]);

            // Expected: the text report of the same episodes, at its rounding; the histogram bar for bar.
            string what = string.Join(' ', command);
            Assert.That(result.ExitCode, Is.Zero, result.ToString());
            JsonElement json = Object(result);
            Assert.That(json.GetProperty("schema").GetString(), Is.EqualTo($"reinforce.{command[0]}/1"), what);
            Match stats = Regex.Match(text.Output, @"return  mean (\S+)  std (\S+)  min (\S+)  max (\S+)\n");
            Assert.That(stats.Success, Is.True, text.Output);
            JsonElement returns = json.GetProperty("return");
            Assert.That(returns.GetProperty("mean").GetDouble().ToString("0.00", Invariant), Is.EqualTo(stats.Groups[1].Value), what);
            Assert.That(returns.GetProperty("std").GetDouble().ToString("0.00", Invariant), Is.EqualTo(stats.Groups[2].Value), what);
            Assert.That(returns.GetProperty("min").GetDouble().ToString("0.##", Invariant), Is.EqualTo(stats.Groups[3].Value), what);
            Assert.That(returns.GetProperty("max").GetDouble().ToString("0.##", Invariant), Is.EqualTo(stats.Groups[4].Value), what);
            Match truncated = Regex.Match(text.Output, @"reached the time limit: (\d+)/(\d+)");
            Assert.That(json.GetProperty("truncated").GetInt32(), Is.EqualTo(int.Parse(truncated.Groups[1].Value, Invariant)), what);
            Assert.That(json.GetProperty("episodes").GetInt32(), Is.EqualTo(int.Parse(truncated.Groups[2].Value, Invariant)), what);
            string[] bars = [.. Regex.Matches(text.Output, @"^ +(\d+(?:–\d+)?) │[█ ]+ (\d+)$", RegexOptions.Multiline).Select(m => $"{m.Groups[1].Value}:{m.Groups[2].Value}")];
            string[] bins = [.. json.GetProperty("histogram").EnumerateArray().Select(b =>
                (b.GetProperty("low").GetInt64() == b.GetProperty("high").GetInt64() ? $"{b.GetProperty("low")}" : $"{b.GetProperty("low")}–{b.GetProperty("high")}") + $":{b.GetProperty("count")}")];
            Assert.That(bins, Is.EqualTo(bars).And.Not.Empty, what);
            Assert.That(json.GetProperty("histogram").EnumerateArray().Sum(b => b.GetProperty("count").GetInt32()), Is.EqualTo(json.GetProperty("episodes").GetInt32()));
            JsonElement firstBin = json.GetProperty("histogram")[0], lastBin = json.GetProperty("histogram")[json.GetProperty("histogram").GetArrayLength() - 1];
            Assert.That(json.GetProperty("length").GetProperty("min").GetInt64(), Is.InRange(firstBin.GetProperty("low").GetInt64(), firstBin.GetProperty("high").GetInt64()), "in the first bin");
            Assert.That(json.GetProperty("length").GetProperty("max").GetInt64(), Is.InRange(lastBin.GetProperty("low").GetInt64(), lastBin.GetProperty("high").GetInt64()), "in the last bin");
        }
        JsonElement eval = Object(Run("eval", run, "--episodes", "5", "--json"));
        Assert.That(eval.GetProperty("checkpoint").GetString(), Is.EqualTo(Path.Combine(run, "checkpoint.safetensors")));
        Assert.That(eval.GetProperty("policy").GetString(), Is.EqualTo("greedy"));
        Assert.That(eval.GetProperty("svg").ValueKind, Is.EqualTo(JsonValueKind.Null));
        JsonElement baseline = Object(Run("baseline", "--episodes", "5", "--svg", svg, "--json"));
        Assert.That(baseline.GetProperty("checkpoint").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(baseline.GetProperty("policy").GetString(), Is.EqualTo("baseline"));
        Assert.That(baseline.GetProperty("svg").GetString(), Is.EqualTo(svg));
        Assert.That(baseline.GetProperty("timeLimit").GetInt32(), Is.EqualTo(500), "CartPole-v1's");
    }

    [Test]
    public void Sweep_PrintsOneObject_WhoseConfigurationsAreSummaryCsvsRows()
    {
        string sweep = InFolder("sweep");

        CliResult result = Run("sweep", "--seeds", "4", "--grid", "lr=0.01,0.03", "--max-episodes", "300", "--eval-episodes", "2", "--out", sweep, "--quiet", "--json");

        // Expected: summary.csv's numbers, which it writes in round-trip form ("R"): equal exactly; its wall times are
        // written with 4 and 3 decimals, and compared at that rounding.
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        JsonElement json = Object(result);
        Assert.That(json.GetProperty("schema").GetString(), Is.EqualTo("reinforce.sweep/1"));
        Assert.That(json.GetProperty("sweepFolder").GetString(), Is.EqualTo(sweep));
        Assert.That(json.GetProperty("plannedRuns").GetInt32(), Is.EqualTo(8));
        Assert.That(json.GetProperty("completedRuns").GetInt32(), Is.EqualTo(8));
        Assert.That(json.GetProperty("interrupted").GetBoolean(), Is.False);
        Assert.That(json.GetProperty("seeds").GetInt32(), Is.EqualTo(4));
        string[] lines = File.ReadAllLines(Path.Combine(sweep, "summary.csv"));
        string[] header = lines[0].Split(',');
        JsonElement[] configurations = [.. json.GetProperty("configurations").EnumerateArray()];
        Assert.That(configurations, Has.Length.EqualTo(lines.Length - 1));
        for (int c = 0; c < configurations.Length; c++)
        {
            Dictionary<string, string> row = header.Zip(lines[c + 1].Split(',')).ToDictionary(p => p.First, p => p.Second);
            JsonElement j = configurations[c];
            string Json(string path, string format = "R")
            {
                JsonElement value = path.Split('.').Aggregate(j, (e, name) => e.ValueKind == JsonValueKind.Null ? e : e.GetProperty(name));
                return value.ValueKind == JsonValueKind.Null ? "" : value.GetDouble().ToString(format, Invariant);
            }
            Assert.Multiple(() =>
            {
                Assert.That(j.GetProperty("index").GetInt32().ToString(Invariant), Is.EqualTo(row["config"]));
                Assert.That(j.GetProperty("name").GetString(), Is.EqualTo(row["name"]));
                Assert.That(j.GetProperty("solvedBy").GetString(), Is.EqualTo(row["solved_by"]));
                Assert.That(Json("runs"), Is.EqualTo(row["runs"]));
                Assert.That(Json("solved"), Is.EqualTo(row["solved"]));
                Assert.That(Json("solveRate"), Is.EqualTo(row["solve_rate"]));
                Assert.That(Json("solveRateWilson.low"), Is.EqualTo(row["wilson_low"]));
                Assert.That(Json("solveRateWilson.high"), Is.EqualTo(row["wilson_high"]));
                Assert.That(Json("solveRateClopperPearson.low"), Is.EqualTo(row["clopper_pearson_low"]));
                Assert.That(Json("solveRateClopperPearson.high"), Is.EqualTo(row["clopper_pearson_high"]));
                Assert.That(Json("solvedOtherCriterion"), Is.EqualTo(row["solved_other_criterion"]));
                Assert.That(Json("diverged"), Is.EqualTo(row["diverged"]));
                foreach (var (field, column) in new[] { ("episodesToSolveMedian", "episodes_median"), ("episodesToSolveIqm", "episodes_iqm"),
                    ("stepsToSolveMedian", "steps_median"), ("stepsToSolveIqm", "steps_iqm"), ("evalReturnIqm", "eval_return_iqm") })
                {
                    Assert.That(Json($"{field}.estimate"), Is.EqualTo(row[column]), field);
                    Assert.That(Json($"{field}.low"), Is.EqualTo(row[column + "_low"]), field);
                    Assert.That(Json($"{field}.high"), Is.EqualTo(row[column + "_high"]), field);
                }
                Assert.That(Json("evalReturnMean"), Is.EqualTo(row["eval_return_mean"]));
                Assert.That(Json("wallSecondsMedian", "0.####"), Is.EqualTo(row["wall_seconds_median"]));
                Assert.That(Json("wallSecondsTotal", "0.###"), Is.EqualTo(row["wall_seconds_total"]));
            });
        }
        Assert.That(configurations.Sum(c => c.GetProperty("solved").GetInt32()), Is.Positive, "some run solved, so the intervals were compared as numbers");
    }

    [TestCase("train", "--gamma", "1.5")]
    [TestCase("eval")]
    [TestCase("baseline", "--episodes", "0")]
    [TestCase("sweep", "--seeds", "0")]
    [TestCase("train", "--json", "--hiden", "64")]
    public void BadInput_IsOneErrorObject_AndTheSameLineOnStderr(params string[] args)
    {
        CliResult text = Run([.. args.Where(a => a != "--json")]);

        CliResult result = Run([.. args, "--json"]);

        // Expected: the text mode's one line on stderr, unchanged; its message (after "reinforce CMD: error: ") in the object.
        AssertUsageError(text, "reinforce");
        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.Error, Is.EqualTo(text.Error));
        JsonElement json = Object(result);
        Assert.That(json.EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "schema", "command", "exitCode", "error" }));
        Assert.That(json.GetProperty("schema").GetString(), Is.EqualTo("reinforce.error/1"));
        Assert.That(json.GetProperty("command").GetString(), Is.EqualTo(args[0]));
        Assert.That(json.GetProperty("exitCode").GetInt32(), Is.EqualTo(2));
        Assert.That(json.GetProperty("error").GetString(), Is.EqualTo(text.Error.TrimEnd('\n')[$"reinforce {args[0]}: error: ".Length..]));
    }

    [Test]
    public void Interrupted_IsTheResultWithItsExitCode_OrAnErrorObjectWhenThereIsNoResult()
    {
        string run = InFolder("run");
        using var interrupt = new CancellationTokenSource();
        interrupt.Cancel();

        // Ctrl-C before the first update: train still ends with its result (no update done).
        CliResult train = Run(interrupt.Token, null, "train", "--out", run, "--quiet", "--json");
        // eval interrupted while playing: no result, an error object.
        CliResult eval = Run(interrupt.Token, null, "eval", run, "--episodes", "10", "--json");
        // SIGTERM: the program ends with 143 (Program.cs maps it), which the object says.
        var stdout = new StringWriter();
        var context = new CliContext(stdout, new StringWriter(), interrupt.Token, Style.None, Style.None) { InterruptedExitCode = () => 143 };
        int terminated = Reinforce.Cli.Cli.Run(["train", "--out", InFolder("terminated"), "--quiet", "--json"], context);

        Assert.That(train.ExitCode, Is.EqualTo(130), train.ToString());
        JsonElement trained = Object(train);
        Assert.That(trained.GetProperty("schema").GetString(), Is.EqualTo("reinforce.train/1"));
        Assert.That(trained.GetProperty("exitCode").GetInt32(), Is.EqualTo(130));
        Assert.That(trained.GetProperty("status").GetString(), Is.EqualTo("interrupted"));
        Assert.That(trained.GetProperty("error").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(trained.GetProperty("episodes").GetInt64(), Is.Zero);
        Assert.That(trained.GetProperty("runningReward").ValueKind, Is.EqualTo(JsonValueKind.Null), "no episode yet");
        Assert.That(train.Error, Does.Contain($"--resume {run}"), "the hint stays on stderr");

        Assert.That(eval.ExitCode, Is.EqualTo(130), eval.ToString());
        JsonElement evaluated = Object(eval);
        Assert.That(evaluated.GetProperty("schema").GetString(), Is.EqualTo("reinforce.error/1"));
        Assert.That(evaluated.GetProperty("exitCode").GetInt32(), Is.EqualTo(130));
        Assert.That(evaluated.GetProperty("error").GetString(), Is.EqualTo("interrupted"));

        Assert.That(terminated, Is.EqualTo(130), "Cli.Run returns 130; the program maps it");
        Assert.That(SingleObject(stdout.ToString()).GetProperty("exitCode").GetInt32(), Is.EqualTo(143));
    }

    [Test]
    public void Divergence_IsTheResult_WithExitCode1_AndTheReason()
    {
        // SGD with lr 1e30 overflows the logits in update 2 (as in TrainCommandTests' divergence test).
        string run = InFolder("run");

        CliResult result = Run(["train", .. PreviousDefaultWith("--optimizer", "sgd", "--lr", "1e30", "--normalize", "none"), "--out", run, "--quiet", "--json"]);

        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(result.ErrorLines, Has.Length.EqualTo(1), "the one line on stderr, as without --json");
        JsonElement json = Object(result);
        Assert.That(json.GetProperty("schema").GetString(), Is.EqualTo("reinforce.train/1"));
        Assert.That(json.GetProperty("exitCode").GetInt32(), Is.EqualTo(1));
        Assert.That(json.GetProperty("status").GetString(), Is.EqualTo("diverged"));
        Assert.That(json.GetProperty("updates").GetInt32(), Is.EqualTo(1), "the last good update");
        Assert.That(json.GetProperty("error").GetString(), Does.StartWith("training diverged: ").And.Contain("non-finite"));
        Assert.That(result.Error, Does.Contain(json.GetProperty("error").GetString()));
    }

    [Test]
    public void Help_AndNoJson_PrintText()
    {
        string run = InFolder("run");

        CliResult help = Run("train", "--json", "--help");
        CliResult off = Run(["train", .. PreviousDefault, "--json", "--max-updates", "1", "--out", run, "--quiet", "--no-json"]);

        Assert.That(help.ExitCode, Is.Zero);
        Assert.That(help.Output, Does.StartWith("reinforce train — ").And.Contain("--json"));
        Assert.That(off.ExitCode, Is.Zero, off.ToString());
        Assert.That(off.OutputLines[0], Does.StartWith("Not solved CartPole-v1 after 4 episodes"), "the text summary");
    }

    [Test]
    public void Numbers_AreRoundTripDoubles_AndNullWhenAbsentOrNotFinite()
    {
        var result = new JsonResult("train");
        result.Set(json =>
        {
            JsonResult.Number(json, "nan", double.NaN);
            JsonResult.Number(json, "infinity", double.PositiveInfinity);
            JsonResult.Number(json, "negativeInfinity", double.NegativeInfinity);
            JsonResult.Number(json, "absent", null);
            JsonResult.Number(json, "tenth", 0.1);
            JsonResult.Number(json, "third", 1.0 / 3);
            JsonResult.Number(json, "tiny", double.Epsilon);
            JsonResult.Number(json, "huge", double.MaxValue);
            JsonResult.Number(json, "e16", 1e16);
            JsonResult.Integer(json, "integer", long.MaxValue);
        });

        string text = result.Render(0);

        // Expected: JSON's grammar has no NaN or Infinity (RFC 8259, section 6), so null; every finite double reads back
        // bit for bit (the shortest round-trip digits).
        JsonElement json = SingleObject(text);
        Assert.That(new[] { "nan", "infinity", "negativeInfinity", "absent" }.Select(n => json.GetProperty(n).ValueKind), Has.All.EqualTo(JsonValueKind.Null));
        Assert.That(text, Does.Contain("\"tenth\":0.1,").And.Contain("\"tiny\":5E-324,").And.Contain("\"e16\":10000000000000000,"),
            "the shortest digits that read back as the same double (Utf8JsonWriter's form; an integral value without an exponent)");
        Assert.That(json.GetProperty("third").GetDouble(), Is.EqualTo(1.0 / 3));
        Assert.That(json.GetProperty("tiny").GetDouble(), Is.EqualTo(double.Epsilon));
        Assert.That(json.GetProperty("huge").GetDouble(), Is.EqualTo(double.MaxValue));
        Assert.That(json.GetProperty("integer").GetInt64(), Is.EqualTo(long.MaxValue));
        Assert.That(json.GetProperty("schema").GetString(), Is.EqualTo("reinforce.train/1"));
    }
}
