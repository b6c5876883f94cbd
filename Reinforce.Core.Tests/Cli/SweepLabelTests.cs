using Reinforce.Cli;

namespace Reinforce.Tests.Cli;

/// <summary>
/// The label of a sweep's configuration says what it is: a sweep of one configuration with train's flags on top of its
/// preset is not that preset as it stands, so its label names the flags too (<c>default solved-by=mean100</c>, not
/// <c>default</c>); a candidate keeps the name given to it; with several configurations, or a grid, the flags apply to
/// every one and the labels stay the ones that tell them apart. Expected labels: the rule itself, the flags in the order given and written as --grid writes them.
/// </summary>
[TestFixture]
public sealed class SweepLabelTests : CliTestBase
{
    private static string[] Names(params string[] args) =>
        [.. SweepCommand.ResolveCells(ParsedArguments.Parse("sweep", args, SweepCommand.Flags, 0, "")).Select(c => c.Name)];

    [Test]
    public void OneConfiguration_IsLabelledWithTheFlagsGivenOnTopOfIt()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Names(), Is.EqualTo(new[] { "default" }), "the default preset as it stands");
            Assert.That(Names("--solved-by", "mean100"), Is.EqualTo(new[] { "default solved-by=mean100" }));
            Assert.That(Names("--preset", "pytorch-example", "--lr", "0.02", "--solved-by", "mean100"),
                Is.EqualTo(new[] { "pytorch-example lr=0.02 solved-by=mean100" }));
            Assert.That(Names("--no-stop-when-solved", "--max-episodes", "300"), Is.EqualTo(new[] { "default stop-when-solved=false max-episodes=300" }));
            Assert.That(Names("--execution", "reference"), Is.EqualTo(new[] { "default" }), "--execution changes no number");
            Assert.That(Names("--candidate", "fast=--lr 0.02", "--solved-by", "mean100"), Is.EqualTo(new[] { "fast" }), "a candidate keeps the name given");
        });
    }

    [Test]
    public void SeveralConfigurations_OrAGrid_KeepTheLabelsThatTellThemApart()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Names("--preset", "default", "--preset", "handson-keras", "--solved-by", "mean100"), Is.EqualTo(new[] { "default", "handson-keras" }));
            Assert.That(Names("--grid", "lr=0.01,0.02", "--solved-by", "mean100"), Is.EqualTo(new[] { "lr=0.01", "lr=0.02" }));
        });
    }

    [Test]
    public void TheSummary_LabelsTheConfigurationWithItsFlags()
    {
        string sweep = InFolder("sweep");

        CliResult result = Run("sweep", "--seeds", "1", "--solved-by", "mean100", "--reward-threshold", "40", "--max-episodes", "100",
            "--eval-episodes", "0", "--quiet", "--out", sweep);

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        string summary = File.ReadAllText(Path.Combine(sweep, "summary.md"));
        Assert.That(summary, Does.Contain("| default solved-by=mean100 reward-threshold=40 max-episodes=100 | "));
        Assert.That(summary, Does.Not.Contain("| default | "));
    }
}
