using Binder.Build.Context;

namespace Binder.Build.Buildpacks;

/// <summary>
/// Everything needed to build a repository's image: the Dockerfile, where the repository sits in the build context,
/// the extra files the Dockerfile copies, and the labels. The context writer lays the context out as
/// <see cref="RepositoryContextPath"/> (the repository) plus <see cref="SupportFiles"/>.
/// </summary>
public sealed record BuildPlan
{
    /// <summary>The buildpack name (one of <see cref="BuildpackNames"/>).</summary>
    public required string Buildpack { get; init; }

    /// <summary>The detection the plan follows.</summary>
    public required DetectionResult Detection { get; init; }

    /// <summary>
    /// The Dockerfile text. For generated Dockerfiles it is written at the context root; for the <c>dockerfile</c>
    /// buildpack it is the repository's own Dockerfile, already in the context at <see cref="RepositoryDockerfilePath"/>.
    /// </summary>
    public required string Dockerfile { get; init; }

    /// <summary>
    /// The part of <see cref="Dockerfile"/> that installs the environment: for generated Dockerfiles everything before
    /// the whole repository is copied (so a change to notebooks or data leaves it alone), for the <c>dockerfile</c>
    /// buildpack the whole Dockerfile. Part of the <see cref="EnvironmentKey"/>.
    /// </summary>
    public string EnvironmentDockerfile { get; init; } = "";

    /// <summary>
    /// For the <c>dockerfile</c> buildpack, the repository's Dockerfile relative to the repository root (and to the
    /// context, whose root is the repository): <c>Dockerfile</c>, <c>binder/Dockerfile</c> or <c>.binder/Dockerfile</c>.
    /// <see langword="null"/> for generated Dockerfiles, which live at the context root as <c>Dockerfile</c>.
    /// </summary>
    public string? RepositoryDockerfilePath { get; init; }

    /// <summary>
    /// Where the repository goes in the build context: <c>src/</c> for generated Dockerfiles, <c>""</c> (the context
    /// root) for the <c>dockerfile</c> buildpack.
    /// </summary>
    public required string RepositoryContextPath { get; init; }

    /// <summary>
    /// Files the generated Dockerfile copies from the context besides the repository: context-relative path (under
    /// <c>_binder/</c>) to text content. Write them with mode 0755. Empty for the <c>dockerfile</c> buildpack.
    /// </summary>
    public required IReadOnlyDictionary<string, string> SupportFiles { get; init; }

    /// <summary>
    /// Image labels: <c>repo2docker.repo</c>, <c>repo2docker.ref</c>, <c>repo2docker.version</c>. Generated Dockerfiles
    /// also set them with <c>LABEL</c>; pass them to the build API too, which is the only way for the <c>dockerfile</c>
    /// buildpack.
    /// </summary>
    public required IReadOnlyDictionary<string, string> Labels { get; init; }

    /// <summary>
    /// Build arguments for every buildpack, as repo2docker passes them: <c>NB_USER</c> and <c>NB_UID</c> (the
    /// <see cref="UserName"/> and <see cref="UserId"/> of this build), and <c>REPO_DIR</c> when
    /// <see cref="BuildpackOptions.RepoDir"/> is configured. A repository's own Dockerfile reads them with
    /// <c>ARG NB_USER</c> / <c>ARG NB_UID</c>; generated Dockerfiles already have these values written in, so a
    /// different user must be asked for with <see cref="BuildPlanRequest.UserName"/> and
    /// <see cref="BuildPlanRequest.UserId"/>, not by overriding the args. User-given build args are the caller's to add.
    /// </summary>
    public required IReadOnlyDictionary<string, string> BuildArgs { get; init; }

    /// <summary>
    /// The image's default command (a Jupyter server on port 8888); a launcher appends its <c>--flag=value</c>
    /// arguments to it. Empty for the <c>dockerfile</c> buildpack, whose command is the repository's own.
    /// </summary>
    public required IReadOnlyList<string> Command { get; init; }

    /// <summary>
    /// The user name of this build (configured, or overridden by the request): the user generated images run as.
    /// For the <c>dockerfile</c> buildpack it is what the build passes as <c>NB_USER</c>; whether the image runs as
    /// that user is the repository's Dockerfile's decision.
    /// </summary>
    public required string UserName { get; init; }

    /// <summary>
    /// The user id of this build (configured, or overridden by the request): the uid generated images run as. For
    /// the <c>dockerfile</c> buildpack it is what the build passes as <c>NB_UID</c>; the repository's Dockerfile decides
    /// whether the image runs as it.
    /// </summary>
    public required int UserId { get; init; }

    /// <summary>Where the repository is inside the image (empty for the <c>dockerfile</c> buildpack).</summary>
    public required string RepoDir { get; init; }

    /// <summary>
    /// The <c>major.minor</c> Python version of the environment the repository asked for, or <see langword="null"/>
    /// when it is not decided by the builder (conda without a pinned Python, Dockerfile, Nix).
    /// </summary>
    public string? PythonVersion { get; init; }

    /// <summary>
    /// Which repository files the build context holds: for generated Dockerfiles the ignore files of the environment
    /// directory (<c>binder/</c>, <c>.binder/</c> or the root), as repo2docker reads them, and the files the Dockerfile
    /// copies or runs; for the <c>dockerfile</c> buildpack the root's ignore file, as <c>docker build</c> reads it, and
    /// the Dockerfile itself, which goes in whatever the rules say.
    /// </summary>
    public ContextSelection ContextSelection { get; init; } = new();

    /// <summary>
    /// The steps of a generated Dockerfile that the builder owns (nothing of the repository in them); empty for a
    /// repository's own Dockerfile. A failure there is the service's to fix, whatever the step printed.
    /// </summary>
    public IReadOnlyList<BuilderStep> BuilderSteps { get; init; } = [];

    /// <summary>Things a person should know about the plan (a requested version not honoured, ...), one sentence each.</summary>
    public required IReadOnlyList<string> Warnings { get; init; }
}
