namespace Binder.Build.Docker;

/// <summary>What to build from a tar build context: tags, Dockerfile, arguments, labels and cache behaviour.</summary>
public sealed record DockerBuildParameters
{
    /// <summary>Names to tag the image with (<c>name:tag</c>); may be empty.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>The Dockerfile's path inside the build context.</summary>
    public string Dockerfile { get; init; } = "Dockerfile";

    /// <summary>Values for the Dockerfile's <c>ARG</c>s.</summary>
    public IReadOnlyDictionary<string, string> BuildArgs { get; init; } = new Dictionary<string, string>();

    /// <summary>Labels set on the image.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// The network <c>RUN</c> steps use (<c>default</c>, <c>host</c>, <c>none</c> or a network's name), or null for
    /// <see cref="DockerOptions.BuildNetworkMode"/>, so the operator's choice applies unless a caller has a reason.
    /// </summary>
    public string? NetworkMode { get; init; }

    /// <summary>
    /// The memory limit of each <c>RUN</c> step in bytes (repo2docker's <c>--build-memory-limit</c>; swap included, so
    /// no extra swap), or null for <see cref="DockerOptions.BuildMemoryLimitBytes"/>; 0 for none.
    /// </summary>
    public long? MemoryLimitBytes { get; init; }

    /// <summary>Build every step afresh instead of reusing cached layers.</summary>
    public bool NoCache { get; init; }

    /// <summary>
    /// Images whose layer cache the build may reuse (<c>cachefrom</c>): images pushed with BuildKit's inline cache
    /// (build argument <c>BUILDKIT_INLINE_CACHE=1</c>), which BuildKit pulls layer by layer for the steps that match.
    /// BuildKit skips a source that is missing or whose registry does not answer (verified with dockerd 20.10).
    /// </summary>
    public IReadOnlyList<string> CacheFrom { get; init; } = [];

    /// <summary>Pull a newer version of the <c>FROM</c> image even when one is present locally.</summary>
    public bool Pull { get; init; }
}
