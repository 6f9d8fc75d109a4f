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
    IReadOnlyDictionary<string, string> Labels);
