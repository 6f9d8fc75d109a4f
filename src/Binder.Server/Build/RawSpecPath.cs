using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Binder.Server.Build;

/// <summary>
/// Takes <c>&lt;provider&gt;/&lt;spec&gt;</c> from the request target as the client sent it. Routing would decode
/// <c>%2F</c> in some hosts, and <c>git</c>/<c>gl</c> specs carry a %-escaped URL whose slashes must stay escaped.
/// </summary>
internal static class RawSpecPath
{
    /// <summary>Splits the raw path after <paramref name="prefix"/> (e.g. <c>/build/</c>) into provider and spec; null parts when missing.</summary>
    public static (string? Provider, string? Spec) Split(HttpContext context, string prefix)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(raw)) raw = context.Request.PathBase.ToUriComponent() + context.Request.Path.ToUriComponent();
        var query = raw.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0) raw = raw[..query];
        var at = raw.IndexOf(prefix, StringComparison.Ordinal);
        if (at < 0) return (null, null);
        var rest = raw[(at + prefix.Length)..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0) return (rest.Length == 0 ? null : rest, null);
        var spec = rest[(slash + 1)..];
        return (rest[..slash], spec.Length == 0 ? null : spec);
    }
}
