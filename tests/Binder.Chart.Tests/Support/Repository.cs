namespace Binder.Chart.Tests.Support;

/// <summary>Paths in the source tree the tests run from (found from the test assembly upwards).</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string Chart => Path.Combine(Root, "helm", "binder");

    public static string Examples => Path.Combine(Chart, "examples");

    /// <summary>The values files of the tests' own cases, copied beside the test assembly.</summary>
    public static string TestValues(string name) => Path.Combine(AppContext.BaseDirectory, "Values", name);

    /// <summary>
    /// The --set arguments of the smallest install in docs/kubernetes.md ("Install", the first helm install command):
    /// the values the docs say the chart needs, which every test renders with unless it says otherwise.
    /// </summary>
    public static IReadOnlyList<string> DocumentedInstallArgs { get; } = FindInstallArgs();

    private static string[] FindInstallArgs()
    {
        var docs = File.ReadAllText(Path.Combine(Root, "docs", "kubernetes.md"));
        var install = docs.IndexOf("helm install binder helm/binder", docs.IndexOf("## Install", StringComparison.Ordinal), StringComparison.Ordinal);
        var end = docs.IndexOf("```", install, StringComparison.Ordinal);
        if (install < 0 || end < 0) throw new InvalidOperationException("docs/kubernetes.md has no helm install command under \"## Install\".");
        var command = docs[install..end];
        if (command.Contains(" -f ", StringComparison.Ordinal)) throw new InvalidOperationException("The smallest install in docs/kubernetes.md must give its values with --set only.");
        // A secret the docs make with "$(openssl rand -hex N)" is N bytes of hex here too (fixed: renderings compare).
        return [.. System.Text.RegularExpressions.Regex.Matches(command, @"--set ([\w.]+)=(?:""\$\(openssl rand -hex (\d+)\)""|(\S+))")
            .SelectMany(m => new[] { "--set", m.Groups[1].Value + "=" + (m.Groups[2].Success ? new string('7', 2 * int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)) : m.Groups[3].Value) })];
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Binder.Orleans.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException($"No Binder.Orleans.sln above {AppContext.BaseDirectory}: run the tests from the source tree.");
    }
}
