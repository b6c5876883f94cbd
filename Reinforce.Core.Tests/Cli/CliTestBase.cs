using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Reinforce.Checkpoints;
using Reinforce.Cli;

namespace Reinforce.Tests.Cli;

/// <summary>Runs the <c>reinforce</c> command line in-process, in a temporary folder per test.</summary>
public abstract class CliTestBase
{
    /// <summary>
    /// The category of the command line's robustness tests (hostile arguments, corrupted checkpoints, kills, file
    /// safety, the display at a real terminal): they exercise parsing, files, signals and terminal output, no vector
    /// code, so .ci/run runs them once, in the README's test command, and leaves them out
    /// (<c>--filter "TestCategory!=CliRobustness"</c>) of its reruns on other instruction sets, vector widths and ARM64,
    /// where they would only repeat the same checks several times slower.
    /// </summary>
    public const string CliRobustness = "CliRobustness";

    /// <summary>
    /// The train flags of the default preset before <see cref="Reinforce.Training.TrainerOptions.Default"/> replaced it
    /// (4-128-2 ReLU, Adam lr 0.015, 4 episodes per update, reward-to-go normalised over the batch, no entropy bonus,
    /// solved by the running reward, weight 0.05 from the first return; γ 0.99, the loss's mean and 5,000 episodes are
    /// the same in both). A test about some other behaviour (resume, kills, JSON, monitor.csv, the best policy, the
    /// terminal, sweeps, warnings…) that was written on that default gives these flags explicitly, so that its
    /// measured numbers stay what they were; a test about the default itself gives no flags.
    /// </summary>
    protected static readonly string[] PreviousDefault =
    [
        "--hidden", "128", "--activation", "relu", "--lr", "0.015", "--batch-episodes", "4", "--returns", "reward-to-go",
        "--normalize", "batch", "--entropy-coef", "0", "--solved-by", "running",
    ];

    /// <summary><see cref="PreviousDefault"/> without <paramref name="flags"/> (for a command that sets them otherwise, e.g. in a --grid, or does not take them).</summary>
    protected static string[] PreviousDefaultWithout(params string[] flags) =>
        [.. PreviousDefault.Chunk(2).Where(pair => !flags.Contains(pair[0])).SelectMany(pair => pair)];

    /// <summary>
    /// <see cref="PreviousDefault"/> with <paramref name="arguments"/> on top: each flag they give replaces
    /// PreviousDefault's own, so that no flag is given twice, and they follow it in the order given.
    /// </summary>
    protected static string[] PreviousDefaultWith(params string[] arguments) =>
        [.. PreviousDefaultWithout([.. arguments.Where(a => a.StartsWith("--", StringComparison.Ordinal))]), .. arguments];

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

    /// <summary>
    /// Runs with <paramref name="afterSweepRun"/> called after each finished sweep run (with the count so far), on the
    /// worker that ran it and before it starts another: the point at which a test interrupts, never a race with the clock.
    /// </summary>
    protected static CliResult RunInterruptingSweep(CancellationToken cancellation, Action<int> afterSweepRun, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var context = new CliContext(stdout, stderr, cancellation, Style.None, Style.None) { AfterSweepRun = afterSweepRun };
        int exit = Reinforce.Cli.Cli.Run(args, context);
        return new CliResult(exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>
    /// Starts the built <c>reinforce.dll</c> as a child process (the test is ignored where no dotnet host can start it),
    /// with stderr redirected for the test to read and stdout drained, NO_COLOR set, <paramref name="environment"/> added and
    /// <paramref name="workingDirectory"/> as its current folder (the test's folder when null).
    /// </summary>
    protected Process StartCli(IReadOnlyList<string> args, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        string cli = Path.Combine(AppContext.BaseDirectory, "reinforce.dll");
        string? host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (host is null && Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            host = Environment.ProcessPath;
        }
        if (host is null || !File.Exists(cli))
        {
            Assert.Ignore("no dotnet host to start reinforce.dll as a child process (e.g. a self-contained test run)");
        }
        var start = new ProcessStartInfo(host!)
        {
            RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false, StandardErrorEncoding = Encoding.UTF8,
            WorkingDirectory = workingDirectory ?? Folder,
        };
        start.ArgumentList.Add(cli);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["NO_COLOR"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { }; // stdout is not read line by line; drain it so the child never blocks
        process.BeginOutputReadLine();
        return process;
    }

    protected sealed record CliResult(int ExitCode, string Output, string Error)
    {
        public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        public string[] OutputLines => Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        public override string ToString() => $"exit {ExitCode}\nstdout:\n{Output}\nstderr:\n{Error}";
    }

    /// <summary>Every weight, Adam moment, the step count and the episode count of a run's checkpoint, as bits.</summary>
    protected static int[] Weights(string run, string file = "checkpoint.safetensors")
    {
        TrainingCheckpoint checkpoint = TrainingCheckpoint.Load(Path.Combine(run, file));
        return checkpoint.Parameters.Concat(checkpoint.OptimizerState).SelectMany(t => t.Values).Select(BitConverter.SingleToInt32Bits)
            .Append((int)checkpoint.OptimizerSteps).Append((int)checkpoint.Progress.EpisodesCompleted).ToArray();
    }

    /// <summary>metrics.csv without its wall_seconds column (the 4th), which differs between two runs of the same computation.</summary>
    protected static string[] MetricsWithoutWallTime(string run) => File.ReadAllLines(Path.Combine(run, "metrics.csv"))
        .Select(line => string.Join(',', line.Split(',').Where((_, i) => i != 3))).ToArray();

    /// <summary>episodes.csv without its wall_seconds column (the 5th), which differs between two runs of the same computation.</summary>
    protected static string[] EpisodesWithoutWallTime(string run) => File.ReadAllLines(Path.Combine(run, "episodes.csv"))
        .Select(line => string.Join(',', line.Split(',').Where((_, i) => i != 4))).ToArray();

    /// <summary>monitor.csv's rows (after its two header lines) without their t, which differs between two runs of the same computation.</summary>
    protected static string[] MonitorWithoutTime(string run) => File.ReadAllLines(Path.Combine(run, "monitor.csv")).Skip(2)
        .Select(line => line[..line.LastIndexOf(',')]).ToArray();

    /// <summary>Runs <paramref name="action"/> with <paramref name="folder"/> as the current folder (the CLI resolves relative paths there).</summary>
    protected static T InCurrentFolder<T>(string folder, Func<T> action)
    {
        string previous = Directory.GetCurrentDirectory();
        Directory.SetCurrentDirectory(folder);
        try
        {
            return action();
        }
        finally
        {
            Directory.SetCurrentDirectory(previous);
        }
    }

    /// <summary>Every entry under <paramref name="folder"/> with its length and last write time: two equal snapshots mean nothing changed.</summary>
    protected static string[] Snapshot(string folder) => Directory.EnumerateFileSystemEntries(folder, "*", SearchOption.AllDirectories)
        .Select(entry => new FileInfo(entry))
        .Select(info => $"{Path.GetRelativePath(folder, info.FullName)} {(info.Attributes.HasFlag(FileAttributes.Directory) ? -1 : info.LinkTarget is null && info.Exists ? info.Length : -2)} {info.LastWriteTimeUtc.Ticks}")
        .Order(StringComparer.Ordinal)
        .ToArray();

    /// <summary>Makes a named pipe with mkfifo (Linux and macOS).</summary>
    protected static void MakeFifo(string path)
    {
        using var process = Process.Start(new ProcessStartInfo("mkfifo", [path]) { UseShellExecute = false })!;
        process.WaitForExit();
        Assert.That(process.ExitCode, Is.Zero, "mkfifo");
    }

    /// <summary>Rewrites a safetensors file's header JSON (and optionally its data) in place, keeping the format valid.</summary>
    protected static void EditSafetensors(string path, Action<JsonObject> editHeader, Action<byte[], JsonObject>? editData = null)
    {
        byte[] bytes = File.ReadAllBytes(path);
        int length = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var header = JsonNode.Parse(bytes.AsSpan(8, length))!.AsObject();
        byte[] data = bytes[(8 + length)..];
        editHeader(header);
        editData?.Invoke(data, header);
        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        byte[] padded = [.. json, .. Enumerable.Repeat((byte)' ', (8 - json.Length % 8) % 8)];
        byte[] prefix = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)padded.Length);
        File.WriteAllBytes(path, [.. prefix, .. padded, .. data]);
    }

    /// <summary>Sets one <c>__metadata__</c> entry of a checkpoint.</summary>
    protected static void SetMetadata(string checkpoint, string key, string value) =>
        EditSafetensors(checkpoint, header => header["__metadata__"]![key] = value);

    /// <summary>Sets one key of a checkpoint's saved trainer options (a JSON value).</summary>
    protected static void SetSavedOption(string checkpoint, string key, JsonNode? value) => EditSafetensors(checkpoint, header =>
    {
        var options = JsonNode.Parse(header["__metadata__"]!["trainer_options"]!.GetValue<string>())!.AsObject();
        options[key] = value;
        header["__metadata__"]!["trainer_options"] = options.ToJsonString();
    });

    /// <summary>Asserts bad input: exit 2, one line on stderr naming <paramref name="expected"/>, no stack trace, nothing on stdout.</summary>
    protected static void AssertUsageError(CliResult result, string expected)
    {
        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.ErrorLines, Has.Length.EqualTo(1), result.ToString());
        Assert.That(result.Error, Does.Contain(expected), result.ToString());
        Assert.That(result.Error, Does.StartWith("reinforce"));
        Assert.That(result.Error, Does.Not.Contain("   at "), "no stack trace");
        Assert.That(result.Output, Is.Empty);
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
