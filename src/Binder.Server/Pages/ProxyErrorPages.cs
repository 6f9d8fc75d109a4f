using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Binder.Server.Pages;

/// <summary>
/// The owned proxy's error pages (its <c>--error-target</c>): the proxy asks <c>/proxy-error/&lt;status&gt;?url=...</c>
/// when it cannot serve a request and sends the page with its own status. Each status gets a sentence that says what
/// happened and what to do, instead of the proxy's bare "Proxy Error". Only the proxy itself may ask: a page that
/// shows any text it is given under Binder's name would serve anyone who wants to put words in Binder's mouth.
/// </summary>
internal static class ProxyErrorPages
{
    public static IEndpointRouteBuilder MapProxyErrorPages(this IEndpointRouteBuilder app)
    {
        app.MapGet(Binder.Hub.Launch.ProxyOptions.ErrorPagePath + "{status:int}", (HttpContext context, int status, string? url) => IsAskedByTheProxy(context)
            ? Page(status, url)
            : ErrorPage.Of(StatusCodes.Status404NotFound, "Not found", "Nothing is served at this address.", null)).WithName("ProxyError");
        return app;
    }

    /// <summary>
    /// Whether this is the owned proxy asking for an error page: on its socket, and without <c>X-Forwarded-For</c>,
    /// which the proxy adds to every request it forwards (a client's request for this path through the proxy has it)
    /// but not to its own requests to the error target.
    /// </summary>
    public static bool IsAskedByTheProxy(HttpContext context) =>
        context.Request.Path.StartsWithSegments(Binder.Hub.Launch.ProxyOptions.ErrorPagePath.TrimEnd('/'), StringComparison.Ordinal)
        && OwnedProxyConnection.IsOn(context)
        && !context.Request.Headers.ContainsKey("X-Forwarded-For");

    private static IResult Page(int status, string? url)
    {
        var (title, text) = status switch
        {
            400 => ("Bad request", "The address is not valid: it has a malformed %-escape (a % must be followed by two hexadecimal digits). Check the link you followed."),
            404 => ("Not found", "Nothing is served at this address. If it was a session, it has ended; launch the repository again."),
            503 => ("Session not answering", "The session at this address does not answer. It may have been stopped after it was idle, or it is still starting; wait a moment and reload, or launch the repository again."),
            _ => ("Proxy error", "The session proxy could not serve this request. Try again in a moment; if it keeps happening, tell the operators of this Binder."),
        };
        // The address is shown without its query, which may hold a session's token (the proxy drops it already).
        return ErrorPage.Of(status is >= 400 and < 600 ? status : 500, title, text, url?.Split('?', 2)[0]);
    }
}
