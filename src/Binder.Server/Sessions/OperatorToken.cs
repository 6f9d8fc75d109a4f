using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Binder.Server.Sessions;

/// <summary>
/// Guards the operator endpoints with <c>Server:OperatorToken</c> (<c>Authorization: Bearer &lt;t&gt;</c> or
/// <c>token &lt;t&gt;</c>, as JupyterHub accepts). The comparison takes the same time whatever the guess.
/// </summary>
internal sealed class OperatorToken(IOptions<ServerOptions> options) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var expected = options.Value.OperatorToken;
        if (string.IsNullOrEmpty(expected))
        {
            return Results.Json(new { message = "The operator API is off: set Server:OperatorToken (e.g. BINDER_Server__OperatorToken) to a long random value and send it as 'Authorization: Bearer <token>'." }, statusCode: StatusCodes.Status403Forbidden);
        }
        var given = Presented(context.HttpContext.Request);
        if (given is null || !Matches(given, expected))
        {
            context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer";
            return Results.Json(new { message = "Send the operator token as 'Authorization: Bearer <token>'; the one given is missing or wrong." }, statusCode: StatusCodes.Status401Unauthorized);
        }
        return await next(context).ConfigureAwait(false);
    }

    private static string? Presented(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        foreach (var scheme in (string[])["Bearer ", "token "])
        {
            if (header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return header[scheme.Length..].Trim();
        }
        return null;
    }

    // Hashing first makes both sides the same length, so neither the length nor the first differing byte shows in the timing.
    internal static bool Matches(string given, string expected) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
}
