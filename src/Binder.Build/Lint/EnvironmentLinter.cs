using Binder.Build.Buildpacks;

namespace Binder.Build.Lint;

/// <summary>
/// <c>binder lint</c>: what in a repository lets its environment drift from one build to the next (requirements
/// without versions, no Python or R snapshot pin, no lock file) and what keeps it from building at all, with the line
/// and a fix. It reads exactly the files the build reads, through the build's own detection and planning
/// (<see cref="BuildpackDetector"/>, <see cref="BuildPlanner"/>, the <c>binder/</c> and <c>.binder/</c> rule, the
/// refusal of links out of the repository), and never throws for what is in the repository: every unreadable or
/// malformed file is a finding.
/// </summary>
public sealed class EnvironmentLinter
{
    private static readonly string[] EnvironmentFileNames =
    [
        "Dockerfile", "JuliaProject.toml", "Project.toml", "JuliaManifest.toml", "Manifest.toml", "REQUIRE", "default.nix",
        "runtime.txt", "environment.yml", "environment.yaml", "Pipfile", "Pipfile.lock", "requirements.txt",
        "requirements3.txt", "apt.txt", "install.R", "postBuild", "start",
    ];

    private static readonly string[] RootOnlyFileNames = ["setup.py", "pyproject.toml", "DESCRIPTION"];

    private readonly BuildpackOptions _options;
    private readonly TimeProvider _time;

    /// <summary>Creates a linter.</summary>
    /// <param name="options">The buildpack settings the build would use (default Python, Julia versions, <c>FailWhenNoEnvironment</c>).</param>
    /// <param name="time">Today's date, for the snapshot date a fix suggests.</param>
    public EnvironmentLinter(BuildpackOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        _options = options;
        _time = time;
    }

    /// <summary>Lints a checked-out repository.</summary>
    /// <param name="repositoryDirectory">The repository's root directory.</param>
    /// <returns>The buildpack and the findings; no findings means nothing was found that lets the environment drift.</returns>
    /// <exception cref="InvalidBuildRequestException">The path is not a directory.</exception>
    public LintReport Lint(string repositoryDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(repositoryDirectory);
        if (!Directory.Exists(repositoryDirectory))
        {
            throw new InvalidBuildRequestException($"'{repositoryDirectory}' is not a directory. Give the path of a repository checkout.");
        }
        RepositoryView repository;
        try
        {
            repository = RepositoryView.Open(repositoryDirectory);
        }
        catch (RepositoryLayoutException e)
        {
            // Both binder/ and .binder/, or a binder/ that is a link out: there is no one place to read from.
            return new LintReport(null, "", [LintContext.Refusal(e)]);
        }
        var c = new LintContext(repository, _options, DateOnly.FromDateTime(_time.GetUtcNow().UtcDateTime));
        NotFiles(c);
        LockFileLint.CheckDatelessR(c);

        BuildpackDetector.Detection detection;
        try
        {
            detection = new BuildpackDetector(_options).DetectIn(repository);
        }
        catch (RepositoryLayoutException e)
        {
            c.Refused(e);
            return new LintReport(null, repository.EnvironmentDirectory, c.Findings);
        }
        var result = detection.Result;
        try
        {
            // The plan reads and validates every file the build reads (apt.txt names, versions, the lock's JSON...).
            new BuildPlanner(_options).Plan(repository.Root, new BuildPlanRequest { RepoUrl = "lint", Ref = "lint", Version = "lint" });
        }
        catch (BinderBuildException e)
        {
            c.Refused(e);
        }

        switch (result.Buildpack)
        {
            case BuildpackNames.Dockerfile:
                BaseImageLint.CheckDockerfile(c, result.Files[0]);
                return Report(c, result);
            case BuildpackNames.Nix:
                BaseImageLint.CheckNix(c, result.Files[0]);
                break;
            case BuildpackNames.Julia:
                LockFileLint.CheckJulia(c, result.Files);
                PythonSide(c, detection.Runtime);
                break;
            case BuildpackNames.R:
                LockFileLint.CheckR(c, detection.Runtime);
                if (c.EnvExists("install.R"))
                {
                    InstallRLint.Check(c, repository.EnvPath("install.R"));
                }
                PythonSide(c, detection.Runtime);
                break;
            case BuildpackNames.Conda:
                PythonPinLint.CheckConda(c, result.Files[0]);
                CondaEnvironmentLint.Check(c, result.Files[0]);
                break;
            case BuildpackNames.Pipfile:
                PythonPinLint.CheckPipfile(c, detection.Runtime);
                LockFileLint.CheckPipfile(c);
                break;
            default:
                PythonPinLint.CheckPython(c, detection.Runtime);
                Requirements(c, detection.Runtime, conda: null);
                break;
        }
        if (c.EnvExists("postBuild"))
        {
            PostBuildLint.Check(c, repository.EnvPath("postBuild"));
        }
        return Report(c, result);
    }

    private static LintReport Report(LintContext c, DetectionResult result) =>
        new(result.Buildpack, result.EnvironmentDirectory, c.Findings);

    /// <summary>The Python side of the R and Julia buildpacks: an environment file as conda's, else the requirements files.</summary>
    private static void PythonSide(LintContext c, RuntimeTxt? runtime)
    {
        var conda = new[] { "environment.yml", "environment.yaml" }.FirstOrDefault(c.EnvExists) is { } name ? c.Repository.EnvPath(name) : null;
        if (conda is not null)
        {
            CondaEnvironmentLint.Check(c, conda);
        }
        Requirements(c, runtime, conda);
    }

    /// <summary>requirements.txt, and requirements3.txt where the build reads it: for the server beside an old Python's kernel.</summary>
    private static void Requirements(LintContext c, RuntimeTxt? runtime, string? conda)
    {
        if (c.EnvExists("requirements.txt"))
        {
            RequirementsLint.CheckFile(c, c.Repository.EnvPath("requirements.txt"));
        }
        var python = conda is not null
            ? c.ReadText(conda) is { } text ? CondaRecipe.PythonFromEnvironment(text) : null
            : runtime?.Python;
        if (python is { } v && PythonVersionSelector.IsTooOldForServer(v.Major == 2 ? "2.7" : v.MajorMinor) && c.EnvExists("requirements3.txt"))
        {
            RequirementsLint.CheckFile(c, c.Repository.EnvPath("requirements3.txt"));
        }
    }

    /// <summary>
    /// A configuration file's name taken by a directory: the build sees no file there and goes on without it, which is
    /// rarely what its author meant.
    /// </summary>
    private static void NotFiles(LintContext c)
    {
        var names = EnvironmentFileNames.Select(c.Repository.EnvPath);
        if (!c.Repository.HasBinderDirectory)
        {
            names = names.Concat(RootOnlyFileNames);
        }
        foreach (var path in names.Distinct(StringComparer.Ordinal))
        {
            var full = Path.Combine(c.Repository.Root, path);
            // A link to nothing is not here: the build sees a file, fails to open it and refuses the repository.
            if (Directory.Exists(full))
            {
                c.Add(path, null, LintRules.UnreadableFile, $"{path} is a directory, so the build does not read it as the file of that name",
                    "replace the directory with the file, or rename it");
            }
        }
    }

}
