using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Reinforce.Tests.Cli;

/// <summary>
/// A process without hardware fused multiply-add computes every kernel's FMA in software (the numbers do not change, the
/// time does): the tool says so in one warning line on stderr, and otherwise says nothing. Checked for real in child
/// processes of the built tool, one with <c>DOTNET_EnableHWIntrinsic=0</c> (then <c>Fma.IsSupported</c> is false in the
/// child, as the warning itself reports) and one with the machine's own instruction sets. x64 only: ARM64's FMA is
/// always in hardware. The in-process command line (<c>Cli.Run</c>, which every other CLI test uses) never prints it, so
/// the suite's rerun without intrinsics reads stderr unchanged.
/// </summary>
[Category(CliRobustness)]
public class HardwareWarningTests : CliTestBase
{
    private const string Warning = "reinforce: warning: no hardware fused multiply-add (Fma.IsSupported is false)";

    [Test]
    public void Train_WithoutHardwareFma_WarnsOnce_AndGivesTheSameRun()
    {
        Assume.That(RuntimeInformation.ProcessArchitecture, Is.EqualTo(Architecture.X64), "the warning is x64's");
        (int exit, string error) = RunChild(new() { ["DOTNET_EnableHWIntrinsic"] = "0" }, "train", "--max-updates", "2", "--hidden", "8", "--out", InFolder("soft"), "--quiet");
        (int fastExit, _) = RunChild([], "train", "--max-updates", "2", "--hidden", "8", "--out", InFolder("hard"), "--quiet");

        Assert.That((exit, fastExit), Is.EqualTo((0, 0)), error);
        Assert.That(error.Split('\n').Count(l => l.StartsWith(Warning, StringComparison.Ordinal)), Is.EqualTo(1), error);
        Assert.That(error, Does.Contain("DOTNET_EnableHWIntrinsic=0"), "it names the cause");
        Assert.That(Weights(InFolder("soft")), Is.EqualTo(Weights(InFolder("hard"))), "the same weights, bit for bit");
    }

    [Test]
    public void Train_WithHardwareFma_DoesNotWarn_NorDoesVersion()
    {
        Assume.That(RuntimeInformation.ProcessArchitecture, Is.EqualTo(Architecture.X64), "the warning is x64's");
        Assume.That(File.Exists("/proc/cpuinfo") && File.ReadAllText("/proc/cpuinfo").Split(' ', '\n', '\t').Contains("fma"), Is.True,
            "this CPU has FMA (its /proc/cpuinfo flags say so)");
        (int exit, string error) = RunChild([], "train", "--max-updates", "1", "--hidden", "8", "--out", InFolder("run"), "--quiet");
        (int versionExit, string versionError) = RunChild(new() { ["DOTNET_EnableHWIntrinsic"] = "0" }, "--version");

        Assert.That((exit, versionExit), Is.EqualTo((0, 0)));
        Assert.That(error + versionError, Does.Not.Contain("warning"), "no warning with FMA, and none for a command that computes nothing");
    }

    // The built tool as a child process, with the inherited instruction-set switches removed and `environment` added.
    private static (int Exit, string Error) RunChild(Dictionary<string, string> environment, params string[] args)
    {
        string cli = Path.Combine(AppContext.BaseDirectory, "reinforce.dll");
        string? host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH")
            ?? (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath : null);
        if (host is null || !File.Exists(cli))
        {
            Assert.Ignore("no dotnet host to start reinforce.dll as a child process");
        }
        var start = new ProcessStartInfo(host!) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false, StandardErrorEncoding = Encoding.UTF8 };
        start.ArgumentList.Add(cli);
        args.ToList().ForEach(start.ArgumentList.Add);
        foreach (string name in start.Environment.Keys.Where(k => k.StartsWith("DOTNET_Enable", StringComparison.Ordinal) || k == "DOTNET_MaxVectorTBitWidth").ToList())
        {
            start.Environment.Remove(name);
        }
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        using var process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync(), error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, error.Result);
    }
}
