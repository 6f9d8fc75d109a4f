namespace Binder.Build;

/// <summary>What a build produced.</summary>
/// <param name="ImageName">The image name with tag.</param>
/// <param name="ImageId">The image id (<c>sha256:...</c>); null when nothing was built (<c>--no-build</c>).</param>
/// <param name="ResolvedRef">The commit that was built, when the source is a git repository.</param>
/// <param name="Buildpack">The buildpack that made the Dockerfile.</param>
/// <param name="Dockerfile">The Dockerfile the image was built from.</param>
/// <param name="PushedDigest">The manifest digest in the registry, when the image was pushed.</param>
public sealed record RepoBuildResult(
    string ImageName, string? ImageId, string? ResolvedRef, string Buildpack, string Dockerfile, string? PushedDigest)
{
    /// <summary>The uid a generated image runs as; null for a repository's own Dockerfile, whose user is its own choice.</summary>
    public int? UserId { get; init; }

    /// <summary>Where the repository is in a generated image; null for a repository's own Dockerfile.</summary>
    public string? RepoDir { get; init; }

    /// <summary>The environment key (<see cref="Buildpacks.EnvironmentKey"/>); null when nothing was built.</summary>
    public string? EnvironmentKey { get; init; }

    /// <summary>The cache sources the build was given (<see cref="RepoBuildRequest.CacheFrom"/> and the environment found).</summary>
    public IReadOnlyList<string> CacheFrom { get; init; } = [];

    /// <summary>The commit (or image) whose environment was offered as the cache source; null when none was.</summary>
    public string? ReusedEnvironmentOf { get; init; }

    /// <summary>
    /// What the image has installed, as its last build step recorded it; null for a repository's own Dockerfile, with
    /// <c>Buildpacks:RecordEnvironment</c> off, or when it could not be read (the build log says why).
    /// </summary>
    public Manifest.EnvironmentManifest? Environment { get; init; }
}
