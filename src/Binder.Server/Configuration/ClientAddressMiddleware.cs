using Binder.Server.Pages;
using Microsoft.AspNetCore.Http;

namespace Binder.Server.Configuration;

/// <summary>
/// Sets the connection's remote address to the client's (<see cref="TrustedProxies.ClientOf"/>) before anything reads
/// it (bans, rate limits, the launch grain's client address). A request with no client address at all (through a
/// unix socket, without a trusted proxy's <c>X-Forwarded-For</c>) is refused: it would skip every ban and share one
/// rate-limit bucket with all such requests. The one exception is the owned proxy asking for its error pages.
/// </summary>
internal sealed class ClientAddressMiddleware(RequestDelegate next, TrustedProxies proxies)
{
    /// <summary>What a request without a client address is told.</summary>
    public const string NoClientAddress =
        "Binder could not tell this request's client address: it came through a unix socket without X-Forwarded-For from a proxy Binder knows. Send it through the session proxy or to a TCP address of the front end.";

    public Task InvokeAsync(HttpContext context)
    {
        var client = proxies.ClientOf(context);
        if (client is null && !ProxyErrorPages.IsAskedByTheProxy(context))
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            context.Response.ContentType = "text/plain; charset=utf-8";
            return context.Response.WriteAsync(NoClientAddress + "\n", context.RequestAborted);
        }
        context.Connection.RemoteIpAddress = client;
        return next(context);
    }
}
