namespace Binder.Build.Buildpacks;

/// <summary>What <see cref="BuildpackDetector"/> decided about a repository.</summary>
/// <param name="Buildpack">One of <see cref="BuildpackNames"/>: <c>dockerfile</c>, <c>julia</c>, <c>nix</c>, <c>r</c>,
/// <c>conda</c>, <c>pipfile</c> or <c>python</c>.</param>
/// <param name="EnvironmentDirectory">Where configuration files are read from, relative to the repository root:
/// <c>""</c> (the root), <c>"binder"</c> or <c>".binder"</c>.</param>
/// <param name="Files">The repository-relative paths (with <c>/</c> separators) that decided the buildpack; empty when
/// Python was chosen because no environment file exists.</param>
public sealed record DetectionResult(string Buildpack, string EnvironmentDirectory, IReadOnlyList<string> Files)
{
    /// <summary>The repository-relative path of a configuration file in <see cref="EnvironmentDirectory"/>.</summary>
    /// <param name="fileName">A file name such as <c>requirements.txt</c>.</param>
    public string PathOf(string fileName) =>
        EnvironmentDirectory.Length == 0 ? fileName : EnvironmentDirectory + "/" + fileName;
}
