using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Binder.Build.Tests.Registry;

/// <summary>
/// A loopback HTTP server standing in for a registry and its token service (Docker Hub's auth at auth.docker.io, which
/// these machines cannot reach). Each test gives it a handler; it records every request it answered.
/// </summary>
internal sealed class RegistryStandIn : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Func<HttpListenerRequest, HttpListenerResponse, Task> _handler;
    private readonly Task _loop;

    public RegistryStandIn(Func<HttpListenerRequest, HttpListenerResponse, Task> handler)
    {
        _handler = handler;
        Port = FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public int Port { get; }

    /// <summary>The registry host as an image reference names it.</summary>
    public string Host => $"127.0.0.1:{Port}";

    public string BaseUrl => $"http://127.0.0.1:{Port}";

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public int CountPath(string path) => Requests.Count(r => r.Path == path);

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            await _loop;
        }
        catch (HttpListenerException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            var request = context.Request;
            Requests.Enqueue(new RecordedRequest(
                request.HttpMethod,
                request.Url!.AbsolutePath,
                request.Url.Query,
                request.Headers["Authorization"],
                request.Headers.GetValues("Accept") ?? []));
            try
            {
                await _handler(request, context.Response);
            }
            finally
            {
                context.Response.Close();
            }
        }
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}

internal sealed record RecordedRequest(string Method, string Path, string Query, string? Authorization, string[] Accept);
