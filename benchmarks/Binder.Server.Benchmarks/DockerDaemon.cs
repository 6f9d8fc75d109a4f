using System.Net.Sockets;
using System.Text.Json;

namespace Binder.Server.Benchmarks;

/// <summary>Questions for the Docker daemon itself (its event log), over its unix socket.</summary>
internal static class DockerDaemon
{
    /// <summary>How many times the daemon tagged an image whose name starts with <paramref name="prefix"/> in the interval: one per finished build.</summary>
    public static async Task<int> CountImageTagsAsync(string prefix, DateTimeOffset since, DateTimeOffset until)
    {
        var host = ServerProcess.Required("DOCKER_HOST");
        if (!host.StartsWith("unix://", StringComparison.Ordinal)) throw new InvalidOperationException("DOCKER_HOST must be a unix socket for this benchmark.");
        var socket = host["unix://".Length..];
        using var http = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = async (_, token) =>
            {
                var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await s.ConnectAsync(new UnixDomainSocketEndPoint(socket), token);
                return new NetworkStream(s, ownsSocket: true);
            },
        });
        var filters = Uri.EscapeDataString("{\"type\":[\"image\"],\"event\":[\"tag\"]}");
        var body = await http.GetStringAsync($"http://docker/v1.41/events?since={since.ToUnixTimeSeconds() - 1}&until={until.ToUnixTimeSeconds() + 1}&filters={filters}");
        var count = 0;
        foreach (var line in body.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var json = JsonDocument.Parse(line);
            if (json.RootElement.TryGetProperty("Actor", out var actor) && actor.TryGetProperty("Attributes", out var attributes)
                && attributes.TryGetProperty("name", out var name) && name.GetString() is { } n && n.StartsWith(prefix, StringComparison.Ordinal))
            {
                count++;
            }
        }
        return count;
    }
}
