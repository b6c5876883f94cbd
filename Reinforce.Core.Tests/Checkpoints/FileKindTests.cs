using System.Diagnostics;
using System.Text;
using Reinforce.Checkpoints;

namespace Reinforce.Tests.Checkpoints;

/// <summary>FileKind and AtomicFile: regular files are told from everything else, and nothing else is ever replaced.</summary>
[TestFixture]
public sealed class FileKindTests
{
    private string folder = "";

    [SetUp]
    public void CreateFolder() => folder = Directory.CreateTempSubdirectory("reinforce-filekind-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(folder, recursive: true);

    [Test]
    public void Of_TellsRegularFilesDirectoriesLinksAndMissingPaths()
    {
        string file = Path.Combine(folder, "file"), link = Path.Combine(folder, "link");
        File.WriteAllText(file, "x");
        File.CreateSymbolicLink(link, file);

        Assert.That(FileKind.Of(file), Is.EqualTo(PathKind.RegularFile));
        Assert.That(FileKind.Of(folder), Is.EqualTo(PathKind.Directory));
        Assert.That(FileKind.Of(link), Is.EqualTo(PathKind.SymbolicLink));
        Assert.That(FileKind.Of(link, followLinks: true), Is.EqualTo(PathKind.RegularFile));
        Assert.That(FileKind.Of(Path.Combine(folder, "missing")), Is.EqualTo(PathKind.Missing));
        Assert.That(FileKind.Of(Path.Combine(file, "below-a-file")), Is.EqualTo(PathKind.Missing));
        Assert.That(FileKind.Of(""), Is.EqualTo(PathKind.Missing));
    }

    [Test]
    [Platform("Linux")]
    public void Of_TellsDevicesAndPipes_OnLinux()
    {
        string fifo = Path.Combine(folder, "fifo");
        using (var mkfifo = Process.Start("mkfifo", fifo))
        {
            mkfifo.WaitForExit();
        }

        Assert.That(FileKind.Of("/dev/null"), Is.EqualTo(PathKind.Other));
        Assert.That(FileKind.Of(fifo), Is.EqualTo(PathKind.Other));
    }

    [Test]
    public void AtomicFile_ReplacesARegularFile_AndRefusesEverythingElse_LeavingItAsItWas()
    {
        string file = Path.Combine(folder, "out.txt"), link = Path.Combine(folder, "link.txt"), sub = Path.Combine(folder, "sub");
        File.WriteAllText(file, "old");
        File.CreateSymbolicLink(link, file);
        Directory.CreateDirectory(sub);

        WriteText(file, "new");
        Assert.Throws<IOException>(() => WriteText(link, "through the link"));
        Assert.Throws<IOException>(() => WriteText(sub, "over a folder"));

        Assert.That(File.ReadAllText(file), Is.EqualTo("new"));
        Assert.That(FileKind.Of(link), Is.EqualTo(PathKind.SymbolicLink));
        Assert.That(FileKind.Of(sub), Is.EqualTo(PathKind.Directory));
        Assert.That(Directory.GetFiles(folder, "*.tmp"), Is.Empty);
    }

    // AtomicFile writes bytes; the text is UTF-8.
    private static void WriteText(string path, string text) => AtomicFile.Write(path, stream => stream.Write(Encoding.UTF8.GetBytes(text)));
}
