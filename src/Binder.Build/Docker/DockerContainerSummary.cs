namespace Binder.Build.Docker;

/// <summary>A container as <c>GET /containers/json</c> lists it.</summary>
/// <param name="Id">Container id.</param>
/// <param name="Name">Its name, without the leading slash.</param>
/// <param name="Image">The image it was created from.</param>
/// <param name="State">State: <c>created</c>, <c>running</c>, <c>exited</c>...</param>
/// <param name="Status">Human-readable status, e.g. <c>Up 3 minutes</c>.</param>
/// <param name="Created">When it was created.</param>
/// <param name="Labels">Its labels.</param>
public sealed record DockerContainerSummary(
    string Id,
    string Name,
    string Image,
    string State,
    string Status,
    DateTimeOffset Created,
    IReadOnlyDictionary<string, string> Labels)
{
    /// <summary>The id (<c>sha256:...</c>) of the image it runs.</summary>
    public string ImageId { get; init; } = "";

    /// <summary>Its address on each network it joined, by network name.</summary>
    public IReadOnlyDictionary<string, DockerNetworkEndpoint> Networks { get; init; } = new Dictionary<string, DockerNetworkEndpoint>();

    /// <summary>Its ports published on the host (while it runs).</summary>
    public IReadOnlyList<DockerPortPublication> PublishedPorts { get; init; } = [];
}
