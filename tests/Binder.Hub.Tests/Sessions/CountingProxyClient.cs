using Binder.Hub.Launch;

namespace Binder.Hub.Tests.Sessions;

/// <summary>The real proxy client, counting the route listings it makes (every call goes to the real proxy).</summary>
internal sealed class CountingProxyClient(IProxyClient inner) : IProxyClient
{
    private int _listings;

    /// <summary>Calls of <c>GET /api/routes</c> so far.</summary>
    public int Listings => Volatile.Read(ref _listings);

    public Uri PublicUrl => inner.PublicUrl;

    public Task AddRouteAsync(string path, string target, IReadOnlyDictionary<string, string> data, CancellationToken cancellationToken) =>
        inner.AddRouteAsync(path, target, data, cancellationToken);

    public Task DeleteRouteAsync(string path, CancellationToken cancellationToken) => inner.DeleteRouteAsync(path, cancellationToken);

    public Task<IReadOnlyList<ProxyRoute>> GetRoutesAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _listings);
        return inner.GetRoutesAsync(cancellationToken);
    }

    public Task<(bool Ok, string Message)> CheckAsync(CancellationToken cancellationToken) => inner.CheckAsync(cancellationToken);
}
