using System.Net;
using Microsoft.AspNetCore.Http;

namespace Binder.Server.Pages;

/// <summary>A plain page for an error a person meets: its status, a sentence, and the way home.</summary>
internal static class ErrorPage
{
    public static IResult Of(int status, string title, string text, string? address = null)
    {
        var html = $$"""
            <!doctype html>
            <html lang="en">
            <head><meta charset="utf-8"><title>{{status}} {{WebUtility.HtmlEncode(title)}}</title><link rel="stylesheet" href="/static/binder.css"></head>
            <body><main>
            <h1>{{status}} {{WebUtility.HtmlEncode(title)}}</h1>
            <p id="error-message">{{WebUtility.HtmlEncode(text)}}</p>
            {{(string.IsNullOrEmpty(address) ? "" : $"<p>Address: <code>{WebUtility.HtmlEncode(address)}</code></p>")}}
            <p><a href="/">Go to the Binder home page</a></p>
            </main></body>
            </html>
            """;
        return Results.Content(html, "text/html; charset=utf-8", statusCode: status);
    }
}
