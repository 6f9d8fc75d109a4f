namespace Binder.Hub.Launch;

/// <summary>A route of the session proxy.</summary>
/// <param name="Path">The routed path prefix with its trailing slash, e.g. <c>/user/abc/</c> (as routes are added, although the proxy itself drops the slash).</param>
/// <param name="Target">Where it goes.</param>
/// <param name="Data">The route's extra data (we store the session id).</param>
/// <param name="LastActivity">When traffic last went through it, when the proxy knows.</param>
public sealed record ProxyRoute(string Path, string Target, IReadOnlyDictionary<string, string> Data, DateTimeOffset? LastActivity);
