namespace Binder.Build.Docker;

/// <summary>One local image as <c>GET /system/df</c> reports it.</summary>
/// <param name="Id">Image id (<c>sha256:...</c>).</param>
/// <param name="RepoTags">Names it is tagged with (<c>&lt;none&gt;:&lt;none&gt;</c> entries left out).</param>
/// <param name="Created">When it was built.</param>
/// <param name="Size">Its whole size in bytes, layers shared with other images included.</param>
/// <param name="SharedSize">The bytes of its layers that other images use too; removing it frees about <c>Size - SharedSize</c>.</param>
/// <param name="Containers">How many containers (running or not) use it.</param>
/// <param name="Labels">Its labels.</param>
public sealed record DockerImageDiskUsage(
    string Id,
    IReadOnlyList<string> RepoTags,
    DateTimeOffset Created,
    long Size,
    long SharedSize,
    int Containers,
    IReadOnlyDictionary<string, string> Labels)
{
    /// <summary>About what removing the image frees: its layers no other image uses.</summary>
    public long UniqueSize => Math.Max(0, Size - Math.Max(0, SharedSize));
}
