using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Binder.Server.Benchmarks;

/// <summary>
/// Many <c>/build</c> event streams from one process: one <see cref="SocketsHttpHandler"/> with no per-server
/// connection limit (HTTP/1.1: one connection per open stream).
/// </summary>
internal sealed class EventStreamClient : IDisposable
{
    private readonly HttpClient _http;

    public EventStreamClient(int port)
    {
        _http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = int.MaxValue,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromMinutes(2),
            UseCookies = false,
        })
        { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = Timeout.InfiniteTimeSpan };
    }

    public HttpClient Http => _http;

    /// <summary>Reads one stream to its final event; <paramref name="opened"/> is released once the headers are in.</summary>
    public async Task<StreamResult> ReadAsync(string path, SemaphoreSlim? opened, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        finally
        {
            opened?.Release();
        }
        using (response)
        {
            var openedAt = Stopwatch.GetTimestamp();
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
            var events = 0;
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                if (!line.StartsWith("data:", StringComparison.Ordinal)) continue;
                events++;
                using var json = JsonDocument.Parse(line.AsMemory(5).Trim());
                var phase = json.RootElement.TryGetProperty("phase", out var p) ? p.GetString() : null;
                if (phase is "ready" or "failed")
                {
                    return new StreamResult(phase, events, openedAt, Stopwatch.GetTimestamp(), json.RootElement.Clone());
                }
            }
            return new StreamResult(null, events, openedAt, Stopwatch.GetTimestamp(), default);
        }
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>How one stream ended: the final phase (null if the stream closed without one), its event count and times.</summary>
internal sealed record StreamResult(string? Phase, int Events, long OpenedAt, long FinishedAt, JsonElement Final);
