using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Reinforce.Cli;

namespace Reinforce.Tests.Docs;

/// <summary>
/// docs/cluster.md's recipes give each shard once: the Slurm script, the Kubernetes Indexed Job's script and the GNU
/// parallel line are run by the shell as written, once per index the scheduler would hand out (Slurm's
/// <c>--array=A-B</c>, Kubernetes' <c>JOB_COMPLETION_INDEX</c> 0 … completions − 1, parallel's <c>:::</c> list), with
/// <c>reinforce</c> replaced by a shell function that prints its arguments; the <c>--shard K/N</c> they pass must be exactly
/// 1/N … N/N, each once, N the number of indices, each with its own <c>--out</c> that the page's merge line picks up.
/// </summary>
[TestFixture]
[Platform(Exclude = "Win", Reason = "runs the recipes with sh")]
public sealed partial class ClusterRecipeTests
{
    private static readonly string Page = File.ReadAllText(Path.Combine(Repository.Root, "docs", "cluster.md"));

    // Prints the arguments of every reinforce call, one per line, instead of running it.
    private const string Stub = "reinforce() { printf 'reinforce'; for a in \"$@\"; do printf ' %s' \"$a\"; done; printf '\\n'; }\n";

    [Test]
    public void TheSlurmArrayScript_GivesShards1ToN()
    {
        string script = Block("sh", "#SBATCH --array=");
        Match array = SlurmArray().Match(script);
        Assert.That(array.Success, Is.True, "the script has #SBATCH --array=A-B");
        int first = int.Parse(array.Groups[1].Value, CultureInfo.InvariantCulture), last = int.Parse(array.Groups[2].Value, CultureInfo.InvariantCulture);

        var calls = Enumerable.Range(first, last - first + 1)
            .Select(i => Shell("bash", script, new() { ["SLURM_ARRAY_TASK_ID"] = I(i), ["SLURM_CPUS_PER_TASK"] = "4" })).ToList();

        AssertShards(calls, last - first + 1, MergeLine("sh", "#SBATCH"));

        // A requeued task, its shard's folder left unfinished by a killed run: it resumes that folder, as the same shard.
        var requeued = Enumerable.Range(first, last - first + 1).Select(i => Shell("bash", script, new() { ["SLURM_ARRAY_TASK_ID"] = I(i), ["SLURM_CPUS_PER_TASK"] = "4" },
            folder => Directory.CreateDirectory(Path.Combine(folder, "shards", $"shard-{i}.partial")))).ToList();
        Assert.That(requeued.Select(c => (Word(c, "--shard"), Word(c, "--resume"))),
            Is.EqualTo(calls.Select(c => (Word(c, "--shard"), Word(c, "--out")))), "the same shard, resumed from the folder it started");
    }

    [Test]
    public void TheKubernetesIndexedJob_GivesShards1ToN_FromAZeroBasedIndex()
    {
        string manifest = Block("yaml", "completionMode: Indexed");
        int completions = int.Parse(Completions().Match(manifest).Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.That(manifest, Does.Contain("command: [\"/bin/sh\", \"-c\"]"), "the script runs under sh");
        string script = BlockScalar(manifest);

        // A fresh volume: no shard folder yet, so each pod starts its shard (the branch with --out).
        var calls = Enumerable.Range(0, completions).Select(i => Shell("sh", script, new() { ["JOB_COMPLETION_INDEX"] = I(i) })).ToList();

        AssertShards(calls, completions, MergeLine("sh", "completionMode: Indexed"));
        Assert.That(script, Does.Contain("--resume /results/shard-$k"), "a restarted pod resumes its own shard");
    }

    [Test]
    public void TheGnuParallelLine_GivesShards1ToN()
    {
        string line = Block("sh", "parallel ").Split('\n').Single(l => l.StartsWith("parallel ", StringComparison.Ordinal));
        int separator = line.IndexOf(" ::: ", StringComparison.Ordinal);
        string template = line[..separator]["parallel ".Length..];
        // parallel's options come before the command: drop them (-j 4).
        template = template[template.IndexOf("reinforce", StringComparison.Ordinal)..];
        string[] values = Shell("sh", $"echo {line[(separator + 5)..]}", []).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        // parallel puts each value in place of {} and runs the line with the shell.
        var calls = values.Select(v => Shell("sh", template.Replace("{}", v, StringComparison.Ordinal), [])).ToList();

        AssertShards(calls, values.Length, MergeLine("sh", "parallel -j"));
    }

    // Every call is `reinforce sweep … --shard K/N --out DIR …`: K = 1 … count once each, N = count, each DIR its own and
    // matched by the merge line's glob.
    private static void AssertShards(List<string> calls, int count, string merge)
    {
        Assert.That(count, Is.GreaterThan(1));
        var shards = calls.Select(c => ShardSpec.Parse(Word(c, "--shard"))).ToList();
        Assert.That(shards.Select(s => s.Count), Has.All.EqualTo(count), string.Join("\n", calls));
        Assert.That(shards.Select(s => s.Index), Is.EqualTo(Enumerable.Range(1, count)), string.Join("\n", calls));
        var outs = calls.Select(c => Word(c, "--out")).ToList();
        Assert.That(outs.Distinct().Count(), Is.EqualTo(count), "a folder per shard");
        string glob = merge.Split(' ').Single(w => w.EndsWith('*'));
        Assert.That(outs, Has.All.StartWith(glob.TrimEnd('*')), $"the merge line {merge} reads every shard");
        Assert.That(calls, Has.All.StartWith("reinforce sweep "));
    }

    private static string Word(string call, string flag)
    {
        string[] words = call.Split(' ');
        int at = Array.IndexOf(words, flag);
        Assert.That(at, Is.GreaterThanOrEqualTo(0), $"{call} gives {flag}");
        return words[at + 1];
    }

    // The fenced block of the language that contains the marker.
    private static string Block(string language, string marker)
    {
        foreach (Match block in FencedBlock().Matches(Page))
        {
            if (block.Groups[1].Value == language && block.Groups[2].Value.Contains(marker, StringComparison.Ordinal))
            {
                return block.Groups[2].Value;
            }
        }
        Assert.Fail($"docs/cluster.md has no ```{language} block with {marker}");
        return "";
    }

    // The first `reinforce sweep merge` line of a block after the one with the marker.
    private static string MergeLine(string language, string after)
    {
        int start = Page.IndexOf(after, StringComparison.Ordinal);
        Match merge = MergeCommand().Match(Page, start);
        Assert.That(merge.Success, Is.True, $"a merge line follows {after}");
        return merge.Value;
    }

    // The YAML block scalar after `- |`: its lines, without their common indentation.
    private static string BlockScalar(string yaml)
    {
        string[] lines = yaml.Split('\n');
        int start = Array.FindIndex(lines, l => l.Trim() == "- |") + 1;
        Assert.That(start, Is.GreaterThan(0), "the manifest's args hold a block scalar");
        int indent = lines[start].Length - lines[start].TrimStart().Length;
        var script = lines.Skip(start).TakeWhile(l => l.Trim().Length == 0 || l.Length - l.TrimStart().Length >= indent).Select(l => l.Length >= indent ? l[indent..] : "");
        return string.Join('\n', script);
    }

    // Runs in a folder of its own, empty unless prepare puts something there: with no shard folder, a recipe takes its
    // branch that starts the shard.
    private static string Shell(string shell, string script, Dictionary<string, string> environment, Action<string>? prepare = null)
    {
        DirectoryInfo folder = Directory.CreateTempSubdirectory("reinforce-recipe-");
        try
        {
            prepare?.Invoke(folder.FullName);
            return Shell(shell, script, environment, folder.FullName);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static string Shell(string shell, string script, Dictionary<string, string> environment, string folder)
    {
        var start = new ProcessStartInfo(shell) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = folder };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Stub + script);
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        using var process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.That(process.ExitCode, Is.Zero, $"{shell}: {error}");
        return output.Trim();
    }

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"```(\w*)\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex FencedBlock();

    [GeneratedRegex(@"#SBATCH --array=(\d+)-(\d+)")]
    private static partial Regex SlurmArray();

    [GeneratedRegex(@"completions: (\d+)")]
    private static partial Regex Completions();

    [GeneratedRegex(@"reinforce sweep merge [^\n`]*")]
    private static partial Regex MergeCommand();
}
