using System.Text.Json.Serialization;

namespace Binder.Build.Manifest;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(EnvironmentManifest))]
internal sealed partial class ManifestJsonContext : JsonSerializerContext;
