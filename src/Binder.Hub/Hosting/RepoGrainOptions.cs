namespace Binder.Hub.Hosting;

/// <summary>How repo grains name, find, build and remember images (configuration section <c>Binder:Repo</c>).</summary>
public sealed record RepoGrainOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Binder:Repo";

    /// <summary>
    /// The prefix of image names (BinderHub's <c>image_prefix</c> without the registry), e.g. <c>r2d-</c> or
    /// <c>binder/r2d-</c>. With a <see cref="Registry"/> the full prefix is <c>&lt;registry&gt;/&lt;prefix&gt;</c>.
    /// </summary>
    public string ImageNamePrefix { get; init; } = "r2d-";

    /// <summary>
    /// The registry host (and port) images are pushed to and looked up in, e.g. <c>registry.example.org:5000</c>.
    /// Null or empty: no registry; images stay in the local Docker daemon and are looked up there.
    /// </summary>
    public string? Registry { get; init; }

    /// <summary>How long one build may run (from leaving the queue to the pushed image) before it fails.</summary>
    public TimeSpan BuildTimeout { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Most log events kept per build (the first ones and the latest ones; the middle is left out).</summary>
    public int MaxLogLines { get; init; } = 5000;

    /// <summary>Most bytes of log messages kept per build.</summary>
    public long MaxLogBytes { get; init; } = 1024 * 1024;

    /// <summary>The default of <see cref="MaxLogMessageBytes"/>: 8 KiB.</summary>
    public const int DefaultMaxLogMessageBytes = 8 * 1024;

    /// <summary>Most bytes of one log message; longer ones are cut (so <see cref="MaxLogBytes"/> bounds the log).</summary>
    public int MaxLogMessageBytes { get; init; } = DefaultMaxLogMessageBytes;

    /// <summary>Log lines quoted in the message of a failed build.</summary>
    public int FailureLogLines { get; init; } = 10;

    /// <summary>Whether a registry is configured.</summary>
    public bool UsesRegistry => !string.IsNullOrWhiteSpace(Registry);

    /// <summary>The full image name prefix: the registry (when configured) and <see cref="ImageNamePrefix"/>.</summary>
    public string FullImageNamePrefix => UsesRegistry ? $"{Registry!.Trim().TrimEnd('/')}/{ImageNamePrefix}" : ImageNamePrefix;
}
