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

internal sealed record DockerImageMetadata(string? LastTagTime);

internal sealed record DockerImageInspectResponse(
    string Id,
    IReadOnlyList<string>? RepoTags,
    IReadOnlyList<string>? RepoDigests,
    string? Created,
    long Size,
    DockerImageConfig? Config,
    DockerImageMetadata? Metadata);

internal sealed record DockerPortBindingJson(string? HostIp, string? HostPort);

internal sealed record DockerHostConfig(
    string? NetworkMode,
    bool AutoRemove,
    long? Memory,
    long? MemorySwap,
    long? NanoCpus,
    long? PidsLimit,
    IReadOnlyList<string>? CapDrop,
    IReadOnlyList<string>? SecurityOpt,
    IReadOnlyDictionary<string, IReadOnlyList<DockerPortBindingJson>>? PortBindings);

/// <summary>The empty object the Engine API wants as the value of each exposed port (<c>{"8888/tcp": {}}</c>).</summary>
internal sealed record DockerEmptyObject;

internal sealed record DockerContainerCreateRequest(
    string Image,
    IReadOnlyList<string>? Cmd,
    IReadOnlyList<string>? Entrypoint,
    IReadOnlyList<string>? Env,
    IReadOnlyDictionary<string, string>? Labels,
    string? User,
    string? WorkingDir,
    bool Tty,
    IReadOnlyDictionary<string, DockerEmptyObject>? ExposedPorts,
    DockerHostConfig HostConfig);

internal sealed record DockerContainerCreateResponse(string Id, IReadOnlyList<string>? Warnings);

internal sealed record DockerWaitError(string? Message);

internal sealed record DockerContainerWaitResponse(long StatusCode, DockerWaitError? Error);

internal sealed record DockerEndpointJson(string? IPAddress, string? Gateway);

internal sealed record DockerListNetworkSettings(IReadOnlyDictionary<string, DockerEndpointJson>? Networks);

internal sealed record DockerListPort(string? IP, int PrivatePort, int? PublicPort, string? Type);

internal sealed record DockerContainerListItem(
    string Id,
    IReadOnlyList<string>? Names,
    string? Image,
    string? ImageID,
    string? State,
    string? Status,
    long Created,
    IReadOnlyDictionary<string, string>? Labels,
    IReadOnlyList<DockerListPort>? Ports,
    DockerListNetworkSettings? NetworkSettings);

internal sealed record DockerContainerState(string? Status, bool Running, long ExitCode, string? StartedAt, string? FinishedAt);

internal sealed record DockerContainerInspectConfig(IReadOnlyDictionary<string, string>? Labels, string? User);

internal sealed record DockerInspectNetworkSettings(
    IReadOnlyDictionary<string, DockerEndpointJson>? Networks,
    IReadOnlyDictionary<string, IReadOnlyList<DockerPortBindingJson>?>? Ports);

internal sealed record DockerContainerInspectResponse(
    string Id,
    string? Name,
    string? Image,
    DockerContainerState? State,
    DockerContainerInspectConfig? Config,
    DockerInspectNetworkSettings? NetworkSettings);

internal sealed record DockerIpamConfigJson(string? Subnet, string? Gateway);

internal sealed record DockerIpamJson(string? Driver, IReadOnlyList<DockerIpamConfigJson>? Config);

internal sealed record DockerNetworkCreateRequest(
    string Name,
    bool CheckDuplicate,
    string Driver,
    bool Internal,
    DockerIpamJson? IPAM,
    IReadOnlyDictionary<string, string>? Options,
    IReadOnlyDictionary<string, string>? Labels);

internal sealed record DockerNetworkCreateResponse(string Id, string? Warning);

internal sealed record DockerNetworkInspectResponse(
    string Id,
    string? Name,
    string? Driver,
    bool Internal,
    DockerIpamJson? IPAM,
    IReadOnlyDictionary<string, string>? Options,
    IReadOnlyDictionary<string, string>? Labels,
    IReadOnlyDictionary<string, JsonElement>? Containers);

internal sealed record DockerInfoResponse(long MemTotal, int NCPU, string? DockerRootDir, string? CgroupDriver, string? CgroupVersion, string? ServerVersion);

internal sealed record DockerDiskUsageImage(
    string Id,
    IReadOnlyList<string>? RepoTags,
    long Created,
    long Size,
    long SharedSize,
    int Containers,
    IReadOnlyDictionary<string, string>? Labels);

internal sealed record DockerDiskUsageResponse(IReadOnlyList<DockerDiskUsageImage>? Images);

internal sealed record DockerExecCreateRequest(bool AttachStdout, bool AttachStderr, bool Tty, string? User, IReadOnlyList<string> Cmd, IReadOnlyList<string>? Env);

internal sealed record DockerExecStartRequest(bool Detach, bool Tty);

internal sealed record DockerIdResponse(string Id);

internal sealed record DockerExecInspectResponse(bool Running, long? ExitCode);

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
[JsonSerializable(typeof(DockerNetworkCreateRequest))]
[JsonSerializable(typeof(DockerNetworkCreateResponse))]
[JsonSerializable(typeof(DockerNetworkInspectResponse))]
[JsonSerializable(typeof(DockerInfoResponse))]
[JsonSerializable(typeof(DockerDiskUsageResponse))]
[JsonSerializable(typeof(DockerExecCreateRequest))]
[JsonSerializable(typeof(DockerExecStartRequest))]
[JsonSerializable(typeof(DockerIdResponse))]
[JsonSerializable(typeof(DockerExecInspectResponse))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(Dictionary<string, string[]>))]
internal sealed partial class DockerJsonContext : JsonSerializerContext;
