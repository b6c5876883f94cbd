using System.Text;

namespace Reinforce.Tests.Cli;

/// <summary>
/// Two sweep folders compared file by file, byte for byte, with only the fields docs/cli.md lists as wall-clock or
/// machine fields masked: runs.csv's wall_seconds (its last column), summary.csv's wall_seconds_median and
/// wall_seconds_total (found by their header, since the comparison columns follow them), summary.md's s/run column and its "s/run" definition line (the sweep's wall time and
/// workers), the writer's marker <c>.reinforce-run</c> (its pid, host and start), a merged folder's shards.json (which
/// machines ran the shards), and the content of reproducibility.json (the process that wrote the folder: its command
/// line, machine and time; it must be there). Every other file, and the set of files and folders, must be identical.
/// </summary>
internal static class SweepFolderAssert
{
    /// <summary>Files that name the writer or the machines, left out of the comparison.</summary>
    public static readonly string[] MachineFiles = [".reinforce-run", "shards.json"];

    /// <summary>Files that must be in both folders but describe the writing process, so their content is not compared.</summary>
    public static readonly string[] ProcessFiles = ["reproducibility.json"];

    public static void AreSame(string expected, string actual, string context = "")
    {
        string[] expectedEntries = Entries(expected), actualEntries = Entries(actual);
        Assert.That(actualEntries, Is.EqualTo(expectedEntries), $"the same files and folders; {context}");
        foreach (string entry in expectedEntries.Where(e => !e.EndsWith('/') && !ProcessFiles.Contains(e)))
        {
            byte[] a = Masked(Path.Combine(expected, entry)), b = Masked(Path.Combine(actual, entry));
            if (!a.AsSpan().SequenceEqual(b))
            {
                Assert.Fail($"{entry} differs beyond its wall-clock fields; {context}\n--- {expected}\n{Encoding.UTF8.GetString(a)}\n--- {actual}\n{Encoding.UTF8.GetString(b)}");
            }
        }
    }

    /// <summary>Every entry below <paramref name="folder"/> (folders with a trailing /), sorted, without the machine files.</summary>
    public static string[] Entries(string folder) => Directory.EnumerateFileSystemEntries(folder, "*", SearchOption.AllDirectories)
        .Select(e => Path.GetRelativePath(folder, e).Replace('\\', '/') + (Directory.Exists(e) ? "/" : ""))
        .Where(e => !MachineFiles.Contains(e))
        .Order(StringComparer.Ordinal)
        .ToArray();

    /// <summary>A file's bytes with its wall-clock fields blanked.</summary>
    public static byte[] Masked(string path)
    {
        string name = Path.GetFileName(path);
        if (name is not ("runs.csv" or "summary.csv" or "summary.md"))
        {
            return File.ReadAllBytes(path);
        }
        string[] lines = File.ReadAllText(path).Split('\n');
        int[] wall = name == "summary.csv"
            ? [.. lines[0].Split(',').Select((column, i) => (column, i)).Where(c => c.column.StartsWith("wall_seconds", StringComparison.Ordinal)).Select(c => c.i)]
            : [];
        for (int i = 0; i < lines.Length; i++)
        {
            lines[i] = name switch
            {
                "runs.csv" => DropLast(lines[i], 1),
                "summary.csv" => DropColumns(lines[i], wall),
                _ => MaskMarkdown(lines[i]),
            };
        }
        return Encoding.UTF8.GetBytes(string.Join('\n', lines));
    }

    // The wall-time columns are the last ones and hold plain numbers (no quotes, no commas).
    private static string DropLast(string line, int columns)
    {
        for (int c = 0; c < columns && line.Length > 0; c++)
        {
            line = line[..Math.Max(0, line.LastIndexOf(','))];
        }
        return line;
    }

    // Blanks the given columns of a CSV line (a name may be quoted with commas inside: split as CSV).
    private static string DropColumns(string line, int[] columns) => line.Length == 0 ? line
        : string.Join(',', SweepCommandTests.SplitCsv(line).Select((cell, i) => columns.Contains(i) ? "" : cell));

    // The comparison table has 7 cells, the last is s/run; the definitions' s/run line holds the sweep's wall time.
    private static string MaskMarkdown(string line)
    {
        if (line.StartsWith("- **s/run**", StringComparison.Ordinal))
        {
            return "- **s/run** (masked)";
        }
        if (line.StartsWith("| ", StringComparison.Ordinal) && line.Split(" | ").Length == 7)
        {
            return line[..line.LastIndexOf(" | ", StringComparison.Ordinal)] + " | (masked) |";
        }
        return line;
    }
}
