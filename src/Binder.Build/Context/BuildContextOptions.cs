namespace Binder.Build.Context;

/// <summary>Limits on what a repository may put into a build context (configuration section <c>BuildContext</c>).</summary>
public sealed record BuildContextOptions
{
    /// <summary>The largest single file accepted, in bytes (default 512 MiB). Larger files fail the build with a clear message.</summary>
    public long MaxFileBytes { get; init; } = 512L * 1024 * 1024;

    /// <summary>The largest total of all files accepted, in bytes (default 4 GiB).</summary>
    public long MaxContextBytes { get; init; } = 4L * 1024 * 1024 * 1024;

    /// <summary>The most files accepted (default 200,000).</summary>
    public int MaxFiles { get; init; } = 200_000;
}
