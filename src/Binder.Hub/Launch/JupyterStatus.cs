using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Binder.Hub.Launch;

/// <summary>Jupyter's <c>/api/status</c> as the backends read it for idle culling.</summary>
internal static class JupyterStatus
{
    /// <summary>Jupyter's own <c>last_activity</c> at <paramref name="status"/> (asked with <paramref name="token"/>),
    /// or null when it does not answer, refuses, or sends no such time.</summary>
    public static async Task<DateTimeOffset?> LastActivityAsync(HttpClient http, Uri status, string token, CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, status);
            request.Headers.Authorization = new AuthenticationHeaderValue("token", token);
            using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return null;
            }
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            using var json = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken).ConfigureAwait(false);
            return json.RootElement.ValueKind == JsonValueKind.Object
                && json.RootElement.TryGetProperty("last_activity", out var value)
                && value.ValueKind == JsonValueKind.String
                && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
                ? at
                : null;
        }
        catch (Exception e) when (e is HttpRequestException or JsonException || e is TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }
}
