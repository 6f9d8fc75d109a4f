using System.Text.RegularExpressions;

namespace Binder.Build.Buildpacks;

/// <summary>
/// Decides which buildpack builds a repository, with repo2docker's rules: first match wins in the order
/// <c>Dockerfile</c>, Julia, Nix, R, conda, Pipfile, Python; a <c>binder/</c> or <c>.binder/</c> directory, when
/// present, is the only place looked at; no environment file means Python (or an error, when so configured).
/// </summary>
public sealed partial class BuildpackDetector
{
    private readonly BuildpackOptions _options;

    /// <summary>Creates a detector.</summary>
    /// <param name="options">Only <see cref="BuildpackOptions.FailWhenNoEnvironment"/> matters here.</param>
    public BuildpackDetector(BuildpackOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    /// <summary>Detects the buildpack of a checked-out repository.</summary>
    /// <param name="repositoryDirectory">The repository's root directory on disk.</param>
    /// <returns>The buildpack, the configuration directory and the files that decided.</returns>
    /// <exception cref="RepositoryLayoutException">The layout cannot be built; the message says what to change.</exception>
    public DetectionResult Detect(string repositoryDirectory) => DetectIn(RepositoryView.Open(repositoryDirectory)).Result;

    internal Detection DetectIn(RepositoryView repo)
    {
        var env = repo.EnvironmentDirectory;
        DetectionResult Found(string buildpack, params string[] files) => new(buildpack, env, files);

        if (repo.EnvFileExists("Dockerfile"))
        {
            if (LegacyBaseImagePattern().IsMatch(repo.ReadEnvFile("Dockerfile")))
            {
                throw new RepositoryLayoutException(
                    $"{repo.EnvPath("Dockerfile")} starts FROM 'andrewosh/binder-base', the legacy Binder base image, which is no longer supported. "
                    + "Delete the Dockerfile and describe the environment with requirements.txt, environment.yml or apt.txt instead, "
                    + "or start the Dockerfile from a maintained image such as 'quay.io/jupyter/base-notebook'.")
                {
                    FilePath = repo.EnvPath("Dockerfile"),
                };
            }
            return new Detection(Found(BuildpackNames.Dockerfile, repo.EnvPath("Dockerfile")), null);
        }

        var juliaFiles = new[] { "JuliaProject.toml", "Project.toml" }.Where(repo.EnvFileExists).Select(repo.EnvPath).ToArray();
        if (juliaFiles.Length > 0)
        {
            return new Detection(Found(BuildpackNames.Julia, juliaFiles), null);
        }
        if (repo.EnvFileExists("REQUIRE"))
        {
            throw new RepositoryLayoutException(
                $"{repo.EnvPath("REQUIRE")} is a Julia REQUIRE file, a format Julia and this builder no longer support. "
                + "Replace it with a Project.toml (run 'using Pkg; Pkg.activate(\".\"); Pkg.add(...)' in Julia to create one) and delete REQUIRE.")
            {
                FilePath = repo.EnvPath("REQUIRE"),
            };
        }

        if (repo.EnvFileExists("default.nix"))
        {
            return new Detection(Found(BuildpackNames.Nix, repo.EnvPath("default.nix")), null);
        }

        var runtime = repo.EnvFileExists("runtime.txt")
            ? RuntimeTxt.Parse(repo.ReadEnvFile("runtime.txt"), repo.EnvPath("runtime.txt"))
            : null;
        if (runtime is { IsR: true })
        {
            return new Detection(Found(BuildpackNames.R, repo.EnvPath("runtime.txt")), runtime);
        }
        if (repo.RootOnlyFileExists("DESCRIPTION"))
        {
            return new Detection(Found(BuildpackNames.R, "DESCRIPTION"), runtime);
        }

        var conda = new[] { "environment.yml", "environment.yaml" }.FirstOrDefault(repo.EnvFileExists);
        if (conda is not null)
        {
            return new Detection(Found(BuildpackNames.Conda, repo.EnvPath(conda)), runtime);
        }

        var pipfiles = new[] { "Pipfile", "Pipfile.lock" }.Where(repo.EnvFileExists).Select(repo.EnvPath).ToArray();
        if (pipfiles.Length > 0)
        {
            return new Detection(Found(BuildpackNames.Pipfile, pipfiles), runtime);
        }

        var python = new List<string>();
        if (runtime is { IsPython: true })
        {
            python.Add(repo.EnvPath("runtime.txt"));
        }
        if (repo.EnvFileExists("requirements.txt"))
        {
            python.Add(repo.EnvPath("requirements.txt"));
        }
        if (repo.RootOnlyFileExists("setup.py"))
        {
            python.Add("setup.py");
        }
        if (IsInstallablePyproject(repo))
        {
            python.Add("pyproject.toml");
        }
        if (python.Count > 0)
        {
            return new Detection(Found(BuildpackNames.Python, [.. python]), runtime);
        }

        if (_options.FailWhenNoEnvironment)
        {
            var where = repo.HasBinderDirectory ? $"in its '{env}' directory" : "at its root or in a 'binder' directory";
            throw new RepositoryLayoutException(
                $"The repository has no environment file {where}, and this builder is configured to require one. "
                + "Add a requirements.txt, environment.yml, Pipfile, Project.toml, runtime.txt, default.nix or Dockerfile.");
        }
        return new Detection(Found(BuildpackNames.Python), runtime);
    }

    /// <summary>A <c>pyproject.toml</c> at the root with <c>[project]</c> and <c>[build-system]</c> is pip-installable.</summary>
    internal static bool IsInstallablePyproject(RepositoryView repo)
    {
        if (!repo.RootOnlyFileExists("pyproject.toml"))
        {
            return false;
        }
        var toml = TomlScan.Parse(repo.Read("pyproject.toml"));
        return toml.HasTable("project") && toml.HasTable("build-system");
    }

    [GeneratedRegex(@"^\s*FROM\s+(?:docker\.io/)?andrewosh/binder-base(?:[:@\s]|\z)", RegexOptions.IgnoreCase | RegexOptions.Multiline)]
    private static partial Regex LegacyBaseImagePattern();

    /// <summary>A detection with the parsed <c>runtime.txt</c>, so planning does not read it twice.</summary>
    internal sealed record Detection(DetectionResult Result, RuntimeTxt? Runtime);
}
