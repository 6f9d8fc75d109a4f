using System.Collections.Concurrent;
using Binder.Hub.Launch;

namespace Binder.Hub.Tests.Grains;

/// <summary>
/// The real configurable-http-proxy client with a hook after a route was added (or before one is deleted), so a test
/// can make a call land at an exact step of a launch. Everything goes to the real proxy.
/// </summary>
internal sealed class HookedProxyClient(IProxyClient inner) : IProxyClient
{
    /// <summary>Runs once, after the first route was added, with the caller's token.</summary>
    public Func<CancellationToken, Task>? AfterAdd { get; set; }

    /// <summary>While set, deleting a route whose path starts with it fails (the proxy refusing).</summary>
    public string? FailDeletesOf { get; set; }

    /// <summary>What a refused delete throws (by default the error of a proxy that refuses).</summary>
    public Exception? DeleteFailure { get; set; }

    public Func<Task>? BeforeDelete { get; set; }

    public Uri PublicUrl => inner.PublicUrl;

    public async Task AddRouteAsync(string path, string target, IReadOnlyDictionary<string, string> data, CancellationToken cancellationToken)
    {
        await inner.AddRouteAsync(path, target, data, cancellationToken);
        if (AfterAdd is { } hook && Interlocked.Exchange(ref _afterAddTaken, 1) == 0) await hook(cancellationToken);
    }

    public async Task DeleteRouteAsync(string path, CancellationToken cancellationToken)
    {
        if (BeforeDelete is { } hook && Interlocked.Exchange(ref _beforeDeleteTaken, 1) == 0) await hook();
        if (FailDeletesOf is { } failing && path.StartsWith(failing, StringComparison.Ordinal))
        {
            throw DeleteFailure ?? new HttpRequestException($"The test proxy refuses to delete {path}.");
        }
        await inner.DeleteRouteAsync(path, cancellationToken);
    }

    public Task<IReadOnlyList<ProxyRoute>> GetRoutesAsync(CancellationToken cancellationToken) => inner.GetRoutesAsync(cancellationToken);

    public Task<(bool Ok, string Message)> CheckAsync(CancellationToken cancellationToken) => inner.CheckAsync(cancellationToken);

    private int _afterAddTaken;
    private int _beforeDeleteTaken;
}

/// <summary>The real Docker launch backend with a one-shot hook after the container list was read, and hooks before starts and stops.</summary>
internal sealed class HookedLaunchBackend(ILaunchBackend inner) : ILaunchBackend
{
    private int _afterListTaken;

    public Func<Task>? AfterList { get; set; }

    /// <summary>Runs on every container stop before the container is removed.</summary>
    public Func<string, Task>? BeforeStop { get; set; }

    public Task PrepareAsync(CancellationToken cancellationToken) => inner.PrepareAsync(cancellationToken);

    public Task<NodeResources> GetNodeResourcesAsync(CancellationToken cancellationToken) => inner.GetNodeResourcesAsync(cancellationToken);


    /// <summary>Runs before every container start, with the start's token.</summary>
    public Func<CancellationToken, Task>? BeforeStart { get; set; }

    public Task<SessionContainer> StartAsync(SessionStart start, CancellationToken cancellationToken) =>
        StartAsync(start, NoProgress.Instance, cancellationToken);

    /// <summary>Reported as every start's first progress message, before <see cref="BeforeStart"/>.</summary>
    public string? Say { get; set; }

    /// <summary>The sessions whose start saw its token cancelled and then returned (threw): by the time a session is
    /// here, its <see cref="StartAsync(SessionStart, IProgress{string}, CancellationToken)"/> has ended.</summary>
    public ConcurrentQueue<string> CancelledStarts { get; } = new();

    /// <summary>While set, every stop waits until its token is cancelled (a hub still spawning the session's server).</summary>
    public bool StopWaitsForCancellation { get; set; }

    public async Task<SessionContainer> StartAsync(SessionStart start, IProgress<string> progress, CancellationToken cancellationToken)
    {
        try
        {
            if (Say is { } message) progress.Report(message);
            if (BeforeStart is { } hook) await hook(cancellationToken);
            return await inner.StartAsync(start, progress, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            CancelledStarts.Enqueue(start.SessionId);
            throw;
        }
    }

    public async Task StopAsync(string sessionId, CancellationToken cancellationToken)
    {
        if (BeforeStop is { } hook) await hook(sessionId);
        if (StopWaitsForCancellation) await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
        await inner.StopAsync(sessionId, cancellationToken);
    }

    public async Task<IReadOnlyList<SessionContainer>> ListAsync(CancellationToken cancellationToken)
    {
        var list = await inner.ListAsync(cancellationToken);
        if (AfterList is { } hook && Interlocked.Exchange(ref _afterListTaken, 1) == 0) await hook();
        return list;
    }

    public Task<DateTimeOffset?> GetJupyterActivityAsync(SessionContainer container, string token, CancellationToken cancellationToken) =>
        inner.GetJupyterActivityAsync(container, token, cancellationToken);

    public Task<(bool Ok, string Message)> CheckAsync(CancellationToken cancellationToken) => inner.CheckAsync(cancellationToken);
}
