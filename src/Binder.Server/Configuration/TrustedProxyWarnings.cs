using System.Net;
using Binder.Server.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Binder.Server.Configuration;

/// <summary>
/// Warns at start about <c>Server:TrustedProxies</c> entries that sessions could pass for: loopback while sessions run
/// on the host's network (a notebook then connects from 127.0.0.1), or the session network's subnet. A request from
/// such an address may name any client in <c>X-Forwarded-For</c>, so a session could dodge bans and rate limits. A
/// warning and not a refusal: nginx on the same host is a real deployment, and sessions on their own network cannot
/// connect from loopback.
/// </summary>
internal sealed partial class TrustedProxyWarnings(IOptions<ServerOptions> server, IConfiguration configuration, ILogger<TrustedProxyWarnings> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var launch = SiloHosting.Bind<DockerLaunchOptions>(configuration, DockerLaunchOptions.Section);
        foreach (var warning in Warnings(server.Value.TrustedProxies, launch.Network.Mode == SessionNetworkMode.Host, SessionSubnet(launch.Network)))
        {
            LogWarning(logger, warning);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>A sentence per trusted entry a session could connect from.</summary>
    internal static IEnumerable<string> Warnings(IEnumerable<string> trusted, bool hostNetwork, IPNetwork? sessionSubnet)
    {
        foreach (var entry in trusted)
        {
            if (TrustedProxies.ParseNetwork(entry) is not { } network) continue;
            if (hostNetwork && (network.Contains(IPAddress.Loopback) || network.Contains(IPAddress.IPv6Loopback)))
            {
                yield return $"Server:TrustedProxies has '{entry}', which contains loopback, while sessions run on the host's network: a session connecting from 127.0.0.1 could name any client in X-Forwarded-For and dodge bans and rate limits. List the proxy's own address instead, or run sessions on their own network.";
            }
            if (sessionSubnet is { } subnet && (network.Contains(subnet.BaseAddress) || subnet.Contains(network.BaseAddress)))
            {
                yield return $"Server:TrustedProxies has '{entry}', which overlaps the sessions' network {subnet}: a session could name any client in X-Forwarded-For and dodge bans and rate limits. List only the proxies' own addresses.";
            }
        }
    }

    /// <summary>The configured subnet of the session network, when there is one (without, Docker picks it at start).</summary>
    private static IPNetwork? SessionSubnet(SessionNetworkOptions network) =>
        network.Subnet is { Length: > 0 } subnet && IPNetwork.TryParse(subnet, out var parsed) ? parsed : null;

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Warning}")]
    private static partial void LogWarning(ILogger logger, string warning);
}
