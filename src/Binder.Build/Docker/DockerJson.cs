using System.Text.Json;
using System.Text.Json.Serialization;

namespace Binder.Build.Docker;

// The Engine API's wire shapes. They are internal: callers see the public records (DockerImageInfo, ...) instead, so the
// wire format can follow the API version without changing what callers compile against.

/// <summary>Docker's <c>jsonmessage.JSONMessage</c>: one line of a build, push or pull stream.</summary>
internal sealed record DockerJsonMessage(
    [property: JsonPropertyName("stream")] string? Stream,
    [property: JsonPropertyName("status")] string? Status,
    [property: JsonPropertyName("progress")] string? Progress,
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("error")] string? Error,
    [property: JsonPropertyName("errorDetail")] DockerErrorDetail? ErrorDetail,
    [property: JsonPropertyName("aux")] JsonElement? Aux);

internal sealed record DockerErrorDetail(
    [property: JsonPropertyName("code")] int? Code,
    [property: JsonPropertyName("message")] string? Message);

internal sealed record DockerErrorResponse([property: JsonPropertyName("message")] string? Message);

internal sealed record DockerImageIdAux([property: JsonPropertyName("ID")] string? Id);

internal sealed record DockerPushAux(string? Tag, string? Digest, long? Size);

internal sealed record DockerAuthConfig(
    [property: JsonPropertyName("username")] string? Username,
    [property: JsonPropertyName("password")] string? Password,
    [property: JsonPropertyName("serveraddress")] string? ServerAddress);

internal sealed record DockerVersionResponse(string? Version, string? ApiVersion, string? MinAPIVersion, string? Os, string? Arch, string? KernelVersion);

internal sealed record DockerImageConfig(
    IReadOnlyDictionary<string, string>? Labels,
    IReadOnlyList<string>? Env,
    IReadOnlyList<string>? Cmd,
    IReadOnlyList<string>? Entrypoint,
    string? User,
    string? WorkingDir,
    IReadOnlyDictionary<string, JsonElement>? ExposedPorts);

internal sealed record DockerImageInspectResponse(
    string Id,
    IReadOnlyList<string>? RepoTags,
    IReadOnlyList<string>? RepoDigests,
    string? Created,
    long Size,
    DockerImageConfig? Config);

internal sealed record DockerHostConfig(string? NetworkMode, bool AutoRemove, long? Memory, long? NanoCpus);

internal sealed record DockerContainerCreateRequest(
    string Image,
    IReadOnlyList<string>? Cmd,
    IReadOnlyList<string>? Entrypoint,
    IReadOnlyList<string>? Env,
    IReadOnlyDictionary<string, string>? Labels,
    string? User,
    string? WorkingDir,
    bool Tty,
    DockerHostConfig HostConfig);

internal sealed record DockerContainerCreateResponse(string Id, IReadOnlyList<string>? Warnings);

internal sealed record DockerWaitError(string? Message);

internal sealed record DockerContainerWaitResponse(long StatusCode, DockerWaitError? Error);

internal sealed record DockerContainerListItem(
    string Id,
    IReadOnlyList<string>? Names,
    string? Image,
    string? ImageID,
    string? State,
    string? Status,
    long Created,
    IReadOnlyDictionary<string, string>? Labels);

internal sealed record DockerContainerState(string? Status, bool Running, long ExitCode, string? StartedAt, string? FinishedAt);

internal sealed record DockerContainerInspectConfig(IReadOnlyDictionary<string, string>? Labels);

internal sealed record DockerContainerInspectResponse(
    string Id, string? Name, string? Image, DockerContainerState? State, DockerContainerInspectConfig? Config);

[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DockerJsonMessage))]
[JsonSerializable(typeof(DockerErrorResponse))]
[JsonSerializable(typeof(DockerImageIdAux))]
[JsonSerializable(typeof(DockerPushAux))]
[JsonSerializable(typeof(DockerAuthConfig))]
[JsonSerializable(typeof(DockerVersionResponse))]
[JsonSerializable(typeof(DockerImageInspectResponse))]
[JsonSerializable(typeof(DockerContainerCreateRequest))]
[JsonSerializable(typeof(DockerContainerCreateResponse))]
[JsonSerializable(typeof(DockerContainerWaitResponse))]
[JsonSerializable(typeof(List<DockerContainerListItem>))]
[JsonSerializable(typeof(DockerContainerInspectResponse))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(Dictionary<string, string[]>))]
internal sealed partial class DockerJsonContext : JsonSerializerContext;
