using System.Diagnostics;
using System.Text;
using Reinforce.Checkpoints;
using Reinforce.Cli;
using Reinforce.Text;

namespace Reinforce.Tests.Cli;

/// <summary>
/// Every path the command line takes (every output flag, every input flag and positional path) against the places no file
/// can be: a special file system (/proc, /sys), a folder that refuses even root (/proc/sys/vm), a name over 255 bytes, a
/// path over PATH_MAX (4096 bytes on Linux), a parent that is a file or a device, a read-only file system. Each must end
/// with exit code 2 and one line naming the flag, the path and why, before any work (nothing on stdout, nothing on disk).
/// </summary>
[TestFixture]
[Category(CliTestBase.CliRobustness)]
public sealed class PathErrorTests : CliTestBase
{
    private static readonly string[] TinyRun = ["--max-updates", "1", "--hidden", "8", "--quiet"];

    // Every command that writes, with the flag that names what it writes; TARGET is the path under test, RUN a finished run.
    private static readonly (string Flag, string[] Arguments)[] Writers =
    [
        ("--out", ["train", "--out", "TARGET", .. TinyRun]),
        ("--out", ["sweep", "--seeds", "1", "--max-updates", "1", "--hidden", "4", "--eval-episodes", "0", "--out", "TARGET", "--quiet"]),
        ("--out", ["render", "--baseline", "--out", "TARGET"]),
        ("--out", ["plot", "RUN", "--out", "TARGET"]),
        ("--svg", ["eval", "RUN", "--episodes", "1", "--svg", "TARGET"]),
        ("--svg", ["baseline", "--episodes", "1", "--svg", "TARGET"]),
    ];

    // Every command that reads a path the user names; "" for a positional argument. OUT is a writable place for its output.
    private static readonly (string Flag, string[] Arguments)[] Readers =
    [
        ("--config", ["train", "--config", "TARGET", "--out", "OUT", .. TinyRun]),
        ("--resume", ["train", "--resume", "TARGET", "--quiet"]),
        ("--config", ["sweep", "--seeds", "1", "--config", "TARGET", "--out", "OUT", "--quiet"]),
        ("", ["eval", "TARGET"]),
        ("", ["render", "TARGET", "--out", "OUT.svg"]),
        ("", ["plot", "TARGET"]),
        ("--inputs", ["explain", "--inputs", "TARGET"]),
    ];

    // (place, the reason the line must give): the places are built in Place, the reasons are the tool's wording of the
    // kernel's answer (ENOENT from proc, EACCES from sysfs and from sysctl's own permission check, ENAMETOOLONG, ENOTDIR).
    private static readonly (string Place, string Reason)[] Unwritable =
    [
        ("proc", "'/proc' is on proc, a special file system that does not take new files"),
        ("sys", "'/sys' is on sysfs, a special file system that does not take new files"),
        ("proc-subfolder", "'/proc/sys/vm' is on proc, a special file system that does not take new files"),
        ("long-name", "name too long (a name of 256 bytes; at most 255)"),
        ("long-path", "name too long (the full path is"),
        ("huge", "name too long (a name of 100000 bytes; at most 255)"),
        ("file-parent", "' is a regular file, not a folder"),
        ("device-parent", "'/dev/null' is a device, pipe or socket, not a folder"),
    ];

    private static IEnumerable<TestCaseData> WriterCases() =>
        from writer in Writers
        from place in Unwritable
        select new TestCaseData(writer.Flag, writer.Arguments, place.Place, place.Reason)
            .SetName($"Output_{writer.Arguments[0]}_{writer.Flag.TrimStart('-')}_{place.Place}");

    [TestCaseSource(nameof(WriterCases))]
    public void EveryOutput_InAPlaceNoFileCanBe_IsOneLine_NamingTheFlagThePathAndWhy(string flag, string[] arguments, string place, string reason)
    {
        string target = Place(place, ".svg");
        string run = arguments.Contains("RUN") ? FinishedRun() : "";
        string[] before = Snapshot(Folder);

        CliResult result = Run([.. arguments.Select(a => a == "TARGET" ? target : a == "RUN" ? run : a)]);

        AssertUsageError(result, reason);
        Assert.That(result.Error, Does.Contain($"{flag} {Display.Quote(target)}"), "the flag and the path, quoted (and shortened)");
        Assert.That(result.Error.Length, Is.LessThan(500), "a long path is shortened in the message");
        Assert.That(Snapshot(Folder), Is.EqualTo(before), "refused before any work: nothing created");
    }

    private static IEnumerable<TestCaseData> ReaderCases()
    {
        foreach (var (flag, arguments) in Readers)
        {
            foreach (string place in new[] { "long-name", "long-path", "huge", "unreadable" })
            {
                string reason = place switch
                {
                    "long-name" => "name too long (a name of 256 bytes; at most 255)",
                    "long-path" => "name too long (the full path is",
                    "huge" => "name too long (a name of 100000 bytes; at most 255)",
                    // --resume takes a folder: a file is named as not being one before it is read.
                    _ when flag == "--resume" => "is a regular file; expected a run folder",
                    _ => "cannot read the file (permission denied)",
                };
                yield return new TestCaseData(flag, arguments, place, reason).SetName($"Input_{arguments[0]}_{(flag.Length == 0 ? "path" : flag.TrimStart('-'))}_{place}");
            }
        }
    }

    [TestCaseSource(nameof(ReaderCases))]
    public void EveryInput_ThatCannotBeRead_IsOneLine_NamingTheFlagThePathAndWhy(string flag, string[] arguments, string place, string reason)
    {
        string target = Place(place, "");
        string[] before = Snapshot(Folder);

        CliResult result = Run([.. arguments.Select(a => a switch { "TARGET" => target, "OUT" => InFolder("out"), "OUT.svg" => InFolder("out.svg"), _ => a })]);

        AssertUsageError(result, reason);
        Assert.That(result.Error, Does.Contain(PathArguments.Label(flag, target)), "the flag and the path, quoted (and shortened)");
        Assert.That(result.Error.Length, Is.LessThan(500));
        Assert.That(Snapshot(Folder), Is.EqualTo(before), "refused before any work: nothing created");
    }

    /// <summary>
    /// DIR fits in a name but DIR.partial, where the run is written first, does not: refused before training, not when
    /// the folder is made.
    /// </summary>
    [TestCase("train")]
    [TestCase("sweep")]
    public void OutWhosePartialFolderNameIsTooLong_IsRefusedBeforeTraining(string command)
    {
        string target = InFolder(new string('p', 250)); // 250 bytes fit; 250 + ".partial" = 258 do not
        string[] tiny = command == "train" ? TinyRun : ["--seeds", "1", "--max-updates", "1", "--eval-episodes", "0", "--quiet"];

        CliResult result = Run([command, "--out", target, .. tiny]);

        AssertUsageError(result, "name too long (the run is written in NAME.partial first, a name of 258 bytes; at most 255)");
        Assert.That(Directory.EnumerateFileSystemEntries(Folder), Is.Empty);
    }

    /// <summary>A name of exactly 255 bytes is legal, so it can be written and replaced, although its temporary file's name would be longer.</summary>
    [Test]
    public void AnOutputNameOf255Bytes_IsWrittenAndReplaced()
    {
        // 125 two-byte characters and five ASCII ones: 255 bytes in UTF-8, 130 characters.
        string name = new string('é', 125) + "x.svg";
        Assert.That(Encoding.UTF8.GetByteCount(name), Is.EqualTo(255));
        string target = InFolder(name);

        CliResult first = Run("render", "--baseline", "--out", target);
        CliResult second = Run("render", "--baseline", "--seed", "1", "--out", target);

        Assert.That(first.ExitCode, Is.Zero, first.ToString());
        Assert.That(second.ExitCode, Is.Zero, second.ToString());
        Assert.That(Directory.GetFiles(Folder).Select(Path.GetFileName), Is.EqualTo(new[] { name }), "the file, and no temporary file left");
    }

    [Test]
    public void TemporaryName_OfALongName_FitsInAName_IsCutAtACharacterBoundary_AndIsRecognised()
    {
        string name = new string('é', 125) + "x.svg"; // 255 bytes

        string temporary = AtomicFile.TemporaryName(name);

        Assert.That(Encoding.UTF8.GetByteCount(temporary), Is.LessThanOrEqualTo(255), "NAME_MAX");
        Assert.That(temporary, Does.StartWith(".é").And.Not.Contain('\uFFFD'), "cut between characters, never inside one");
        Assert.That(OutputFiles.IsTemporaryFileName(temporary), Is.True, "a killed writer's leftover is still recognised");
        Assert.That(AtomicFile.TemporaryName("config.json"), Does.StartWith(".config.json."), "a short name is kept whole");
    }

    /// <summary>
    /// A read-only file system, made for the test in a private mount namespace (<c>unshare --mount --map-root-user</c>):
    /// the mounts exist only inside it and vanish with it, whatever happens to the test. The commands run as child processes there.
    /// </summary>
    [Test]
    public void ReadOnlyFileSystem_IsNamed_ForEveryOutput_AndForResume()
    {
        Directory.CreateDirectory(InFolder("ro"));
        FinishedRun();
        string[] before = Snapshot(Folder);

        string[] lines = RunInNamespace(["--mount", "--map-root-user"],
            "mount -t tmpfs -o ro,size=64k tmpfs ro && mount --bind run run && mount -o remount,bind,ro run", DeniedPlaceCommands("ro"));

        Assert.That(lines, Is.EqualTo(DeniedPlaceLines("ro", "'ro' is on a read-only file system", "'run' is on a read-only file system")));
        Assert.That(Snapshot(Folder), Is.EqualTo(before), "nothing written under the read-only mounts, nor beside them");
    }

    /// <summary>
    /// No permission, for root too: the commands run as an unmapped user of a new user namespace (<c>unshare --user</c>,
    /// which the kernel treats as "nobody", without root's override of file modes), against folders of mode 0555.
    /// </summary>
    [Test]
    public void PermissionDenied_IsNamed_ForEveryOutput_AndForResume()
    {
        string denied = InFolder("denied"), run = FinishedRun();
        Directory.CreateDirectory(denied);
        string[] before = Snapshot(Folder);
        var writable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupWrite
            | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        var readOnly = UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        UnixFileMode folderMode = OperatingSystem.IsWindows() ? default : File.GetUnixFileMode(Folder);
        string[] lines;
        try
        {
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(Folder, writable); // the test's own folder: the other user may enter it and create beside the run
                File.SetUnixFileMode(denied, readOnly);
                File.SetUnixFileMode(run, readOnly);
            }
            lines = RunInNamespace(["--user"], "true", DeniedPlaceCommands("denied"));
        }
        finally
        {
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(run, writable & ~(UnixFileMode.GroupWrite | UnixFileMode.OtherWrite));
                File.SetUnixFileMode(denied, writable & ~(UnixFileMode.GroupWrite | UnixFileMode.OtherWrite));
                File.SetUnixFileMode(Folder, folderMode);
            }
        }

        Assert.That(lines, Is.EqualTo(DeniedPlaceLines("denied", "permission denied: cannot create files in 'denied'", "permission denied: cannot create files in 'run'")));
        Assert.That(Snapshot(Folder), Is.EqualTo(before), "nothing created");
    }

    // Every output flag aimed into the folder place, and the commands that rename, replace or write into the finished run 'run'.
    private static string[][] DeniedPlaceCommands(string place) =>
    [
        ["train", "--out", $"{place}/run", .. TinyRun],
        ["sweep", "--seeds", "1", "--max-updates", "1", "--eval-episodes", "0", "--out", $"{place}/sweep", "--quiet"],
        ["render", "--baseline", "--out", $"{place}/images/x.svg"],
        ["plot", "run", "--out", $"{place}/x.svg"],
        ["eval", "run", "--episodes", "1", "--svg", $"{place}/x.svg"],
        ["baseline", "--episodes", "1", "--svg", $"{place}/x.svg"],
        ["train", "--resume", "run", "--max-updates", "2", "--quiet"],
        ["train", "--out", "run", "--force", .. TinyRun],
        ["plot", "run"],
    ];

    // What each of DeniedPlaceCommands must print (stderr) and exit with.
    private static string[] DeniedPlaceLines(string place, string placeReason, string runReason) => new[]
    {
        $"reinforce train: error: --out '{place}/run': {placeReason}",
        $"reinforce sweep: error: --out '{place}/sweep': {placeReason}",
        $"reinforce render: error: --out '{place}/images/x.svg': {placeReason}",
        $"reinforce plot: error: --out '{place}/x.svg': {placeReason}",
        $"reinforce eval: error: --svg '{place}/x.svg': {placeReason}",
        $"reinforce baseline: error: --svg '{place}/x.svg': {placeReason}",
        $"reinforce train: error: --resume 'run': {runReason}",
        $"reinforce train: error: --out 'run': {runReason}",
        $"reinforce plot: error: 'run/learning-curve.svg': {runReason}",
    }.SelectMany(line => new[] { line, "exit 2" }).ToArray();

    // Runs each command as a child process in a new namespace (unshare with unshareFlags), in the test's folder, after
    // setup (a shell command); returns what the shell printed: each command's stderr, then "exit N".
    private string[] RunInNamespace(string[] unshareFlags, string setup, string[][] commands)
    {
        if (!OperatingSystem.IsLinux() || !Succeeds("unshare", [.. unshareFlags, "true"]))
        {
            Assert.Ignore($"no new namespace on this machine (unshare {string.Join(' ', unshareFlags)})");
        }
        var (host, cli) = ChildCommand();
        var script = new StringBuilder($"{setup} || exit 99\n");
        foreach (string[] command in commands)
        {
            script.Append(Shell(host)).Append(' ').Append(Shell(cli));
            foreach (string argument in command)
            {
                script.Append(' ').Append(Shell(argument));
            }
            script.Append(" 2>&1 >/dev/null; echo \"exit $?\"\n");
        }
        var (exit, output) = RunProcess("unshare", [.. unshareFlags, "sh", "-c", script.ToString()], Folder);
        Assert.That(exit, Is.Zero, output);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    [TestCase(30, "read-only file system", true)]
    [TestCase(1, "operation not permitted", true)]
    [TestCase(20, "a folder on the way is not a folder", true)]
    [TestCase(28, "no space left on the device", false)]
    [TestCase(122, "disk quota exceeded", false)]
    [TestCase(5, "input/output error", false)]
    [TestCase(unchecked((int)0x80070070), "no space left on the device", false)]
    [TestCase(12345, "I/O error", false)]
    public void AnIOErrorWithAnErrno_IsNamedInWords_AndClassedAsBadInputOrRuntime(int errno, string reason, bool inputFault)
    {
        // As .NET raises an errno it has no exception type for: an IOException whose HResult is the errno, naming the temporary file.
        var error = new IOException($"I/O error writing '{InFolder(".x.svg.1.0123456789abcdef0123456789abcdef.tmp")}'", errno);
        string place = InFolder("x.svg");

        Exception failure = PathArguments.Failure($"cannot write --out {Display.Quote(place)}", place, error);

        Assert.That(PathArguments.Reason(error), Is.EqualTo(reason));
        Assert.That(PathArguments.IsInputFault(error), Is.EqualTo(inputFault));
        Assert.That(failure, inputFault ? Is.TypeOf<UsageException>() : Is.TypeOf<OutputException>(), "exit 2 for the path's fault, 1 for the machine's");
        Assert.That(failure.Message, Is.EqualTo($"cannot write --out {Display.Quote(place)}: {reason}"));
    }

    [Test]
    public void TheExceptionsOfThePathsFaults_AreNamedInWords()
    {
        Assert.That(PathArguments.Reason(new UnauthorizedAccessException("Access to the path '/x' is denied.")), Is.EqualTo("permission denied"));
        Assert.That(PathArguments.Reason(new PathTooLongException("The path '/x' is too long.")), Is.EqualTo("name too long"));
        Assert.That(PathArguments.Reason(new FileNotFoundException("Could not find file '/x/.y.1.0123456789abcdef0123456789abcdef.tmp'.")), Is.EqualTo("no such file or folder"));
        Assert.That(PathArguments.Reason(new DirectoryNotFoundException("Could not find a part of the path '/x'.")), Is.EqualTo("no such file or folder"));
    }

    // The path of a place no file can be; suffix is appended where the name is the tool's to choose.
    private string Place(string place, string suffix)
    {
        switch (place)
        {
            case "proc":
                return "/proc/reinforce-test" + suffix;
            case "sys":
                return "/sys/reinforce-test" + suffix;
            case "proc-subfolder":
                return "/proc/sys/vm/reinforce-test" + suffix;
            case "long-name":
                return InFolder(new string('é', 128)); // 256 bytes in UTF-8, 128 characters
            case "long-path":
                return InFolder(string.Join('/', Enumerable.Repeat(new string('d', 200), 21)), "x" + suffix); // over 4200 bytes
            case "huge":
                return new string('h', 100_000);
            case "file-parent":
                File.WriteAllText(InFolder("notes.txt"), "keep");
                return InFolder("notes.txt", "images", "x" + suffix);
            case "device-parent":
                return "/dev/null/x" + suffix;
            default:
                // A file of /proc/sys/vm whose mode is 0200: its read is refused by sysctl's permission check, for root too.
                string? unreadable = new[] { "/proc/sys/vm/compact_memory", "/proc/sys/vm/drop_caches" }.FirstOrDefault(File.Exists);
                if (unreadable is null)
                {
                    Assert.Ignore("no write-only sysctl file on this system");
                }
                return unreadable!;
        }
    }

    private string FinishedRun()
    {
        string run = InFolder("run");
        CliResult result = Run(["train", "--out", run, .. TinyRun]);
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        return run;
    }

    private static string Shell(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static bool Succeeds(string program, params string[] arguments)
    {
        try
        {
            return RunProcess(program, arguments, Directory.GetCurrentDirectory()).Exit == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // no such program
        }
    }

    private static (int Exit, string Output) RunProcess(string program, string[] arguments, string folder)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = folder };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["NO_COLOR"] = "1";
        using var process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output + error.Result);
    }

    // The dotnet host and reinforce.dll, to run the tool as a child process (as KillTests does).
    private static (string Host, string Cli) ChildCommand()
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
        return (host!, cli);
    }
}
