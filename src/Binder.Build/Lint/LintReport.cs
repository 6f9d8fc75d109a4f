namespace Binder.Build.Lint;

/// <summary>What <see cref="EnvironmentLinter"/> found in a repository.</summary>
/// <param name="Buildpack">The buildpack the build would use, or <see langword="null"/> when detection refused the layout.</param>
/// <param name="EnvironmentDirectory">Where the configuration files are read from: <c>""</c>, <c>binder</c> or <c>.binder</c>.</param>
/// <param name="Findings">In the order the build reads the files; empty when nothing lets the environment drift.</param>
public sealed record LintReport(string? Buildpack, string EnvironmentDirectory, IReadOnlyList<LintFinding> Findings);
