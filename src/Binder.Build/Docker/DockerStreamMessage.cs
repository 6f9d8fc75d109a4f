using System.Text.Json;
using System.Text.Json.Serialization;

namespace Binder.Build.Docker;

/// <summary>
/// One line of a build stream (Docker's <c>jsonmessage.JSONMessage</c>), read here rather than with Docker.DotNet's
/// <c>JSONMessage</c>: that types <c>aux</c> as an object, and BuildKit's <c>moby.buildkit.trace</c> lines carry it as a
/// base64 string, which Docker.DotNet cannot deserialize (checked with 4.4.1: "The JSON value could not be converted to
/// ObjectExtensionData").
/// </summary>
internal sealed record DockerStreamMessage(
    [property: JsonPropertyName("stream")] string? Stream,
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("error")] string? Error,
    [property: JsonPropertyName("errorDetail")] DockerStreamError? ErrorDetail,
    [property: JsonPropertyName("aux")] JsonElement? Aux);

/// <summary>The <c>errorDetail</c> of a stream line.</summary>
internal sealed record DockerStreamError([property: JsonPropertyName("message")] string? Message);

[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true)]
[JsonSerializable(typeof(DockerStreamMessage))]
[JsonSerializable(typeof(IReadOnlyList<string>))] // the build's cachefrom query value
internal sealed partial class DockerStreamJsonContext : JsonSerializerContext;
