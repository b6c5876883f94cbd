using System.Text;
using Reinforce.Cli;

namespace Reinforce.Tests.Cli;

/// <summary>Runs the <c>reinforce</c> command line in-process, in a temporary folder per test.</summary>
public abstract class CliTestBase
{
    protected string Folder { get; private set; } = "";

    [SetUp]
    public void CreateFolder() => Folder = Directory.CreateTempSubdirectory("reinforce-cli-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(Folder, recursive: true);

    protected string InFolder(params string[] parts) => Path.Combine([Folder, .. parts]);

    protected static CliResult Run(params string[] args) => Run(CancellationToken.None, null, args);

    /// <summary>Runs with a cancellation token; <paramref name="onError"/> sees every stderr line as it is written.</summary>
    protected static CliResult Run(CancellationToken cancellation, Action<string>? onError, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new HookedWriter(onError);
        int exit = Reinforce.Cli.Cli.Run(args, stdout, stderr, cancellation);
        return new CliResult(exit, stdout.ToString(), stderr.ToString());
    }

    protected sealed record CliResult(int ExitCode, string Output, string Error)
    {
        public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        public string[] OutputLines => Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        public override string ToString() => $"exit {ExitCode}\nstdout:\n{Output}\nstderr:\n{Error}";
    }

    private sealed class HookedWriter(Action<string>? onLine) : StringWriter
    {
        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            onLine?.Invoke(value ?? "");
        }
    }
}
