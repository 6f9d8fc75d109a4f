using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Binder.Server.Pages;

/// <summary>
/// The owned proxy's error pages (its <c>--error-target</c>): the proxy asks <c>/proxy-error/&lt;status&gt;?url=...</c>
/// when it cannot serve a request and sends the page with its own status. Each status gets a sentence that says what
/// happened and what to do, instead of the proxy's bare "Proxy Error".
/// </summary>
internal static class ProxyErrorPages
{
    public static IEndpointRouteBuilder MapProxyErrorPages(this IEndpointRouteBuilder app)
    {
        app.MapGet(Binder.Hub.Launch.ProxyOptions.ErrorPagePath + "{status:int}", (int status, string? url) => Page(status, url)).WithName("ProxyError");
        return app;
    }

    private static IResult Page(int status, string? url)
    {
        var (title, text) = status switch
        {
            400 => ("Bad request", "The address is not valid: it has a malformed %-escape (a % must be followed by two hexadecimal digits). Check the link you followed."),
            404 => ("Not found", "Nothing is served at this address. If it was a session, it has ended; launch the repository again."),
            503 => ("Session not answering", "The session at this address does not answer. It may have been stopped after it was idle, or it is still starting; wait a moment and reload, or launch the repository again."),
            _ => ("Proxy error", "The session proxy could not serve this request. Try again in a moment; if it keeps happening, tell the operators of this Binder."),
        };
        // The address is shown without its query, which may hold a session's token.
        return ErrorPage.Of(status is >= 400 and < 600 ? status : 500, title, text, url?.Split('?', 2)[0]);
    }
}
