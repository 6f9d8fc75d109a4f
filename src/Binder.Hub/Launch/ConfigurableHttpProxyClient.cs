using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace Binder.Hub.Launch;

/// <summary>
/// configurable-http-proxy's REST API: <c>POST</c>, <c>DELETE</c> and <c>GET /api/routes[/path]</c> with
/// <c>Authorization: token ...</c>. The token never appears in a log line or an exception message.
/// </summary>
public sealed partial class ConfigurableHttpProxyClient : IProxyClient, IDisposable
{
    private readonly HttpClient _http;
    private readonly Uri _apiUrl;
    private readonly ILogger _logger;
    private readonly IProxyStatus? _status;
    private readonly TimeSpan _requestTimeout;

    /// <summary>What <see cref="CheckAsync"/> says when the API fails (public text; the reason is logged).</summary>
    internal const string NotAnswering = "The session proxy's API does not answer as it should; the service's log says why.";

    /// <summary>Creates a client for the proxy whose API is at <paramref name="apiUrl"/>.</summary>
    /// <param name="apiUrl">The API's base URL, e.g. <c>http://127.0.0.1:8001</c>.</param>
    /// <param name="publicUrl">The URL people reach sessions through.</param>
    /// <param name="authToken">The proxy's <c>CONFIGPROXY_AUTH_TOKEN</c>.</param>
    /// <param name="requestTimeout">How long one API request may take.</param>
    /// <param name="logger">Where route changes are logged.</param>
    public ConfigurableHttpProxyClient(Uri apiUrl, Uri publicUrl, string authToken, TimeSpan requestTimeout, ILogger<ConfigurableHttpProxyClient> logger)
        : this(apiUrl, publicUrl, authToken, requestTimeout, logger, null)
    {
    }

    internal ConfigurableHttpProxyClient(Uri apiUrl, Uri publicUrl, string authToken, TimeSpan requestTimeout, ILogger logger, IProxyStatus? status)
    {
        ArgumentNullException.ThrowIfNull(apiUrl);
        ArgumentNullException.ThrowIfNull(publicUrl);
        ArgumentException.ThrowIfNullOrEmpty(authToken);
        ArgumentNullException.ThrowIfNull(logger);
        _apiUrl = new Uri(apiUrl.ToString().TrimEnd('/') + "/");
        PublicUrl = publicUrl;
        _logger = logger;
        _status = status;
        _requestTimeout = requestTimeout;
        _http = new HttpClient(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = _apiUrl, Timeout = requestTimeout };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("token", authToken);
    }

    /// <inheritdoc />
    public Uri PublicUrl { get; }

    /// <summary>The proxy API's base URL.</summary>
    public Uri ApiUrl => _apiUrl;

    /// <inheritdoc />
    public async Task AddRouteAsync(string path, string target, IReadOnlyDictionary<string, string> data, CancellationToken cancellationToken)
    {
        CheckPath(path);
        ArgumentException.ThrowIfNullOrEmpty(target);
        ArgumentNullException.ThrowIfNull(data);
        var body = new JsonObject();
        foreach (var (key, value) in data)
        {
            body[key] = value;
        }
        // Set last: route data must not replace the target.
        body["target"] = target;
        using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await SendAsync(HttpMethod.Post, RoutePath(path), content, $"add the route {path}", cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, $"add the route {path}", cancellationToken).ConfigureAwait(false);
        LogRouteAdded(_logger, path, target);
    }

    /// <inheritdoc />
    public async Task DeleteRouteAsync(string path, CancellationToken cancellationToken)
    {
        CheckPath(path);
        using var response = await SendAsync(HttpMethod.Delete, RoutePath(path), null, $"remove the route {path}", cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return;
        }
        await EnsureSuccessAsync(response, $"remove the route {path}", cancellationToken).ConfigureAwait(false);
        LogRouteDeleted(_logger, path);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ProxyRoute>> GetRoutesAsync(CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Get, "api/routes", null, "list its routes", cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, "list its routes", cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return ParseRoutes(text);
        }
        catch (JsonException e)
        {
            throw new ProxyException($"The proxy API at {_apiUrl} answered GET /api/routes with something that is not configurable-http-proxy's JSON; is it the right address?", e);
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// The message is public (<c>/health</c> answers anyone): fixed sentences only; the reason of a failure (addresses,
    /// the proxy's answer) goes to the log.
    /// </remarks>
    public async Task<(bool Ok, string Message)> CheckAsync(CancellationToken cancellationToken)
    {
        if (_status?.Problem is { } problem)
        {
            return (false, problem);
        }
        try
        {
            await GetRoutesAsync(cancellationToken).ConfigureAwait(false);
            return (true, "The session proxy answers.");
        }
        catch (ProxyException e)
        {
            LogCheckFailed(_logger, e);
            return (false, NotAnswering);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    internal static List<ProxyRoute> ParseRoutes(string json)
    {
        using var document = JsonDocument.Parse(json);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("The routes are not a JSON object.");
        }
        var routes = new List<ProxyRoute>();
        foreach (var route in document.RootElement.EnumerateObject())
        {
            if (route.Value.ValueKind != JsonValueKind.Object)
            {
                continue;
            }
            string target = "";
            DateTimeOffset? lastActivity = null;
            var data = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in route.Value.EnumerateObject())
            {
                switch (property.Name)
                {
                    case "target":
                        target = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : property.Value.GetRawText();
                        break;
                    case "last_activity":
                        if (property.Value.ValueKind == JsonValueKind.String
                            && DateTimeOffset.TryParse(property.Value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
                        {
                            lastActivity = at;
                        }
                        break;
                    default:
                        data[property.Name] = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : property.Value.GetRawText();
                        break;
                }
            }
            // The proxy stores "/user/abc/" as "/user/abc"; report the form routes are added with, so that a route
            // compares equal to the session's base URL.
            var path = route.Name.EndsWith('/') ? route.Name : route.Name + "/";
            routes.Add(new ProxyRoute(path, target, data, lastActivity));
        }
        return routes;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content, string operation, CancellationToken cancellationToken)
    {
        // While an owned proxy is being restarted, a request waits for it (a launch then goes on) instead of failing.
        if (_status is not null) await _status.WaitUntilRunningAsync(_requestTimeout, cancellationToken).ConfigureAwait(false);
        using var request = new HttpRequestMessage(method, path) { Content = content };
        try
        {
            return await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            // HttpRequestException messages name the address, never the headers: the token stays out.
            throw new ProxyException($"The proxy API at {_apiUrl} could not {operation}: {e.Message}{Hint()}", e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ProxyException($"The proxy API at {_apiUrl} did not answer within {_http.Timeout.TotalSeconds:0} s when asked to {operation}{Hint()}.", e);
        }
    }

    private string Hint() => _status?.Problem is { } problem ? " (" + problem.TrimEnd('.') + ")" : "";

    private async Task EnsureSuccessAsync(HttpResponseMessage response, string operation, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }
        if (response.StatusCode == HttpStatusCode.Forbidden)
        {
            throw new ProxyException($"The proxy API at {_apiUrl} refused to {operation}: its token does not match ({ProxyOptions.Section}:AuthToken must be the proxy's CONFIGPROXY_AUTH_TOKEN).");
        }
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        body = body.Length > 300 ? body[..300] + "..." : body;
        throw new ProxyException($"The proxy API at {_apiUrl} could not {operation}: HTTP {(int)response.StatusCode} {body.Trim()}".TrimEnd() + ".");
    }

    private static string RoutePath(string path) => "api/routes" + string.Join('/', path.Split('/').Select(Uri.EscapeDataString));

    private static void CheckPath(string path)
    {
        if (string.IsNullOrEmpty(path) || path[0] != '/' || path.Contains("..", StringComparison.Ordinal) || path.Any(char.IsControl))
        {
            throw new ArgumentException($"The route path '{path}' must start with '/' (e.g. /user/abc/) and hold no '..' or control characters.", nameof(path));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Proxy route {Path} -> {Target} added")]
    private static partial void LogRouteAdded(ILogger logger, string path, string target);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The session proxy's health check failed")]
    private static partial void LogCheckFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Proxy route {Path} removed")]
    private static partial void LogRouteDeleted(ILogger logger, string path);
}
