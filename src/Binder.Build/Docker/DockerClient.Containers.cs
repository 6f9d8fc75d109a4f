using System.Net;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace Binder.Build.Docker;

public sealed partial class DockerClient
{
    /// <summary>Creates (but does not start) a container and returns its id.</summary>
    /// <param name="parameters">Image, name, command, environment, labels and host settings.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="DockerApiException">No such image, the name is taken, or another refusal.</exception>
    public async Task<string> CreateContainerAsync(DockerContainerParameters parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var body = new DockerContainerCreateRequest(
            parameters.Image,
            parameters.Cmd,
            parameters.Entrypoint,
            parameters.Env.Count == 0 ? null : parameters.Env.Select(pair => $"{pair.Key}={pair.Value}").ToList(),
            parameters.Labels.Count == 0 ? null : parameters.Labels,
            parameters.User,
            parameters.WorkingDir,
            Tty: false,
            parameters.PublishedPorts.Count == 0 ? null : parameters.PublishedPorts.ToDictionary(p => PortKey(p.ContainerPort), _ => new DockerEmptyObject()),
            new DockerHostConfig(
                parameters.NetworkMode,
                parameters.AutoRemove,
                parameters.MemoryLimitBytes,
                parameters.MemorySwapBytes,
                parameters.NanoCpus,
                parameters.PidsLimit,
                parameters.CapDrop.Count == 0 ? null : parameters.CapDrop,
                parameters.SecurityOpt.Count == 0 ? null : parameters.SecurityOpt,
                parameters.PublishedPorts.Count == 0 ? null : parameters.PublishedPorts
                    .GroupBy(p => PortKey(p.ContainerPort))
                    .ToDictionary(g => g.Key, g => (IReadOnlyList<DockerPortBindingJson>)g
                        .Select(p => new DockerPortBindingJson(p.HostIp, p.HostPort == 0 ? "" : p.HostPort.ToString(System.Globalization.CultureInfo.InvariantCulture)))
                        .ToList())));
        var content = JsonContent.Create(body, DockerJsonContext.Default.DockerContainerCreateRequest);
        var query = parameters.Name is null ? "" : "?" + Query(("name", parameters.Name));
        using var response = await SendAsync(HttpMethod.Post, "/containers/create" + query, content, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, $"create a container from '{parameters.Image}'", cancellationToken).ConfigureAwait(false);
        var created = await ReadJsonAsync(response, DockerJsonContext.Default.DockerContainerCreateResponse, cancellationToken).ConfigureAwait(false);
        foreach (var warning in created.Warnings ?? [])
        {
            Log.DaemonWarning(_logger, warning);
        }
        Log.ContainerCreated(_logger, created.Id, parameters.Image);
        return created.Id;
    }

    /// <summary>Starts a created container; starting a running one is not an error.</summary>
    /// <param name="id">Container id or name.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public async Task StartContainerAsync(string id, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Post, $"/containers/{PathName(id)}/start", null, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, $"start container '{id}'", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops a container: SIGTERM, then SIGKILL after <paramref name="timeout"/>. Stopping a stopped one is not an error.</summary>
    /// <param name="id">Container id or name.</param>
    /// <param name="timeout">How long the container may take to exit before it is killed; the daemon's default when null.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public async Task StopContainerAsync(string id, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var query = timeout is { } t ? "?" + Query(("t", ((int)Math.Ceiling(t.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture))) : "";
        // The daemon answers only once the container is gone, which may take the whole grace period.
        var wait = (timeout ?? TimeSpan.FromSeconds(10)) + _options.RequestTimeout;
        using var response = await SendAsync(HttpMethod.Post, $"/containers/{PathName(id)}/stop{query}", null, null,
            HttpCompletionOption.ResponseContentRead, wait, $"stopping container '{id}'", cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, $"stop container '{id}'", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Waits until a container is not running and returns its exit code. Only <paramref name="cancellationToken"/> limits the wait.</summary>
    /// <param name="id">Container id or name.</param>
    /// <param name="cancellationToken">Ends the wait.</param>
    public async Task<long> WaitContainerAsync(string id, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Post, $"/containers/{PathName(id)}/wait?condition=not-running", null, null,
            HttpCompletionOption.ResponseContentRead, Timeout.InfiniteTimeSpan, $"waiting for container '{id}'", cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, $"wait for container '{id}'", cancellationToken).ConfigureAwait(false);
        var result = await ReadJsonAsync(response, DockerJsonContext.Default.DockerContainerWaitResponse, cancellationToken).ConfigureAwait(false);
        if (result.Error?.Message is { Length: > 0 } error)
        {
            throw new DockerApiException($"wait for container '{id}'", HttpStatusCode.OK, error);
        }
        return result.StatusCode;
    }

    /// <summary>Describes a container's state, or returns null when there is no such container.</summary>
    /// <param name="id">Container id or name.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public async Task<DockerContainerInfo?> InspectContainerAsync(string id, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Get, $"/containers/{PathName(id)}/json", null, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        await EnsureSuccessAsync(response, $"inspect container '{id}'", cancellationToken).ConfigureAwait(false);
        var inspect = await ReadJsonAsync(response, DockerJsonContext.Default.DockerContainerInspectResponse, cancellationToken).ConfigureAwait(false);
        return new DockerContainerInfo(
            inspect.Id,
            (inspect.Name ?? "").TrimStart('/'),
            inspect.Image ?? "",
            inspect.State?.Status ?? "",
            inspect.State?.Running ?? false,
            inspect.State?.ExitCode ?? 0,
            inspect.State?.StartedAt ?? "",
            inspect.State?.FinishedAt ?? "",
            inspect.Config?.Labels ?? new Dictionary<string, string>())
        {
            User = inspect.Config?.User ?? "",
            Networks = Endpoints(inspect.NetworkSettings?.Networks),
            PublishedPorts = [.. (inspect.NetworkSettings?.Ports ?? new Dictionary<string, IReadOnlyList<DockerPortBindingJson>?>())
                .Where(port => port.Value is not null && port.Key.EndsWith("/tcp", StringComparison.Ordinal))
                .SelectMany(port => port.Value!.Select(binding => new DockerPortPublication(
                    int.Parse(port.Key[..port.Key.IndexOf('/', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture),
                    binding.HostIp ?? "",
                    int.TryParse(binding.HostPort, System.Globalization.CultureInfo.InvariantCulture, out var hostPort) ? hostPort : 0)))],
        };
    }

    /// <summary>Returns a container's log so far, split into stdout and stderr.</summary>
    /// <param name="id">Container id or name.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public async Task<DockerContainerLogs> GetContainerLogsAsync(string id, CancellationToken cancellationToken = default)
    {
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        await foreach (var frame in StreamContainerLogsAsync(id, follow: false, cancellationToken).ConfigureAwait(false))
        {
            (frame.Stream == DockerLogStream.Stderr ? stderr : stdout).Append(frame.Text);
        }
        return new DockerContainerLogs(stdout.ToString(), stderr.ToString());
    }

    /// <summary>
    /// Streams a container's log frames. With <paramref name="follow"/> the stream continues while the container runs
    /// and only <paramref name="cancellationToken"/> or the container's exit ends it.
    /// </summary>
    /// <param name="id">Container id or name (created without a TTY, so that stdout and stderr are multiplexed).</param>
    /// <param name="follow">Keep streaming new output.</param>
    /// <param name="cancellationToken">Ends the stream.</param>
    public async IAsyncEnumerable<DockerLogFrame> StreamContainerLogsAsync(
        string id, bool follow, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var operation = $"reading the log of container '{id}'";
        var query = Query(("stdout", "1"), ("stderr", "1"), ("follow", follow ? "1" : "0"));
        using var response = await SendAsync(HttpMethod.Get, $"/containers/{PathName(id)}/logs?{query}", null, null,
            HttpCompletionOption.ResponseHeadersRead, _options.RequestTimeout, operation, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, $"read the log of container '{id}'", cancellationToken).ConfigureAwait(false);
        var body = await ReadBodyAsync(response, operation, cancellationToken).ConfigureAwait(false);
        var frames = DockerLogDemultiplexer.ReadFramesAsync(body, cancellationToken).GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                try
                {
                    if (!await frames.MoveNextAsync().ConfigureAwait(false))
                    {
                        yield break;
                    }
                }
                catch (Exception e) when (e is IOException or HttpRequestException)
                {
                    throw new DockerConnectionLostException(Endpoint, operation, "the connection broke (" + e.Message + ")", e);
                }
                catch (InvalidDataException e)
                {
                    throw new BinderBuildException($"The log of container '{id}' could not be read: {e.Message}", e);
                }
                yield return frames.Current;
            }
        }
        finally
        {
            await frames.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Removes a container, killing it first when it runs (and its anonymous volumes).</summary>
    /// <param name="id">Container id or name.</param>
    /// <param name="force">Kill a running container instead of refusing.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>False when there was no such container.</returns>
    public async Task<bool> RemoveContainerAsync(string id, bool force = true, CancellationToken cancellationToken = default)
    {
        var query = Query(("force", force ? "1" : "0"), ("v", "1"));
        using var response = await SendAsync(HttpMethod.Delete, $"/containers/{PathName(id)}?{query}", null, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
        await EnsureSuccessAsync(response, $"remove container '{id}'", cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Lists containers (running or not) that carry every given label.</summary>
    /// <param name="labels">Labels to match: a value matches <c>key=value</c>, a null value matches any container with the key.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public async Task<IReadOnlyList<DockerContainerSummary>> ListContainersAsync(
        IReadOnlyDictionary<string, string?> labels, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var filters = new Dictionary<string, string[]>
        {
            ["label"] = [.. labels.Select(pair => pair.Value is null ? pair.Key : $"{pair.Key}={pair.Value}")],
        };
        var query = Query(("all", "1"), ("filters", JsonSerializer.Serialize(filters, DockerJsonContext.Default.DictionaryStringStringArray)));
        using var response = await SendAsync(HttpMethod.Get, "/containers/json?" + query, null, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, "list containers", cancellationToken).ConfigureAwait(false);
        var items = await ReadJsonAsync(response, DockerJsonContext.Default.ListDockerContainerListItem, cancellationToken).ConfigureAwait(false);
        return items.Select(item => new DockerContainerSummary(
            item.Id,
            item.Names is { Count: > 0 } names ? names[0].TrimStart('/') : "",
            item.Image ?? "",
            item.State ?? "",
            item.Status ?? "",
            DateTimeOffset.FromUnixTimeSeconds(item.Created),
            item.Labels ?? new Dictionary<string, string>())
        {
            ImageId = item.ImageID ?? "",
            Networks = Endpoints(item.NetworkSettings?.Networks),
            PublishedPorts = [.. (item.Ports ?? [])
                .Where(port => port.PublicPort is > 0 && port.Type is null or "tcp")
                .Select(port => new DockerPortPublication(port.PrivatePort, port.IP ?? "", port.PublicPort!.Value))],
        }).ToList();
    }

    private static string PortKey(int containerPort) => containerPort.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/tcp";

    private static Dictionary<string, DockerNetworkEndpoint> Endpoints(IReadOnlyDictionary<string, DockerEndpointJson>? networks) =>
        (networks ?? new Dictionary<string, DockerEndpointJson>()).ToDictionary(
            pair => pair.Key, pair => new DockerNetworkEndpoint(pair.Value.IPAddress ?? "", pair.Value.Gateway ?? ""), StringComparer.Ordinal);
}
