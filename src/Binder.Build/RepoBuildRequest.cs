namespace Binder.Build;

/// <summary>What to build: a repository at a ref, and what to do with the image.</summary>
public sealed record RepoBuildRequest
{
    /// <summary>
    /// A local directory, a git URL, a DOI (bare or a doi.org URL) or a record's page URL; with <see cref="Record"/>, what
    /// people named that record by (shown and put in the image's labels).
    /// </summary>
    public required string Source { get; init; }

    /// <summary>A record already resolved (the service's providers resolve specs): downloaded as it is, with no resolution.</summary>
    public Content.Records.RecordReference? Record { get; init; }

    /// <summary>Branch, tag or commit to build; null for the default branch (or a local directory as it is).</summary>
    public string? Ref { get; init; }

    /// <summary>A directory inside the repository to build instead of its root.</summary>
    public string? Subdirectory { get; init; }

    /// <summary>The image name with tag; null to derive one from the repository and the resolved ref.</summary>
    public string? ImageName { get; init; }

    /// <summary>Only plan the build (the Dockerfile is in the result); build nothing.</summary>
    public bool NoBuild { get; init; }

    /// <summary>Build every layer again instead of reusing the daemon's cache.</summary>
    public bool NoCache { get; init; }

    /// <summary>Push the image to its registry after building it, with BuildKit's inline layer cache in it.</summary>
    public bool Push { get; init; }

    /// <summary>
    /// Images to reuse layers from (<c>--cache-from</c>): images pushed with BuildKit's inline cache. A missing one is
    /// skipped by BuildKit and costs nothing but a registry request.
    /// </summary>
    public IReadOnlyList<string> CacheFrom { get; init; } = [];

    /// <summary>
    /// Asked, once the environment key is known and before the build, for an image built with the same key (the
    /// service asks its environment grain); null for none. Its answer is added to <see cref="CacheFrom"/>.
    /// </summary>
    public Func<string, CancellationToken, Task<EnvironmentSource?>>? FindEnvironment { get; init; }

    /// <summary>Overrides the configured user name of the image.</summary>
    public string? UserName { get; init; }

    /// <summary>Overrides the configured user id of the image.</summary>
    public int? UserId { get; init; }

    /// <summary>Build arguments passed to the Dockerfile.</summary>
    public IReadOnlyDictionary<string, string> BuildArgs { get; init; } = new Dictionary<string, string>();

    /// <summary>Extra image labels (they do not override the <c>repo2docker.*</c> labels).</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
}
