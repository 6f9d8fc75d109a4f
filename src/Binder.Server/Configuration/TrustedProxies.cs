using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Binder.Server.Configuration;

/// <summary>
/// Who may name the client of a request in <c>X-Forwarded-For</c>: the proxy this service started (it connects through
/// the front end's own unix socket, which no session and no other user can reach) and the networks of
/// <c>Server:TrustedProxies</c>. Nothing is trusted for being loopback: a session on the host's network, or any local
/// program, connects from there too.
/// </summary>
internal sealed class TrustedProxies
{
    private readonly IReadOnlyList<IPNetwork> _networks;

    public TrustedProxies(IOptions<ServerOptions> server)
    {
        _networks = server.Value.TrustedProxies.Select(ParseNetwork).OfType<IPNetwork>().ToList();
    }

    /// <summary>An address (as a one-address network) or a CIDR network, or null when it is neither.</summary>
    public static IPNetwork? ParseNetwork(string value)
    {
        value = value.Trim();
        if (value.Contains('/', StringComparison.Ordinal)) return IPNetwork.TryParse(value, out var network) ? network : null;
        return IPAddress.TryParse(value, out var address) ? new IPNetwork(Normalize(address), address.AddressFamily == AddressFamily.InterNetworkV6 && !address.IsIPv4MappedToIPv6 ? 128 : 32) : null;
    }

    public bool IsTrusted(IPAddress address) => _networks.Any(n => n.Contains(address));

    /// <summary>
    /// The client's address: the connection's peer, unless the peer is a trusted proxy; then <c>X-Forwarded-For</c> is
    /// read from the right (each entry was written by the hop to its right) and the first address that is not a
    /// trusted proxy is the client. Whatever stands left of it was written by the client itself and does not count.
    /// </summary>
    public IPAddress? ClientOf(HttpContext context)
    {
        var peer = context.Connection.RemoteIpAddress is { } remote ? Normalize(remote) : null;
        var trusted = OwnedProxyConnection.IsOn(context) || (peer is not null && IsTrusted(peer));
        if (!trusted) return peer;
        var hops = context.Request.Headers["X-Forwarded-For"]
            .SelectMany(value => (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .ToList();
        var client = peer;
        for (var i = hops.Count - 1; i >= 0; i--)
        {
            if (ParseHop(hops[i]) is not { } hop) break;
            client = hop;
            if (!IsTrusted(hop)) break;
        }
        return client;
    }

    private static IPAddress? ParseHop(string hop)
    {
        if (IPAddress.TryParse(hop, out var address)) return Normalize(address);
        // Some proxies write address:port ([v6]:port).
        return IPEndPoint.TryParse(hop, out var endpoint) ? Normalize(endpoint.Address) : null;
    }

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
