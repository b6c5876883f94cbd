using Reinforce.Cli;

namespace Reinforce.Tests.Cli;

/// <summary>FileIdentity: two paths to the same entry are told apart from two entries.</summary>
[TestFixture]
public sealed class FileIdentityTests
{
    private string folder = "";

    [SetUp]
    public void CreateFolder() => folder = Directory.CreateTempSubdirectory("reinforce-fileidentity-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(folder, recursive: true);

    [Test]
    public void SameEntry_SeesThroughRelativePathsAndLinks()
    {
        string sub = Directory.CreateDirectory(Path.Combine(folder, "sub")).FullName;
        string link = Path.Combine(folder, "alias");
        Directory.CreateSymbolicLink(link, sub);

        Assert.That(FileIdentity.SameEntry(sub, Path.Combine(sub, "..", "sub")), Is.True);
        Assert.That(FileIdentity.SameEntry(link, sub), Is.EqualTo(OperatingSystem.IsLinux()), "links are followed where the identity can be read");
        Assert.That(FileIdentity.SameEntry(sub, folder), Is.False);
        Assert.That(FileIdentity.SameEntry(Path.Combine(folder, "a"), Path.Combine(folder, "b")), Is.False, "two missing paths are not the same entry");
    }
}
