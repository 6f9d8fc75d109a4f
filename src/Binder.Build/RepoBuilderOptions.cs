namespace Binder.Build;

/// <summary>How builds run (configuration section <c>Build</c>).</summary>
public sealed record RepoBuilderOptions
{
    /// <summary>The configuration section these options are read from.</summary>
    public const string SectionName = "Build";

    /// <summary>
    /// Prefix of derived image names, registry and path included, e.g. <c>registry.example.org/binder/r2d-</c>;
    /// the rest is the escaped repository URL, a hash of it, and the resolved ref as the tag.
    /// </summary>
    public string ImageNamePrefix { get; init; } = "r2d-";

    /// <summary>How long one whole build (fetch, build, push) may take before it is stopped.</summary>
    public TimeSpan BuildTimeout { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Directory for temporary build contexts; the system's temporary directory when empty.</summary>
    public string? WorkDirectory { get; init; }
}
