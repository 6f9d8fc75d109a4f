using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Docker.DotNet.LegacyHttp;
using Docker.DotNet.Unix;
using Microsoft.Extensions.Logging;
using Engine = global::Docker.DotNet;

namespace Binder.Build.Docker;

/// <summary>
/// The project's Docker Engine client: BuildKit builds, push, pull, image inspect and remove, the container lifecycle,
/// exec and networks, on Docker.DotNet (the Docker.DotNet.Enhanced package). This class adds what the library leaves to
/// its callers: time-outs per kind of call, BuildKit's progress decoded into log lines (<see cref="BuildKitStatusDecoder"/>),
/// and every failure a person can act on as a <see cref="BinderBuildException"/>: <see cref="DockerUnavailableException"/>
/// when the daemon cannot be reached, <see cref="DockerConnectionLostException"/> when it stops answering mid-operation,
/// <see cref="DockerApiException"/> when it refuses a request.
/// </summary>
public sealed partial class DockerClient : IDisposable
{
    private readonly DockerOptions _options;
    private readonly ILogger _logger;
    private readonly DockerEndpoint _endpoint;
    private readonly Engine.DockerClient _engine;

    /// <summary>Creates a client for the daemon at <see cref="DockerOptions.Host"/>; nothing is contacted until the first call.</summary>
    /// <param name="options">Endpoint, API version and timeouts.</param>
    /// <param name="logger">Where requests and progress are logged (never credentials).</param>
    /// <exception cref="BinderBuildException">The endpoint is not a <c>unix://</c> or <c>tcp://</c> address.</exception>
    public DockerClient(DockerOptions options, ILogger<DockerClient> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        _options = options;
        _logger = logger;
        _endpoint = DockerEndpoint.Parse(options.Host);
        if (!Version.TryParse(options.ApiVersion, out var apiVersion))
        {
            throw new BinderBuildException($"The Docker API version '{options.ApiVersion}' is not a version number such as 1.41.");
        }
        // Every time-out is this class's own (per call, see CallAsync); the library's would cut a container stop that
        // legitimately takes its whole grace period. The daemon is never reached through an HTTP proxy from the environment.
        // The library gets no logger: a build's request URI carries its build arguments, which may hold tokens.
        var builder = new Engine.DockerClientBuilder()
            .WithEndpoint(_endpoint.Uri)
            .WithApiVersion(apiVersion)
            .WithTimeout(Timeout.InfiniteTimeSpan)
            .WithHeader("User-Agent", "binder-orleans/0.1");
        // Nor does it follow redirects: a daemon never sends one, and following it would send X-Registry-Auth elsewhere.
        _engine = _endpoint.SocketPath is null
            ? builder.WithTransportOptions(new LegacyHttpTransportOptions { ConfigureHandler = Configure }).Build()
            : builder.WithTransportOptions(new UnixSocketTransportOptions { ConfigureHandler = Configure }).Build();

        static void Configure(Microsoft.Net.Http.Client.ManagedHandler handler)
        {
            handler.UseProxy = false;
            handler.RedirectMode = Microsoft.Net.Http.Client.RedirectMode.None;
        }
    }

    /// <summary>The endpoint this client talks to, as configured.</summary>
    public string Endpoint => _endpoint.Display;

    /// <summary>Checks that the daemon answers (<c>GET /_ping</c>) within <see cref="DockerOptions.ConnectTimeout"/>.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="DockerUnavailableException">The daemon cannot be reached.</exception>
    public async Task PingAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await CallAsync("answer a ping", "a ping", _options.ConnectTimeout,
                async (engine, ct) => { await engine.System.PingAsync(ct).ConfigureAwait(false); return true; }, cancellationToken).ConfigureAwait(false);
        }
        catch (DockerConnectionLostException e) when (!cancellationToken.IsCancellationRequested)
        {
            // The library's transports have no connect time-out of their own: a daemon that does not answer a ping in
            // time (a connect that hangs included) is unreachable, as the options promise, not a connection that broke.
            throw new DockerUnavailableException(Endpoint, $"no answer to a ping within {Describe(_options.ConnectTimeout)}", e);
        }
    }

    /// <summary>Whether the daemon answers a ping, with a sentence for a health report; never throws for an unreachable daemon.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    public async Task<(bool Ok, string Message)> CheckAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await PingAsync(cancellationToken).ConfigureAwait(false);
            return (true, $"The Docker daemon at {Endpoint} answers.");
        }
        catch (BinderBuildException e)
        {
            return (false, e.Message);
        }
    }

    /// <summary>Returns the daemon's version information (<c>GET /version</c>).</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    public async Task<DockerVersion> GetVersionAsync(CancellationToken cancellationToken = default)
    {
        var version = await CallAsync("report its version", (engine, ct) => engine.System.GetVersionAsync(ct), cancellationToken).ConfigureAwait(false);
        return new DockerVersion(version.Version ?? "", version.APIVersion ?? "", version.MinAPIVersion ?? "",
            version.Os ?? "", version.Arch ?? "", version.KernelVersion ?? "");
    }

    /// <inheritdoc />
    public void Dispose() => _engine.Dispose();

    /// <summary>An ordinary request, bounded by <see cref="DockerOptions.RequestTimeout"/>.</summary>
    private Task<T> CallAsync<T>(string refusal, Func<Engine.DockerClient, CancellationToken, Task<T>> call, CancellationToken cancellationToken) =>
        CallAsync(refusal, "a request", _options.RequestTimeout, call, cancellationToken);

    /// <summary>
    /// Runs one Docker.DotNet call within <paramref name="timeout"/> and turns its failures into the errors a person can
    /// act on. <paramref name="refusal"/> completes "The Docker daemon could not ..." when the daemon answers with an error.
    /// </summary>
    private async Task<T> CallAsync<T>(
        string refusal, string operation, TimeSpan timeout, Func<Engine.DockerClient, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
            return await call(_engine, timeoutSource.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (Translate(e, refusal, operation, $"no answer within {Describe(timeout)}", cancellationToken) is { } translated)
        {
            throw translated;
        }
    }

    /// <summary>A describing call whose 404 means "no such thing": null then.</summary>
    private Task<T?> FindAsync<T>(string refusal, Func<Engine.DockerClient, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
        where T : class =>
        CallAsync<T?>(refusal, async (engine, ct) =>
        {
            try
            {
                return await call(engine, ct).ConfigureAwait(false);
            }
            catch (Engine.DockerApiException e) when (e.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }
        }, cancellationToken);

    /// <summary>A removing call whose 404 means "already gone": false then, true when it removed something.</summary>
    private Task<bool> RemoveAsync(string refusal, Func<Engine.DockerClient, CancellationToken, Task> call, CancellationToken cancellationToken) =>
        CallAsync(refusal, async (engine, ct) =>
        {
            try
            {
                await call(engine, ct).ConfigureAwait(false);
                return true;
            }
            catch (Engine.DockerApiException e) when (e.StatusCode == HttpStatusCode.NotFound)
            {
                return false;
            }
        }, cancellationToken);

    /// <summary>The error for a failed call, or null to let <paramref name="e"/> through (the caller's own cancellation).</summary>
    private BinderBuildException? Translate(Exception e, string refusal, string operation, string timedOut, CancellationToken cancellationToken)
    {
        switch (e)
        {
            case BinderBuildException:
                return null;
            case Engine.DockerApiException api:
                return new DockerApiException(refusal, api.StatusCode, DaemonMessage(api.ResponseBody));
            case OperationCanceledException when cancellationToken.IsCancellationRequested:
                return null;
            case OperationCanceledException:
                return new DockerConnectionLostException(Endpoint, operation, timedOut, e);
            case TimeoutException:
                return new DockerUnavailableException(Endpoint, "connecting timed out", e);
            case JsonException:
                return new BinderBuildException(
                    $"The Docker daemon at {Endpoint} answered with something that is not the expected JSON when asked to {refusal}; is it a Docker Engine (API {_options.ApiVersion} or later)?", e);
        }
        if (FindSocketException(e) is { } socket && !IsBrokenConnection(socket))
        {
            return new DockerUnavailableException(Endpoint, ConnectFailureReason(socket, e), e);
        }
        if (e is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } && FindSocketException(e) is null)
        {
            return new DockerUnavailableException(Endpoint, ConnectFailureReason(null, e), e);
        }
        if (Find<IOException>(e) is not null || Find<HttpRequestException>(e) is not null)
        {
            return Lost(operation, e);
        }
        return null;
    }

    private DockerConnectionLostException Lost(string operation, Exception e) =>
        new(Endpoint, operation, "the connection broke (" + Innermost(e).Message + ")", e);

    private static bool IsBrokenConnection(SocketException socket) =>
        socket.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown or SocketError.NotConnected;

    private string ConnectFailureReason(SocketException? socket, Exception e)
    {
        if (_endpoint.SocketPath is { } path && !File.Exists(path))
        {
            return $"there is no socket at {path}";
        }
        return socket?.SocketErrorCode switch
        {
            SocketError.ConnectionRefused => "the connection was refused (no daemon is listening there)",
            SocketError.AccessDenied => "permission denied on the socket (run as a user in the docker group, or as root)",
            SocketError.TimedOut => "connecting timed out",
            SocketError.HostNotFound or SocketError.NoData => "the host name could not be resolved",
            _ => socket?.Message ?? Innermost(e).Message,
        };
    }

    private static SocketException? FindSocketException(Exception e) => Find<SocketException>(e);

    /// <summary>The first <typeparamref name="TException"/> among <paramref name="e"/>, its inner and aggregated exceptions.</summary>
    private static TException? Find<TException>(Exception? e) where TException : Exception
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is TException found)
            {
                return found;
            }
            if (e is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions)
                {
                    if (Find<TException>(inner) is { } nested)
                    {
                        return nested;
                    }
                }
            }
        }
        return null;
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }
        return e;
    }

    /// <summary>The daemon's own words from an error body (<c>{"message": "..."}</c>), else the body as it came.</summary>
    private static string DaemonMessage(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return "no message";
        }
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("message", out var message)
                && message.ValueKind == JsonValueKind.String
                && !string.IsNullOrWhiteSpace(message.GetString()))
            {
                return message.GetString()!;
            }
        }
        catch (JsonException)
        {
            // Not every error body is JSON (a proxy in front of the daemon, a plain-text 404); the raw text still says something.
        }
        return body.Trim();
    }

    private static string Describe(TimeSpan timeout) =>
        timeout.TotalMinutes >= 1 ? $"{timeout.TotalMinutes:0.#} min" : $"{timeout.TotalSeconds:0.#} s";

    /// <summary>
    /// Reads a JSON-lines stream (a build), failing with <see cref="DockerConnectionLostException"/> when the connection
    /// breaks or the stream is silent longer than <see cref="DockerOptions.StreamInactivityTimeout"/>.
    /// </summary>
    private async IAsyncEnumerable<DockerStreamMessage> ReadMessagesAsync(
        Stream body, string operation, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(body, Encoding.UTF8);
        while (true)
        {
            var line = await ReadLineAsync(reader, operation, cancellationToken).ConfigureAwait(false);
            if (line is null)
            {
                yield break;
            }
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            DockerStreamMessage? message = null;
            try
            {
                message = JsonSerializer.Deserialize(line, DockerStreamJsonContext.Default.DockerStreamMessage);
            }
            catch (JsonException)
            {
                Log.UnparsableLine(_logger, line);
            }
            if (message is not null)
            {
                yield return message;
            }
        }
    }

    private async Task<string?> ReadLineAsync(StreamReader reader, string operation, CancellationToken cancellationToken)
    {
        using var inactivity = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        inactivity.CancelAfter(_options.StreamInactivityTimeout);
        try
        {
            return await reader.ReadLineAsync(inactivity.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new DockerConnectionLostException(Endpoint, operation, SilentFor(), e);
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            throw Lost(operation, e);
        }
    }

    private string SilentFor() =>
        $"it sent nothing for {Describe(_options.StreamInactivityTimeout)} (raise DockerOptions.StreamInactivityTimeout if a step is legitimately silent that long)";
}
