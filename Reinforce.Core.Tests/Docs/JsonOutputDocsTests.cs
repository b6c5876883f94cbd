using System.Text.Json;
using System.Text.RegularExpressions;
using Reinforce.Tests.Cli;

namespace Reinforce.Tests.Docs;

/// <summary>
/// docs/cli.md's tables of JSON fields are the fields the tool writes: for each schema (the <c>--json</c> result of
/// train, eval, baseline and sweep, the error object, and reproducibility.json), the dotted paths the page lists
/// (<c>firstSolved.running</c>, <c>configurations[].name</c>) are exactly the paths found in the objects of a few runs
/// chosen so that every object-or-null field is an object in one of them, and every value has the documented type.
/// </summary>
[TestFixture]
public sealed partial class JsonOutputDocsTests : CliTestBase
{
    private static readonly string[] Page = File.ReadAllLines(Path.Combine(Repository.Root, "docs", "cli.md"));

    [TestCase("reinforce.train/1")]
    [TestCase("reinforce.eval/1")]
    [TestCase("reinforce.baseline/1")]
    [TestCase("reinforce.sweep/1")]
    [TestCase("reinforce.error/1")]
    [TestCase("reinforce.reproducibility/1")]
    public void TheDocumentedFields_AreTheFieldsWritten(string schema)
    {
        Dictionary<string, string> documented = schema == "reinforce.reproducibility/1"
            ? Fields("### reproducibility.json")
            : Fields("### Every object").Concat(Fields($"`{schema}`")).ToDictionary();
        List<JsonElement> written = Written(schema);

        var paths = new Dictionary<string, HashSet<JsonValueKind>>();
        foreach (JsonElement element in written)
        {
            Assert.That(element.GetProperty("schema").GetString(), Is.EqualTo(schema));
            Collect(element, "", paths);
        }

        Assert.That(paths.Keys.Except(documented.Keys).Order(StringComparer.Ordinal), Is.Empty, "written, but not in docs/cli.md's table");
        Assert.That(documented.Keys.Except(paths.Keys).Order(StringComparer.Ordinal), Is.Empty, "in docs/cli.md's table, but not written");
        Assert.Multiple(() =>
        {
            foreach (var (path, kinds) in paths)
            {
                foreach (JsonValueKind kind in kinds)
                {
                    Assert.That(Fits(kind, documented[path]), Is.True, $"{path} is {kind}, documented as '{documented[path]}'");
                }
            }
        });
    }

    /// <summary>The objects of a few runs of the command: together they fill every field the page lists.</summary>
    private List<JsonElement> Written(string schema)
    {
        string run = InFolder("run");
        JsonElement Json(params string[] args)
        {
            CliResult result = Run([.. args, "--json"]);
            return JsonOutputTests.SingleObject(result.Output);
        }
        switch (schema)
        {
            case "reinforce.train/1":
                // With evaluations (the best and the last are objects), and without (both null); a solved run.
                return [Json("train", "--max-updates", "2", "--eval-interval", "1", "--eval-episodes", "2", "--out", run, "--quiet"),
                    Json("train", "--out", InFolder("solved"), "--quiet")];
            case "reinforce.eval/1":
                Assert.That(Run("train", "--max-updates", "1", "--out", run, "--quiet").ExitCode, Is.Zero);
                return [Json("eval", run, "--episodes", "3", "--svg", InFolder("h.svg")), Json("eval", run, "--episodes", "3")];
            case "reinforce.baseline/1":
                return [Json("baseline", "--episodes", "3", "--svg", InFolder("h.svg")), Json("baseline", "--episodes", "3")];
            case "reinforce.sweep/1":
                // The default solves every seed (docs/cli.md, Sweeps: 100/100), so every interval is an object.
                return [Json("sweep", "--seeds", "2", "--eval-episodes", "2", "--out", InFolder("sweep"), "--quiet")];
            case "reinforce.error/1":
                return [Json("train", "--gamma", "2"), Json("sweep", "--seeds", "x")];
            default:
                Assert.That(Run("train", "--max-updates", "1", "--out", run, "--quiet").ExitCode, Is.Zero);
                Assert.That(Run("train", "--resume", run, "--max-updates", "2", "--quiet").ExitCode, Is.Zero);
                using (var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "reproducibility.json"))))
                {
                    return [document.RootElement.Clone()];
                }
        }
    }

    // Every path under element: an object's property is prefix + name, an array's elements are path + "[]".
    private static void Collect(JsonElement element, string path, Dictionary<string, HashSet<JsonValueKind>> paths)
    {
        if (path.Length > 0)
        {
            if (!paths.TryGetValue(path, out HashSet<JsonValueKind>? kinds))
            {
                paths[path] = kinds = [];
            }
            kinds.Add(element.ValueKind == JsonValueKind.False ? JsonValueKind.True : element.ValueKind);
        }
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (JsonProperty property in element.EnumerateObject())
            {
                Collect(property.Value, path.Length == 0 ? property.Name : $"{path}.{property.Name}", paths);
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement item in element.EnumerateArray())
            {
                Collect(item, path + "[]", paths);
            }
        }
        if (element.ValueKind == JsonValueKind.Number && paths.TryGetValue(path, out HashSet<JsonValueKind>? numberKinds)
            && !IntegerText().IsMatch(element.GetRawText()))
        {
            numberKinds.Add(JsonValueKind.Undefined); // stands for "a number with a fraction or an exponent"
        }
    }

    private static bool Fits(JsonValueKind kind, string type)
    {
        string[] allowed = type.Split(" or ");
        return kind switch
        {
            JsonValueKind.Null => allowed.Contains("null"),
            JsonValueKind.String => allowed.Contains("string"),
            JsonValueKind.True => allowed.Contains("boolean"),
            JsonValueKind.Object => allowed.Contains("object"),
            JsonValueKind.Array => allowed.Contains("array"),
            JsonValueKind.Number => allowed.Contains("number") || allowed.Contains("integer"),
            JsonValueKind.Undefined => allowed.Contains("number"), // an integer field never has a fraction
            _ => false,
        };
    }

    /// <summary>The table under the first heading line that contains <paramref name="heading"/>: field path → type.</summary>
    private static Dictionary<string, string> Fields(string heading)
    {
        int start = Array.FindIndex(Page, line => line.StartsWith("### ", StringComparison.Ordinal) && line.Contains(heading, StringComparison.Ordinal));
        Assert.That(start, Is.GreaterThanOrEqualTo(0), $"docs/cli.md has a heading with {heading}");
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = start + 1; i < Page.Length && !Page[i].StartsWith('#'); i++)
        {
            Match row = FieldRow().Match(Page[i]);
            if (row.Success)
            {
                Assert.That(fields.TryAdd(row.Groups[1].Value, row.Groups[2].Value.Trim()), Is.True, $"{row.Groups[1].Value} listed once under {heading}");
            }
        }
        return fields;
    }

    [GeneratedRegex(@"^\| `([A-Za-z0-9_.\[\]]+)` \| ([a-z ]+) \|")]
    private static partial Regex FieldRow();

    [GeneratedRegex(@"^-?[0-9]+$")]
    private static partial Regex IntegerText();
}
