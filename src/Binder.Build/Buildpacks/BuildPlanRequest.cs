namespace Binder.Build.Buildpacks;

/// <summary>What a build is of, for the labels, and per-build overrides of the user.</summary>
public sealed record BuildPlanRequest
{
    /// <summary>The repository's URL or path as the user gave it (label <c>repo2docker.repo</c>).</summary>
    public required string RepoUrl { get; init; }

    /// <summary>The resolved ref, usually a commit sha (label <c>repo2docker.ref</c>).</summary>
    public required string Ref { get; init; }

    /// <summary>The builder's version (label <c>repo2docker.version</c>).</summary>
    public required string Version { get; init; }

    /// <summary>Overrides <see cref="BuildpackOptions.UserName"/> for this build (<c>--user-name</c>).</summary>
    public string? UserName { get; init; }

    /// <summary>Overrides <see cref="BuildpackOptions.UserId"/> for this build (<c>--user-id</c>).</summary>
    public int? UserId { get; init; }
}
