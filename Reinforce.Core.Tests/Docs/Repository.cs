namespace Reinforce.Tests.Docs;

/// <summary>The repository the tests were built from.</summary>
internal static class Repository
{
    /// <summary>The folder that holds Reinforce.sln, found by walking up from the test assembly's folder.</summary>
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Reinforce.sln")))
            {
                return directory.FullName;
            }
        }
        throw new DirectoryNotFoundException($"No folder above {TestContext.CurrentContext.TestDirectory} contains Reinforce.sln.");
    }
}
