using System.Net;

namespace Binder.Server.Health;

/// <summary>Asks a registry's <c>/v2/</c> base endpoint whether it answers (200, or 401 asking for credentials).</summary>
internal sealed class RegistryProbe(HttpClient http)
{
    public async Task<(bool Ok, string Message)> CheckAsync(string registry, CancellationToken cancellationToken)
    {
        var host = registry.Contains("://", StringComparison.Ordinal) ? registry.TrimEnd('/') : Scheme(registry) + registry.TrimEnd('/');
        try
        {
            using var response = await http.GetAsync(host + "/v2/", cancellationToken).ConfigureAwait(false);
            return response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Unauthorized
                ? (true, $"The registry {registry} answers.")
                : (false, $"The registry {registry} answered {(int)response.StatusCode} to /v2/.");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return (false, $"The registry {registry} does not answer: {e.Message}");
        }
    }

    // Loopback registries speak plain HTTP (dockerd allows it for them); any other is reached over TLS.
    private static string Scheme(string registry) =>
        registry.StartsWith("127.", StringComparison.Ordinal) || registry.StartsWith("localhost", StringComparison.OrdinalIgnoreCase) || registry.StartsWith("[::1]", StringComparison.Ordinal)
            ? "http://" : "https://";
}
