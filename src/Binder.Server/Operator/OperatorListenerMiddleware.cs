using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Binder.Server.Operator;

/// <summary>
/// Keeps the two listeners apart: operator surfaces answer only on the operator listener, everything else only on the
/// public ones, so JavaScript of a session (served through the public origin) never reaches an operator page with an
/// operator's cookie, and the operator origin serves nothing a session could plant. Runs after routing, before
/// authentication.
/// </summary>
internal sealed class OperatorListenerMiddleware(RequestDelegate next, IOptions<ServerOptions> options)
{
    /// <summary>What the public listener answers for an operator surface.</summary>
    public const string NotHere =
        "Binder's operator pages and API are not served here: they answer on the operator listener only (Server:OperatorUrls, by default http://localhost:8586/).";

    /// <summary>What the operator listener answers for anything else.</summary>
    public const string OperatorOnly =
        "This is Binder's operator listener: it serves /operator, /dashboard and /api/sessions only. Binder's public pages and API are on its public address.";

    public Task InvokeAsync(HttpContext context)
    {
        // The dashboard's addresses are an operator surface also before its endpoints exist (they are mapped at its first
        // request on the operator listener, LazyDashboardEndpoints), so the public listener refuses them the same way.
        var surface = context.GetEndpoint()?.Metadata.GetMetadata<OperatorSurface>() is not null
            || context.Request.Path.StartsWithSegments(LazyDashboardEndpoints.Prefix);
        var onOperatorListener = OperatorConnection.IsOn(context);
        if (onOperatorListener && !surface)
        {
            if (context.Request.Path == "/" && HttpMethods.IsGet(context.Request.Method))
            {
                context.Response.Redirect("/operator");
                return Task.CompletedTask;
            }
            return Refuse(context, StatusCodes.Status404NotFound, OperatorOnly);
        }
        if (!onOperatorListener && surface)
        {
            return Refuse(context, StatusCodes.Status404NotFound, NotHere);
        }
        if (surface && string.IsNullOrEmpty(options.Value.OperatorToken))
        {
            return Refuse(context, StatusCodes.Status403Forbidden, OperatorToken.NotConfigured);
        }
        if (surface && !SameOrigin(context))
        {
            // SameSite=Strict keeps the cookie off cross-site requests; this also refuses a cross-site form post to
            // the sign-in (which carries no cookie) before anything reads it.
            return Refuse(context, StatusCodes.Status403Forbidden,
                "This operator request came from another site's page (its Origin header names another origin), so it was refused. Use the operator pages themselves.");
        }
        if (surface && HttpMethods.IsGet(context.Request.Method) && context.Request.Path.Value == "/dashboard")
        {
            // The dashboard's page loads its scripts by relative paths, which resolve under /dashboard/ only (routing
            // matches the address without the slash too, and would serve a page that cannot load them).
            context.Response.Redirect("/dashboard/" + context.Request.QueryString);
            return Task.CompletedTask;
        }
        return next(context);
    }

    /// <summary>Whether a state-changing request was sent by a page of this origin (or by a client that sends no Origin, which no browser omits on such requests).</summary>
    private static bool SameOrigin(HttpContext context)
    {
        var request = context.Request;
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method)) return true;
        var origin = request.Headers.Origin.ToString();
        if (origin.Length == 0) return true;
        return string.Equals(origin, $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase);
    }

    private static Task Refuse(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(message + "\n", context.RequestAborted);
    }
}
