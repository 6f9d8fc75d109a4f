using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Binder.Actors.Runtime;

namespace Binder.Actors.Cluster;

/// <summary>The client side of silo-to-silo calls: HTTP/2 cleartext (prior knowledge) over pooled connections, a
/// per-call timeout, and errors that say which silo could not be reached.</summary>
internal sealed class SiloTransport : IDisposable
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private readonly HttpClient _http;
    private readonly TimeSpan _callTimeout;
    private readonly GrainRuntime _runtime;

    public SiloTransport(GrainRuntime runtime, TimeSpan callTimeout, TimeSpan deathTimeout)
    {
        _runtime = runtime;
        _callTimeout = callTimeout;
        _http = new HttpClient(new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
            // Pings notice a peer that vanished without closing its sockets (power loss, partition).
            KeepAlivePingDelay = deathTimeout,
            KeepAlivePingTimeout = deathTimeout,
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }

    /// <summary>Sends one call; returns the status, the silo that ran it, and the result read by <paramref name="readResult"/>.</summary>
    public async Task<CallOutcome> CallAsync(SiloInfo target, byte[] body, string description, Func<JsonElement, object?> readResult, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_callTimeout);
        try
        {
            using var request = CreateRequest(target, "/actors/call", body);
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token);
            var bytes = await response.Content.ReadAsByteArrayAsync(timeout.Token);
            using var document = JsonDocument.Parse(bytes);
            var root = document.RootElement;
            var silo = root.TryGetProperty("silo", out var s) ? s.GetString() : null;
            if (root.GetProperty("status").GetString() == "ok")
            {
                return new CallOutcome(true, silo, root.TryGetProperty("result", out var result) ? readResult(result) : null, null);
            }

            return new CallOutcome(false, silo, null, CallCodec.ReadError(root.GetProperty("error")));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new GrainCallTimeoutException(
                $"{description} on silo {target.SiloId} (node {target.NodeName}) did not answer within {_callTimeout.TotalSeconds:0.###} s; the silo may be overloaded or gone. Retry, or raise ClusterOptions.CallTimeout for slow calls.");
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            throw Unreachable(target, description, e);
        }
        catch (JsonException e)
        {
            throw new SiloUnavailableException($"Silo {target.SiloId} (node {target.NodeName}) sent an unreadable answer to {description}: {e.Message}", e);
        }
    }

    /// <summary>Reads another silo's runtime statistics.</summary>
    public async Task<SiloRuntimeStatistics> GetStatisticsAsync(SiloInfo target, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_callTimeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, target.Address + "/actors/stats")
            {
                Version = HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            };
            using var response = await _http.SendAsync(request, timeout.Token);
            response.EnsureSuccessStatusCode();
            var bytes = await response.Content.ReadAsByteArrayAsync(timeout.Token);
            return JsonSerializer.Deserialize<SiloRuntimeStatistics>(bytes, StatisticsJson)!;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw Unreachable(target, "reading statistics", e);
        }
    }

    /// <summary>Options for the statistics endpoint; read-only once created so no caller can change them for everyone.</summary>
    internal static readonly JsonSerializerOptions StatisticsJson = CreateStatisticsJson();

    private static JsonSerializerOptions CreateStatisticsJson()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    /// <summary>Runs a streaming call, writing each item into the request's channel until the stream ends.</summary>
    public async Task StreamAsync(SiloInfo target, byte[] body, StreamRequest stream)
    {
        var description = stream.Describe();
        try
        {
            using var connect = CancellationTokenSource.CreateLinkedTokenSource(stream.Cancellation);
            connect.CancelAfter(_callTimeout);
            using var request = CreateRequest(target, "/actors/stream", body);
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, connect.Token);
            await using var content = await response.Content.ReadAsStreamAsync(stream.Cancellation);
            using var reader = new StreamReader(content);
            while (await reader.ReadLineAsync(stream.Cancellation) is { } line)
            {
                using var document = JsonDocument.Parse(line);
                var root = document.RootElement;
                if (root.TryGetProperty("error", out var error))
                {
                    stream.CompleteRemote(RemoteErrors.ToException(CallCodec.ReadError(error)));
                    return;
                }

                if (root.TryGetProperty("end", out _))
                {
                    stream.CompleteRemote(null);
                    return;
                }

                await stream.WriteRemoteAsync(root.GetProperty("item"), _runtime.Serializer, stream.Cancellation);
            }

            stream.CompleteRemote(new SiloUnavailableException(
                $"Silo {target.SiloId} (node {target.NodeName}) closed the stream {description} before its end: the silo stopped or died. Call the method again to restart the stream."));
        }
        catch (OperationCanceledException) when (stream.Cancellation.IsCancellationRequested)
        {
            stream.CompleteRemote(new OperationCanceledException($"The stream {description} was cancelled."));
        }
        catch (OperationCanceledException)
        {
            stream.CompleteRemote(new GrainCallTimeoutException(
                $"{description} on silo {target.SiloId} (node {target.NodeName}) did not start within {_callTimeout.TotalSeconds:0.###} s."));
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            stream.CompleteRemote(Unreachable(target, description, e));
        }
        catch (Exception e)
        {
            stream.CompleteRemote(e);
        }
    }

    private static SiloUnavailableException Unreachable(SiloInfo target, string description, Exception e) => new(
        $"Silo {target.SiloId} (node {target.NodeName}) could not be reached or dropped the connection during {description}: {e.Message}. If the silo died, its grains move to a live silo once the cluster declares it dead (ClusterOptions.DeathTimeout); retry then.",
        e)
    {
        NotDelivered = e is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError },
        Silo = target.SiloId,
    };

    private static HttpRequestMessage CreateRequest(SiloInfo target, string path, byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = Json;
        return new HttpRequestMessage(HttpMethod.Post, target.Address + path)
        {
            Content = content,
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }

    public void Dispose() => _http.Dispose();
}
