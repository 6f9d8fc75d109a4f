namespace Binder.Hub.Grains;

/// <summary>The values of <see cref="RepoBuildStatus.State"/>.</summary>
public static class RepoBuildStates
{
    /// <summary>Nothing known yet.</summary>
    public const string Unknown = "unknown";
    /// <summary>A build is running (or queued) on <see cref="RepoBuildStatus.Node"/>.</summary>
    public const string Building = "building";
    /// <summary>The image exists.</summary>
    public const string Built = "built";
    /// <summary>The last build failed; the next watcher retries.</summary>
    public const string Failed = "failed";
}
