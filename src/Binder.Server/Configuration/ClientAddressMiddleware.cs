using Microsoft.AspNetCore.Http;

namespace Binder.Server.Configuration;

/// <summary>
/// Sets the connection's remote address to the client's (<see cref="TrustedProxies.ClientOf"/>) before anything reads
/// it (bans, rate limits, the launch grain's client address), and the scheme from a trusted proxy's
/// <c>X-Forwarded-Proto</c>.
/// </summary>
internal sealed class ClientAddressMiddleware(RequestDelegate next, TrustedProxies proxies)
{
    public Task InvokeAsync(HttpContext context)
    {
        var peer = context.Connection.RemoteIpAddress;
        var client = proxies.ClientOf(context);
        if (client is not null && !client.Equals(peer))
        {
            context.Connection.RemoteIpAddress = client;
            if (context.Request.Headers["X-Forwarded-Proto"].LastOrDefault()?.Split(',').LastOrDefault()?.Trim() is ("http" or "https") and var scheme)
            {
                context.Request.Scheme = scheme;
            }
        }
        return next(context);
    }
}
