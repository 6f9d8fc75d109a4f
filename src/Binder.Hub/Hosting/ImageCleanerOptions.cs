namespace Binder.Hub.Hosting;

/// <summary>
/// When and how far each node's <see cref="Images.ImageCleaner"/> removes images (configuration section
/// <c>Binder:ImageCleaner</c>), as BinderHub's image cleaner does: above <see cref="HighPercent"/> disk use, the least
/// recently used Binder images that nothing uses are removed until the disk is down to about <see cref="LowPercent"/>.
/// </summary>
public sealed record ImageCleanerOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Binder:ImageCleaner";

    /// <summary>Whether the cleaner runs on this node.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>How often the disk is checked.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Disk use (percent of the file system holding Docker's data) above which images are removed.</summary>
    public double HighPercent { get; init; } = 80;

    /// <summary>Disk use a cleaning aims for: images are removed until their sizes add up to the difference.</summary>
    public double LowPercent { get; init; } = 60;

    /// <summary>
    /// An image used (built, launched, pulled) more recently than this is kept: a freshly built image waits for its
    /// first launch, and a launch that just looked an image up must still find it.
    /// </summary>
    public TimeSpan MinimumAge { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// The directory whose file system is measured; null for the Docker daemon's data directory (<c>DockerRootDir</c>),
    /// which must then be visible at the same path to this process (the silo runs beside its daemon).
    /// </summary>
    public string? Path { get; init; }
}
