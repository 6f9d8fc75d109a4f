using System.Net;
using System.Net.Sockets;

namespace Binder.Build.Run;

/// <summary>
/// Free TCP ports for servers this program starts. Ports are picked below the kernel's ephemeral range
/// (<c>/proc/sys/net/ipv4/ip_local_port_range</c>, 32768 and up on Linux): a port the kernel hands out for port 0 is
/// also what it hands to the next outgoing connection, so on a busy machine such a port is often taken again between
/// the pick and the server's bind. Below the range only another listener can take it.
/// </summary>
public static class FreePorts
{
    private const int Lowest = 12000;
    private const int Highest = 32000;

    /// <summary>A port that is free on <paramref name="address"/> at this moment (another program may still take it before it is bound).</summary>
    /// <param name="address">The address to bind.</param>
    public static int On(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        for (var attempt = 0; attempt < 64; attempt++)
        {
            if (TryBind(address, Random.Shared.Next(Lowest, Highest + 1)) is { } listener)
            {
                using (listener) return ((IPEndPoint)listener.LocalEndpoint).Port;
            }
        }
        using var fallback = new TcpListener(address, 0);
        fallback.Start();
        return ((IPEndPoint)fallback.LocalEndpoint).Port;
    }

    /// <summary>A port free on <paramref name="host"/> (an IP address; loopback when it is not one).</summary>
    /// <param name="host">The address the server will listen on.</param>
    public static int On(string host) => On(IPAddress.TryParse(host, out var address) ? address : IPAddress.Loopback);

    /// <summary>Two distinct ports free at this moment, picked while both are held so they cannot be the same.</summary>
    /// <param name="first">The address of the first port.</param>
    /// <param name="second">The address of the second port.</param>
    public static (int First, int Second) Pair(IPAddress first, IPAddress second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        for (var attempt = 0; attempt < 64; attempt++)
        {
            using var a = TryBind(first, Random.Shared.Next(Lowest, Highest + 1));
            if (a is null) continue;
            using var b = TryBind(second, Random.Shared.Next(Lowest, Highest + 1));
            if (b is null) continue;
            return (((IPEndPoint)a.LocalEndpoint).Port, ((IPEndPoint)b.LocalEndpoint).Port);
        }
        using var x = new TcpListener(first, 0);
        x.Start();
        using var y = new TcpListener(second, 0);
        y.Start();
        return (((IPEndPoint)x.LocalEndpoint).Port, ((IPEndPoint)y.LocalEndpoint).Port);
    }

    private static TcpListener? TryBind(IPAddress address, int port)
    {
        var listener = new TcpListener(address, port);
        try
        {
            listener.Start();
            return listener;
        }
        catch (SocketException)
        {
            listener.Dispose();
            return null;
        }
    }
}
