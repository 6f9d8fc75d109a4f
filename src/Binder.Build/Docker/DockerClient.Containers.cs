using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using Docker.DotNet.Models;
using Engine = global::Docker.DotNet;

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
        var ports = parameters.PublishedPorts;
        var create = new CreateContainerParameters
        {
            Image = parameters.Image,
            Name = parameters.Name!,
            Cmd = parameters.Cmd is null ? null : [.. parameters.Cmd],
            Entrypoint = parameters.Entrypoint is null ? null : [.. parameters.Entrypoint],
            Env = parameters.Env.Count == 0 ? null : [.. parameters.Env.Select(pair => $"{pair.Key}={pair.Value}")],
            Labels = parameters.Labels.Count == 0 ? null : new Dictionary<string, string>(parameters.Labels),
            User = parameters.User!,
            WorkingDir = parameters.WorkingDir!,
            Tty = false,
            ExposedPorts = ports.Count == 0 ? null : ports.Select(p => PortKey(p.ContainerPort)).Distinct()
                .ToDictionary(key => key, _ => new EmptyStruct()),
            HostConfig = new HostConfig
            {
                NetworkMode = parameters.NetworkMode,
                AutoRemove = parameters.AutoRemove,
                Memory = parameters.MemoryLimitBytes ?? 0,
                MemorySwap = parameters.MemorySwapBytes ?? 0,
                NanoCPUs = parameters.NanoCpus ?? 0,
                PidsLimit = parameters.PidsLimit,
                CapDrop = parameters.CapDrop.Count == 0 ? null : [.. parameters.CapDrop],
                SecurityOpt = parameters.SecurityOpt.Count == 0 ? null : [.. parameters.SecurityOpt],
                PortBindings = ports.Count == 0 ? null : ports
                    .GroupBy(p => PortKey(p.ContainerPort))
                    .ToDictionary(g => g.Key, g => (IList<PortBinding>)[.. g.Select(p => new PortBinding
                    {
                        HostIP = p.HostIp,
                        HostPort = p.HostPort == 0 ? "" : p.HostPort.ToString(CultureInfo.InvariantCulture),
                    })]),
            },
        };
        Log.Request(_logger, "POST", "/containers/create");
        var created = await CallAsync($"create a container from '{parameters.Image}'",
            (engine, ct) => engine.Containers.CreateContainerAsync(create, ct), cancellationToken).ConfigureAwait(false);
        foreach (var warning in created.Warnings ?? [])
        {
            Log.DaemonWarning(_logger, warning);
        }
        Log.ContainerCreated(_logger, created.ID, parameters.Image);
        return created.ID;
    }

    /// <summary>Starts a created container; starting a running one is not an error.</summary>
    /// <param name="id">Container id or name.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task StartContainerAsync(string id, CancellationToken cancellationToken = default) =>
        CallAsync($"start container '{id}'", (engine, ct) => engine.Containers.StartContainerAsync(id, new ContainerStartParameters(), ct), cancellationToken);

    /// <summary>Stops a container: SIGTERM, then SIGKILL after <paramref name="timeout"/>. Stopping a stopped one is not an error.</summary>
    /// <param name="id">Container id or name.</param>
    /// <param name="timeout">How long the container may take to exit before it is killed; the daemon's default when null.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task StopContainerAsync(string id, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var parameters = new ContainerStopParameters { WaitBeforeKillSeconds = timeout is { } t ? (uint)Math.Ceiling(t.TotalSeconds) : null };
        // The daemon answers only once the container is gone, which may take the whole grace period.
        var wait = (timeout ?? TimeSpan.FromSeconds(10)) + _options.RequestTimeout;
        return CallAsync($"stop container '{id}'", $"stopping container '{id}'", wait,
            (engine, ct) => engine.Containers.StopContainerAsync(id, parameters, ct), cancellationToken);
    }

    /// <summary>Waits until a container is not running and returns its exit code. Only <paramref name="cancellationToken"/> limits the wait.</summary>
    /// <param name="id">Container id or name.</param>
    /// <param name="cancellationToken">Ends the wait.</param>
    public async Task<long> WaitContainerAsync(string id, CancellationToken cancellationToken = default)
    {
        var result = await CallAsync($"wait for container '{id}'", $"waiting for container '{id}'", Timeout.InfiniteTimeSpan,
            (engine, ct) => engine.Containers.WaitContainerAsync(id, ct), cancellationToken).ConfigureAwait(false);
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
        var inspect = await FindAsync($"inspect container '{id}'", (engine, ct) => engine.Containers.InspectContainerAsync(id, ct), cancellationToken).ConfigureAwait(false);
        if (inspect is null)
        {
            return null;
        }
        return new DockerContainerInfo(
            inspect.ID,
            (inspect.Name ?? "").TrimStart('/'),
            inspect.Image ?? "",
            inspect.State?.Status ?? "",
            inspect.State?.Running ?? false,
            inspect.State?.ExitCode ?? 0,
            inspect.State?.StartedAt ?? "",
            inspect.State?.FinishedAt ?? "",
            Copy(inspect.Config?.Labels))
        {
            User = inspect.Config?.User ?? "",
            Networks = Endpoints(inspect.NetworkSettings?.Networks),
            PublishedPorts = [.. (inspect.NetworkSettings?.Ports ?? new Dictionary<string, IList<PortBinding>>())
                .Where(port => port.Value is not null && port.Key.EndsWith("/tcp", StringComparison.Ordinal))
                .SelectMany(port => port.Value.Select(binding => new DockerPortPublication(
                    int.Parse(port.Key[..port.Key.IndexOf('/', StringComparison.Ordinal)], CultureInfo.InvariantCulture),
                    binding.HostIP ?? "",
                    int.TryParse(binding.HostPort, CultureInfo.InvariantCulture, out var hostPort) ? hostPort : 0)))],
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
        var parameters = new ContainerLogsParameters { ShowStdout = true, ShowStderr = true, Follow = follow };
        using var stream = await CallAsync($"read the log of container '{id}'", operation, _options.RequestTimeout,
            (engine, ct) => engine.Containers.GetContainerLogsAsync(id, parameters, ct), cancellationToken).ConfigureAwait(false);
        await foreach (var frame in ReadFramesAsync(stream, operation, cancellationToken).ConfigureAwait(false))
        {
            yield return frame;
        }
    }

    /// <summary>Removes a container, killing it first when it runs (and its anonymous volumes).</summary>
    /// <param name="id">Container id or name.</param>
    /// <param name="force">Kill a running container instead of refusing.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>False when there was no such container.</returns>
    public Task<bool> RemoveContainerAsync(string id, bool force = true, CancellationToken cancellationToken = default) =>
        RemoveAsync($"remove container '{id}'",
            (engine, ct) => engine.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = force, RemoveVolumes = true }, ct), cancellationToken);

    /// <summary>Lists containers (running or not) that carry every given label.</summary>
    /// <param name="labels">Labels to match: a value matches <c>key=value</c>, a null value matches any container with the key.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public async Task<IReadOnlyList<DockerContainerSummary>> ListContainersAsync(
        IReadOnlyDictionary<string, string?> labels, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var parameters = new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = labels.ToDictionary(pair => pair.Value is null ? pair.Key : $"{pair.Key}={pair.Value}", _ => true),
            },
        };
        var items = await CallAsync("list containers", (engine, ct) => engine.Containers.ListContainersAsync(parameters, ct), cancellationToken).ConfigureAwait(false);
        return [.. items.Select(item => new DockerContainerSummary(
            item.ID,
            item.Names is { Count: > 0 } names ? names[0].TrimStart('/') : "",
            item.Image ?? "",
            item.State ?? "",
            item.Status ?? "",
            Utc(item.Created),
            Copy(item.Labels))
        {
            ImageId = item.ImageID ?? "",
            Networks = Endpoints(item.NetworkSettings?.Networks),
            PublishedPorts = [.. (item.Ports ?? [])
                .Where(port => port.PublicPort is > 0 && port.Type is null or "tcp")
                .Select(port => new DockerPortPublication(port.PrivatePort, port.IP ?? "", port.PublicPort!.Value))],
        })];
    }

    /// <summary>
    /// Reads a multiplexed output stream (a log or an exec's output) into frames, one UTF-8 decoder per output so that a
    /// character split across two frames survives.
    /// </summary>
    private async IAsyncEnumerable<DockerLogFrame> ReadFramesAsync(
        Engine.MultiplexedStream stream, string operation, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        var chars = new char[Encoding.UTF8.GetMaxCharCount(buffer.Length)];
        var decoders = new[] { Encoding.UTF8.GetDecoder(), Encoding.UTF8.GetDecoder(), Encoding.UTF8.GetDecoder() };
        while (true)
        {
            Engine.MultiplexedStream.ReadResult read;
            try
            {
                read = await stream.ReadOutputAsync(buffer, 0, buffer.Length, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or HttpRequestException)
            {
                throw Lost(operation, e);
            }
            if (read.EOF)
            {
                yield break;
            }
            var target = read.Target switch
            {
                Engine.MultiplexedStream.TargetStream.StandardError => DockerLogStream.Stderr,
                Engine.MultiplexedStream.TargetStream.StandardIn => DockerLogStream.Stdin,
                _ => DockerLogStream.Stdout,
            };
            var count = decoders[(int)target].GetChars(buffer, 0, read.Count, chars, 0, flush: false);
            if (count > 0)
            {
                yield return new DockerLogFrame(target, new string(chars, 0, count));
            }
        }
    }

    private static string PortKey(int containerPort) => containerPort.ToString(CultureInfo.InvariantCulture) + "/tcp";

    private static Dictionary<string, DockerNetworkEndpoint> Endpoints(IDictionary<string, EndpointSettings>? networks) =>
        (networks ?? new Dictionary<string, EndpointSettings>()).ToDictionary(
            pair => pair.Key, pair => new DockerNetworkEndpoint(pair.Value?.IPAddress ?? "", pair.Value?.Gateway ?? ""), StringComparer.Ordinal);
}
