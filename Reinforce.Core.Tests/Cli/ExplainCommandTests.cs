using Reinforce.Tests.Docs;

namespace Reinforce.Tests.Cli;

/// <summary>
/// <c>reinforce explain</c>, driven in-process. The page it reproduces, docs/worked-example.md, is checked by
/// Docs/WorkedExampleTests; here: seeded runs agree with the trainer, the output reads back as inputs, bad input.
/// </summary>
[TestFixture]
public sealed class ExplainCommandTests : CliTestBase
{
    private static readonly string[] Sections =
    [
        "## The run", "## The inputs", "## Forward pass", "## Returns and weights", "## Loss", "## Gradient at the logits",
        "## Backward through the network", "## One Adam step", "## What the update did",
    ];

    /// <summary>
    /// Explain recomputes the update with the reference's functions (Reinforce.Core/Reference: the layers with the batch's
    /// masks, the heads, the weights, the optimizer step) and compares it with ReinforceTrainer.Update's result bit for
    /// bit; the last line reports that comparison.
    /// </summary>
    [TestCase("--seed|3")]
    [TestCase("--preset|pytorch-reinforce")]
    [TestCase("--hidden|4,3|--dropout|0.5|--activation|tanh|--baseline|--normalize|none|--seed|5")]
    [TestCase("--head|bernoulli|--returns|episode|--entropy-coef|0.01|--batch-episodes|3")]
    public void SeededRun_PrintsEverySection_AndAgreesWithTheTrainerBitForBit(string flags)
    {
        CliResult result = Run(["explain", .. flags.Split('|')]);

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.OutputLines.Where(l => l.StartsWith("## ", StringComparison.Ordinal)), Is.EqualTo(Sections));
        Assert.That(result.OutputLines[^1], Is.EqualTo("# check: ReinforceTrainer.Update computed the same weights w and parameters, bit for bit"));
        Assert.That(result.Error, Is.Empty);
    }

    [Test]
    public void SeededRunWithDropout_PrintsTheMasks_AndTheDropoutInTheLayerComment()
    {
        CliResult result = Run("explain", "--preset", "pytorch-reinforce");

        Assert.That(result.Output, Does.Contain("h = relu(mask1 ⊙ z1)").And.Contain("dropout    = 0.6").And.Contain("3.weight, 3.bias: the output layer"));
        Assert.That(result.OutputLines.Where(l => l.StartsWith("mask1[", StringComparison.Ordinal)),
            Has.All.Matches<string>(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(2).All(v => v is "0.000000" or "2.500000")));
    }

    /// <summary>
    /// Inputs are printed exactly (shortest round-trip text), so a seeded run's output, given back as --inputs with
    /// the same kinds, prints the same sections again, character for character (the run's notes aside).
    /// </summary>
    [Test]
    public void SeededOutput_ReadBackAsInputs_GivesTheSameUpdate()
    {
        CliResult seeded = Run("explain", "--seed", "7", "--activation", "tanh", "--returns", "discounted", "--normalize", "episode");
        string file = InFolder("update.txt");
        File.WriteAllText(file, seeded.Output);

        CliResult replayed = Run("explain", "--inputs", file, "--activation", "tanh", "--returns", "discounted", "--normalize", "episode");

        Assert.That(replayed.ExitCode, Is.Zero, replayed.ToString());
        string Body(string output) => output[output.IndexOf("## The inputs", StringComparison.Ordinal)..];
        string expected = Body(seeded.Output);
        expected = expected[..expected.LastIndexOf("# check:", StringComparison.Ordinal)];
        Assert.That(Body(replayed.Output).TrimEnd(), Is.EqualTo(expected.TrimEnd()));
    }

    [TestCase("--inputs|IN|--hidden|3", "--hidden cannot be given with --inputs")]
    [TestCase("--inputs|missing.txt", "--inputs 'missing.txt': no such file")]
    [TestCase("--inputs|IN|--gamma|0.5", "--gamma and --inputs 'IN' both set gamma")]
    [TestCase("--dropout|1", "--dropout '1' is out of range; expected a number in [0, 1)")]
    [TestCase("--max-episodes|3", "unknown flag '--max-episodes'")]
    public void BadInput_Exits2_WithOneLine(string arguments, string expected)
    {
        string file = InFolder("in.txt");
        File.WriteAllText(file, "W1[0] = 1 2 3 4\nW1[1] = 1 2 3 4\nb1 = 0 0\ns[0] = 0 0 0 0\na = 1\nr = 1\ngamma = 0.9\n");

        CliResult result = Run(["explain", .. arguments.Replace("IN", file, StringComparison.Ordinal).Split('|')]);

        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.ErrorLines, Has.Length.EqualTo(1));
        Assert.That(result.Error, Does.StartWith("reinforce explain: error: ").And.Contain(expected.Replace("IN", file, StringComparison.Ordinal)));
    }

    [TestCase("gama = 0.9\n", "unknown label 'gama'")]
    [TestCase("dropout = 0.6\n", "a run with dropout cannot be read back")]
    [TestCase("W1[0] = 1 2\n", "'W1[0]' appears twice")]
    [TestCase("b1 = x y\n", "'x' in 'b1' is not a number")]
    public void InputsFile_WithABadLine_Exits2_NamingIt(string extra, string expected)
    {
        string file = InFolder("in.txt");
        File.WriteAllText(file, "W1[0] = 1 2\nW1[1] = 3 4\n" + (extra.StartsWith("b1", StringComparison.Ordinal) ? "" : "b1 = 0 0\n") + extra + "s[0] = 1 2\na = 1\nr = 1\n");

        CliResult result = Run("explain", "--inputs", file);

        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.Error, Does.Contain(expected));
    }

    // The flags docs/worked-example.md states for its inputs.
    private static readonly string[] DocumentFlags = ["--activation", "tanh", "--returns", "discounted", "--normalize", "episode"];

    /// <summary>
    /// The two ```text blocks of docs/worked-example.md (its inputs), saved as a plain inputs file after
    /// <paramref name="edit"/>; returns the file and its lines.
    /// </summary>
    private (string File, List<string> Lines) WorkedExampleInputs(Func<List<string>, List<string>>? edit = null)
    {
        string[] page = File.ReadAllLines(WorkedExampleDocument.Locate());
        var lines = new List<string>();
        for (int i = 0, blocks = 0; i < page.Length && blocks < 2; i++)
        {
            if (page[i] == "```text")
            {
                for (i++; page[i] != "```"; i++)
                {
                    lines.Add(page[i]);
                }
                blocks++;
            }
        }
        lines = edit?.Invoke(lines) ?? lines;
        string file = InFolder("in.txt");
        File.WriteAllLines(file, lines);
        return (file, lines);
    }

    private static List<string> Replace(List<string> lines, string label, string replacement) =>
        [.. lines.Select(l => l.StartsWith(label + " ", StringComparison.Ordinal) ? replacement : l)];

    /// <summary>
    /// Regression: a setting out of range was an internal error (exit 70, the optimizer's or the returns' own
    /// ArgumentOutOfRangeException). It is bad input: exit 2, one line naming the file, the line, the label and the range
    /// accepted (the ranges of train's flags, gamma's whatever the returns).
    /// </summary>
    [TestCase("adam.beta1", "1.5", "a number in [0, 1)")]
    [TestCase("adam.beta2", "1", "a number in [0, 1)")]
    [TestCase("adam.eps", "-1e-08", "a finite number ≥ 0")]
    [TestCase("norm.eps", "0", "a finite number > 0")]
    [TestCase("lr", "-1", "a finite number > 0, nonzero as a float32")]
    [TestCase("lr", "1e-50", "a finite number > 0, nonzero as a float32")]
    [TestCase("gamma", "2", "a number in [0, 1]")]
    [TestCase("gamma", "NaN", "a number in [0, 1]")]
    [TestCase("beta", "-0.5", "a number ≥ 0, finite as a float32")]
    [TestCase("beta", "1e39", "a number ≥ 0, finite as a float32")]
    public void InputsFile_WithASettingOutOfRange_Exits2_NamingTheFileLineLabelAndRange(string label, string value, string accepted)
    {
        var (file, lines) = WorkedExampleInputs(l => Replace(l, label, $"{label} = {value}"));
        int line = lines.FindIndex(l => l.StartsWith(label + " ", StringComparison.Ordinal)) + 1;

        CliResult result = Run(["explain", "--inputs", file, .. DocumentFlags]);

        AssertUsageError(result, $"--inputs '{file}':{line}: {label} '{value}' is out of range; expected {accepted}");
    }

    /// <summary>
    /// Regression: an input line past the last row, layer or step read (or after a gap) was silently ignored. It is refused,
    /// naming the line and the inputs this file has.
    /// </summary>
    [TestCase("W1[100000] = 1 2 3 4")]
    [TestCase("W1[4] = 1 2 3 4")]
    [TestCase("W4[0] = 1 2 3")]
    [TestCase("b4 = 0 0")]
    [TestCase("s[4] = 0.0 0.0 0.0 0.0")]
    [TestCase("s[1000] = 0.0 0.0 0.0 0.0")]
    public void InputsFile_WithAnInputOutOfRange_Exits2_NamingTheLineAndTheInputsAccepted(string extra)
    {
        var (file, lines) = WorkedExampleInputs(l => [.. l, extra]);

        CliResult result = Run(["explain", "--inputs", file, .. DocumentFlags]);

        AssertUsageError(result, $"--inputs '{file}':{lines.Count}: '{extra.Split(' ')[0]}' is out of range; these inputs are W1[0..2], b1, W2[0..1], b2, s[0..2]");
    }

    /// <summary>
    /// Regression: computed lines (which an inputs file may hold: explain's own output is one) were skipped whatever their
    /// index and their values. Each must be a number, and a line of a kind this update prints must be one it prints.
    /// </summary>
    [TestCase("z1[3] = 0.1 0.2 0.3", "'z1[3]' is out of range; this update prints z1[0] … z1[2]")]
    [TestCase("dW2[2] = 0.1 0.2 0.3", "'dW2[2]' is out of range; this update prints dW2[0] … dW2[1]")]
    [TestCase("p[0] = x y", "'x' in 'p[0]' is not a number")]
    [TestCase("L = 0.2 ; 0.3", "';' in 'L' is not a number")]
    [TestCase("hello world", "expected 'label = numbers', got 'hello world'")]
    public void InputsFile_WithABadComputedLine_Exits2_NamingIt(string extra, string expected)
    {
        var (file, lines) = WorkedExampleInputs(l => [.. l, extra]);

        CliResult result = Run(["explain", "--inputs", file, .. DocumentFlags]);

        AssertUsageError(result, $"--inputs '{file}':{lines.Count}: {expected}");
    }

    /// <summary>Inputs are float32 numbers in the network: one that is not finite as a float32 is refused, naming its line.</summary>
    [TestCase("W1[0]", "W1[0] = 0.5 -1.0 NaN 0.5", "'NaN' in 'W1[0]' is not a finite number")]
    [TestCase("r", "r = 1.0 1.0 1e39", "'1e39' in 'r' is not a finite number")]
    [TestCase("s[1]", "s[1] = 0.1 -Infinity 0.1 0.8", "'-Infinity' in 's[1]' is not a finite number")]
    public void InputsFile_WithAnInputThatIsNotAFiniteFloat_Exits2_NamingIt(string label, string replacement, string expected)
    {
        var (file, lines) = WorkedExampleInputs(l => Replace(l, label, replacement));
        int line = lines.IndexOf(replacement) + 1;

        CliResult result = Run(["explain", "--inputs", file, .. DocumentFlags]);

        AssertUsageError(result, $"--inputs '{file}':{line}: {expected}");
    }

    /// <summary>
    /// A setting the file gives but the configuration does not use (γ without discounted returns, Adam's settings with
    /// SGD, the normalisation's ε without normalisation) is read and checked, and one warning per setting says so, in
    /// train's words for its flags; the update is printed, without that setting.
    /// </summary>
    [TestCase("--activation|tanh|--normalize|episode", "gamma", "only discounted returns use γ")]
    [TestCase("--activation|tanh|--returns|discounted|--normalize|episode|--optimizer|sgd", "adam.beta1|adam.beta2|adam.eps", "only Adam uses")]
    [TestCase("--activation|tanh|--returns|discounted|--normalize|none", "norm.eps", "ε is used only when the weights are normalised")]
    public void InputsFile_WithASettingTheConfigurationIgnores_WarnsPerSetting_AndRuns(string flags, string labels, string reason)
    {
        var (file, lines) = WorkedExampleInputs();
        string[] given = flags.Split('|');

        // On the previous default (the first case was written for its reward-to-go returns, which ignore γ): its flags that
        // explain takes with --inputs, since the file fixes the network, the batch, γ, β and lr, and explain has no --solved-by.
        CliResult result = Run(["explain", "--inputs", file,
            .. PreviousDefaultWithout(["--hidden", "--batch-episodes", "--lr", "--entropy-coef", "--solved-by", .. given]), .. given]);

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        string[] expected = [.. labels.Split('|').Select(label =>
            $"reinforce explain: warning: --inputs '{file}':{lines.FindIndex(l => l.StartsWith(label + " ", StringComparison.Ordinal)) + 1}: {label} has no effect here: {reason}")];
        Assert.That(result.ErrorLines, Has.Length.EqualTo(expected.Length), result.Error);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.That(result.ErrorLines[i], Does.StartWith(expected[i]));
        }
        Assert.That(result.OutputLines, Has.None.Matches<string>(l => labels.Split('|').Any(label => l.StartsWith(label + " ", StringComparison.Ordinal))));
        Assert.That(result.OutputLines[^1], Does.StartWith("L.new"));
    }

    /// <summary>
    /// The whole document read back with flags that print fewer lines (no normalisation: no G.mean, G.std): the computed
    /// lines this update does not print are skipped with one warning that counts and names them.
    /// </summary>
    [Test]
    public void TheDocument_WithFlagsThatPrintFewerLines_WarnsOnceAboutTheSkippedComputedLines_AndRuns()
    {
        string document = WorkedExampleDocument.Locate();

        CliResult result = Run("explain", "--inputs", document, "--activation", "tanh", "--returns", "discounted", "--normalize", "none");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.ErrorLines, Has.Length.EqualTo(2), result.Error);
        Assert.That(result.ErrorLines[0], Does.Contain("norm.eps has no effect here"));
        Assert.That(result.ErrorLines[1], Is.EqualTo($"reinforce explain: warning: --inputs '{document}': 2 computed lines (G.mean, G.std) are not printed with these flags; skipped"));
    }

    /// <summary>A configuration flag that the configuration ignores warns as train's does, and the update is printed.</summary>
    [Test]
    public void SeededRun_WithAFlagTheConfigurationIgnores_WarnsAsTrainDoes_AndRuns()
    {
        // On the previous default's reward-to-go returns, which ignore γ: its flags but the network and the batch, which
        // explain keeps small, and --solved-by, which explain does not take.
        CliResult result = Run(["explain", .. PreviousDefaultWithout("--hidden", "--batch-episodes", "--solved-by"), "--seed", "3", "--gamma", "0.5"]);

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.ErrorLines, Is.EqualTo(new[] { "reinforce explain: warning: --gamma has no effect here: only discounted returns use γ; reward-to-go returns are undiscounted" }));
        Assert.That(result.OutputLines[^1], Does.StartWith("# check: "));
    }
}
