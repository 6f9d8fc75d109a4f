using System.Collections.Concurrent;
using System.Net;
using Binder.Build.Tests.Support;

namespace Binder.Build.Tests.Registry;

/// <summary>
/// A loopback HTTP server standing in for a registry and its token service (Docker Hub's auth at auth.docker.io, which
/// these machines cannot reach). Each test gives it a handler; it records every request it answered.
/// </summary>
internal sealed class RegistryStandIn : IAsyncDisposable
{
    private readonly LoopbackHttpServer server;

    /// <param name="handler">Answers one request.</param>
    /// <param name="concurrent">Answer requests in parallel (a handler that stalls one request must not hold the others,
    /// nor the stand-in's disposal).</param>
    public RegistryStandIn(Func<HttpListenerRequest, HttpListenerResponse, Task> handler, bool concurrent = false)
    {
        server = new LoopbackHttpServer(context =>
        {
            var request = context.Request;
            Requests.Enqueue(new RecordedRequest(
                request.HttpMethod,
                request.Url!.AbsolutePath,
                request.Url.Query,
                request.Headers["Authorization"],
                request.Headers.GetValues("Accept") ?? []));
            return handler(request, context.Response);
        }, concurrent);
    }

    public int Port => server.Port;

    /// <summary>The registry host as an image reference names it.</summary>
    public string Host => $"127.0.0.1:{Port}";

    public string BaseUrl => $"http://127.0.0.1:{Port}";

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public int CountPath(string path) => Requests.Count(r => r.Path == path);

    public ValueTask DisposeAsync() => server.DisposeAsync();
}

internal sealed record RecordedRequest(string Method, string Path, string Query, string? Authorization, string[] Accept);
