using Reinforce.Checkpoints;

namespace Reinforce.Tests.Cli;

/// <summary>Every kind of bad input ends with exit code 2, one line naming the flag or file and what is accepted, and no run folder.</summary>
[TestFixture]
public sealed class BadInputTests : CliTestBase
{
    // (arguments after "train --out RUN", text the one line must contain)
    [TestCase("--lrr|0.1", "unknown flag '--lrr'; did you mean '--lr'?")]
    [TestCase("--lr", "--lr needs a value")]
    [TestCase("--lr|--gamma|0.9", "--lr needs a value")]
    [TestCase("--lr|-0.01", "--lr '-0.01' is out of range; expected a finite number > 0")]
    [TestCase("--lr|0", "--lr '0' is out of range")]
    [TestCase("--lr|abc", "--lr 'abc' is not a number")]
    [TestCase("--lr|NaN", "--lr 'NaN' is not finite")]
    [TestCase("--lr|Infinity", "--lr 'Infinity' is not finite")]
    [TestCase("--gamma|1.5", "--gamma '1.5' is out of range; expected a number in [0, 1]")]
    [TestCase("--gamma|-0.1", "--gamma '-0.1' is out of range")]
    [TestCase("--entropy-coef|-1", "--entropy-coef '-1' is out of range")]
    [TestCase("--dropout|1", "--dropout '1' is out of range; expected a number in [0, 1)")]
    [TestCase("--dropout|-0.1", "--dropout '-0.1' is out of range; expected a number in [0, 1)")]
    [TestCase("--dropout|abc", "--dropout 'abc' is not a number; expected a number in [0, 1)")]
    [TestCase("--dropout|NaN", "--dropout 'NaN' is not finite")]
    [TestCase("--hidden|0", "--hidden '0' is not accepted")]
    [TestCase("--hidden|64,,64", "--hidden '64,,64' is not accepted")]
    [TestCase("--hidden|-5", "--hidden '-5' is not accepted")]
    [TestCase("--batch-episodes|0", "--batch-episodes '0' is out of range; expected an integer ≥ 1")]
    [TestCase("--batch-episodes|2.5", "--batch-episodes '2.5' is not an integer")]
    [TestCase("--batch-episodes|2|--batch-steps|100", "give one of them")]
    [TestCase("--max-steps|0", "--max-steps '0' is out of range")]
    [TestCase("--seed|-1", "--seed '-1' is not accepted")]
    [TestCase("--threads|0", "--threads '0' is out of range")]
    [TestCase("--execution|refrence", "--execution 'refrence' is not accepted; expected one of: auto, fast, reference; did you mean 'reference'?")]
    [TestCase("--running-reward-weight|0", "--running-reward-weight '0' is out of range; expected a number in (0, 1]")]
    [TestCase("--preset|pytorch", "--preset 'pytorch' is not accepted; expected one of: default, pytorch-example")]
    [TestCase("--preset|pytorch", "did you mean 'pytorch-example' or 'pytorch-reinforce'?")]
    [TestCase("--env|cartpole", "did you mean 'CartPole-v1' or 'CartPole-v0'?")]
    [TestCase("--activation|rellu", "did you mean 'relu'?")]
    [TestCase("--env|CartPole-v2", "--env 'CartPole-v2' is not accepted; expected one of: CartPole-v1, CartPole-v0")]
    [TestCase("--env|MountainCar-v0", "--env 'MountainCar-v0' is not accepted")]
    [TestCase("--activation|sigmoid", "--activation 'sigmoid' is not accepted; expected one of: relu, tanh, leaky-relu, elu")]
    [TestCase("--optimizer|rmsprop", "--optimizer 'rmsprop' is not accepted; expected one of: adam, sgd")]
    [TestCase("--baseline=maybe", "'--baseline=maybe': expected --baseline, --no-baseline")]
    [TestCase("--preset|default|--config|x.json", "--preset and --config")]
    [TestCase("--config|missing.json", "--config 'missing.json': no such file")]
    [TestCase("extra", "unexpected argument 'extra'")]
    public void Train_BadFlag_Exits2_WithOneLine_AndNoRunFolder(string arguments, string expected)
    {
        string run = InFolder("run");

        CliResult result = Run(["train", "--out", run, .. arguments.Split('|')]);

        AssertUsageError(result, expected);
        Assert.That(Directory.Exists(run) || Directory.Exists(run + ".partial"), Is.False, "no run folder for bad input");
    }

    [TestCase("trian", "unknown command 'trian'; commands: train, sweep, eval, baseline, render, plot, presets, explain; did you mean 'train'?")]
    [TestCase("--lr", "'--lr' must follow a command")]
    [TestCase("--verison", "'--verison' must follow a command; commands: train, sweep, eval, baseline, render, plot, presets, explain; did you mean '--version'?")]
    [TestCase("presets|nope", "unknown preset 'nope'")]
    [TestCase("eval", "which checkpoint?")]
    [TestCase("eval|missing.safetensors", "error: 'missing.safetensors': no such file")]
    [TestCase("plot|missing-run", "'missing-run': no such file or folder")]
    [TestCase("render", "what should play?")]
    [TestCase("baseline|--episodes|0", "--episodes '0' is out of range")]
    [TestCase("baseline|--env|CartPole-v9", "--env 'CartPole-v9' is not accepted")]
    [TestCase("eval|a|b", "at most 1 checkpoint")]
    public void OtherCommands_BadInput_Exits2_WithOneLine(string arguments, string expected)
    {
        AssertUsageError(Run(arguments.Split('|')), expected);
    }

    /// <summary>A config file's mistyped key gets the same hint as a mistyped flag: the key it differs from only by case.</summary>
    [Test]
    public void ConfigFile_WithAMistypedKey_Exits2_SuggestingTheKey()
    {
        string config = InFolder("typo.json");
        File.WriteAllText(config, """{ "learningrate": 0.1 }""");

        AssertUsageError(Run("train", "--config", config, "--out", InFolder("run")), "unknown key 'learningrate'; did you mean 'learningRate'? The keys are:");
    }

    /// <summary>A file of another kind (here a text file, as `eval README.md`) is named as not a checkpoint, not as a broken header.</summary>
    [Test]
    public void Eval_OfATextFile_Exits2_SayingItIsNotASafetensorsFile()
    {
        string text = InFolder("notes.md");
        File.WriteAllText(text, "# Notes\n\nThis is not a checkpoint, but it is longer than eight bytes.\n");

        AssertUsageError(Run("eval", text), "is not a safetensors file");
    }

    [Test]
    public void NoArguments_PrintsHelpToStderr_AndExits2()
    {
        CliResult result = Run();

        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.Output, Is.Empty);
        Assert.That(result.Error, Does.Contain("Usage: reinforce COMMAND"));
    }

    private static IEnumerable<TestCaseData> BrokenCheckpoints()
    {
        yield return new TestCaseData("empty", "8-byte header length").SetName("Eval_EmptyCheckpoint_Exits2");
        yield return new TestCaseData("truncated", "truncated").SetName("Eval_TruncatedCheckpoint_Exits2");
        yield return new TestCaseData("garbage", "header").SetName("Eval_GarbageCheckpoint_Exits2");
        yield return new TestCaseData("not-json", "not valid JSON").SetName("Eval_CheckpointWithACorruptHeader_Exits2");
        yield return new TestCaseData("plain", "no 'format' metadata").SetName("Eval_SafetensorsThatIsNotACheckpoint_Exits2");
        yield return new TestCaseData("shapes", "needs [64, 4]").SetName("Eval_CheckpointWhoseShapesDoNotFitItsConfiguration_Exits2");
    }

    [TestCaseSource(nameof(BrokenCheckpoints))]
    public void BrokenCheckpoint_Exits2_NamingTheFile(string kind, string expected)
    {
        string run = InFolder("run");
        Assert.That(Run(["train", .. PreviousDefault, "--max-updates", "1", "--out", run, "--quiet"]).ExitCode, Is.Zero);
        string good = Path.Combine(run, "checkpoint.safetensors");
        byte[] bytes = File.ReadAllBytes(good);
        string path = InFolder("broken.safetensors");
        switch (kind)
        {
            case "empty": File.WriteAllBytes(path, []); break;
            case "truncated": File.WriteAllBytes(path, bytes[..^10]); break;
            case "garbage": File.WriteAllBytes(path, Enumerable.Range(0, 300).Select(i => (byte)(i * 37)).ToArray()); break;
            case "not-json":
                bytes[8 + 1] = (byte)'x'; // {"__metadata__"… becomes {x__metadata__"…
                File.WriteAllBytes(path, bytes);
                break;
            case "plain": SafeTensors.Save(new SafeTensorsFile([new SafeTensor("0.weight", [2], [1f, 2f])]), path); break;
            default:
                SafeTensorsFile file = SafeTensors.Load(good);
                var metadata = file.Metadata.ToDictionary();
                metadata["trainer_options"] = metadata["trainer_options"].Replace("\"hiddenSizes\":[128]", "\"hiddenSizes\":[64]", StringComparison.Ordinal);
                SafeTensors.Save(new SafeTensorsFile(file.Tensors, metadata), path);
                break;
        }

        AssertUsageError(Run("eval", path), expected);
        CliResult render = Run("render", path, "--out", InFolder("x.svg"));
        AssertUsageError(render, path);
        Assert.That(File.Exists(InFolder("x.svg")), Is.False);
    }

    [Test]
    public void Resume_WithoutACheckpoint_OrChangingTheConfiguration_Exits2()
    {
        string run = InFolder("run");
        AssertUsageError(Run("train", "--resume", run), "--resume");
        Assert.That(Run("train", "--max-updates", "1", "--out", run, "--quiet").ExitCode, Is.Zero);

        AssertUsageError(Run("train", "--resume", run, "--lr", "0.1"), "--lr cannot change when resuming");
    }
}
