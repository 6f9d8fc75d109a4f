using System.Net.Sockets;
using System.Text.Json;

namespace Binder.Server.Benchmarks;

/// <summary>
/// Watches the Docker daemon's own event stream (over its unix socket) for image tags while a benchmark runs: each
/// finished build tags its image once. Watching live, because the daemon keeps only its last 256 events and other
/// work on the machine pushes ours out.
/// </summary>
internal sealed class DockerDaemon : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<string> _tags = [];
    private Task? _reading;

    private DockerDaemon(HttpClient http) => _http = http;

    /// <summary>Starts watching; returns once the daemon has accepted the subscription.</summary>
    public static async Task<DockerDaemon> WatchImageTagsAsync()
    {
        var host = ServerProcess.Required("DOCKER_HOST");
        if (!host.StartsWith("unix://", StringComparison.Ordinal)) throw new InvalidOperationException("DOCKER_HOST must be a unix socket for this benchmark.");
        var socket = host["unix://".Length..];
        var http = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = async (_, token) =>
            {
                var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await s.ConnectAsync(new UnixDomainSocketEndPoint(socket), token);
                return new NetworkStream(s, ownsSocket: true);
            },
        })
        { Timeout = Timeout.InfiniteTimeSpan };
        var watch = new DockerDaemon(http);
        var filters = Uri.EscapeDataString("{\"type\":[\"image\"],\"event\":[\"tag\"]}");
        var response = await http.GetAsync($"http://docker/v1.41/events?filters={filters}", HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        watch._reading = watch.ReadAsync(response);
        return watch;
    }

    /// <summary>How many times <paramref name="image"/> (<c>name:tag</c>) was tagged so far.</summary>
    public int CountTags(string image)
    {
        lock (_tags) return _tags.Count(t => t == image);
    }

    private async Task ReadAsync(HttpResponseMessage response)
    {
        using (response)
        {
            try
            {
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(_stop.Token));
                while (await reader.ReadLineAsync(_stop.Token) is { } line)
                {
                    using var json = JsonDocument.Parse(line);
                    if (json.RootElement.TryGetProperty("Actor", out var actor) && actor.TryGetProperty("Attributes", out var attributes)
                        && attributes.TryGetProperty("name", out var name) && name.GetString() is { } n)
                    {
                        lock (_tags) _tags.Add(n);
                    }
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_reading is not null) await _reading;
        _http.Dispose();
        _stop.Dispose();
    }
}
