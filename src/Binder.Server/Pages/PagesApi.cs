using Binder.Server.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Binder.Server.Pages;

/// <summary>The pages for people: <c>/</c> (home), <c>/v2/&lt;provider&gt;/&lt;spec&gt;</c> (launch), static files and badges.</summary>
internal static class PagesApi
{
    public static IEndpointRouteBuilder MapPages(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", (EmbeddedAssets assets) => Serve(assets, "index.html")).WithName("Home");
        app.MapGet("/v2/{**path}", (HttpRequest request, EmbeddedAssets assets) => LeavingSession(request) ?? Serve(assets, "loading.html"))
            .RequireRateLimiting(ClientRateLimit.Policy).WithName("Launch");
        app.MapGet("/static/{name}", (string name, EmbeddedAssets assets) =>
            name.EndsWith(".html", StringComparison.Ordinal) ? Results.NotFound() : Serve(assets, name)).WithName("Static");
        app.MapGet("/badge.svg", (EmbeddedAssets assets) => Serve(assets, "badge.svg", cache: true)).AllowCrossOrigin().WithName("Badge");
        app.MapGet("/badge_logo.svg", (EmbeddedAssets assets) => Serve(assets, "badge_logo.svg", cache: true)).AllowCrossOrigin().WithName("BadgeLogo");
        return app;
    }

    /// <summary>A refusal when the link would open a path outside the session (see <see cref="SessionPath"/>).</summary>
    private static IResult? LeavingSession(HttpRequest request)
    {
        foreach (var name in SessionPath.Parameters)
        {
            foreach (var value in request.Query[name])
            {
                if (value is not null && SessionPath.LeavesSession(value))
                {
                    return ErrorPage.Of(StatusCodes.Status400BadRequest, "Path outside the session",
                        $"The link's {name} '{value}' leads outside the session it launches (it climbs up with '..'), which would show your session's token to another address. Remove the '..' parts from the link.");
                }
            }
        }
        return null;
    }

    private static IResult Serve(EmbeddedAssets assets, string name, bool cache = false)
    {
        var content = assets.Get(name);
        if (content is null) return Results.NotFound();
        return new AssetResult(content, EmbeddedAssets.ContentTypeOf(name), cache);
    }

    private sealed class AssetResult(byte[] content, string contentType, bool cache) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            // Badges sit in READMEs all over the web: let caches keep them a day. Pages change with releases.
            httpContext.Response.Headers.CacheControl = cache ? "public, max-age=86400" : "no-cache";
            httpContext.Response.Headers.XContentTypeOptions = "nosniff";
            return Results.Bytes(content, contentType).ExecuteAsync(httpContext);
        }
    }
}
