using System.Text.Json.Serialization;

namespace Binder.Build.Registry;

/// <summary>The token service's answer, as the distribution token spec documents it.</summary>
internal sealed record RegistryTokenResponse(
    [property: JsonPropertyName("token")] string? Token,
    [property: JsonPropertyName("access_token")] string? AccessToken,
    [property: JsonPropertyName("expires_in")] int? ExpiresIn);

[JsonSerializable(typeof(RegistryTokenResponse))]
internal sealed partial class RegistryJsonContext : JsonSerializerContext;
