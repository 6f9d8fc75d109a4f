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

    public static JsonSerializerOptions EnvelopeOptions { get; } = new(JsonSerializerDefaults.Web);

    public async Task<CallResponse> CallAsync(SiloInfo target, CallMessage message, string description, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_callTimeout);
        try
        {
            using var request = CreateRequest(target, "/actors/call", message);
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token);
            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
            return await JsonSerializer.DeserializeAsync<CallResponse>(body, EnvelopeOptions, timeout.Token)
                ?? throw new SiloUnavailableException($"Silo {target.SiloId} (node {target.NodeName}) sent an empty answer to {description}.");
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
    }

    /// <summary>Runs a streaming call, writing each item into the request's channel until the stream ends.</summary>
    public async Task StreamAsync(SiloInfo target, CallMessage message, StreamRequest stream)
    {
        var description = stream.Describe();
        try
        {
            using var connect = CancellationTokenSource.CreateLinkedTokenSource(stream.Cancellation);
            connect.CancelAfter(_callTimeout);
            using var request = CreateRequest(target, "/actors/stream", message);
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, connect.Token);
            await using var body = await response.Content.ReadAsStreamAsync(stream.Cancellation);
            using var reader = new StreamReader(body);
            while (await reader.ReadLineAsync(stream.Cancellation) is { } line)
            {
                var item = JsonSerializer.Deserialize<StreamLine>(line, EnvelopeOptions)!;
                if (item.Error is { } error)
                {
                    stream.CompleteRemote(RemoteErrors.ToException(error));
                    return;
                }

                if (item.End)
                {
                    stream.CompleteRemote(null);
                    return;
                }

                await stream.WriteRemoteAsync(item.Item!.Value, _runtime.Serializer, stream.Cancellation);
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

    private static HttpRequestMessage CreateRequest(SiloInfo target, string path, CallMessage message)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(message, EnvelopeOptions));
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
