using Binder.Build;
using System.Net;
using Microsoft.Extensions.Options;

namespace Binder.Hub.Launch;

/// <summary>Checks <see cref="ProxyOptions"/> at start-up, so a bad setting fails with a sentence naming it.</summary>
public sealed class ProxyOptionsValidator() : OptionsValidator<ProxyOptions>(ProxyOptions.Section)
{
    /// <inheritdoc />
    protected override IEnumerable<string> Check(ProxyOptions options) => Problems(options);

    /// <summary>Throws an <see cref="ArgumentException"/> listing every problem, if there is any.</summary>
    /// <param name="options">The options to check.</param>
    public static void ThrowIfInvalid(ProxyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = Problems(options);
        if (problems.Count > 0)
        {
            throw new ArgumentException($"The proxy settings ({ProxyOptions.Section}) are invalid: " + string.Join(" ", problems), nameof(options));
        }
    }

    internal static List<string> Problems(ProxyOptions o)
    {
        var problems = new List<string>();
        if (o.ApiUrl is { } api)
        {
            if (!IsHttp(api))
            {
                problems.Add($"ApiUrl '{api}' must be an absolute http:// or https:// URL, e.g. http://127.0.0.1:8001.");
            }
            if (o.PublicUrl is null)
            {
                problems.Add("PublicUrl must be set when the proxy is external (ApiUrl is set): it is the address people reach sessions through.");
            }
            if (string.IsNullOrEmpty(o.AuthToken))
            {
                problems.Add("AuthToken must be set when the proxy is external (ApiUrl is set): it is the proxy's CONFIGPROXY_AUTH_TOKEN.");
            }
        }
        else
        {
            if (string.IsNullOrWhiteSpace(o.Command))
            {
                problems.Add("Command must name the configurable-http-proxy executable (a path or a name on PATH).");
            }
            if (!TryParseBind(o.PublicBind, out _, out _))
            {
                problems.Add($"PublicBind '{o.PublicBind}' must be ip:port, e.g. 127.0.0.1:8000 (port 0 picks a free one).");
            }
            if (!TryParseBind(o.ApiBind, out _, out _))
            {
                problems.Add($"ApiBind '{o.ApiBind}' must be ip:port, e.g. 127.0.0.1:8001 (port 0 picks a free one).");
            }
            if (o.DefaultTarget is { } target && !IsHttp(target))
            {
                problems.Add($"DefaultTarget '{target}' must be an absolute http:// or https:// URL.");
            }
            if (o.ExtraArguments.Any(a => a.Trim() == "--no-x-forward"))
            {
                problems.Add("ExtraArguments has --no-x-forward: the front end learns each client's address from the X-Forwarded-For header the proxy adds, and without it bans and rate limits cannot tell clients apart. Remove it.");
            }
            if (o.LogLevel is not ("debug" or "info" or "warn" or "error"))
            {
                problems.Add($"LogLevel '{o.LogLevel}' must be debug, info, warn or error.");
            }
        }
        if (o.PublicUrl is { } publicUrl && !IsHttp(publicUrl))
        {
            problems.Add($"PublicUrl '{publicUrl}' must be an absolute http:// or https:// URL.");
        }
        if (o.StartTimeout <= TimeSpan.Zero || o.RequestTimeout <= TimeSpan.Zero)
        {
            problems.Add("StartTimeout and RequestTimeout must be longer than zero.");
        }
        return problems;
    }

    /// <summary>Parses <c>ip:port</c> (IPv6 in brackets).</summary>
    internal static bool TryParseBind(string? bind, out IPAddress address, out int port)
    {
        address = IPAddress.Loopback;
        port = 0;
        return bind is not null && IPEndPoint.TryParse(bind, out var endpoint) && bind.Contains(':', StringComparison.Ordinal)
            && (address = endpoint.Address) is not null && (port = endpoint.Port) >= 0;
    }

    private static bool IsHttp(Uri uri) => uri.IsAbsoluteUri && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);
}
