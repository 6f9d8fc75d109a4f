using System.Text.Json.Serialization;

namespace Binder.Cli.Output;

/// <summary>One line of <c>--json-logs</c>: the shape BinderHub forwards to its clients (with the service's own <c>built</c> fields).</summary>
internal sealed record JsonLogLine(string Phase, string Message, string? ImageName = null, string? Url = null, string? Token = null)
{
    /// <summary>The image's environment key (phase <c>built</c>), named as the service's <c>/build</c> stream names it.</summary>
    [JsonPropertyName("environment_key")] public string? EnvironmentKey { get; init; }

    /// <summary>The cache source whose environment the build was offered (phase <c>built</c>).</summary>
    [JsonPropertyName("reused_environment_of")] public string? ReusedEnvironmentOf { get; init; }
}
