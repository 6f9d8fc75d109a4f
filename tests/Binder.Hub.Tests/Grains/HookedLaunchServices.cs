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

    public async Task<SessionContainer> StartAsync(SessionStart start, IProgress<string> progress, CancellationToken cancellationToken)
    {
        if (BeforeStart is { } hook) await hook(cancellationToken);
        return await inner.StartAsync(start, progress, cancellationToken);
    }

    public async Task StopAsync(string sessionId, CancellationToken cancellationToken)
    {
        if (BeforeStop is { } hook) await hook(sessionId);
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
