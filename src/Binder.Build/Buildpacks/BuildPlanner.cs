using System.Globalization;

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
    /// <param name="options">The buildpack settings.</param>
    /// <exception cref="BinderBuildException">A setting is invalid; the message names it.</exception>
    public BuildPlanner(BuildpackOptions options)
    {
        BuildpackOptionsValidator.ThrowIfInvalid(options);
        _options = options;
        _detector = new BuildpackDetector(options);
    }

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
                RepositoryDockerfilePath = path,
                RepositoryContextPath = "",
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
        var dockerfile = DockerfileComposer.Compose(context, recipe, aptTxt, labels);
        var supportFiles = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [DockerfileComposer.EntrypointContextPath] = recipe.EntrypointScript ?? EntrypointScript.Standard(context),
        };
        foreach (var (contextPath, content, _) in recipe.SupportFiles)
        {
            supportFiles[contextPath] = content;
        }
        return new BuildPlan
        {
            Buildpack = recipe.Buildpack,
            Detection = detection.Result,
            Dockerfile = dockerfile,
            RepositoryDockerfilePath = null,
            RepositoryContextPath = DockerfileComposer.RepositoryContextPath,
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
