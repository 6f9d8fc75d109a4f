namespace Binder.Build.Docker;

/// <summary>A local image as <c>GET /images/{name}/json</c> describes it.</summary>
/// <param name="Id">Image id (<c>sha256:...</c>).</param>
/// <param name="RepoTags">Names it is tagged with.</param>
/// <param name="RepoDigests">Registry digests it is known by (after a push or pull).</param>
/// <param name="Labels">The image's labels.</param>
/// <param name="Env">Environment variables (<c>K=V</c>) from the image config.</param>
/// <param name="Cmd">The default command.</param>
/// <param name="Entrypoint">The entrypoint.</param>
/// <param name="User">The user the image runs as, empty for root.</param>
/// <param name="WorkingDir">The working directory.</param>
/// <param name="ExposedPorts">Exposed ports, e.g. <c>8888/tcp</c>.</param>
/// <param name="Size">Size in bytes.</param>
/// <param name="Created">When it was built, as the daemon reports it (RFC 3339), if known.</param>
public sealed record DockerImageInfo(
    string Id,
    IReadOnlyList<string> RepoTags,
    IReadOnlyList<string> RepoDigests,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyList<string> Env,
    IReadOnlyList<string> Cmd,
    IReadOnlyList<string> Entrypoint,
    string User,
    string WorkingDir,
    IReadOnlyList<string> ExposedPorts,
    long Size,
    string? Created)
{
    /// <summary>
    /// When a name was last given to it (<c>Metadata.LastTagTime</c>): a build, a pull, or a tag, also a tag with
    /// the name it already has. Null when the daemon does not say.
    /// </summary>
    public DateTimeOffset? LastTagTime { get; init; }
}
