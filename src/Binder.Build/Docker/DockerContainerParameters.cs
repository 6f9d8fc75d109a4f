namespace Binder.Build.Docker;

/// <summary>What container to create: image, command, environment, labels, and host settings.</summary>
public sealed record DockerContainerParameters
{
    /// <summary>The image to run.</summary>
    public required string Image { get; init; }

    /// <summary>The container's name, or null for a generated one.</summary>
    public string? Name { get; init; }

    /// <summary>The command, or null for the image's default.</summary>
    public IReadOnlyList<string>? Cmd { get; init; }

    /// <summary>The entrypoint, or null for the image's default.</summary>
    public IReadOnlyList<string>? Entrypoint { get; init; }

    /// <summary>Environment variables added to the image's.</summary>
    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();

    /// <summary>Labels, used to find the container again (<see cref="DockerClient.ListContainersAsync"/>).</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>The user to run as, or null for the image's.</summary>
    public string? User { get; init; }

    /// <summary>The working directory, or null for the image's.</summary>
    public string? WorkingDir { get; init; }

    /// <summary>
    /// The network. <c>host</c> by default: the daemons this runs on have no default bridge (<c>--bridge=none</c>), and
    /// the container started from a built image (<c>JupyterRunner</c>) serves on a host port it is told, without port
    /// publishing, which needs a bridge. Its code then shares the host's network, as <c>repo2docker --run</c> on the
    /// operator's own machine does; where the host's loopback holds services a user's container must not reach, give a
    /// bridged network here instead (build steps default to the daemon's network, see <see cref="DockerOptions.BuildNetworkMode"/>).
    /// </summary>
    public string NetworkMode { get; init; } = "host";

    /// <summary>Whether the daemon removes the container when it exits (off, so logs and exit code can still be read).</summary>
    public bool AutoRemove { get; init; }

    /// <summary>Memory limit in bytes, or null for none.</summary>
    public long? MemoryLimitBytes { get; init; }

    /// <summary>
    /// Memory plus swap in bytes (<c>HostConfig.MemorySwap</c>), or null for the daemon's default (twice the memory
    /// limit). Equal to <see cref="MemoryLimitBytes"/> means no swap beyond the memory limit.
    /// </summary>
    public long? MemorySwapBytes { get; init; }

    /// <summary>The most processes and threads the container may have at once, or null for no limit.</summary>
    public long? PidsLimit { get; init; }

    /// <summary>Capabilities to drop, e.g. <c>ALL</c>.</summary>
    public IReadOnlyList<string> CapDrop { get; init; } = [];

    /// <summary>Security options, e.g. <c>no-new-privileges</c>.</summary>
    public IReadOnlyList<string> SecurityOpt { get; init; } = [];

    /// <summary>Container ports published on the host (needs a bridged network, not <c>host</c>).</summary>
    public IReadOnlyList<DockerPortPublication> PublishedPorts { get; init; } = [];

    /// <summary>CPU limit in units of 10⁻⁹ CPUs (1.5 CPUs = 1_500_000_000), or null for none.</summary>
    public long? NanoCpus { get; init; }
}
