using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Binder.Server.Operator;

/// <summary>
/// <c>/operator/login</c>: a browser gives the operator token once and gets the sign-in cookie; <c>/operator/logout</c>
/// drops it. Both forms carry an antiforgery token (and the listener refuses other origins' posts), so no other site
/// can sign a browser in or out.
/// </summary>
internal static partial class OperatorSignIn
{
    public static IEndpointRouteBuilder MapOperatorSignIn(this IEndpointRouteBuilder app)
    {
        app.MapGet(OperatorAuthentication.LoginPath, (HttpContext context, IAntiforgery antiforgery, PublicAddresses addresses, string? returnUrl) =>
            SharesHostWithSessions(context, addresses) ?? Form(context, antiforgery, returnUrl, error: null, StatusCodes.Status200OK))
            .OnOperatorListener().WithName("OperatorLogin");
        app.MapPost(OperatorAuthentication.LoginPath, SignInAsync).OnOperatorListener().WithName("OperatorSignIn")
            .RequireRateLimiting(Configuration.ClientRateLimit.OperatorSignInPolicy);
        // Signed in only: the form's antiforgery token is bound to the signed-in operator, so the request must carry them.
        app.MapPost("/operator/logout", SignOutAsync).ForOperators().WithName("OperatorSignOut");
        return app;
    }

    private static async Task<IResult> SignInAsync(HttpContext context, IAntiforgery antiforgery, IOptions<ServerOptions> options, PublicAddresses addresses, ILoggerFactory loggers)
    {
        if (SharesHostWithSessions(context, addresses) is { } refused) return refused;
        if (await FormRefusedAsync(context, antiforgery).ConfigureAwait(false) is { } expired) return expired;
        var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        var returnUrl = form["returnUrl"].ToString();
        var token = options.Value.OperatorToken!;
        if (!OperatorToken.Matches(form["token"].ToString(), token))
        {
            // Who tried, never what they typed: a wrong guess may be a mistyped real token.
            LogWrongToken(loggers.CreateLogger(typeof(OperatorSignIn).FullName!), context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
            return Form(context, antiforgery, returnUrl, "That is not the operator token (Server:OperatorToken). Try again.", StatusCodes.Status401Unauthorized);
        }
        await context.SignInAsync(OperatorAuthentication.CookieScheme, OperatorAuthentication.SignedIn(token),
            new AuthenticationProperties { IsPersistent = true }).ConfigureAwait(false);
        LogSignedIn(loggers.CreateLogger(typeof(OperatorSignIn).FullName!), context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
        return Results.Redirect(LocalOrDefault(returnUrl));
    }

    private static async Task<IResult> SignOutAsync(HttpContext context, IAntiforgery antiforgery)
    {
        if (await FormRefusedAsync(context, antiforgery).ConfigureAwait(false) is { } expired) return expired;
        await context.SignOutAsync(OperatorAuthentication.CookieScheme).ConfigureAwait(false);
        return Results.Redirect(OperatorAuthentication.LoginPath);
    }

    /// <summary>The sign-out button of the operator pages' header.</summary>
    public static string SignOutButton(HttpContext context, IAntiforgery antiforgery) =>
        $"""<form method="post" action="/operator/logout">{Hidden(context, antiforgery)}<button id="sign-out" type="submit">Sign out</button></form>""";

    private static IResult Form(HttpContext context, IAntiforgery antiforgery, string? returnUrl, string? error, int status) => OperatorHtml.Page("Binder operator: sign in", $"""
        <h2>Sign in</h2>
        {(error is null ? "" : $"<p id=\"sign-in-error\" class=\"error\">{OperatorHtml.Encode(error)}</p>")}
        <form class="sign-in" method="post" action="{OperatorAuthentication.LoginPath}">
        {Hidden(context, antiforgery)}
        <input type="hidden" name="returnUrl" value="{OperatorHtml.Encode(LocalOrDefault(returnUrl))}">
        <label for="token">Operator token (<code>Server:OperatorToken</code>)</label>
        <input id="token" name="token" type="password" autocomplete="current-password" autofocus required>
        <button id="sign-in" type="submit">Sign in</button>
        </form>
        """, status);

    private static string Hidden(HttpContext context, IAntiforgery antiforgery)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        return $"""<input type="hidden" name="{OperatorHtml.Encode(tokens.FormFieldName)}" value="{OperatorHtml.Encode(tokens.RequestToken)}">""";
    }

    private static async Task<IResult?> FormRefusedAsync(HttpContext context, IAntiforgery antiforgery)
    {
        if (context.Request.HasFormContentType && await antiforgery.IsRequestValidAsync(context).ConfigureAwait(false)) return null;
        return Expired();

        static IResult Expired() => OperatorHtml.Page("Binder operator: form expired",
            $"""<p class="error" id="sign-in-error">This form expired or did not come from Binder's own page, so nothing was done. <a href="{OperatorAuthentication.LoginPath}">Open the sign-in page again</a>.</p>""",
            StatusCodes.Status400BadRequest);
    }

    /// <summary>Where to go after the sign-in: a path of this listener only, never another site (open redirect).</summary>
    private static string LocalOrDefault(string? returnUrl) =>
        returnUrl is { Length: > 1 } url && url[0] == '/' && url[1] is not ('/' or '\\') && !url.Any(char.IsControl) ? url : "/operator";

    /// <summary>
    /// A refusal when the operator listener is opened under the host name sessions are served at: browsers send a
    /// host's cookies to every port of it, so the sign-in cookie would travel to every session's notebook server.
    /// </summary>
    private static IResult? SharesHostWithSessions(HttpContext context, PublicAddresses addresses)
    {
        var host = context.Request.Host.Host;
        var sessionHosts = new List<string>();
        if (addresses.SessionsUrl is { } sessions) sessionHosts.Add(sessions.Host);
        if (Uri.TryCreate(addresses.LaunchHost, UriKind.Absolute, out var publicUrl)) sessionHosts.Add(publicUrl.Host);
        if (!sessionHosts.Contains(host, StringComparer.OrdinalIgnoreCase)) return null;
        return OperatorHtml.Page("Binder operator: use another host name", $"""
            <p class="error" id="sign-in-error">This operator page was opened at the host name {OperatorHtml.Encode(host)}, which also serves Binder's
            sessions. Browsers send a host's cookies to all of its ports, so the sign-in cookie would reach the notebook
            server of every session. Open the operator listener under another name (for example http://localhost:&lt;port&gt;/
            when sessions are served at 127.0.0.1), or use the API with the token as a bearer token.</p>
            """, StatusCodes.Status403Forbidden);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "An operator sign-in from {Client} gave a wrong token")]
    private static partial void LogWrongToken(ILogger logger, string client);

    [LoggerMessage(Level = LogLevel.Information, Message = "An operator signed in from {Client}")]
    private static partial void LogSignedIn(ILogger logger, string client);
}
