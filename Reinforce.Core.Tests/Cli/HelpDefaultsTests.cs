using Reinforce.Checkpoints;
using Reinforce.Cli;

namespace Reinforce.Tests.Cli;

/// <summary>
/// The help cannot say another default than the run uses: for every flag of <c>reinforce train</c> whose help shows a
/// default value, giving that value explicitly resolves the same configuration as giving no flag at all (compared as the
/// options' <c>config.json</c> text, so every option counts; tolerance: none). Switches shown "on" are given as the
/// flag, "off" as <c>--no-flag</c>; placeholders (the environment's limits, the default folder) set no option and are
/// skipped by <see cref="TrainCommand.ResolvedDefault"/>.
/// </summary>
public class HelpDefaultsTests
{
    public static IEnumerable<TestCaseData> FlagsWithADefault() =>
        TrainCommand.Flags.Where(f => f.Default is not null && TrainCommand.ResolvedDefault(f.Name, new Reinforce.Training.TrainerOptions()) is not null)
            .Select(f => new TestCaseData(f.Name, f.Default, f.IsSwitch).SetName($"TheHelpsDefault_IsWhatARunWithoutTheFlagUses({f.Name} {f.Default})"));

    [TestCaseSource(nameof(FlagsWithADefault))]
    public void TheHelpsDefault_IsWhatARunWithoutTheFlagUses(string flag, string shown, bool isSwitch)
    {
        string[] explicitly = isSwitch ? [shown == "on" ? flag : "--no-" + flag[2..]] : shown is "off" or "none" ? [] : [flag, shown];
        if (explicitly.Length == 0)
        {
            // "off"/"none" of a value flag is the flag left out: the option is unset, which the help's word says.
            Assert.That(TrainCommand.ResolvedDefault(flag, Resolve([]).Options), Is.EqualTo(shown));
            return;
        }

        string withFlag = TrainerOptionsJson.Serialize(Resolve(explicitly).Options), withoutFlag = TrainerOptionsJson.Serialize(Resolve([]).Options);

        Assert.That(withFlag, Is.EqualTo(withoutFlag), $"train {string.Join(' ', explicitly)} against train");
    }

    private static RunSettings Resolve(string[] args) =>
        TrainCommand.Resolve(ParsedArguments.Parse("train", args, TrainCommand.Flags, 0, ""));
}
