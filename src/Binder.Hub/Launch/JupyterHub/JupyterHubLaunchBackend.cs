using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Binder.Build;
using Microsoft.Extensions.Logging;

namespace Binder.Hub.Launch.JupyterHub;

/// <summary>
/// Starts sessions on an existing JupyterHub through its REST API with a service token (BinderHub's architecture: Binder
/// builds, the hub spawns). A session is a temporary hub user <c>&lt;UserPrefix&gt;&lt;session&gt;</c> whose server is
/// started with the image in its user options (<c>{"image": ..., "binder_session": ..., "binder_repo": ...}</c>; the
/// hub's spawner must honour <c>image</c>), and a token of that user limited to its server is what the person gets. The
/// hub's proxy serves <c>/user/&lt;name&gt;/</c>, so Binder adds no route (<see cref="SessionContainer.Url"/>); the
/// session follows the hub's network and user rules. Stopping deletes the user (the hub stops its server first).
/// </summary>
public sealed partial class JupyterHubLaunchBackend : ILaunchBackend, IDisposable
{
    private static readonly TimeSpan StopRetryDelay = TimeSpan.FromMilliseconds(500);

    // Connections are renewed this often, so a hub whose address changes (a new pod or load balancer behind its DNS
    // name) is reached at the new one without restarting Binder.
    private static readonly TimeSpan ConnectionLifetime = TimeSpan.FromMinutes(5);

    // What JupyterHub 2.0+ answers GET /users with when asked for it: {"items": [...], "_pagination": {..., "next": ...}}.
    private const string PaginationMediaType = "application/jupyterhub-pagination+json";

    // The most of one progress message shown, of progress messages forwarded to the launch, and of one line of the
    // hub's progress stream read (a progress event is one line; the hub's own are far shorter).
    private const int MaxProgressMessage = 1024;
    private const int MaxProgressMessages = 200;
    private const int MaxProgressLine = 64 * 1024;

    // The page size asked for; the hub may answer with fewer (its api_page_max_limit).
    private const int UserPage = 200;

    private readonly JupyterHubLaunchOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly HttpClient _api;
    private readonly HttpClient _jupyter;
    private readonly Uri _public;
    private readonly TimeSpan _cleanUpTimeout;

    /// <summary>Creates the backend; the hub is not contacted until the first call.</summary>
    /// <param name="options">The hub and its service token (validated).</param>
    /// <param name="time">The clock for the start and request timeouts.</param>
    /// <param name="logger">Where starts and stops are logged (never tokens).</param>
    /// <param name="cleanUpTimeout">The longest a failed or cancelled start waits for the hub to delete its user
    /// (<c>Binder:Sessions:StopTimeout</c>; never longer than <see cref="JupyterHubLaunchOptions.StartTimeout"/>): the
    /// launch grain's clean-up and then its reminder delete it later, so the launch (and a stop waiting for it) is not
    /// held for a whole spawn.</param>
    public JupyterHubLaunchBackend(JupyterHubLaunchOptions options, TimeProvider time, ILogger<JupyterHubLaunchBackend> logger, TimeSpan? cleanUpTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        _options = options;
        _time = time;
        _logger = logger;
        var api = options.ApiUrl ?? throw new ArgumentException($"{JupyterHubLaunchOptions.Section}:ApiUrl is required.", nameof(options));
        // Timeouts per request (the progress stream lasts as long as the spawn): the client itself has none.
        _api = new HttpClient(new SocketsHttpHandler { UseCookies = false, PooledConnectionLifetime = ConnectionLifetime })
        {
            BaseAddress = new Uri(api.ToString().TrimEnd('/') + "/"),
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("token", options.ApiToken);
        // No cookie jar: a session cookie of one user's server must never vouch for another request.
        _jupyter = new HttpClient(new SocketsHttpHandler { UseCookies = false, PooledConnectionLifetime = ConnectionLifetime }) { Timeout = options.RequestTimeout };
        _public = new Uri(options.EffectivePublicUrl.ToString().TrimEnd('/') + "/");
        _cleanUpTimeout = cleanUpTimeout is { } bound && bound < options.StartTimeout ? bound : options.StartTimeout;
    }

    /// <summary>The hub user of a session.</summary>
    public string UserName(string sessionId) => _options.UserPrefix + sessionId;

    /// <summary>Where people reach a session: the hub's proxy at <c>/user/&lt;name&gt;/</c>.</summary>
    public string SessionUrl(string sessionId) => new Uri(_public, $"user/{UserName(sessionId)}/").ToString();

    /// <inheritdoc />
    public Task PrepareAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The hub's machines are not this node's: no memory to divide, so the node quota is
    /// <c>Binder:Sessions:NodeQuota</c> or none (the hub applies its own limits).</summary>
    public Task<NodeResources> GetNodeResourcesAsync(CancellationToken cancellationToken) => Task.FromResult(new NodeResources(0, 0));

    /// <inheritdoc />
    public Task<SessionContainer> StartAsync(SessionStart start, CancellationToken cancellationToken) =>
        StartAsync(start, NoProgress.Instance, cancellationToken);

    /// <summary>
    /// Creates the session's hub user, starts its server and, while the hub spawns it, reports each message of the hub's
    /// progress stream (<c>GET /users/&lt;name&gt;/server/progress</c>: the hub's "Server requested" and the spawner's
    /// own messages) to <paramref name="progress"/>; then issues the session's token.
    /// </summary>
    public async Task<SessionContainer> StartAsync(SessionStart start, IProgress<string> progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(progress);
        var user = UserName(start.SessionId);
        using var deadline = new CancellationTokenSource(_options.StartTimeout, _time);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var created = false;
        try
        {
            using (var response = await SendAsync(HttpMethod.Post, $"users/{user}", null, timeout.Token).ConfigureAwait(false))
            {
                // 409: a user of this session exists already (a retried start); its server is started below.
                if (response.StatusCode != HttpStatusCode.Conflict) await EnsureAsync(response, $"create the hub user {user}", timeout.Token).ConfigureAwait(false);
                created = true;
            }
            var userOptions = new Dictionary<string, string>
            {
                ["image"] = start.ImageName,
                ["binder_session"] = start.SessionId,
                ["binder_repo"] = start.RepoKey,
            };
            using (var response = await SendAsync(HttpMethod.Post, $"users/{user}/server", JsonSerializer.Serialize(userOptions), timeout.Token).ConfigureAwait(false))
            {
                await EnsureAsync(response, $"start the server of hub user {user}", timeout.Token).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    // Pending: the progress stream ends with ready or failed.
                    await FollowProgressAsync(start.SessionId, user, progress, timeout.Token).ConfigureAwait(false);
                }
            }
            var token = await CreateTokenAsync(start.SessionId, user, timeout.Token).ConfigureAwait(false);
            LogStarted(_logger, start.SessionId, user, start.ImageName);
            return new SessionContainer(start.SessionId, user, _public.ToString().TrimEnd('/'), true, _time.GetUtcNow())
            {
                BaseUrl = $"/user/{user}/",
                Url = SessionUrl(start.SessionId),
                Token = token,
            };
        }
        catch (Exception e)
        {
            // Nothing of a failed start stays at the hub: no user, no server, no token.
            var leftNothing = !created || await DeleteUserQuietlyAsync(start.SessionId, user).ConfigureAwait(false);
            if (e is OperationCanceledException && deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new SessionStartException(
                    $"The hub did not have the server of session {start.SessionId} ready within {_options.StartTimeout.TotalSeconds:0} s ({JupyterHubLaunchOptions.Section}:StartTimeout). Try again; if it keeps happening, the operator should look at the hub's log for user {user}.",
                    e, forUser: true) { LeftNothing = leftNothing };
            }
            throw e switch
            {
                SessionStartException failed => failed.WithLeftNothing(leftNothing),
                HubApiException hub => new SessionStartException(hub.Message, hub, forUser: true) { LeftNothing = leftNothing },
                _ => e,
            };
        }
    }

    /// <summary>
    /// Deletes the session's hub user, which makes the hub stop its server first; a user already gone is not an error.
    /// While the hub still spawns the server (a launch cancelled mid-spawn), JupyterHub 3 can neither stop it nor delete
    /// the user (it answers 400 or 500): the deletion is retried until the spawn has ended (ready or failed) and the
    /// hub deletes the user, or until <paramref name="cancellationToken"/> ends the wait (the caller's clean-up then
    /// retries later).
    /// </summary>
    public async Task StopAsync(string sessionId, CancellationToken cancellationToken)
    {
        var user = UserName(sessionId);
        var waited = false;
        while (true)
        {
            using (var response = await SendAsync(HttpMethod.Delete, $"users/{user}", null, cancellationToken).ConfigureAwait(false))
            {
                if (response.StatusCode is HttpStatusCode.NoContent or HttpStatusCode.NotFound)
                {
                    LogStopped(_logger, sessionId, user);
                    return;
                }
                // 400: the server is still stopping; the hub deletes a user only once its server has stopped.
                if (response.StatusCode != HttpStatusCode.BadRequest)
                {
                    // 500 while the hub spawns the server: it refused to delete a user whose spawner is active.
                    var pending = response.StatusCode == HttpStatusCode.InternalServerError ? await PendingAsync(user, cancellationToken).ConfigureAwait(false) : null;
                    if (pending is null) await EnsureAsync(response, $"delete the hub user {user}", cancellationToken).ConfigureAwait(false);
                    if (!waited && pending == "spawn")
                    {
                        waited = true;
                        LogWaitingForSpawn(_logger, sessionId, user);
                    }
                }
            }
            await Task.Delay(StopRetryDelay, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>What the hub is doing with the user's server (<c>spawn</c>, <c>stop</c>, ...), or null when it does
    /// nothing with it (or the user is gone).</summary>
    private async Task<string?> PendingAsync(string user, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Get, $"users/{user}", null, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound) return "deleted";
        await EnsureAsync(response, $"read the hub user {user}", cancellationToken).ConfigureAwait(false);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
        return json.RootElement.TryGetProperty("servers", out var servers) && servers.ValueKind == JsonValueKind.Object
            && servers.TryGetProperty("", out var server) && server.TryGetProperty("pending", out var pending) && pending.ValueKind == JsonValueKind.String
            ? pending.GetString()
            : null;
    }

    /// <summary>The hub users of this Binder (by <see cref="JupyterHubLaunchOptions.UserPrefix"/>), running or not:
    /// a user whose server does not run is a session to clean up.</summary>
    public async Task<IReadOnlyList<SessionContainer>> ListAsync(CancellationToken cancellationToken)
    {
        var sessions = new List<SessionContainer>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var offset = 0; ;)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"users?offset={offset.ToString(CultureInfo.InvariantCulture)}&limit={UserPage.ToString(CultureInfo.InvariantCulture)}");
            // JupyterHub 2.0+ then says where the next page starts (its page may be shorter than asked for); an older
            // hub ignores the header and answers with a plain list.
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(PaginationMediaType));
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json", 0.5));
            using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
            await EnsureAsync(response, "list the hub users", cancellationToken).ConfigureAwait(false);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
            var paged = json.RootElement.ValueKind == JsonValueKind.Object;
            var users = paged ? json.RootElement.GetProperty("items") : json.RootElement;
            var added = 0;
            foreach (var model in users.EnumerateArray())
            {
                var name = model.GetProperty("name").GetString() ?? "";
                if (!seen.Add(name)) continue;
                added++;
                if (!name.StartsWith(_options.UserPrefix, StringComparison.Ordinal)) continue;
                var sessionId = name[_options.UserPrefix.Length..];
                // Only names Binder makes: a person called binder-admin is the hub's, and the janitor deletes what it lists.
                if (!Grains.SessionIds.IsSessionId(sessionId)) continue;
                var running = model.TryGetProperty("servers", out var servers) && servers.ValueKind == JsonValueKind.Object
                    && servers.TryGetProperty("", out var server) && server.TryGetProperty("ready", out var ready) && ready.ValueKind == JsonValueKind.True;
                var createdAt = model.TryGetProperty("created", out var created) && created.ValueKind == JsonValueKind.String
                    && DateTimeOffset.TryParse(created.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : DateTimeOffset.MinValue;
                sessions.Add(new SessionContainer(sessionId, name, _public.ToString().TrimEnd('/'), running, createdAt)
                {
                    BaseUrl = $"/user/{name}/",
                    Url = SessionUrl(sessionId),
                });
            }
            if (paged)
            {
                // The hub's own word on the next page: null when this was the last one.
                if (!json.RootElement.TryGetProperty("_pagination", out var pagination)
                    || !pagination.TryGetProperty("next", out var next) || next.ValueKind != JsonValueKind.Object
                    || !next.TryGetProperty("offset", out var nextOffset) || !nextOffset.TryGetInt32(out var following)
                    || following <= offset)
                {
                    return sessions;
                }
                offset = following;
            }
            else
            {
                // A plain list: the next page starts after what came. A page with nothing new is the end (also on a
                // hub that ignores offset and sends every user each time).
                if (added == 0) return sessions;
                offset += added;
            }
        }
    }

    /// <summary>Jupyter's own <c>last_activity</c> from <c>/api/status</c>, asked through the hub's proxy with the session's token.</summary>
    public Task<DateTimeOffset?> GetJupyterActivityAsync(SessionContainer container, string token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(container);
        return JupyterStatus.LastActivityAsync(_jupyter, new Uri(SessionUrl(container.SessionId) + "api/status"), token, cancellationToken);
    }

    /// <summary>Whether the hub answers and accepts the service token (<c>GET /user</c>, who the token is).</summary>
    public async Task<(bool Ok, string Message)> CheckAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var response = await SendAsync(HttpMethod.Get, "user", null, cancellationToken).ConfigureAwait(false);
            await EnsureAsync(response, "identify Binder's service", cancellationToken).ConfigureAwait(false);
            return (true, "JupyterHub answers and accepts Binder's service token.");
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return (false, e.Message);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _api.Dispose();
        _jupyter.Dispose();
    }

    private async Task FollowProgressAsync(string sessionId, string user, IProgress<string> progress, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"users/{user}/server/progress");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var response = await _api.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        await EnsureAsync(response, $"follow the start of hub user {user}'s server", cancellationToken).ConfigureAwait(false);
        using var reader = new BoundedLineReader(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), MaxProgressLine);
        var forwarded = 0;
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is var (line, cut))
        {
            // A line cut short is no event to parse (its JSON is incomplete): what it said is not shown.
            if (cut || !line.StartsWith("data:", StringComparison.Ordinal)) continue;
            using var json = JsonDocument.Parse(line["data:".Length..]);
            var e = json.RootElement;
            var message = e.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? ProgressText(m.GetString() ?? "") : "";
            if (e.TryGetProperty("ready", out var ready) && ready.ValueKind == JsonValueKind.True) return;
            if (e.TryGetProperty("failed", out var failed) && failed.ValueKind == JsonValueKind.True)
            {
                // The spawner's own message (what the image or the hub's spawner said): about the session.
                throw new SessionStartException($"The hub could not start the server of session {sessionId}: {message}", forUser: true);
            }
            // What the hub shows its own users on the spawn page: the person launching sees the same, up to a limit (a
            // spawner that talks without end would fill the launch's event history and every watcher's page).
            if (forwarded > MaxProgressMessages) continue;
            forwarded++;
            if (forwarded > MaxProgressMessages) message = "… more progress messages of the hub not shown";
            LogProgress(_logger, sessionId, message);
            progress.Report(message);
        }
        throw new SessionStartException($"The hub ended the progress of session {sessionId}'s server without saying it was ready or failed.", forUser: true);
    }

    /// <summary>
    /// A progress message of the hub made safe for the public build stream, whose clients write it into a terminal
    /// (xterm.js on the launch page): every control character but the newline becomes '?', so no escape sequence of the
    /// spawner reaches a person's terminal, and a message longer than <see cref="MaxProgressMessage"/> is cut.
    /// </summary>
    internal static string ProgressText(string message)
    {
        var shown = message.Length > MaxProgressMessage ? message[..MaxProgressMessage] + "…" : message;
        return string.Join('\n', shown.Split('\n').Select(PrintableText.Of));
    }

    private async Task<string> CreateTokenAsync(string sessionId, string user, CancellationToken cancellationToken)
    {
        // Only the user's own server: the token opens that notebook and nothing else at the hub.
        var body = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["note"] = $"Binder session {sessionId}",
            ["scopes"] = new[] { $"access:servers!user={user}" },
        });
        using var response = await SendAsync(HttpMethod.Post, $"users/{user}/tokens", body, cancellationToken).ConfigureAwait(false);
        await EnsureAsync(response, $"create a token for hub user {user}", cancellationToken).ConfigureAwait(false);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
        return json.RootElement.GetProperty("token").GetString()
            ?? throw new HubApiException($"The hub created a token for user {user} but sent none back.", null);
    }

    /// <summary>Deletes a failed start's user; whether it is gone.</summary>
    private async Task<bool> DeleteUserQuietlyAsync(string sessionId, string user)
    {
        try
        {
            using var timeout = new CancellationTokenSource(_cleanUpTimeout, _time);
            await StopAsync(sessionId, timeout.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception e)
        {
            // The launch's clean-up, then the janitor (which finds the user by its prefix), delete it later.
            LogCleanUpFailed(_logger, sessionId, user, e);
            return false;
        }
    }

    /// <summary>One API request bounded by <see cref="JupyterHubLaunchOptions.RequestTimeout"/>; what could not reach the hub is a <see cref="HubApiException"/>.</summary>
    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? json, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        return await SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await RequestAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new HubApiException($"Binder could not reach the JupyterHub that runs its sessions ({JupyterHubLaunchOptions.Section}:ApiUrl): {Reason(e)}. The operator should check that the hub runs and that the setting points at its API, e.g. http://127.0.0.1:8081/hub/api.", e);
        }
    }

    private async Task<HttpResponseMessage> RequestAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(_options.RequestTimeout, _time);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            var response = await _api.SendAsync(request, timeout.Token).ConfigureAwait(false);
            await response.Content.LoadIntoBufferAsync(timeout.Token).ConfigureAwait(false);
            return response;
        }
        catch (OperationCanceledException e) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new HttpRequestException($"the hub did not answer within {_options.RequestTimeout.TotalSeconds:0} s ({JupyterHubLaunchOptions.Section}:RequestTimeout)", e);
        }
    }

    private static async Task EnsureAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode) return;
        var message = await HubMessageAsync(response, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized)
        {
            throw new HubApiException(
                $"The JupyterHub refused Binder's service token ({JupyterHubLaunchOptions.Section}:ApiToken) when asked to {what} ({(int)response.StatusCode}: {message}). The operator should give the hub service of that token a role with the scopes {string.Join(", ", JupyterHubLaunchOptions.RequiredScopes)} (c.JupyterHub.load_roles), or set the token of such a service.",
                null);
        }
        throw new HubApiException($"The JupyterHub could not {what}: {(int)response.StatusCode} {message}", null);
    }

    // The hub's JSON error body ({"status": 403, "message": "..."}), or its start: never a token (the hub sends none back in errors).
    private static async Task<string> HubMessageAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var json = JsonDocument.Parse(text);
            if (json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String)
            {
                return m.GetString() ?? "";
            }
        }
        catch (JsonException)
        {
        }
        return text.Length > 200 ? text[..200] + "..." : text;
    }

    private static string Reason(HttpRequestException e) =>
        e.InnerException is SocketException socket ? socket.SocketErrorCode == SocketError.ConnectionRefused ? "connection refused (nothing listens there)" : socket.Message : e.Message;

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {Session} runs at the hub as user {User} (image {Image})")]
    private static partial void LogStarted(ILogger logger, string session, string user, string image);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {Session}: hub user {User} deleted (its server stopped)")]
    private static partial void LogStopped(ILogger logger, string session, string user);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Session {Session}: the hub says {Message}")]
    private static partial void LogProgress(ILogger logger, string session, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {Session}: the hub still spawns the server of user {User}, which it can neither stop nor delete until the spawn ends; deleting it then")]
    private static partial void LogWaitingForSpawn(ILogger logger, string session, string user);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {Session}: hub user {User} could not be deleted after a failed start; the janitor deletes it later")]
    private static partial void LogCleanUpFailed(ILogger logger, string session, string user, Exception exception);
}
