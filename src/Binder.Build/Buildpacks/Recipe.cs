namespace Binder.Build.Buildpacks;

/// <summary>Who a <c>RUN</c> step runs as.</summary>
internal enum StepUser
{
    Root,
    User,
}

/// <summary>
/// One step of a recipe: repository files copied on their own (each in its own <c>COPY</c>, into the same relative
/// place under the repository directory), then shell commands joined with <c>&amp;&amp;</c> in one <c>RUN</c>.
/// </summary>
internal sealed record RecipeStep(StepUser User, string Comment, IReadOnlyList<string> Commands)
{
    public IReadOnlyList<string> RepositoryFiles { get; init; } = [];

    /// <summary>
    /// The builder's settings (keys under <c>Buildpacks:</c>) that decide what a set-up step installs and from where,
    /// named to the operator when the step fails: set-up steps are the builder's, not the repository's.
    /// </summary>
    public IReadOnlyList<string> Settings { get; init; } = [];
}

/// <summary>
/// What a buildpack adds to the common Dockerfile skeleton (<see cref="DockerfileComposer"/>): packages, environment,
/// and steps in the three layers repo2docker has — environment set-up, dependencies (before the repository is copied,
/// so a content change does not re-run them), and assembly (after the whole repository is there).
/// </summary>
internal sealed class Recipe
{
    public required string Buildpack { get; init; }

    public List<string> AptPackages { get; } = [];

    /// <summary>Environment variables written literally (no expansion).</summary>
    public List<KeyValuePair<string, string>> Environment { get; } = [];

    /// <summary>Directories put in front of <c>PATH</c>, first one first.</summary>
    public List<string> PathPrefixes { get; } = [];

    /// <summary>Context-relative support file path to its content and where it goes in the image.</summary>
    public List<(string ContextPath, string Content, string Destination)> SupportFiles { get; } = [];

    public List<RecipeStep> Setup { get; } = [];

    public List<RecipeStep> Dependencies { get; } = [];

    public List<RecipeStep> Assemble { get; } = [];

    /// <summary>The entrypoint script's text; <see langword="null"/> for the standard one.</summary>
    public string? EntrypointScript { get; set; }

    public string? PythonVersion { get; set; }

    /// <summary>The Python environments, once <see cref="PythonEnvironment"/> or a conda file has made them.</summary>
    public PythonLayout? Python { get; set; }

    public List<string> Warnings { get; } = [];

    public void AddApt(IEnumerable<string> packages)
    {
        foreach (var p in packages)
        {
            if (!AptPackages.Contains(p, StringComparer.Ordinal))
            {
                AptPackages.Add(p);
            }
        }
    }
}
