using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;

namespace Binder.Build.Docker;

/// <summary>
/// A client for the Docker Engine API over a unix socket or TCP, written on <see cref="HttpClient"/>: BuildKit builds,
/// push, pull, image inspect and remove, and the container lifecycle. Every failure a person can act on surfaces as a
/// <see cref="BinderBuildException"/>: <see cref="DockerUnavailableException"/> when the daemon cannot be reached,
/// <see cref="DockerConnectionLostException"/> when it stops answering mid-operation, <see cref="DockerApiException"/>
/// when it refuses a request.
/// </summary>
public sealed partial class DockerClient : IDisposable
{
    private readonly DockerOptions _options;
    private readonly ILogger _logger;
    private readonly DockerEndpoint _endpoint;
    private readonly HttpClient _http;
    private readonly string _prefix;

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
        _http = new HttpClient(_endpoint.CreateHandler(options.ConnectTimeout))
        {
            BaseAddress = _endpoint.BaseAddress,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("binder-orleans/0.1");
        _prefix = $"/v{options.ApiVersion}";
    }

    /// <summary>The endpoint this client talks to, as configured.</summary>
    public string Endpoint => _endpoint.Display;

    /// <summary>Checks that the daemon answers (<c>GET /_ping</c>).</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="DockerUnavailableException">The daemon cannot be reached.</exception>
    public async Task PingAsync(CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Get, "/_ping", null, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, "answer a ping", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Returns the daemon's version information (<c>GET /version</c>).</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    public async Task<DockerVersion> GetVersionAsync(CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Get, "/version", null, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, "report its version", cancellationToken).ConfigureAwait(false);
        var version = await ReadJsonAsync(response, DockerJsonContext.Default.DockerVersionResponse, cancellationToken).ConfigureAwait(false);
        return new DockerVersion(version.Version ?? "", version.ApiVersion ?? "", version.MinAPIVersion ?? "",
            version.Os ?? "", version.Arch ?? "", version.KernelVersion ?? "");
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken) =>
        SendAsync(method, path, content, null, HttpCompletionOption.ResponseContentRead, _options.RequestTimeout, "a request", cancellationToken);

    /// <summary>
    /// Sends one request. <paramref name="timeout"/> bounds the wait for the response (headers only with
    /// <see cref="HttpCompletionOption.ResponseHeadersRead"/>); connection failures become the errors a person can act on.
    /// </summary>
    private async Task<HttpResponseMessage> SendAsync(
        HttpMethod method,
        string path,
        HttpContent? content,
        Action<HttpRequestHeaders>? headers,
        HttpCompletionOption completion,
        TimeSpan timeout,
        string operation,
        CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, _prefix + path) { Content = content };
        headers?.Invoke(request.Headers);
        // Only the path: a build's query string carries its build arguments, which may hold tokens.
        var query = path.IndexOf('?', StringComparison.Ordinal);
        Log.Request(_logger, method.Method, query < 0 ? path : path[..query]);
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
            return await _http.SendAsync(request, completion, timeoutSource.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new DockerConnectionLostException(Endpoint, operation, $"no answer within {Describe(timeout)}", e);
        }
        catch (HttpRequestException e) when (IsConnectFailure(e))
        {
            throw new DockerUnavailableException(Endpoint, ConnectFailureReason(e), e);
        }
        catch (HttpRequestException e)
        {
            throw new DockerConnectionLostException(Endpoint, operation, "the connection broke before the daemon answered (" + e.Message + ")", e);
        }
    }

    private static bool IsConnectFailure(HttpRequestException e) =>
        e.HttpRequestError == HttpRequestError.ConnectionError || FindSocketException(e) is not null;

    private string ConnectFailureReason(HttpRequestException e)
    {
        if (_endpoint.SocketPath is { } path && !File.Exists(path))
        {
            return $"there is no socket at {path}";
        }
        var socketError = FindSocketException(e);
        return socketError?.SocketErrorCode switch
        {
            SocketError.ConnectionRefused => "the connection was refused (no daemon is listening there)",
            SocketError.AccessDenied => "permission denied on the socket (run as a user in the docker group, or as root)",
            SocketError.TimedOut => "connecting timed out",
            SocketError.HostNotFound or SocketError.NoData => "the host name could not be resolved",
            _ => socketError?.Message ?? e.InnerException?.Message ?? e.Message,
        };
    }

    private static SocketException? FindSocketException(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is SocketException socket)
            {
                return socket;
            }
        }
        return null;
    }

    private static string Describe(TimeSpan timeout) =>
        timeout.TotalMinutes >= 1 ? $"{timeout.TotalMinutes:0.#} min" : $"{timeout.TotalSeconds:0.#} s";

    private async Task EnsureSuccessAsync(HttpResponseMessage response, string operation, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.NotModified)
        {
            return;
        }
        throw new DockerApiException(operation, response.StatusCode, await ReadErrorAsync(response, cancellationToken).ConfigureAwait(false));
    }

    private static async Task<string> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        string body;
        try
        {
            body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            return response.ReasonPhrase ?? "no message";
        }
        try
        {
            var error = JsonSerializer.Deserialize(body, DockerJsonContext.Default.DockerErrorResponse);
            if (!string.IsNullOrWhiteSpace(error?.Message))
            {
                return error.Message;
            }
        }
        catch (JsonException)
        {
            // Not every error body is JSON (a proxy in front of the daemon, a plain-text 404); the raw text still says something.
        }
        return string.IsNullOrWhiteSpace(body) ? response.ReasonPhrase ?? "no message" : body.Trim();
    }

    private async Task<T> ReadJsonAsync<T>(HttpResponseMessage response, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        try
        {
            var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            return await JsonSerializer.DeserializeAsync(body, type, cancellationToken).ConfigureAwait(false)
                ?? throw new JsonException("empty body");
        }
        catch (JsonException e)
        {
            throw new BinderBuildException(
                $"The Docker daemon at {Endpoint} answered {response.RequestMessage?.RequestUri?.AbsolutePath} with something that is not the expected JSON; is it a Docker Engine (API {_options.ApiVersion} or later)?", e);
        }
    }

    /// <summary>
    /// Reads a JSON-lines stream (build, push, pull), failing with <see cref="DockerConnectionLostException"/> when the
    /// connection breaks or the stream is silent longer than <see cref="DockerOptions.StreamInactivityTimeout"/>.
    /// </summary>
    private async IAsyncEnumerable<DockerJsonMessage> ReadMessagesAsync(
        HttpResponseMessage response, string operation, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var body = await ReadBodyAsync(response, operation, cancellationToken).ConfigureAwait(false);
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
            DockerJsonMessage? message = null;
            try
            {
                message = JsonSerializer.Deserialize(line, DockerJsonContext.Default.DockerJsonMessage);
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

    private async Task<Stream> ReadBodyAsync(HttpResponseMessage response, string operation, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            throw new DockerConnectionLostException(Endpoint, operation, "the connection broke (" + e.Message + ")", e);
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
            throw new DockerConnectionLostException(Endpoint, operation,
                $"it sent nothing for {Describe(_options.StreamInactivityTimeout)} (raise DockerOptions.StreamInactivityTimeout if a step is legitimately silent that long)", e);
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            throw new DockerConnectionLostException(Endpoint, operation, "the connection broke (" + e.Message + ")", e);
        }
    }

    /// <summary>Escapes an image or container name for a URL path, keeping the <c>/</c> and <c>:</c> Docker's router expects.</summary>
    private static string PathName(string name) =>
        string.Join('/', name.Split('/').Select(part => Uri.EscapeDataString(part).Replace("%3A", ":", StringComparison.Ordinal)));

    private static string Query(params (string Key, string? Value)[] parameters) =>
        string.Join('&', parameters.Where(p => p.Value is not null).Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value!)}"));

    private static string ToJson(IReadOnlyDictionary<string, string> values) =>
        JsonSerializer.Serialize(new Dictionary<string, string>(values), DockerJsonContext.Default.DictionaryStringString);
}
