namespace Binder.Hub.Launch;

/// <summary>A start's progress nobody follows (<see cref="ILaunchBackend.StartAsync(SessionStart, CancellationToken)"/>).</summary>
public sealed class NoProgress : IProgress<string>
{
    /// <summary>The one instance: it keeps nothing.</summary>
    public static NoProgress Instance { get; } = new();

    private NoProgress()
    {
    }

    /// <inheritdoc />
    public void Report(string value)
    {
    }
}
