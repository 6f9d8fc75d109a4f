using System.Text.Json.Serialization;

namespace Binder.Server.Health;

/// <summary>The <c>/health</c> answer: <c>ok</c> only when every check is.</summary>
internal sealed record HealthReport(
    [property: JsonPropertyName("ok")] bool Ok,
    [property: JsonPropertyName("checks")] IReadOnlyList<HealthCheckResult> Checks);
