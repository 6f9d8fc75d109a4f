namespace Binder.Build.Docker;

/// <summary>A container's state as <c>GET /containers/{id}/json</c> reports it.</summary>
/// <param name="Id">Container id.</param>
/// <param name="Name">Its name, without the leading slash.</param>
/// <param name="Image">The image id it runs.</param>
/// <param name="Status">State: <c>created</c>, <c>running</c>, <c>exited</c>...</param>
/// <param name="Running">Whether it runs now.</param>
/// <param name="ExitCode">The exit code of its last run (0 while it has not exited).</param>
/// <param name="StartedAt">When it last started, as the daemon reports it (RFC 3339).</param>
/// <param name="FinishedAt">When it last exited, as the daemon reports it (RFC 3339).</param>
/// <param name="Labels">Its labels.</param>
public sealed record DockerContainerInfo(
    string Id,
    string Name,
    string Image,
    string Status,
    bool Running,
    long ExitCode,
    string StartedAt,
    string FinishedAt,
    IReadOnlyDictionary<string, string> Labels)
{
    /// <summary>The user it runs as (<c>Config.User</c>), empty for the image's.</summary>
    public string User { get; init; } = "";

    /// <summary>Its address on each network it joined, by network name.</summary>
    public IReadOnlyDictionary<string, DockerNetworkEndpoint> Networks { get; init; } = new Dictionary<string, DockerNetworkEndpoint>();

    /// <summary>Its ports published on the host, with the host ports the daemon picked (while it runs).</summary>
    public IReadOnlyList<DockerPortPublication> PublishedPorts { get; init; } = [];
}
