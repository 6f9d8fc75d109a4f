using System.Text.Json.Serialization;

namespace Binder.Server.Health;

/// <summary>One entry of <c>/health</c>'s <c>checks</c> list (BinderHub's shape: <c>service</c>, <c>ok</c>, details).</summary>
internal sealed record HealthCheckResult(
    [property: JsonPropertyName("service")] string Service,
    [property: JsonPropertyName("ok")] bool Ok,
    [property: JsonPropertyName("message")] string Message);
