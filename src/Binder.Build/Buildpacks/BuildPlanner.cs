using System.Globalization;
using Binder.Build.Context;
using Binder.Build.Manifest;

namespace Binder.Build.Buildpacks;

/// <summary>
/// Turns a checked-out repository into a <see cref="BuildPlan"/>: detects its buildpack, reads and validates its
/// configuration files, and writes the Dockerfile with the files it needs from the build context.
/// </summary>
public sealed class BuildPlanner
{
    /// <summary>The label naming the repository.</summary>
    public const string RepoLabel = "repo2docker.repo";

    /// <summary>The label naming the resolved ref.</summary>
    public const string RefLabel = "repo2docker.ref";

    /// <summary>The label naming the builder's version.</summary>
    public const string VersionLabel = "repo2docker.version";

    private readonly BuildpackOptions _options;
    private readonly BuildpackDetector _detector;

    /// <summary>Creates a planner.</summary>
    /// <param name="options">The buildpack settings, checked by <see cref="BuildpackOptionsValidator"/> at start (they are not checked again here).</param>
    public BuildPlanner(BuildpackOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _detector = new BuildpackDetector(options);
    }

    /// <summary>The buildpack settings the planner writes Dockerfiles with.</summary>
    public BuildpackOptions Options => _options;

    /// <summary>Plans the build of a repository.</summary>
    /// <param name="repositoryDirectory">The repository's root directory on disk.</param>
    /// <param name="request">What is built (for the labels) and per-build user overrides.</param>
    /// <returns>The plan.</returns>
    /// <exception cref="RepositoryLayoutException">The repository cannot be built as laid out; the message says why.</exception>
    /// <exception cref="BinderBuildException">A label value or user override cannot be used; the message says which.</exception>
    public BuildPlan Plan(string repositoryDirectory, BuildPlanRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var userName = request.UserName ?? _options.UserName;
        var userId = request.UserId ?? _options.UserId;
        var problems = new List<string>();
        BuildpackOptionsValidator.CheckUser(userName, userId, problems);
        if (problems.Count > 0)
        {
            throw new BinderBuildException(string.Join(" ", problems));
        }
        var labels = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [RepoLabel] = request.RepoUrl,
            [RefLabel] = request.Ref,
            [VersionLabel] = request.Version,
        };
        foreach (var (key, value) in labels)
        {
            if (DockerfileText.HasControlCharacter(value))
            {
                throw new BinderBuildException($"The value of label {key} contains a control character (such as a line break); labels must be one line.");
            }
        }

        var buildArgs = BuildArgs(userName, userId);
        var repository = RepositoryView.Open(repositoryDirectory);
        var detection = _detector.DetectIn(repository);
        if (detection.Result.Buildpack == BuildpackNames.Dockerfile)
        {
            var path = detection.Result.Files[0];
            return new BuildPlan
            {
                Buildpack = BuildpackNames.Dockerfile,
                Detection = detection.Result,
                Dockerfile = repository.Read(path),
                // The repository's Dockerfile decides what it copies when; all of it is the environment's.
                EnvironmentDockerfile = repository.Read(path),
                RepositoryDockerfilePath = path,
                RepositoryContextPath = "",
                ContextSelection = new ContextSelection
                {
                    // docker build's rule: the context root's ignore file, wherever the Dockerfile is.
                    IgnoreFiles = DockerIgnore.FirstIgnoreFile(repository.Root, "") is { } ignoreFile ? [ignoreFile] : [],
                    AlwaysIncluded = [path],
                },
                SupportFiles = new Dictionary<string, string>(),
                Labels = labels,
                BuildArgs = buildArgs,
                Command = [],
                UserName = userName,
                UserId = userId,
                RepoDir = "",
                Warnings = [],
            };
        }

        var context = new PlanContext(_options, repository, detection.Result, detection.Runtime, userName, userId);
        var recipe = detection.Result.Buildpack switch
        {
            BuildpackNames.Julia => JuliaRecipe.Create(context),
            BuildpackNames.Nix => NixRecipe.Create(context),
            BuildpackNames.R => RRecipe.Create(context),
            BuildpackNames.Conda => CondaRecipe.Create(context),
            BuildpackNames.Pipfile => PipfileRecipe.Create(context),
            _ => PythonRecipe.Create(context),
        };
        if (detection.Runtime?.Warning is { } runtimeWarning)
        {
            recipe.Warnings.Insert(0, runtimeWarning);
        }
        var aptTxt = repository.EnvFileExists("apt.txt")
            ? AptTxt.Parse(repository.ReadEnvFile("apt.txt"), repository.EnvPath("apt.txt"))
            : [];
        var (dockerfile, builderSteps, environmentPart) = DockerfileComposer.Compose(context, recipe, aptTxt, labels);
        var supportFiles = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [DockerfileComposer.EntrypointContextPath] = recipe.EntrypointScript ?? EntrypointScript.Standard(context),
        };
        foreach (var (contextPath, content, _) in recipe.SupportFiles)
        {
            supportFiles[contextPath] = content;
        }
        if (_options.RecordEnvironment)
        {
            foreach (var (contextPath, content) in ManifestScript.ContextFiles) supportFiles[contextPath] = content;
        }
        return new BuildPlan
        {
            Buildpack = recipe.Buildpack,
            Detection = detection.Result,
            Dockerfile = dockerfile,
            EnvironmentDockerfile = environmentPart,
            BuilderSteps = builderSteps,
            RepositoryDockerfilePath = null,
            RepositoryContextPath = DockerfileComposer.RepositoryContextPath,
            ContextSelection = new ContextSelection
            {
                // repo2docker reads both files from the environment directory and applies them to the whole repository,
                // so a root .dockerignore that lists binder/ does not take the environment away.
                IgnoreFiles = [.. DockerIgnore.IgnoreFileNames.Select(repository.EnvPath)],
                RequiredFiles = RequiredFiles(recipe, repository),
            },
            SupportFiles = supportFiles,
            Labels = labels,
            BuildArgs = buildArgs,
            Command = [.. _options.JupyterCommand],
            UserName = userName,
            UserId = userId,
            RepoDir = context.RepoDir,
            PythonVersion = recipe.PythonVersion,
            Warnings = recipe.Warnings,
        };
    }

    /// <summary>
    /// The repository files the generated Dockerfile copies on their own or runs: a dependency file, <c>postBuild</c>,
    /// <c>start</c>, and the package files an install of the repository reads.
    /// </summary>
    private static List<string> RequiredFiles(Recipe recipe, RepositoryView repository)
    {
        var files = recipe.Setup.Concat(recipe.Dependencies).Concat(recipe.Assemble).SelectMany(step => step.RepositoryFiles).ToList();
        files.AddRange(new[] { "postBuild", "start" }.Select(repository.EnvPath).Where(repository.FileExists));
        if (recipe.Assemble.Count > 0)
        {
            files.AddRange(new[] { "setup.py", "DESCRIPTION" }.Where(repository.RootOnlyFileExists));
            if (BuildpackDetector.IsInstallablePyproject(repository)) files.Add("pyproject.toml");
        }
        return [.. files.Distinct(StringComparer.Ordinal)];
    }

    /// <summary>
    /// The build args repo2docker passes to every build: <c>NB_USER</c> and <c>NB_UID</c>, and <c>REPO_DIR</c> when a
    /// repository directory is configured (its <c>--target-repo-dir</c>). A repository's own Dockerfile reads them
    /// with <c>ARG NB_USER</c>, as mybinder's documentation shows; generated Dockerfiles have the same values written in.
    /// </summary>
    private Dictionary<string, string> BuildArgs(string userName, int userId)
    {
        var args = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["NB_USER"] = userName,
            ["NB_UID"] = userId.ToString(CultureInfo.InvariantCulture),
        };
        if (_options.RepoDir is { } repoDir)
        {
            args["REPO_DIR"] = repoDir;
        }
        return args;
    }
}
