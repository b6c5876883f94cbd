using System.Text;
using System.Text.RegularExpressions;

namespace Reinforce.Tests.Docs;

/// <summary>
/// The docs and the code point at each other; these tests keep both directions valid. Every
/// relative link of docs/*.md (and of the README's docs section) must name an existing file and,
/// for a <c>#section</c>, an existing heading; every <c>docs/page.md#section</c> in Core's comments
/// likewise; and every backward or gradient function of Core must carry such a pointer in the
/// comment above it. Headings become anchors as GitHub makes them (lower case, punctuation
/// dropped, spaces to hyphens, <c>-1</c>, <c>-2</c> for repeats).
/// </summary>
[TestFixture]
public sealed partial class DocsReferenceTests
{
    private static readonly string DocsFolder = Path.Combine(Repository.Root, "docs");

    private static IEnumerable<string> Pages() =>
        Directory.GetFiles(DocsFolder, "*.md").Select(path => Path.GetFileName(path)).Order(StringComparer.Ordinal);

    [TestCaseSource(nameof(Pages))]
    public void EveryRelativeLinkOfThePage_PointsToAnExistingFileAndHeading(string page)
    {
        string path = Path.Combine(DocsFolder, page);
        string[] broken = BrokenLinks(path, File.ReadAllText(path)).ToArray();
        Assert.That(broken, Is.Empty);
    }

    [Test]
    public void TheReadmeDocsSection_LinksToTheReadingOrder()
    {
        string readme = File.ReadAllText(Path.Combine(Repository.Root, "README.md"));
        Match section = ReadmeDocsSection().Match(readme);
        Assert.That(section.Success, Is.True, "README.md has a <!-- section:docs --> … <!-- /section:docs --> block");
        string text = section.Groups[1].Value;
        Assert.Multiple(() =>
        {
            Assert.That(text, Does.Contain("](docs/README.md)"));
            Assert.That(BrokenLinks(Path.Combine(Repository.Root, "README.md"), text).ToArray(), Is.Empty);
        });
    }

    [Test]
    public void EveryDocsReferenceInCore_PointsToAnExistingPageAndHeading()
    {
        var broken = new List<string>();
        foreach (string file in CoreSources())
        {
            foreach (Match reference in CoreReference().Matches(File.ReadAllText(file)))
            {
                string page = Path.Combine(DocsFolder, reference.Groups[1].Value);
                string anchor = reference.Groups[2].Value;
                if (!File.Exists(page))
                {
                    broken.Add($"{Relative(file)}: {reference.Value} (no such page)");
                }
                else if (anchor.Length > 0 && !Anchors(File.ReadAllText(page)).Contains(anchor))
                {
                    broken.Add($"{Relative(file)}: {reference.Value} (no such heading)");
                }
            }
        }
        Assert.That(broken, Is.Empty);
    }

    /// <summary>The functions that compute a derivative, a gradient or an update, and the page each must point to.</summary>
    [TestCase("NeuralNetworks/Dense.cs", "Backward", "docs/backprop.md#dense-layer")]
    [TestCase("NeuralNetworks/Activation.cs", "Backward", "docs/backprop.md#activations")]
    [TestCase("NeuralNetworks/Mlp.cs", "Backward", "docs/backprop.md#the-mlp")]
    [TestCase("NeuralNetworks/Dropout.cs", "Backward", "docs/backprop.md#dropout")]
    [TestCase("Numerics/SimdKernels.cs", "MatTransposeVec", "docs/backprop.md#dense-layer")]
    [TestCase("Numerics/SimdKernels.cs", "Rank1Update", "docs/backprop.md#dense-layer")]
    [TestCase("Numerics/SimdKernels.cs", "MatMul", "docs/backprop.md#dense-layer")]
    [TestCase("Numerics/SimdKernels.cs", "AccumulateWeightGradients", "docs/backprop.md#dense-layer")]
    [TestCase("Numerics/SimdKernels.cs", "ReluBackward", "docs/backprop.md#activations")]
    [TestCase("Numerics/SimdKernels.cs", "LeakyReluBackward", "docs/backprop.md#activations")]
    [TestCase("Numerics/SimdKernels.cs", "TanhBackward", "docs/backprop.md#activations")]
    [TestCase("Numerics/SimdKernels.cs", "EluBackward", "docs/backprop.md#activations")]
    [TestCase("Numerics/SimdKernels.cs", "AdamUpdate", "docs/backprop.md#adam")]
    [TestCase("Numerics/ScalarKernels.cs", "MatTransposeVec", "docs/backprop.md#dense-layer")]
    [TestCase("Numerics/ScalarKernels.cs", "Rank1Update", "docs/backprop.md#dense-layer")]
    [TestCase("Numerics/ScalarKernels.cs", "MatMul", "docs/backprop.md#dense-layer")]
    [TestCase("Numerics/ScalarKernels.cs", "AccumulateWeightGradients", "docs/backprop.md#dense-layer")]
    [TestCase("Numerics/ScalarKernels.cs", "ReluBackward", "docs/backprop.md#activations")]
    [TestCase("Numerics/ScalarKernels.cs", "LeakyReluBackward", "docs/backprop.md#activations")]
    [TestCase("Numerics/ScalarKernels.cs", "TanhBackward", "docs/backprop.md#activations")]
    [TestCase("Numerics/ScalarKernels.cs", "EluBackward", "docs/backprop.md#activations")]
    [TestCase("Numerics/ScalarKernels.cs", "AdamUpdate", "docs/backprop.md#adam")]
    [TestCase("Policies/CategoricalHead.cs", "LogSoftmax", "docs/backprop.md#log-softmax")]
    [TestCase("Policies/CategoricalHead.cs", "RowGradient", "docs/backprop.md#entropy-gradient")]
    [TestCase("Policies/BernoulliHead.cs", "RowGradient", "docs/backprop.md#bernoulli-head")]
    [TestCase("Policies/PolicyHead.cs", "LossAndGradient", "docs/backprop.md#batch-mean")]
    [TestCase("Policies/Policy.cs", "AccumulateGradients", "docs/policy-gradient.md#the-surrogate-loss")]
    [TestCase("Optimizers/Sgd.cs", "Step", "docs/backprop.md#sgd")]
    [TestCase("Returns/Returns.cs", "Discounted", "docs/policy-gradient.md#discounting")]
    [TestCase("Returns/Returns.cs", "Normalize", "docs/policy-gradient.md#normalisation")]
    [TestCase("Training/ReinforceTrainer.cs", "Update", "docs/policy-gradient.md#one-update-line-by-line")]
    [TestCase("Reference/Arithmetic.cs", "Dot", "docs/simd.md#reductions-the-fixed-32-lane-layout")]
    [TestCase("Reference/Arithmetic.cs", "MatTransposeVec", "docs/backprop.md#dense-layer")]
    [TestCase("Reference/Arithmetic.cs", "Rank1Update", "docs/backprop.md#dense-layer")]
    [TestCase("Reference/Layers.cs", "DenseBackward", "docs/backprop.md#dense-layer")]
    [TestCase("Reference/Layers.cs", "ActivationBackward", "docs/backprop.md#activations")]
    [TestCase("Reference/Layers.cs", "DropoutBackward", "docs/backprop.md#dropout")]
    [TestCase("Reference/Heads.cs", "LogSoftmax", "docs/backprop.md#log-softmax")]
    [TestCase("Reference/Heads.cs", "CategoricalLossGradient", "docs/backprop.md#entropy-gradient")]
    [TestCase("Reference/Heads.cs", "BernoulliLossGradient", "docs/backprop.md#bernoulli-head")]
    [TestCase("Reference/OptimizerSteps.cs", "Adam", "docs/backprop.md#adam")]
    [TestCase("Reference/OptimizerSteps.cs", "Sgd", "docs/backprop.md#sgd")]
    [TestCase("Reference/ReferenceEngine.cs", "Update", "docs/policy-gradient.md#one-update-line-by-line")]
    [TestCase("Reference/ReferenceEngine.cs", "ComputeWeights", "docs/policy-gradient.md#baselines")]
    [TestCase("Reference/ReferenceEngine.cs", "AccumulateGradients", "docs/policy-gradient.md#the-surrogate-loss")]
    [TestCase("Environments/CartPole.cs", "Advance", "docs/cartpole.md#equations-of-motion")]
    [TestCase("Environments/CartPole.cs", "IsTerminal", "docs/cartpole.md#termination-and-truncation")]
    public void TheCommentAboveTheFunction_PointsToItsSection(string file, string function, string reference)
    {
        string[] lines = File.ReadAllLines(Path.Combine(Repository.Root, "Reinforce.Core", file));
        var declaration = new Regex($@"^\s*(public|internal|private|protected)\b[^=;{{]*?\b{function}\s*[<(]");
        int[] found = Enumerable.Range(0, lines.Length).Where(i => declaration.IsMatch(lines[i])).ToArray();
        Assert.That(found, Is.Not.Empty, $"{file} declares {function}");
        foreach (int line in found)
        {
            var comment = new StringBuilder();
            for (int i = line - 1; i >= 0 && IsCommentOrAttribute(lines[i]); i--)
            {
                comment.Insert(0, lines[i] + "\n");
            }
            Assert.That(comment.ToString(), Does.Contain(reference), $"{file}:{line + 1} {function}");
        }
    }

    /// <summary>The class comment of Adam names the section too (its Step is the whole algorithm of the page).</summary>
    [Test]
    public void TheAdamClass_PointsToItsSection() =>
        Assert.That(File.ReadAllText(Path.Combine(Repository.Root, "Reinforce.Core", "Optimizers", "Adam.cs")), Does.Contain("docs/backprop.md#adam"));

    [TestCase("Policies Are Here", "policies-are-here")]
    [TestCase("The `Vector<float>` kernels", "the-vectorfloat-kernels")]
    [TestCase("Reductions: the fixed 32-lane layout", "reductions-the-fixed-32-lane-layout")]
    [TestCase("One update, line by line", "one-update-line-by-line")]
    [TestCase("See [this](other.md) page", "see-this-page")]
    public void Slug_FollowsGitHubsRule(string heading, string expected) => Assert.That(Slug(heading), Is.EqualTo(expected));

    private static bool IsCommentOrAttribute(string line)
    {
        string trimmed = line.TrimStart();
        return trimmed.StartsWith("//", StringComparison.Ordinal) || trimmed.StartsWith('[');
    }

    private static IEnumerable<string> BrokenLinks(string markdownPath, string text)
    {
        string folder = Path.GetDirectoryName(markdownPath)!;
        foreach (Match link in MarkdownLink().Matches(WithoutFencedCode(text)))
        {
            string target = link.Groups[1].Value;
            if (target.Contains("://", StringComparison.Ordinal) || target.StartsWith("mailto:", StringComparison.Ordinal))
            {
                continue;
            }
            int hash = target.IndexOf('#');
            string file = hash < 0 ? target : target[..hash], anchor = hash < 0 ? "" : target[(hash + 1)..];
            string resolved = file.Length == 0 ? markdownPath : Path.GetFullPath(Path.Combine(folder, file));
            if (!File.Exists(resolved) && !Directory.Exists(resolved))
            {
                yield return $"{target} (no such file)";
            }
            else if (anchor.Length > 0 && (!resolved.EndsWith(".md", StringComparison.Ordinal) || !Anchors(File.ReadAllText(resolved)).Contains(anchor)))
            {
                yield return $"{target} (no such heading)";
            }
        }
    }

    /// <summary>The anchors GitHub gives the headings of a page.</summary>
    private static HashSet<string> Anchors(string markdown)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (string line in WithoutFencedCode(markdown).Split('\n'))
        {
            Match heading = Heading().Match(line);
            if (!heading.Success)
            {
                continue;
            }
            string slug = Slug(heading.Groups[1].Value);
            int count = seen.GetValueOrDefault(slug);
            seen[slug] = count + 1;
            anchors.Add(count == 0 ? slug : $"{slug}-{count}");
        }
        return anchors;
    }

    private static string Slug(string heading)
    {
        string text = MarkdownLink().Replace(heading, m => m.Value[1..m.Value.IndexOf(']')]).ToLowerInvariant();
        var slug = new StringBuilder();
        foreach (char c in text.Trim())
        {
            if (char.IsLetterOrDigit(c) || c is '-' or '_')
            {
                slug.Append(c);
            }
            else if (c == ' ')
            {
                slug.Append('-');
            }
        }
        return slug.ToString();
    }

    private static string WithoutFencedCode(string markdown)
    {
        var kept = new StringBuilder();
        bool inside = false;
        foreach (string line in markdown.Split('\n'))
        {
            if (line.StartsWith("```", StringComparison.Ordinal))
            {
                inside = !inside;
                continue;
            }
            if (!inside)
            {
                kept.Append(line).Append('\n');
            }
        }
        return kept.ToString();
    }

    private static IEnumerable<string> CoreSources() =>
        Directory.GetFiles(Path.Combine(Repository.Root, "Reinforce.Core"), "*.cs", SearchOption.AllDirectories)
            .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    private static string Relative(string path) => Path.GetRelativePath(Repository.Root, path);

    [GeneratedRegex(@"\[[^\]]*\]\(([^)\s]+)\)")]
    private static partial Regex MarkdownLink();

    [GeneratedRegex(@"^#{1,6}\s+(.+?)\s*#*\s*$")]
    private static partial Regex Heading();

    [GeneratedRegex(@"docs/([\w.-]+\.md)(?:#([\w-]+))?")]
    private static partial Regex CoreReference();

    [GeneratedRegex(@"<!-- section:docs -->(.*?)<!-- /section:docs -->", RegexOptions.Singleline)]
    private static partial Regex ReadmeDocsSection();
}
