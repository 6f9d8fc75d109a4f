namespace Binder.Hub.Launch;

/// <summary>Whether an owned proxy is up, for its API client: a sentence while it is not, and a way to wait for it.</summary>
internal interface IProxyStatus
{
    /// <summary>Why the proxy cannot serve now (exited, restarting, routes being restored), or null when it can.</summary>
    string? Problem { get; }

    /// <summary>Waits (at most <paramref name="timeout"/>) while the proxy is being restarted; returns at once otherwise.</summary>
    Task WaitUntilRunningAsync(TimeSpan timeout, CancellationToken cancellationToken);
}
