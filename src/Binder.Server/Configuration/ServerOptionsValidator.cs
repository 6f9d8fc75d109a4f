using Microsoft.Extensions.Options;

namespace Binder.Server.Configuration;

/// <summary>Refuses settings that would fail later and less clearly, with a sentence saying what to change.</summary>
internal sealed class ServerOptionsValidator() : Binder.Build.OptionsValidator<ServerOptions>(ServerOptions.Section)
{
    /// <inheritdoc />
    protected override IEnumerable<string> Check(ServerOptions options)
    {
        var errors = new List<string>();
        if (ServerRoles.Find(options.Role) is null)
        {
            errors.Add(ServerRoles.Refusal(options.Role));
        }
        var urls = options.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (urls.Length == 0)
        {
            errors.Add("Server:Urls is empty; give at least one URL to listen on, e.g. http://127.0.0.1:8585.");
        }
        foreach (var url in urls)
        {
            if (!Uri.TryCreate(url.Replace("*", "0.0.0.0", StringComparison.Ordinal).Replace("+", "0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                errors.Add($"Server:Urls has '{url}', which is not an http or https URL such as http://127.0.0.1:8585.");
            }
        }
        if (!string.IsNullOrWhiteSpace(options.PublicUrl)
            && (!Uri.TryCreate(options.PublicUrl, UriKind.Absolute, out var publicUri) || publicUri.Scheme is not ("http" or "https")))
        {
            errors.Add($"Server:PublicUrl is '{options.PublicUrl}'; it must be an absolute http or https URL such as https://binder.example.org/.");
        }
        // One timer ticks four times per interval for every stream: below 100 ms it would spin, above an hour no proxy
        // keeps a silent connection anyway.
        if (options.KeepaliveInterval < TimeSpan.FromMilliseconds(100) || options.KeepaliveInterval > TimeSpan.FromHours(1))
        {
            errors.Add($"Server:KeepaliveInterval is {options.KeepaliveInterval}; give a duration from 00:00:00.100 to 01:00:00, such as 00:00:25.");
        }
        if (options.RateLimit.Enabled && options.RateLimit.PermitLimit <= 0)
        {
            errors.Add($"Server:RateLimit:PermitLimit is {options.RateLimit.PermitLimit}; it must be a positive number of requests.");
        }
        if (options.RateLimit.Enabled && options.RateLimit.Window <= TimeSpan.Zero)
        {
            errors.Add($"Server:RateLimit:Window is {options.RateLimit.Window}; it must be a positive duration such as 00:01:00.");
        }
        foreach (var proxy in options.TrustedProxies)
        {
            if (TrustedProxies.ParseNetwork(proxy) is null)
            {
                errors.Add($"Server:TrustedProxies has '{proxy}', which is neither an IP address such as 10.0.0.5 nor a network such as 10.0.0.0/24.");
            }
        }
        foreach (var origin in options.CorsOriginEntries)
        {
            // Case, a default port and a trailing slash are fine (they are normalised); a path, query or user is not
            // part of an origin, and a browser's Origin header would never match it.
            if (origin != "*" && (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
                || uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0))
            {
                errors.Add($"Server:CorsAllowOrigin has '{origin}', which is not an origin such as https://thebe.example.org: give the scheme, host and port only, without a path, or *.");
            }
        }
        var publicPorts = urls.Select(PortOf).OfType<int>().ToHashSet();
        foreach (var url in options.OperatorUrlEntries)
        {
            if (PortOf(url) is not { } port || url.Contains("unix:", StringComparison.Ordinal))
            {
                errors.Add($"Server:OperatorUrls has '{url}', which is not an http or https URL with a port of its own such as http://localhost:8586.");
            }
            else if (publicPorts.Contains(port))
            {
                errors.Add($"Server:OperatorUrls has '{url}', whose port {port} Server:Urls uses too; the operator listener needs a port of its own (e.g. http://localhost:8586), so the operator pages never share an origin with public ones.");
            }
        }
        if (options.OperatorSignInLifetime <= TimeSpan.Zero)
        {
            errors.Add($"Server:OperatorSignInLifetime is {options.OperatorSignInLifetime}; it must be a positive duration such as 08:00:00.");
        }
        if (options.OperatorSignInAttemptsPerMinute < 1)
        {
            errors.Add($"Server:OperatorSignInAttemptsPerMinute is {options.OperatorSignInAttemptsPerMinute}; allow at least 1 (the default is 10).");
        }
        if (options.OperatorToken is { Length: > 0 and < 16 })
        {
            errors.Add("Server:OperatorToken is shorter than 16 characters; use a long random value (e.g. `openssl rand -hex 32`).");
        }
        if (options.ApiToken is { Length: > 0 and < 16 })
        {
            errors.Add("Server:ApiToken is shorter than 16 characters; use a long random value (e.g. `openssl rand -hex 32`).");
        }
        // The pages open /build with the browser's EventSource, which cannot send an Authorization header: a token on
        // a service with pages would lock its own pages out, or leave them as an open door beside it.
        // The hub's configuration holds the API token: the same value would hand it the operator's powers.
        if (!string.IsNullOrEmpty(options.ApiToken) && string.Equals(options.ApiToken, options.OperatorToken, StringComparison.Ordinal))
        {
            errors.Add("Server:ApiToken is the same as Server:OperatorToken; the API token goes into a hub's configuration, so give it a value of its own.");
        }
        if (!string.IsNullOrEmpty(options.ApiToken) && !options.ApiOnly)
        {
            errors.Add("Server:ApiToken is set but Server:ApiOnly is not; the pages' /build streams cannot send a token, so set Server:ApiOnly=true for a token-protected build API, or leave Server:ApiToken empty.");
        }
        return errors;
    }

    /// <summary>The TCP port of a listen URL; null for none or 0 (a port the system picks cannot be matched to its listener).</summary>
    internal static int? PortOf(string url)
    {
        var authority = url.Replace("*", "0.0.0.0", StringComparison.Ordinal).Replace("+", "0.0.0.0", StringComparison.Ordinal);
        return Uri.TryCreate(authority, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Port > 0
            ? uri.Port
            : null;
    }
}
