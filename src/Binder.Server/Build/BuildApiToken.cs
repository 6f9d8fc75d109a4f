using System.Text;
using Binder.Server.Operator;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Binder.Server.Build;

/// <summary>
/// <c>Server:ApiToken</c> on <c>/build</c> (BinderHub's <c>auth_enabled</c> for api-only services): a request without
/// the token is answered 401, one with another token 403, each with a sentence, as a <c>failed</c> event when the
/// client asked for an event stream, else as JSON. The token is compared as the operator token is (same time whatever
/// the guess), taken from <c>Authorization: Bearer &lt;t&gt;</c> or <c>token &lt;t&gt;</c> (JupyterHub's style), and
/// never logged.
/// </summary>
internal static partial class BuildApiToken
{
    public const string Missing =
        "This Binder's build API needs its API token (Server:ApiToken): send it as 'Authorization: Bearer <token>'; the request had none.";

    public const string Wrong =
        "The API token this request sent is not this Binder's (Server:ApiToken); send the token its operator gave you as 'Authorization: Bearer <token>'.";

    /// <summary>Answers and returns true when the request may not use <c>/build</c>; false when it may.</summary>
    public static async Task<bool> RefuseAsync(HttpContext context, string? expected, ILogger logger)
    {
        if (string.IsNullOrEmpty(expected)) return false;
        var given = OperatorToken.Presented(context.Request);
        if (given is { Length: > 0 } && OperatorToken.Matches(given, expected)) return false;

        var missing = string.IsNullOrEmpty(given);
        var status = missing ? StatusCodes.Status401Unauthorized : StatusCodes.Status403Forbidden;
        LogRefused(logger, BuildApi.ClientAddress(context)?.ToString() ?? "unknown", missing ? "no API token" : "a wrong API token");
        context.Response.StatusCode = status;
        if (missing) context.Response.Headers.WWWAuthenticate = "Bearer";
        var message = missing ? Missing : Wrong;
        if (BuildApi.AcceptsEventStream(context.Request))
        {
            // An event-stream client reads one final `failed` event, as for every other refusal of /build.
            context.Response.ContentType = "text/event-stream";
            context.Response.Headers.CacheControl = "no-cache";
            var frame = "data: " + BinderJson.Serialize(BuildFailure.Of(status, message)) + "\n\n";
            await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(frame), context.RequestAborted).ConfigureAwait(false);
        }
        else
        {
            await context.Response.WriteAsJsonAsync(new { message }, BinderJson.Options, context.RequestAborted).ConfigureAwait(false);
        }
        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused a /build request from {Client}: it sent {What}")]
    private static partial void LogRefused(ILogger logger, string client, string what);
}
