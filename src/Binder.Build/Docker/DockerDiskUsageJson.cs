using System.Text.Json.Serialization;

namespace Binder.Build.Docker;

/// <summary>
/// <c>GET /system/df</c> as dockerd before Docker 29 answers it: the images at the top level. Docker.DotNet 4.4.1 models
/// the newer shape (<c>ImageUsage.Items</c>, API 1.52) and reads nothing from Docker 20.10, yet only this call reports
/// each image's shared size and container count there, which the image cleaner needs.
/// </summary>
internal sealed record DockerDiskUsageJson(IReadOnlyList<DockerDiskUsageImageJson>? Images);

/// <summary>One image of <see cref="DockerDiskUsageJson"/>.</summary>
internal sealed record DockerDiskUsageImageJson(
    string Id,
    IReadOnlyList<string>? RepoTags,
    long Created,
    long Size,
    long SharedSize,
    int Containers,
    Dictionary<string, string>? Labels);

[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true)]
[JsonSerializable(typeof(DockerDiskUsageJson))]
internal sealed partial class DockerDiskUsageJsonContext : JsonSerializerContext;
