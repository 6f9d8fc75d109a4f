using System.Net;
using Binder.Build;
using Binder.Build.Docker;
using Binder.Server.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Binder.Server.Configuration;

/// <summary>
/// Warns at start about <c>Server:TrustedProxies</c> entries that sessions could pass for: loopback while sessions run
/// on the host's network (a notebook then connects from 127.0.0.1), or the session network's subnet. A request from
/// such an address may name any client in <c>X-Forwarded-For</c>, so a session could dodge bans and rate limits. A
/// warning and not a refusal: nginx on the same host is a real deployment, and sessions on their own network cannot
/// connect from loopback. Runs after the silo has made the session network, so a subnet Docker picked is known too.
/// </summary>
internal sealed partial class TrustedProxyWarnings(IOptions<ServerOptions> server, DockerLaunchOptions launch, DockerClient docker, ILogger<TrustedProxyWarnings> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var trusted = server.Value.TrustedProxies;
        if (trusted.Count == 0) return;
        var hostNetwork = launch.Network.Mode == SessionNetworkMode.Host;
        IReadOnlyList<IPNetwork> subnets = hostNetwork ? []
            : ConfiguredSubnet(launch.Network) is { } configured ? [configured]
            : await PickedSubnetsAsync(launch.NetworkName, cancellationToken).ConfigureAwait(false);
        var warnings = subnets.Count == 0 ? Warnings(trusted, hostNetwork, null) : subnets.SelectMany(subnet => Warnings(trusted, hostNetwork, subnet));
        foreach (var warning in warnings.Distinct(StringComparer.Ordinal))
        {
            LogWarning(logger, warning);
        }
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
    private static IPNetwork? ConfiguredSubnet(SessionNetworkOptions network) =>
        network.Subnet is { Length: > 0 } subnet && IPNetwork.TryParse(subnet, out var parsed) ? parsed : null;

    /// <summary>The subnets (IPv4 and IPv6) Docker gave the session network; none when the network or the daemon cannot be asked.</summary>
    private async Task<IReadOnlyList<IPNetwork>> PickedSubnetsAsync(string network, CancellationToken cancellationToken)
    {
        try
        {
            var info = await docker.InspectNetworkAsync(network, cancellationToken).ConfigureAwait(false);
            return [.. (info?.Subnets ?? []).Select(s => IPNetwork.TryParse(s, out var parsed) ? parsed : (IPNetwork?)null).OfType<IPNetwork>()];
        }
        catch (BinderBuildException e)
        {
            // The daemon's trouble is reported where launches need it; a warning that cannot be checked is not a failure.
            LogSubnetUnknown(logger, network, e.Message);
            return [];
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Warning}")]
    private static partial void LogWarning(ILogger logger, string warning);

    [LoggerMessage(Level = LogLevel.Information, Message = "The subnet of the session network {Network} could not be read, so Server:TrustedProxies was not checked against it: {Reason}")]
    private static partial void LogSubnetUnknown(ILogger logger, string network, string reason);
}
