using System.Net;
using Microsoft.AspNetCore.Http;

namespace Binder.Server.Operator;

/// <summary>The frame of the operator pages: self-contained (no stylesheet from the public listener, no CDN).</summary>
internal static class OperatorHtml
{
    private const string Style = """
        body { font-family: system-ui, sans-serif; margin: 0; color: #222; background: #fafafa; }
        header { background: #263238; color: #fff; padding: 0.8em 1.5em; display: flex; gap: 1.5em; align-items: center; }
        header a, header button { color: #fff; background: none; border: 1px solid #fff8; border-radius: 4px; padding: 0.3em 0.8em; text-decoration: none; font: inherit; cursor: pointer; }
        header h1 { font-size: 1.2em; margin: 0; flex: 1; }
        main { padding: 1em 1.5em; max-width: 80em; }
        table { border-collapse: collapse; width: 100%; margin-bottom: 1.5em; background: #fff; }
        th, td { border: 1px solid #ddd; padding: 0.35em 0.6em; text-align: left; font-size: 0.9em; vertical-align: top; }
        th { background: #eceff1; }
        code { font-size: 0.95em; word-break: break-all; }
        .empty { color: #666; font-style: italic; }
        .error { color: #b00020; }
        form.sign-in { background: #fff; border: 1px solid #ddd; padding: 1.5em; max-width: 30em; }
        form.sign-in input[type=password] { width: 100%; padding: 0.4em; margin: 0.5em 0 1em; box-sizing: border-box; }
        """;

    public static IResult Page(string title, string body, int status = StatusCodes.Status200OK, string header = "") => new PageResult($$"""
        <!doctype html>
        <html lang="en">
        <head><meta charset="utf-8"><meta name="referrer" content="same-origin"><title>{{Encode(title)}}</title><style>{{Style}}</style></head>
        <body>
        <header><h1>Binder operator</h1>{{header}}</header>
        <main>
        {{body}}
        </main>
        </body>
        </html>
        """, status);

    public static string Encode(string? text) => WebUtility.HtmlEncode(text ?? "");

    private sealed class PageResult(string html, int status) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            // Operator pages show live state and must never be framed by another page (clickjacking of the stop buttons).
            httpContext.Response.Headers.CacheControl = "no-store";
            httpContext.Response.Headers.XFrameOptions = "DENY";
            httpContext.Response.Headers.XContentTypeOptions = "nosniff";
            return Results.Content(html, "text/html; charset=utf-8", statusCode: status).ExecuteAsync(httpContext);
        }
    }
}
