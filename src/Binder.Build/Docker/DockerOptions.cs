namespace Binder.Build.Docker;

/// <summary>Where the Docker Engine API is and how long <see cref="DockerClient"/> waits for it.</summary>
public sealed record DockerOptions
{
    /// <summary>The socket Docker listens on when <c>DOCKER_HOST</c> is not set.</summary>
    public const string DefaultHost = "unix:///var/run/docker.sock";

    /// <summary>
    /// The daemon's endpoint: <c>unix:///path/to/docker.sock</c> or <c>tcp://host:port</c> (plain HTTP). Defaults to the
    /// <c>DOCKER_HOST</c> environment variable, else <see cref="DefaultHost"/>.
    /// </summary>
    public string Host { get; init; } = HostFromEnvironment();

    /// <summary>The Engine API version requests are made against (1.41 is Docker 20.10).</summary>
    public string ApiVersion { get; init; } = "1.41";

    /// <summary>
    /// How long <see cref="DockerClient.PingAsync"/>, the reachability check, may take before the daemon counts as
    /// unreachable. Docker.DotNet's transports have no connect time-out of their own; other calls are bounded by
    /// <see cref="RequestTimeout"/>, which covers their connect.
    /// </summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long an ordinary (non-streaming) request may take, such as inspect, create or remove.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(100);

    /// <summary>
    /// How long a build, push or pull stream may stay silent before the daemon is considered stuck. BuildKit sends nothing
    /// while a quiet <c>RUN</c> step works, so this is long; <see cref="Timeout.InfiniteTimeSpan"/> disables it.
    /// </summary>
    public TimeSpan StreamInactivityTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// The network <c>RUN</c> steps of a build use when <see cref="DockerBuildParameters.NetworkMode"/> is null.
    /// <c>default</c> is the daemon's default (bridge) network, as repo2docker and BinderHub use: a repository's
    /// <c>RUN</c> steps are untrusted code, and on <c>host</c> they could reach every service on the host's loopback
    /// (the registry, the Docker socket's HTTP twins, databases). Set it to <c>host</c> only for a daemon that has no
    /// bridge (<c>--bridge=none</c>) and whose host runs nothing a build must not reach; <c>none</c> cuts builds off
    /// entirely (no package installs).
    /// </summary>
    public string BuildNetworkMode { get; init; } = "default";

    /// <summary>
    /// The memory limit of a build's <c>RUN</c> steps in bytes, swap included (repo2docker's <c>--build-memory-limit</c>),
    /// sent as the build API's <c>memory</c> and <c>memswap</c>; 0 for none. The classic builder applies it to each
    /// step. BuildKit in dockerd 20.10 ignores it (checked: a step under <c>memory=64 MiB</c> sees no limit, and
    /// <c>cgroupparent</c> is ignored as well); there, a limit on the cgroup BuildKit runs every step under caps all
    /// builds of the node together (docs/launch.md, "Builds").
    /// </summary>
    public long BuildMemoryLimitBytes { get; init; } = 4L * 1024 * 1024 * 1024;

    /// <summary>How many of the last build log lines a <see cref="DockerBuildFailedException"/> message quotes.</summary>
    public int FailureLogLines { get; init; } = 20;

    /// <summary>Returns <c>DOCKER_HOST</c> when it is set and not empty, else <see cref="DefaultHost"/>.</summary>
    public static string HostFromEnvironment() =>
        Environment.GetEnvironmentVariable("DOCKER_HOST") is { Length: > 0 } host ? host : DefaultHost;
}
