using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Binder.Server.Operator;

/// <summary>
/// <c>Server:OperatorToken</c> as the operator surfaces check it: read from <c>Authorization: Bearer &lt;t&gt;</c> or
/// <c>token &lt;t&gt;</c> (as JupyterHub accepts), compared in the same time whatever the guess, and the fingerprint a
/// sign-in cookie carries instead of the token itself. <c>Server:ApiToken</c> is read and compared the same way
/// (<see cref="Build.BuildApiToken"/>).
/// </summary>
internal static class OperatorToken
{
    /// <summary>What a request to an operator surface is told while no token is configured.</summary>
    public const string NotConfigured =
        "The operator pages and API are off: set Server:OperatorToken (e.g. BINDER_Server__OperatorToken) to a long random value (openssl rand -hex 32), then sign in with it at /operator/login or send it as 'Authorization: Bearer <token>'.";

    /// <summary>The token an <c>Authorization</c> header presents; null when it presents none.</summary>
    public static string? Presented(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        foreach (var scheme in (string[])["Bearer ", "token "])
        {
            if (header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return header[scheme.Length..].Trim();
        }
        return null;
    }

    // Hashing first makes both sides the same length, so neither the length nor the first differing byte shows in the timing.
    public static bool Matches(string given, string expected) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));

    /// <summary>
    /// A value derived from the token that a sign-in cookie carries, so a cookie stops working when the token changes
    /// (the cookie is encrypted anyway; the token itself never goes into it).
    /// </summary>
    public static string Fingerprint(string token) =>
        Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(token), "binder operator sign-in"u8));

    /// <summary>Whether <paramref name="fingerprint"/> is the current token's.</summary>
    public static bool FingerprintMatches(string? fingerprint, string? token) =>
        fingerprint is not null && !string.IsNullOrEmpty(token)
        && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(fingerprint), Encoding.UTF8.GetBytes(Fingerprint(token)));
}
