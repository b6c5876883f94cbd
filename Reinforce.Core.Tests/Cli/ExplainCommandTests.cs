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
    /// Explain recomputes the update on its own (forward with the batch's masks, head, Mlp.Backward, the optimizer) and
    /// compares it with ReinforceTrainer.Update's result bit for bit; the last line reports that comparison.
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
    [TestCase("b1 = x y\n", "'x' in b1 is not a finite number")]
    public void InputsFile_WithABadLine_Exits2_NamingIt(string extra, string expected)
    {
        string file = InFolder("in.txt");
        File.WriteAllText(file, "W1[0] = 1 2\nW1[1] = 3 4\n" + (extra.StartsWith("b1", StringComparison.Ordinal) ? "" : "b1 = 0 0\n") + extra + "s[0] = 1 2\na = 1\nr = 1\n");

        CliResult result = Run("explain", "--inputs", file);

        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.Error, Does.Contain(expected));
    }
}
