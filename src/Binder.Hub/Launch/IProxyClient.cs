namespace Binder.Hub.Launch;

/// <summary>The session proxy's routing API (configurable-http-proxy's REST API).</summary>
public interface IProxyClient
{
    /// <summary>Routes <paramref name="path"/> (e.g. <c>/user/abc/</c>) to <paramref name="target"/>; replaces an existing route.</summary>
    Task AddRouteAsync(string path, string target, IReadOnlyDictionary<string, string> data, CancellationToken cancellationToken);

    /// <summary>Removes a route; a route already gone is not an error.</summary>
    Task DeleteRouteAsync(string path, CancellationToken cancellationToken);

    /// <summary>Every route with its target, data and <c>last_activity</c>.</summary>
    Task<IReadOnlyList<ProxyRoute>> GetRoutesAsync(CancellationToken cancellationToken);

    /// <summary>The public URL people reach sessions through (e.g. <c>http://127.0.0.1:8000</c>).</summary>
    Uri PublicUrl { get; }

    /// <summary>Whether the proxy's API answers (for <c>/health</c>); the message says what failed.</summary>
    Task<(bool Ok, string Message)> CheckAsync(CancellationToken cancellationToken);
}
