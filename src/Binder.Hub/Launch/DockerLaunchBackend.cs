using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Binder.Build;
using Binder.Build.Docker;
using Binder.Build.Registry;
using Binder.Build.Run;
using Microsoft.Extensions.Logging;

namespace Binder.Hub.Launch;

/// <summary>
/// Runs sessions as containers on the Docker daemon beside this silo. By default each container joins the service's
/// own bridge network (<see cref="SessionNetwork"/>) and serves Jupyter on <see cref="DockerLaunchOptions.JupyterPort"/>
/// at its address there, which the proxy uses (or at a port published on this node's address, for a proxy on another
/// node); with host networking, explicitly configured, it serves on a free port of the host's. Every session runs as
/// the notebook user with no capabilities, no privilege gain, and memory (no extra swap), CPU and process limits
/// (<see cref="JupyterStartup.Confined"/>). Containers carry the <see cref="SessionLabels"/>, so this backend (or a fresh
/// one after a restart) finds them again with their targets, and never touches containers of another Binder instance
/// on the same daemon.
/// </summary>
public sealed partial class DockerLaunchBackend : ILaunchBackend, IDisposable
{
    private const int PortAttempts = 3;
    private const string PortTakenKey = "binder.port-taken";

    private readonly DockerClient _docker;
    private readonly DockerLaunchOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly LoopbackPorts _ports;
    private readonly HttpClient _http;
    private readonly SessionNetwork _network;
    private readonly RegistryOptions? _registry;
    private NodeResources? _resources;
    private int _hostNetworkWarned;

    /// <summary>Creates the backend; nothing is contacted until the first call.</summary>
    /// <param name="docker">The daemon beside this silo (not disposed here).</param>
    /// <param name="options">How sessions run.</param>
    /// <param name="timeProvider">The clock for start timeouts.</param>
    /// <param name="logger">Where starts and stops are logged (never tokens).</param>
    /// <param name="registry">Credentials for pulling an image that is not in the daemon (it was built on another node,
    /// or the image cleaner removed it); null pulls anonymously.</param>
    public DockerLaunchBackend(DockerClient docker, DockerLaunchOptions options, TimeProvider timeProvider, ILogger<DockerLaunchBackend> logger, RegistryOptions? registry = null)
    {
        ArgumentNullException.ThrowIfNull(docker);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(options);
        _docker = docker;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
        _ports = new LoopbackPorts(timeProvider);
        _network = new SessionNetwork(docker, options, logger);
        _registry = registry;
        // No cookie jar: Jupyter sets a login cookie per host, and sessions share 127.0.0.1, so a cookie from one
        // session's good token would vouch for a wrong token (or another session) later.
        _http = new HttpClient(new SocketsHttpHandler { UseCookies = false }) { Timeout = options.RequestTimeout };
    }

    /// <summary>The options in effect (the session uid included, which the host sets from <c>Binder:Buildpacks:UserId</c>).</summary>
    public DockerLaunchOptions Options => _options;

    /// <summary>The container name of a session of this instance.</summary>
    /// <param name="sessionId">The session id.</param>
    public string ContainerName(string sessionId) => $"binder-{_options.InstanceName}-{sessionId}";

    /// <summary>The Docker network sessions join: the service's own (<see cref="DockerLaunchOptions.NetworkName"/>) or <c>host</c>.</summary>
    public string NetworkName => Isolated ? _network.Name : "host";

    private bool Isolated => _options.Network.Mode == SessionNetworkMode.Isolated;

    /// <inheritdoc />
    /// <exception cref="SessionNetworkException">The session network cannot be created, or its name is taken by a network that is not Binder's.</exception>
    public async Task PrepareAsync(CancellationToken cancellationToken)
    {
        if (Isolated)
        {
            await _network.EnsureAsync(cancellationToken).ConfigureAwait(false);
        }
        else if (Interlocked.Exchange(ref _hostNetworkWarned, 1) == 0)
        {
            LogHostNetwork(_logger, DockerLaunchOptions.Section);
        }
    }

    /// <inheritdoc />
    public async Task<NodeResources> GetNodeResourcesAsync(CancellationToken cancellationToken)
    {
        if (_resources is { } known)
        {
            return known;
        }
        var info = await _docker.GetSystemInfoAsync(cancellationToken).ConfigureAwait(false);
        return _resources = new NodeResources(info.MemoryBytes, _options.MemoryLimitBytes);
    }

    /// <inheritdoc />
    public Task<SessionContainer> StartAsync(SessionStart start, CancellationToken cancellationToken) =>
        StartAsync(start, NoProgress.Instance, cancellationToken);

    /// <inheritdoc />
    public async Task<SessionContainer> StartAsync(SessionStart start, IProgress<string> progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(progress);
        ArgumentNullException.ThrowIfNull(start);
        CheckSessionId(start.SessionId);
        start.ThrowIfMalformed();

        try
        {
            var image = await _docker.InspectImageAsync(start.ImageName, cancellationToken).ConfigureAwait(false)
                ?? await PullAsync(start, progress, cancellationToken).ConfigureAwait(false);
            if (Isolated)
            {
                var command = CommandFor(start, image, "0.0.0.0", _options.JupyterPort);
                for (var attempt = 1; ; attempt++)
                {
                    await EnsureNetworkAsync(start.SessionId, cancellationToken).ConfigureAwait(false);
                    try
                    {
                        return await RunAsync(start, command, hostTarget: null, progress, cancellationToken).ConfigureAwait(false);
                    }
                    catch (DockerApiException e) when (attempt == 1 && e.StatusCode == HttpStatusCode.NotFound && e.DaemonMessage.Contains("network", StringComparison.OrdinalIgnoreCase))
                    {
                        // Someone removed the network since it was made: make it again, once.
                        LogNetworkGone(_logger, _network.Name);
                        _network.Forget();
                    }
                }
            }
            for (var attempt = 1; ; attempt++)
            {
                var port = _ports.Next(_options.JupyterIp);
                var command = CommandFor(start, image, _options.JupyterIp, port);
                try
                {
                    return await RunAsync(start, command, $"http://{TargetHost()}:{port.ToString(CultureInfo.InvariantCulture)}", progress, cancellationToken).ConfigureAwait(false);
                }
                catch (SessionStartException e) when (attempt < PortAttempts && e.Data.Contains(PortTakenKey))
                {
                    // Another program bound the free port between our pick and Jupyter's bind: pick again.
                    LogPortTaken(_logger, start.SessionId, port);
                }
            }
        }
        catch (BinderBuildException e)
        {
            throw new SessionStartException($"The session {start.SessionId} could not start: {e.Message}", e);
        }
    }

    /// <summary>
    /// Pulls an image that is not in the daemon when its name names a registry (an image pushed by a build on another
    /// node, or one the image cleaner removed); a local-only name (no registry) cannot be pulled.
    /// </summary>
    private async Task<DockerImageInfo> PullAsync(SessionStart start, IProgress<string> progress, CancellationToken cancellationToken)
    {
        if (!ImageReference.TryParse(start.ImageName, out var reference) || reference.Registry == ImageReference.DockerHub)
        {
            throw new SessionStartException($"The image {start.ImageName} is not in the Docker daemon at {_docker.Endpoint}; build or pull it first.");
        }
        LogPulling(_logger, start.SessionId, start.ImageName);
        progress.Report("Pulling the image onto the node that runs the session...");
        using (var deadline = new CancellationTokenSource(_options.PullTimeout, _timeProvider))
        using (var pull = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token))
        {
            try
            {
                await _docker.PullImageAsync(start.ImageName, _registry?.CredentialsFor(reference.Registry), null, pull.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                // Whatever the cancelled pull threw: the deadline is what ended it. The sentence names no address, so
                // the person launching may read it.
                throw new SessionStartException(
                    $"The image of session {start.SessionId} could not be pulled onto this node within {_options.PullTimeout.TotalSeconds:0} s ({DockerLaunchOptions.Section}:PullTimeout): the registry did not send it in time. Try again later; if it keeps happening, the operator should check the registry or raise {DockerLaunchOptions.Section}:PullTimeout for large images.",
                    e, forUser: true);
            }
        }
        return await _docker.InspectImageAsync(start.ImageName, cancellationToken).ConfigureAwait(false)
            ?? throw new SessionStartException($"The image {start.ImageName} was pulled but is not in the Docker daemon at {_docker.Endpoint}; is another program removing images?");
    }

    private IReadOnlyList<string> CommandFor(SessionStart start, DockerImageInfo image, string ip, int port) =>
        JupyterStartup.CommandFor(start.ImageName, image, _options.EffectiveJupyterArguments.Select(a => a
            .Replace("{ip}", ip, StringComparison.Ordinal)
            .Replace("{port}", port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{base_url}", start.BaseUrl, StringComparison.Ordinal)));

    private async Task EnsureNetworkAsync(string sessionId, CancellationToken cancellationToken)
    {
        try
        {
            await _network.EnsureAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SessionNetworkException e)
        {
            throw new SessionStartException($"The session {sessionId} could not start: {e.Message}", e);
        }
    }

    // hostTarget: with host networking, where Jupyter will answer; null on the isolated network, where the container's
    // address (or published port) is only known once it runs.
    private async Task<SessionContainer> RunAsync(SessionStart start, IReadOnlyList<string> command, string? hostTarget, IProgress<string> progress, CancellationToken cancellationToken)
    {
        var name = ContainerName(start.SessionId);
        var env = new Dictionary<string, string>(_options.ExtraEnv) { ["JUPYTER_TOKEN"] = start.Token };
        var labels = new Dictionary<string, string>
        {
            [SessionLabels.Session] = start.SessionId,
            [SessionLabels.Instance] = _options.InstanceName,
            [SessionLabels.Repo] = start.RepoKey,
            [SessionLabels.BaseUrl] = start.BaseUrl,
        };
        IReadOnlyList<DockerPortPublication> published = [];
        if (hostTarget is not null)
        {
            labels[SessionLabels.Target] = hostTarget;
        }
        else
        {
            labels[SessionLabels.Network] = _network.Name;
            labels[SessionLabels.Port] = _options.JupyterPort.ToString(CultureInfo.InvariantCulture);
            if (_options.Network.PublishAddress is { } publishOn)
            {
                published = [new DockerPortPublication(_options.JupyterPort, publishOn)];
                labels[SessionLabels.TargetHost] = _options.TargetHost ?? publishOn;
            }
        }
        var parameters = JupyterStartup.Confined(new DockerContainerParameters
        {
            Image = start.ImageName,
            Name = name,
            Cmd = command,
            Env = env,
            Labels = labels,
            NetworkMode = NetworkName,
            PublishedPorts = published,
            MemoryLimitBytes = _options.MemoryLimitBytes > 0 ? _options.MemoryLimitBytes : null,
            NanoCpus = _options.CpuLimit > 0 ? (long)Math.Round(_options.CpuLimit * 1_000_000_000) : null,
        }, _options.UserId, _options.PidsLimit);
        var started = _timeProvider.GetTimestamp();
        string? id = null;
        try
        {
            // Not cancelled midway: a create request the client gave up on may still be carried out by the daemon after
            // the clean-up below looked for the container by name, leaving a created container nobody owns. A create
            // is quick; the launch's cancellation is checked as soon as it returns.
            progress.Report("Starting the server's container...");
            id = await _docker.CreateContainerAsync(parameters, CancellationToken.None).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            await _docker.StartContainerAsync(id, cancellationToken).ConfigureAwait(false);
            var marking = MarkImageUsedAsync(start.ImageName);
            var target = hostTarget ?? await TargetOfRunningAsync(id, cancellationToken).ConfigureAwait(false);
            LogStarting(_logger, start.SessionId, id[..12], start.ImageName, target ?? "(none: it is not running)");
            if (target is not null) progress.Report("Waiting for Jupyter to answer...");
            var outcome = target is null
                ? JupyterStartupOutcome.Exited
                : await JupyterStartup.WaitUntilAnsweringAsync(
                    _docker, id, new Uri($"{target}{start.BaseUrl}api/status"), start.Token, _options.StartTimeout, _options.PollInterval, _timeProvider, cancellationToken).ConfigureAwait(false);
            await marking.ConfigureAwait(false);
            if (outcome == JupyterStartupOutcome.Unauthenticated)
            {
                throw new SessionStartException(
                    $"The Jupyter server of session {start.SessionId} (image {start.ImageName}) answered without the session's token, so anyone could run code in it; " +
                    "the image switches authentication off (e.g. c.NotebookApp.token = '' in a jupyter_notebook_config.py). The session was not started; remove that setting from the image.",
                    forUser: true);
            }
            if (outcome != JupyterStartupOutcome.Answered)
            {
                // Jupyter prints its URL with the token: the lines go to the person launching and to logs, the token not.
                var lines = (await JupyterStartup.LastLogLinesAsync(_docker, id, _options.FailureLogLines, cancellationToken).ConfigureAwait(false))
                    .Replace(start.Token, "***", StringComparison.Ordinal);
                var error = new SessionStartException(outcome == JupyterStartupOutcome.Exited
                    ? $"The Jupyter server of session {start.SessionId} (image {start.ImageName}) exited before it answered. Its last output:\n{lines}"
                    : $"The Jupyter server of session {start.SessionId} (image {start.ImageName}) did not answer within {_options.StartTimeout.TotalSeconds:0} s ({DockerLaunchOptions.Section}:StartTimeout). Its last output:\n{lines}",
                    forUser: true);
                if (outcome == JupyterStartupOutcome.Exited && hostTarget is not null && lines.Contains($"port {new Uri(hostTarget).Port} is already in use", StringComparison.OrdinalIgnoreCase))
                {
                    error.Data[PortTakenKey] = true;
                }
                throw error;
            }
            var created = (await FindAsync(start.SessionId, cancellationToken).ConfigureAwait(false)).FirstOrDefault(c => c.ContainerId == id);
            LogStarted(_logger, start.SessionId, _timeProvider.GetElapsedTime(started).TotalSeconds);
            return created ?? new SessionContainer(start.SessionId, id, target!, Running: true, _timeProvider.GetUtcNow()) { BaseUrl = start.BaseUrl };
        }
        catch (DockerApiException e) when (id is null && e.StatusCode == HttpStatusCode.Conflict)
        {
            // Not ours to remove: the session's earlier container.
            throw new SessionStartException(
                $"A container named {name} already exists, so session {start.SessionId} cannot start again; stop the session first.", e);
        }
        catch (Exception e)
        {
            // By name: the daemon may have created the container even when the create call was cancelled or failed
            // on the way back. Removal happens even when the caller was cancelled: no container is ever left behind.
            LogStartFailed(_logger, start.SessionId, e.GetType().Name);
            await RemoveQuietlyAsync(name).ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    public async Task StopAsync(string sessionId, CancellationToken cancellationToken)
    {
        CheckSessionId(sessionId);
        foreach (var container in await FindAsync(sessionId, cancellationToken).ConfigureAwait(false))
        {
            if (container.Running)
            {
                try
                {
                    await _docker.StopContainerAsync(container.ContainerId, _options.StopGracePeriod, cancellationToken).ConfigureAwait(false);
                }
                catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.NotFound)
                {
                    // Gone meanwhile (another stop, a cull on another path): what we wanted.
                }
            }
            try
            {
                await _docker.RemoveContainerAsync(container.ContainerId, force: true, cancellationToken).ConfigureAwait(false);
            }
            catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.Conflict && e.DaemonMessage.Contains("already in progress", StringComparison.OrdinalIgnoreCase))
            {
                // Another stop (or a cull) is removing it right now: wait for that instead of failing this stop.
                await WaitUntilGoneAsync(container.ContainerId, cancellationToken).ConfigureAwait(false);
            }
            LogStopped(_logger, sessionId, container.ContainerId[..12]);
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<SessionContainer>> ListAsync(CancellationToken cancellationToken) => FindAsync(null, cancellationToken);

    /// <inheritdoc />
    public Task<DateTimeOffset?> GetJupyterActivityAsync(SessionContainer container, string token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(container);
        return JupyterStatus.LastActivityAsync(_http, new Uri($"{container.Target}{container.BaseUrl}api/status"), token, cancellationToken);
    }

    /// <inheritdoc />
    public Task<(bool Ok, string Message)> CheckAsync(CancellationToken cancellationToken) => _docker.CheckAsync(cancellationToken);

    /// <inheritdoc />
    public void Dispose()
    {
        _http.Dispose();
        _network.Dispose();
    }

    private async Task<IReadOnlyList<SessionContainer>> FindAsync(string? sessionId, CancellationToken cancellationToken)
    {
        var filter = new Dictionary<string, string?>
        {
            [SessionLabels.Instance] = _options.InstanceName,
            [SessionLabels.Session] = sessionId,
        };
        var containers = await _docker.ListContainersAsync(filter, cancellationToken).ConfigureAwait(false);
        return containers.Select(c => new SessionContainer(
            c.Labels.GetValueOrDefault(SessionLabels.Session, ""),
            c.Id,
            TargetOf(c.Labels, c.Networks, c.PublishedPorts) ?? "",
            c.State == "running",
            c.Created)
        {
            BaseUrl = c.Labels.GetValueOrDefault(SessionLabels.BaseUrl) ?? $"/user/{c.Labels.GetValueOrDefault(SessionLabels.Session, "")}/",
        }).ToList();
    }

    private async Task WaitUntilGoneAsync(string containerId, CancellationToken cancellationToken)
    {
        var started = _timeProvider.GetTimestamp();
        while (await _docker.InspectContainerAsync(containerId, cancellationToken).ConfigureAwait(false) is not null)
        {
            if (_timeProvider.GetElapsedTime(started) > _options.StopGracePeriod + TimeSpan.FromSeconds(30))
            {
                throw new TimeoutException($"The container {containerId[..12]} is still being removed by another stop; try again in a minute.");
            }
            await Task.Delay(_options.PollInterval, _timeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Where the proxy reaches a running container, from its inspect; null when it has no address (it exited).</summary>
    private async Task<string?> TargetOfRunningAsync(string id, CancellationToken cancellationToken)
    {
        var container = await _docker.InspectContainerAsync(id, cancellationToken).ConfigureAwait(false);
        return container is { Running: true } ? TargetOf(container.Labels, container.Networks, container.PublishedPorts) : null;
    }

    /// <summary>
    /// Where the proxy reaches a session's Jupyter: the <see cref="SessionLabels.Target"/> label (host networking), the
    /// port published for Jupyter's port at the <see cref="SessionLabels.TargetHost"/>, or the container's address on
    /// its session network. The container's state alone decides, so a fresh backend after a restart finds the same
    /// targets. Null while the container has no address.
    /// </summary>
    private static string? TargetOf(
        IReadOnlyDictionary<string, string> labels, IReadOnlyDictionary<string, DockerNetworkEndpoint> networks, IReadOnlyList<DockerPortPublication> published)
    {
        if (labels.TryGetValue(SessionLabels.Target, out var target))
        {
            return target;
        }
        if (!labels.TryGetValue(SessionLabels.Network, out var network)
            || !int.TryParse(labels.GetValueOrDefault(SessionLabels.Port), CultureInfo.InvariantCulture, out var port))
        {
            return null;
        }
        if (labels.TryGetValue(SessionLabels.TargetHost, out var host))
        {
            var hostPort = published.FirstOrDefault(p => p.ContainerPort == port && p.HostPort > 0)?.HostPort;
            return hostPort is null ? null : $"http://{UrlHost(host)}:{hostPort.Value.ToString(CultureInfo.InvariantCulture)}";
        }
        return networks.TryGetValue(network, out var endpoint) && endpoint.IPAddress.Length > 0
            ? $"http://{UrlHost(endpoint.IPAddress)}:{port.ToString(CultureInfo.InvariantCulture)}"
            : null;
    }

    private static string UrlHost(string host) => host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? $"[{host}]" : host;

    /// <summary>
    /// Tags the image with its own name: Docker records that as the image's <c>LastTagTime</c>, which is how the image
    /// cleaner knows when an image was last used. A failure only costs the cleaner's ordering: logged, not thrown.
    /// </summary>
    private async Task MarkImageUsedAsync(string image)
    {
        if (!ImageReference.TryParse(image, out var reference) || reference.Digest is not null || reference.Tag is null)
        {
            return;
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _docker.TagImageAsync(image, image, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is BinderBuildException or OperationCanceledException)
        {
            LogMarkFailed(_logger, image, e.Message);
        }
    }

    private string TargetHost() =>
        _options.TargetHost ?? (_options.JupyterIp is "0.0.0.0" or "::" ? "127.0.0.1" : _options.JupyterIp.Contains(':', StringComparison.Ordinal) ? $"[{_options.JupyterIp}]" : _options.JupyterIp);

    private async Task RemoveQuietlyAsync(string name)
    {
        if (await JupyterStartup.RemoveContainerQuietlyAsync(_docker, name).ConfigureAwait(false) is { } failure)
        {
            LogRemoveFailed(_logger, name, failure);
        }
    }

    private static void CheckSessionId(string sessionId)
    {
        if (sessionId is null || !SessionId().IsMatch(sessionId))
        {
            throw new ArgumentException(
                $"The session id '{sessionId}' must be 1 to 64 letters, digits, '-' or '_', starting with a letter or digit: it becomes a container name and a URL path.",
                nameof(sessionId));
        }
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]
    private static partial Regex SessionId();

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {Session}: started container {Container} from {Image}, Jupyter at {Target}")]
    private static partial void LogStarting(ILogger logger, string session, string container, string image, string target);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {Session}: Jupyter answered after {Seconds:0.00} s")]
    private static partial void LogStarted(ILogger logger, string session, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {Session} did not start ({Reason}); removing its container")]
    private static partial void LogStartFailed(ILogger logger, string session, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {Session}: port {Port} was taken before Jupyter bound it; trying another")]
    private static partial void LogPortTaken(ILogger logger, string session, int port);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {Session}: removed container {Container}")]
    private static partial void LogStopped(ILogger logger, string session, string container);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sessions use the host's network ({Section}:Network:Mode = Host): every session can reach every service on this host's loopback (the front end, the proxy's API, the registry, databases) and sniff its traffic if it gains capabilities. Use the isolated network unless this host runs nothing else.")]
    private static partial void LogHostNetwork(ILogger logger, string section);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {Session}: pulling {Image}, which is not in the Docker daemon")]
    private static partial void LogPulling(ILogger logger, string session, string image);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The session network {Network} is gone (removed by hand?); creating it again")]
    private static partial void LogNetworkGone(ILogger logger, string network);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not record the use of image {Image} for the image cleaner: {Reason}")]
    private static partial void LogMarkFailed(ILogger logger, string image, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not remove container {Container}: {Reason}")]
    private static partial void LogRemoveFailed(ILogger logger, string container, string reason);
}
