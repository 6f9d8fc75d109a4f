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
        app.MapGet("/v2/{**path}", (EmbeddedAssets assets) => Serve(assets, "loading.html"))
            .RequireRateLimiting(ClientRateLimit.Policy).WithName("Launch");
        app.MapGet("/static/{name}", (string name, EmbeddedAssets assets) =>
            name.EndsWith(".html", StringComparison.Ordinal) ? Results.NotFound() : Serve(assets, name)).WithName("Static");
        app.MapGet("/badge.svg", (EmbeddedAssets assets) => Serve(assets, "badge.svg", cache: true)).WithName("Badge");
        app.MapGet("/badge_logo.svg", (EmbeddedAssets assets) => Serve(assets, "badge_logo.svg", cache: true)).WithName("BadgeLogo");
        return app;
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
