using System.Text;
using Reinforce.Cli;
using Reinforce.Randomness;
using Reinforce.Tests.Docs;
using Reinforce.Text;

namespace Reinforce.Tests.Cli;

/// <summary>
/// A seeded fuzz test of the whole command line, in-process: thousands of argument lists over every command
/// and flag, each holding at least one value that the flag must refuse (non-finite and overflowing numbers,
/// values out of range, empty and huge values, control characters, paths that are devices, pipes, folders,
/// links, parents that are files, /proc, names too long, outputs inside a run folder, the current folder, folders reinforce did not make, folders inside a run or sweep folder,
/// run and sweep folders another writer holds), mixed with valid flags in
/// random order. Every list must give exit code 2 and one line on stderr, no stack trace, nothing on
/// stdout, and leave every file and folder as it was — all before any work.
/// </summary>
[TestFixture]
[Category(CliTestBase.CliRobustness)]
public sealed class CliFuzzTests : CliTestBase
{
    private const ulong Seed = 20261129;
    private const int Cases = 3000;

    // Values every numeric flag refuses.
    private static readonly string[] NotNumbers = ["", " ", "abc", "NaN", "Infinity", "-Infinity", "1e400", "-1e400", "0x10", "1_000", "1,5", "１２", "1e", "--", "\n", "\u001b[2J", "+-1"];
    private static readonly string[] NotIntegers = [.. NotNumbers, "2.5", "1e3", "99999999999999999999", "-99999999999999999999"];
    private static readonly string[] NotChoices = ["", "nope", "relu\n", "x\u001b[31m", "default ", "\u202Eleg"];
    private const string Huge = "HUGE"; // replaced by a 100,000-character value (at the start of a value: "HUGE=--lr 0.1")

    /// <summary>For every flag of every command: values it must refuse (TARGET names a fixture below).</summary>
    private static readonly Dictionary<string, Dictionary<string, string[]>> Hostile = new()
    {
        ["train"] = new()
        {
            ["--preset"] = [.. NotChoices, Huge],
            ["--config"] = ["", "FOLDER", "/dev/zero", "FIFO", "missing.json", "TEXT", "RUN/metrics.csv", "BADCONFIG", "LINK_TO_DEVICE"],
            ["--resume"] = ["", "USER", "missing", "TEXT", "/dev/zero", ".", "FOLDER", "STALE", "LOCKED", "RUN/sub", "SWEEP", Huge],
            ["--env"] = [.. NotChoices, "CartPole-v2", "MountainCar-v0"],
            ["--max-steps"] = [.. NotIntegers, "0", "-5", "2147483648"],
            ["--integrator"] = NotChoices,
            ["--sutton-barto-reward"] = ["=maybe", "=1", "="],
            ["--reward-threshold"] = NotNumbers,
            ["--hidden"] = ["", "0", "-1", "1,,2", "65537", "a", ",", "none,1", "\t", Huge, string.Join(',', Enumerable.Repeat("1", 65))],
            ["--activation"] = [.. NotChoices, "sigmoid"],
            ["--dropout"] = [.. NotNumbers, "1", "-0.1", "1.5", "0.99999999999999999"],
            ["--head"] = [.. NotChoices, "gaussian"],
            ["--init"] = [.. NotChoices, "he"],
            ["--optimizer"] = [.. NotChoices, "rmsprop"],
            ["--lr"] = [.. NotNumbers, "0", "-0", "-1", "1e-50", "1e-46", "1e39", "3.5e38", Huge],
            ["--gamma"] = [.. NotNumbers, "1.0000001", "-0.0001", "2"],
            ["--returns"] = NotChoices,
            ["--normalize"] = NotChoices,
            ["--normalize-eps"] = [.. NotNumbers, "0", "-1e-8"],
            ["--baseline"] = ["=maybe", "=yes"],
            ["--entropy-coef"] = [.. NotNumbers, "-1", "-1e-30", "1e39", "1e300"],
            ["--loss"] = NotChoices,
            ["--batch-episodes"] = [.. NotIntegers, "0", "-1", "100000000"],
            ["--batch-steps"] = [.. NotIntegers, "0", "10000001"],
            ["--max-episodes"] = [.. NotIntegers, "0", "9223372036854775808"],
            ["--max-updates"] = [.. NotIntegers, "0", "2147483648"],
            ["--stop-when-solved"] = ["=maybe", "=0"],
            ["--solved-by"] = [.. NotChoices, "mean", "mean-100", "gymnasium"],
            ["--eval-interval"] = [.. NotIntegers, "0", "2147483648"],
            ["--eval-episodes"] = [.. NotIntegers, "0", "100001"],
            ["--eval-policy"] = NotChoices,
            ["--running-reward-weight"] = [.. NotNumbers, "0", "1.5", "-0.1"],
            ["--running-reward-start"] = NotNumbers,
            ["--seed"] = ["", "-1", "18446744073709551616", "1.0", "abc", " 1"],
            ["--threads"] = [.. NotIntegers, "0", "1025", "AUTO", "auto "],
            ["--execution"] = [.. NotChoices, "ref", "scalar", "fast "],
            ["--out"] = ["", ".", "..", "CWD", "USER", "TEXT", "FIFO", "/dev/null", "LINK", "x.partial", "a\0b", "TEXT/below", "STALE",
                "RUN/sub", "RUN/a/b", "SWEEP/sub", "LINK/sub", "LOCKED", "LOCKEDSWEEP", "/proc/run", "/sys/run", Huge],
            ["--force"] = ["=maybe"],
            ["--checkpoint-interval"] = [.. NotIntegers, "0"],
            ["--log-interval"] = [.. NotIntegers, "0"],
            ["--quiet"] = ["=maybe"],
            ["--json"] = ["=maybe", "=1"],
        },
        ["eval"] = new()
        {
            [""] = ["", "missing", "USER", "/dev/zero", "FIFO", "TEXT", "FOLDER", "BADCHECKPOINT"],
            ["--episodes"] = [.. NotIntegers, "0", "10000001"],
            ["--seed"] = ["-1", "", "x"],
            ["--env"] = NotChoices,
            ["--max-steps"] = [.. NotIntegers, "0"],
            ["--svg"] = ["", "FOLDER", "/dev/full", "FIFO", "RUN/x.svg", "RUN/sub/x.svg", "/proc/x.svg", "HUGE.svg", "LINK_SVG", "FOLDER/", "TEXT/below.svg"],
            ["--policy"] = NotChoices,
            ["--best"] = ["=maybe", "=1"],
            ["--json"] = ["=maybe", "=yes"],
        },
        ["baseline"] = new()
        {
            ["--episodes"] = [.. NotIntegers, "0"],
            ["--seed"] = ["-1", "", "1e3"],
            ["--env"] = NotChoices,
            ["--max-steps"] = [.. NotIntegers, "0"],
            ["--svg"] = ["", "FOLDER", "/dev/full", "FIFO", "RUN/x.svg", "TEXT/below.svg", "/proc/x.svg", "HUGE.svg", "LINK_SVG"],
            ["--json"] = ["=maybe", "=0"],
        },
        ["render"] = new()
        {
            [""] = ["", "missing", "/dev/zero", "FIFO", "TEXT", "BADCHECKPOINT"],
            ["--baseline"] = ["=maybe"],
            ["--best"] = ["=maybe"],
            ["--out"] = ["", "FOLDER", "/dev/full", "FIFO", "RUN/x.svg", "TEXT/below.svg", "/proc/x.svg", "HUGE.svg", "LINK_SVG", "FOLDER/"],
            ["--seed"] = ["-1", ""],
            ["--policy"] = NotChoices,
            ["--env"] = NotChoices,
            ["--max-steps"] = [.. NotIntegers, "0", "100001"],
            ["--ascii"] = ["=maybe"],
            ["--every"] = [.. NotIntegers, "0", "100001"],
            ["--fps"] = [.. NotIntegers, "0", "1001"],
        },
        ["plot"] = new()
        {
            [""] = ["", "missing", "/dev/zero", "FIFO", "USER", "TEXT", "EMPTYRUN", "EMPTYSWEEP"],
            ["--out"] = ["", "FOLDER", "/dev/full", "FIFO", "RUN/x.svg", "TEXT/below.svg", "/proc/x.svg", "HUGE.svg", "LINK_SVG"],
            ["--x"] = [.. NotChoices, "time", "Episodes "],
        },
        ["presets"] = new()
        {
            [""] = [.. NotChoices, "pytorch"],
        },
    };

    static CliFuzzTests()
    {
        // explain takes train's configuration flags (the same hostile values) and --inputs.
        var explain = ExplainCommand.Flags.Where(f => f.Name != "--inputs").ToDictionary(f => f.Name, f => Hostile["train"][f.Name]);
        explain["--inputs"] = ["", "FOLDER", "/dev/zero", "FIFO", "missing.txt", "TEXT", "BADCHECKPOINT", "RUN/metrics.csv"];
        Hostile["explain"] = explain;

        // sweep takes train's configuration flags (the same hostile values) and its own.
        var sweep = SweepCommand.TrainFlags.ToDictionary(f => f.Name, f => Hostile["train"][f.Name]);
        sweep["--preset"] = [.. NotChoices, Huge];
        sweep["--config"] = ["", "FOLDER", "/dev/zero", "FIFO", "missing.json", "TEXT", "RUN/metrics.csv", "BADCONFIG"];
        sweep["--candidate"] = ["", "x=", " =--lr 0.1", "x=--seed 1", "x=--lr -1", "x=--nope", "x=--preset nope", "x=--lr", "x=--threads 2", "x=--execution fast", "--hidden 0", Huge,
            "x=--help", "x=-h", "x=--lr NaN", "x|y=--lr 0.1", "x,y=--lr 0.1", "x\ny=--lr 0.1", new string('x', 65) + "=--lr 0.1", Huge + "=--lr 0.1"];
        sweep["--grid"] = ["", "lr", "lr=", "=1", "nope=1", "seed=1,2", "preset=default", "lr=-1", "lr=1,1", "hidden=0", "baseline=maybe", "lr=0.01;", "execution=fast,reference", Huge];
        sweep["--seeds"] = ["", "0", "-1", "5..1", "1,1", "abc", "1..", "..5", "1...3", "100001", "0..100000", "1,,2", Huge];
        sweep["--threads"] = Hostile["train"]["--threads"];
        sweep["--eval-episodes"] = [.. NotIntegers, "-1", "100001"];
        sweep["--bootstrap-resamples"] = [.. NotIntegers, "0", "99", "1000001"];
        sweep["--bootstrap-seed"] = ["-1", "", "x", "1.5"];
        sweep["--x"] = [.. NotChoices, "seconds"];
        sweep["--out"] = ["", ".", "..", "CWD", "USER", "TEXT", "FIFO", "/dev/null", "LINK", "x.partial", "a\0b", "TEXT/below",
            "RUN/sub", "RUN/a/b", "SWEEP/sub", "LINK/sub", "LOCKED", "LOCKEDSWEEP", "/proc/sweep", Huge];
        sweep["--force"] = ["=maybe"];
        sweep["--quiet"] = ["=maybe"];
        sweep["--json"] = ["=maybe", "=no"];
        sweep["--shard"] = ["", "0/4", "5/4", "1/0", "4", "a/b", "1/4/4", "-1/4", " 1/4", "1/100001", "１/4", "1/1000001", "/", Huge];
        sweep["--resume"] = ["", "missing", "USER", "TEXT", "/dev/zero", "FIFO", ".", "FOLDER", "RUN", "SWEEP", "LOCKEDSWEEP", "x.partial", "STALE", "RUN/sub", "LINK"];
        Hostile["sweep"] = sweep;

        // sweep merge: shard folders (the positional arguments) and the merged folder.
        Hostile["sweep merge"] = new()
        {
            [""] = ["", "missing", "USER", "TEXT", "/dev/zero", "FIFO", "RUN", "SWEEP", "FOLDER", "x.partial", "LOCKEDSWEEP", "EMPTYSWEEP"],
            ["--out"] = [.. sweep["--out"], "SHARD", "SHARD/sub"],
            ["--force"] = ["=maybe"],
            ["--threads"] = Hostile["train"]["--threads"],
            ["--quiet"] = ["=maybe"],
        };
    }

    /// <summary>Valid flags mixed in (they must not let a run start: the hostile value stops it first).</summary>
    private static readonly Dictionary<string, string[][]> Valid = new()
    {
        ["train"] = [["--max-updates", "1"], ["--quiet"], ["--seed", "3"], ["--hidden", "8"], ["--lr", "0.02"], ["--batch-episodes", "2"], ["--env", "CartPole-v0"], ["--force"], ["--no-stop-when-solved"]],
        ["eval"] = [["--episodes", "1"], ["--policy", "sample"], ["--seed", "2"]],
        ["baseline"] = [["--episodes", "1"], ["--seed", "2"]],
        ["render"] = [["--seed", "1"], ["--policy", "greedy"], ["--max-steps", "20"]],
        ["plot"] = [],
        ["presets"] = [],
        ["explain"] = [["--seed", "3"], ["--hidden", "2"], ["--returns", "discounted"]],
        ["sweep"] = [["--seeds", "2"], ["--max-episodes", "4"], ["--quiet"], ["--threads", "1"], ["--eval-episodes", "1"], ["--grid", "lr=0.01,0.02"], ["--preset", "default"]],
        ["sweep merge"] = [["--quiet"], ["--threads", "1"], ["--force"]],
    };

    [Test]
    public void EveryFlagOfEveryCommand_HasHostileValuesInTheFuzzTable()
    {
        var commands = new Dictionary<string, IReadOnlyList<Flag>>
        {
            ["train"] = TrainCommand.Flags, ["eval"] = EvaluateCommands.EvalFlags, ["baseline"] = EvaluateCommands.BaselineFlags,
            ["render"] = RenderCommand.Flags, ["plot"] = PlotCommand.Flags, ["presets"] = PresetsCommand.Flags, ["explain"] = ExplainCommand.Flags,
            ["sweep"] = SweepCommand.Flags, ["sweep merge"] = SweepMergeCommand.Flags,
        };
        foreach (var (command, flags) in commands)
        {
            Assert.That(Hostile[command].Keys.Where(k => k.Length > 0), Is.EquivalentTo(flags.Select(f => f.Name)), command);
        }
    }

    [Test]
    public void HostileArgumentLists_GetExit2_OneLine_AndChangeNothingOnDisk()
    {
        var fixtures = CreateFixtures();
        // A run folder and a sweep folder whose locks another writer holds (here: this process, as a running train or sweep would).
        using var lockedRun = new FileStream(Path.Combine(fixtures["LOCKED"], ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        using var lockedSweep = new FileStream(Path.Combine(fixtures["LOCKEDSWEEP"], ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        string[] before = Snapshot(Folder);
        var rng = new Pcg64(Seed);
        var failures = new List<string>();
        InCurrentFolder(Folder, () =>
        {
            for (int i = 0; i < Cases && failures.Count < 5; i++)
            {
                string[] args = Generate(rng, fixtures);
                CliResult result = Run(args);
                string? problem = result.ExitCode != 2 ? $"exit {result.ExitCode}"
                    : result.ErrorLines.Length != 1 ? $"{result.ErrorLines.Length} lines on stderr"
                    : !result.Error.StartsWith("reinforce", StringComparison.Ordinal) ? "stderr does not start with 'reinforce'"
                    : result.Error.Contains("   at ", StringComparison.Ordinal) ? "a stack trace"
                    : result.Output.Length > 0 ? "output on stdout"
                    : result.Error.Length > 1000 ? $"a {result.Error.Length}-character line"
                    : null;
                string[] after = Snapshot(Folder);
                if (problem is null && !after.SequenceEqual(before))
                {
                    problem = $"the folder changed: {string.Join(", ", after.Except(before).Concat(before.Except(after)).Take(4))}";
                    before = after;
                }
                if (problem is not null)
                {
                    failures.Add($"case {i}: {problem}\n  args: {string.Join(' ', args.Select(a => Display.Quote(a, 60)))}\n  stderr: {Display.Escape(result.Error, 300)}");
                }
            }
            return 0;
        });

        Assert.That(failures, Is.Empty, string.Join("\n", failures));
    }

    private const int ExplainInputCases = 600;

    // What an edit puts in place of a number: huge, tiny, negative, non-finite, out of every range, and not numbers at all.
    private static readonly string[] HostileNumbers =
        ["3.4e38", "-3.4e38", "1e39", "1e308", "-1e308", "1e-45", "1e-50", "NaN", "Infinity", "-Infinity", "-1", "-0.5", "0", "-0", "2", "1.5",
         "0.999999999999", "99999999999", "2147483648", "x", "1e", "0x10", "1,5", "--"];

    // Whole lines an edit may add: settings twice over, actions out of range, episode lengths that overflow a sum.
    private static readonly string[] HostileLines =
        ["lengths = 1 2", "lengths = 2147483647 2147483647", "lengths = 0 3", "a = 0 1 2", "gamma = 0.5 0.5", "dropout = 0.5", "mask1[0] = 0 2",
         "W1[3] = 1 2 3 4", "b3 = 0 0", "s[3] = 0 0 0 0", "lr = 1e-50", "adam.beta2 = 1", "L.new = 1", "z1[9] = 1 2 3", "m.W9[0] = 1", "x = 1", "= 1", "W1[0] =", "# a comment"];

    // Kinds only: a setting flag (--lr, --gamma) conflicts with the file's, and the Bernoulli head with its two logits.
    private static readonly string[][] ExplainKinds =
    [
        ["--activation", "tanh"], ["--activation", "relu"], ["--activation", "elu"], ["--returns", "discounted"], ["--returns", "episode"],
        ["--normalize", "none"], ["--normalize", "episode"], ["--normalize", "batch"], ["--optimizer", "sgd"], ["--loss", "sum"],
        ["--baseline"],
    ];

    /// <summary>
    /// <c>explain --inputs</c> on random edits of docs/worked-example.md read as a plain inputs file (its inputs alone, or all
    /// its blocks, computed lines included): one to three edits each, numbers replaced by huge, tiny, negative, non-finite or
    /// non-numeric values, labels misspelled, indices put out of range, lines duplicated, dropped, swapped or added, with
    /// random kinds on the command line. Every run exits 0 (the update printed, warnings only on stderr) or 2 with one line
    /// and nothing on stdout; never 70, never a stack trace.
    /// </summary>
    [Test]
    public void ExplainInputsMutations_Exit0Or2_NeverAnInternalError()
    {
        string[] page = File.ReadAllLines(WorkedExampleDocument.Locate());
        var blocks = new List<List<string>>();
        for (int i = 0; i < page.Length; i++)
        {
            if (page[i] == "```text")
            {
                var block = new List<string>();
                for (i++; page[i] != "```"; i++)
                {
                    block.Add(page[i]);
                }
                blocks.Add(block);
            }
        }
        string[][] bases = [[.. blocks[0], .. blocks[1]], [.. blocks.SelectMany(b => b)]];
        var rng = new Pcg64(Seed + 1);
        var failures = new List<string>();
        int[] exits = new int[3];
        for (int i = 0; i < ExplainInputCases && failures.Count < 5; i++)
        {
            var lines = bases[Pick(rng, bases.Length)].ToList();
            for (int edits = 1 + Pick(rng, 3); edits > 0; edits--)
            {
                Mutate(rng, lines);
            }
            string file = InFolder($"inputs-{i}.txt");
            File.WriteAllLines(file, lines);
            var args = new List<string> { "explain", "--inputs", file };
            foreach (string[] kind in ExplainKinds.Where(_ => Pick(rng, 5) == 0))
            {
                if (!args.Contains(kind[0]))
                {
                    args.AddRange(kind);
                }
            }
            CliResult result = Run([.. args]);
            exits[result.ExitCode == 0 ? 0 : result.ExitCode == 2 ? 1 : 2]++;
            string? problem = result.ExitCode is not (0 or 2) ? $"exit {result.ExitCode}"
                : result.Error.Contains("   at ", StringComparison.Ordinal) ? "a stack trace"
                : result.ExitCode == 2 && result.ErrorLines.Length != 1 ? $"{result.ErrorLines.Length} lines on stderr"
                : result.ExitCode == 2 && result.Output.Length > 0 ? "output on stdout with exit 2"
                : result.ExitCode == 0 && result.ErrorLines.Any(l => !l.StartsWith("reinforce explain: warning: ", StringComparison.Ordinal)) ? "stderr other than warnings with exit 0"
                : result.ExitCode == 0 && !result.Output.Contains("L.new", StringComparison.Ordinal) ? "no update printed with exit 0"
                : null;
            if (problem is not null)
            {
                failures.Add($"case {i}: {problem}\n  args: {string.Join(' ', args.Skip(3))}\n  file:\n    {string.Join("\n    ", lines)}\n  stderr: {Display.Escape(result.Error, 300)}");
            }
            File.Delete(file);
        }
        TestContext.Out.WriteLine($"{ExplainInputCases} edited inputs files: {exits[0]} exit 0, {exits[1]} exit 2, {exits[2]} other");
        Assert.That(failures, Is.Empty, string.Join("\n", failures));
    }

    // One edit of an inputs file's lines.
    private static void Mutate(Pcg64 rng, List<string> lines)
    {
        if (lines.Count == 0)
        {
            lines.Add(HostileLines[Pick(rng, HostileLines.Length)]);
            return;
        }
        int at = Pick(rng, lines.Count);
        string line = lines[at];
        int equals = line.IndexOf(" =", StringComparison.Ordinal);
        switch (Pick(rng, 7))
        {
            case 0 when equals > 0: // a number replaced
                string[] tokens = line[(equals + 2)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (tokens.Length > 0)
                {
                    tokens[Pick(rng, tokens.Length)] = HostileNumbers[Pick(rng, HostileNumbers.Length)];
                    lines[at] = line[..(equals + 2)] + " " + string.Join(' ', tokens);
                }
                break;
            case 1 when equals > 0: // a label misspelled: one character replaced, dropped or added
                string label = line[..equals].TrimEnd();
                const string Letters = "aWbsz[]0129.-_";
                int k = Pick(rng, label.Length);
                label = Pick(rng, 3) switch
                {
                    0 => label[..k] + Letters[Pick(rng, Letters.Length)] + label[(k + 1)..],
                    1 => label.Remove(k, 1),
                    _ => label.Insert(k, Letters[Pick(rng, Letters.Length)].ToString()),
                };
                lines[at] = label + line[equals..];
                break;
            case 2 when line.Contains('[', StringComparison.Ordinal): // an index out of range
                string[] indices = ["3", "4", "9", "100000", "-1", "01", "2147483648"];
                int open = line.IndexOf('[', StringComparison.Ordinal), close = line.IndexOf(']', StringComparison.Ordinal);
                if (close > open)
                {
                    lines[at] = line[..(open + 1)] + indices[Pick(rng, indices.Length)] + line[close..];
                }
                break;
            case 3: // a line duplicated
                lines.Insert(Pick(rng, lines.Count + 1), line);
                break;
            case 4: // a line dropped
                lines.RemoveAt(at);
                break;
            case 5: // two lines swapped
                int other = Pick(rng, lines.Count);
                (lines[at], lines[other]) = (lines[other], lines[at]);
                break;
            default: // a line added
                lines.Insert(Pick(rng, lines.Count + 1), HostileLines[Pick(rng, HostileLines.Length)]);
                break;
        }
    }

    private Dictionary<string, string> CreateFixtures()
    {
        string run = InFolder("run");
        Assert.That(Run("train", "--max-updates", "1", "--out", run, "--quiet").ExitCode, Is.Zero);
        string user = InFolder("user");
        Directory.CreateDirectory(Path.Combine(user, "sub"));
        File.WriteAllText(Path.Combine(user, "precious.txt"), "keep");
        File.WriteAllText(InFolder("notes.txt"), "plain text, not JSON, not safetensors, not CSV\n");
        Directory.CreateDirectory(Path.Combine(InFolder("folder"), "inside"));
        File.WriteAllText(InFolder("real.svg"), "<svg/>");
        File.CreateSymbolicLink(InFolder("link.svg"), InFolder("real.svg"));
        Directory.CreateSymbolicLink(InFolder("link"), run);
        File.WriteAllText(InFolder("bad-config.json"), "{\"trainer\": {\"learningRate\": 1e39}}");
        File.WriteAllBytes(InFolder("bad.safetensors"), File.ReadAllBytes(Path.Combine(run, "checkpoint.safetensors"))[..200]);
        // A killed run next to a finished one: ambiguous for --resume, in the way for --out without --force.
        string stale = InFolder("stale");
        Assert.That(Run("train", "--max-updates", "1", "--out", stale, "--quiet").ExitCode, Is.Zero);
        Directory.CreateDirectory(stale + ".partial");
        foreach (string file in Directory.GetFiles(stale))
        {
            File.Copy(file, Path.Combine(stale + ".partial", Path.GetFileName(file)));
        }
        // A sweep folder; one stopped before any run ended (episodes.csv holds only its header); a run and a sweep to hold locked.
        string sweep = InFolder("sweep"), emptySweep = InFolder("empty-sweep"), locked = InFolder("locked"), lockedSweep = InFolder("locked-sweep");
        string[] tinySweep = ["--seeds", "1", "--max-updates", "1", "--hidden", "4", "--eval-episodes", "0", "--quiet"];
        Assert.That(Run(["sweep", "--out", sweep, .. tinySweep]).ExitCode, Is.Zero);
        // A shard folder (the whole sweep as its only shard) for sweep merge.
        string shard = InFolder("shard");
        Assert.That(Run(["sweep", "--out", shard, "--shard", "1/1", .. tinySweep]).ExitCode, Is.Zero);
        Assert.That(Run(["sweep", "--out", lockedSweep, .. tinySweep]).ExitCode, Is.Zero);
        Assert.That(Run("train", "--max-updates", "1", "--out", locked, "--quiet").ExitCode, Is.Zero);
        Directory.CreateDirectory(emptySweep);
        foreach (string file in Directory.GetFiles(sweep))
        {
            File.Copy(file, Path.Combine(emptySweep, Path.GetFileName(file)));
        }
        File.WriteAllText(Path.Combine(emptySweep, "episodes.csv"), "config,seed,episode,return,length\n");
        string emptyRun = InFolder("empty-run");
        Directory.CreateDirectory(emptyRun);
        File.WriteAllText(Path.Combine(emptyRun, "metrics.csv"), "update,episodes,steps,wall_seconds,mean_return,std_return,min_return,max_return,mean_length,loss,entropy,running_reward\n");
        var fixtures = new Dictionary<string, string>
        {
            ["RUN"] = run, ["USER"] = user, ["TEXT"] = InFolder("notes.txt"), ["FOLDER"] = InFolder("folder"), ["LINK"] = InFolder("link"),
            ["LINK_SVG"] = InFolder("link.svg"), ["BADCONFIG"] = InFolder("bad-config.json"), ["BADCHECKPOINT"] = InFolder("bad.safetensors"),
            ["CWD"] = Folder, ["STALE"] = stale, ["EMPTYRUN"] = emptyRun, ["LINK_TO_DEVICE"] = InFolder("zero"),
            ["SWEEP"] = sweep, ["EMPTYSWEEP"] = emptySweep, ["LOCKED"] = locked, ["LOCKEDSWEEP"] = lockedSweep, ["SHARD"] = shard,
        };
        File.CreateSymbolicLink(InFolder("zero"), OperatingSystem.IsWindows() ? "NUL" : "/dev/zero");
        if (!OperatingSystem.IsWindows())
        {
            MakeFifo(InFolder("fifo"));
            fixtures["FIFO"] = InFolder("fifo");
        }
        return fixtures;
    }

    private static string[] Generate(Pcg64 rng, Dictionary<string, string> fixtures)
    {
        string[] commands = ["train", "train", "train", "eval", "baseline", "render", "plot", "presets", "explain", "sweep", "sweep", "sweep merge"];
        string command = commands[Pick(rng, commands.Length)];
        var flags = Hostile[command];
        var parts = new List<string[]>();
        bool hasPositional = false;

        // One to three hostile values, each on a different flag (or the positional argument).
        var keys = flags.Keys.ToList();
        int hostileCount = 1 + Pick(rng, 3);
        for (int h = 0; h < hostileCount && keys.Count > 0; h++)
        {
            string flag = keys[Pick(rng, keys.Count)];
            keys.Remove(flag);
            string[] pool = flags[flag].Where(v => !v.Contains("FIFO", StringComparison.Ordinal) || fixtures.ContainsKey("FIFO")).ToArray();
            string value = Resolve(pool[Pick(rng, pool.Length)], fixtures);
            if (flag.Length == 0)
            {
                parts.Add([value]);
                hasPositional = true;
            }
            else if (value.StartsWith('=') || IsSwitch(command, flag))
            {
                parts.Add([flag + (value.StartsWith('=') ? value : "=" + value)]);
            }
            else
            {
                parts.Add(Pick(rng, 2) == 0 ? [flag, value] : [$"{flag}={value}"]);
            }
        }
        // Commands that need a positional argument get a valid one when no hostile one was drawn; render gets --baseline instead half the time.
        if (!hasPositional && command is "eval" or "plot" or "render" && !parts.Any(p => p[0].StartsWith("--baseline", StringComparison.Ordinal)))
        {
            parts.Add(command == "render" && Pick(rng, 2) == 0 ? ["--baseline"] : [fixtures["RUN"]]);
        }
        if (!hasPositional && command == "sweep merge")
        {
            parts.Add([fixtures["SHARD"]]);
        }
        foreach (string[] valid in Valid[command])
        {
            if (Pick(rng, 3) == 0 && !parts.Any(p => p[0].Split('=')[0] == valid[0]))
            {
                parts.Add(valid);
            }
        }
        // Shuffle (Fisher–Yates with the test's own generator).
        for (int i = parts.Count - 1; i > 0; i--)
        {
            int j = Pick(rng, i + 1);
            (parts[i], parts[j]) = (parts[j], parts[i]);
        }
        return [.. command.Split(' '), .. parts.SelectMany(p => p)];
    }

    private static bool IsSwitch(string command, string flag)
    {
        IReadOnlyList<Flag> flags = command switch
        {
            "train" => TrainCommand.Flags,
            "explain" => ExplainCommand.Flags,
            "sweep" => SweepCommand.Flags,
            "sweep merge" => SweepMergeCommand.Flags,
            "render" => RenderCommand.Flags,
            _ => [],
        };
        return flags.Any(f => f.Name == flag && f.IsSwitch);
    }

    private static string Resolve(string value, Dictionary<string, string> fixtures)
    {
        if (value.StartsWith(Huge, StringComparison.Ordinal))
        {
            return new string('7', 100_000) + value[Huge.Length..];
        }
        foreach (var (name, path) in fixtures.OrderByDescending(f => f.Key.Length))
        {
            if (value.StartsWith(name, StringComparison.Ordinal))
            {
                return path + value[name.Length..];
            }
        }
        return value;
    }

    private static int Pick(Pcg64 rng, int count) => (int)(rng.NextUInt64() % (ulong)count);
}
