using System.Net;
using System.Net.Sockets;

namespace Binder.Actors.Tests.Cluster;

/// <summary>A loopback TCP forwarder in front of the real PostgreSQL that a test can cut, to make the database
/// unreachable for one silo only: <see cref="Cut"/> closes every forwarded connection and refuses new ones.</summary>
internal sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _targetHost;
    private readonly int _targetPort;
    private readonly CancellationTokenSource _cut = new();
    private readonly List<TcpClient> _clients = [];
    private readonly Lock _gate = new();
    private readonly Task _accepting;

    public TcpProxy(string targetHost, int targetPort)
    {
        _targetHost = targetHost;
        _targetPort = targetPort;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    private async Task AcceptAsync()
    {
        try
        {
            while (!_cut.IsCancellationRequested)
            {
                var inbound = await _listener.AcceptTcpClientAsync(_cut.Token);
                var outbound = new TcpClient();
                try
                {
                    await outbound.ConnectAsync(_targetHost, _targetPort, _cut.Token);
                }
                catch (Exception) when (!_cut.IsCancellationRequested)
                {
                    inbound.Dispose();
                    outbound.Dispose();
                    continue;
                }

                lock (_gate)
                {
                    _clients.Add(inbound);
                    _clients.Add(outbound);
                }

                _ = PumpAsync(inbound.GetStream(), outbound.GetStream());
                _ = PumpAsync(outbound.GetStream(), inbound.GetStream());
            }
        }
        catch (Exception) when (_cut.IsCancellationRequested)
        {
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to)
    {
        try
        {
            await from.CopyToAsync(to, _cut.Token);
        }
        catch (Exception)
        {
            // A cut or a closed peer ends the pump; the other direction ends with it.
        }
    }

    /// <summary>Drops every connection and stops listening: new connections are refused.</summary>
    public void Cut()
    {
        _cut.Cancel();
        _listener.Stop();
        lock (_gate)
        {
            foreach (var client in _clients)
            {
                client.Client.LingerState = new LingerOption(true, 0);
                client.Dispose();
            }

            _clients.Clear();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_cut.IsCancellationRequested)
        {
            Cut();
        }

        await _accepting;
        _cut.Dispose();
    }
}
