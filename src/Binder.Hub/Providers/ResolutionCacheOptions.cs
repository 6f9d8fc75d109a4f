namespace Binder.Hub.Providers;

/// <summary>The resolver's cache of resolved specs (section <c>Providers:Cache</c>).</summary>
public sealed record ResolutionCacheOptions
{
    /// <summary>How many resolved specs are kept (least recently used go first). 0 turns the cache off.</summary>
    public int Capacity { get; init; } = 4096;

    /// <summary>How long a spec that names an immutable id (a full commit sha) stays resolved.</summary>
    public TimeSpan ImmutableTtl { get; init; } = TimeSpan.FromHours(24);

    /// <summary>How long a spec that names a branch, tag or a record's latest version stays resolved.</summary>
    public TimeSpan MutableTtl { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long "not found" is remembered, so that a missing repository does not hit the API on every request.</summary>
    public TimeSpan NotFoundTtl { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How many "not found" answers are kept.</summary>
    public int NotFoundCapacity { get; init; } = 1024;
}
