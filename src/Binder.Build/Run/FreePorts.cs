using System.Net;
using System.Net.Sockets;

namespace Binder.Build.Run;

/// <summary>Free TCP ports, picked by the operating system (bind to port 0, read the port, close).</summary>
public static class FreePorts
{
    /// <summary>A port that is free on <paramref name="address"/> at this moment (another program may take it before it is bound).</summary>
    /// <param name="address">The address to bind.</param>
    public static int On(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        using var listener = new TcpListener(address, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A port free on <paramref name="host"/> (an IP address; loopback when it is not one).</summary>
    /// <param name="host">The address the server will listen on.</param>
    public static int On(string host) => On(IPAddress.TryParse(host, out var address) ? address : IPAddress.Loopback);
}
