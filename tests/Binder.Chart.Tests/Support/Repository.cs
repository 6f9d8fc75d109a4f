namespace Binder.Chart.Tests.Support;

/// <summary>Paths in the source tree the tests run from (found from the test assembly upwards).</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string Chart => Path.Combine(Root, "helm", "binder");

    public static string Examples => Path.Combine(Chart, "examples");

    /// <summary>The values files of the tests' own cases, copied beside the test assembly.</summary>
    public static string TestValues(string name) => Path.Combine(AppContext.BaseDirectory, "Values", name);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Binder.Orleans.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException($"No Binder.Orleans.sln above {AppContext.BaseDirectory}: run the tests from the source tree.");
    }
}
