using System.Globalization;
using Binder.Build.Docker;

namespace Binder.Hub.Tests.Launch;

/// <summary>
/// What a session can reach, tried from inside its container (<c>docker exec</c> as the container's own user, the
/// session's) with the image's Python: TCP connections, unix sockets and HTTP requests.
/// </summary>
internal static class SessionProbe
{
    // Each probe prints one line: "<what> open" or "<what> closed <error>".
    private const string Script = """
        import socket, sys, urllib.request, urllib.error
        for item in sys.argv[1:]:
            kind, _, rest = item.partition(':')
            try:
                if kind == 'tcp':
                    host, _, port = rest.rpartition(':')
                    s = socket.create_connection((host, int(port)), timeout=3); s.close()
                    print(item, 'open')
                elif kind == 'unix':
                    s = socket.socket(socket.AF_UNIX); s.settimeout(3); s.connect(rest); s.close()
                    print(item, 'open')
                elif kind == 'http':
                    try:
                        code = urllib.request.urlopen('http:' + rest, timeout=5).status
                    except urllib.error.HTTPError as e:
                        code = e.code
                    print(item, 'status', code)
            except Exception as e:
                print(item, 'closed', type(e).__name__)
        """;

    /// <summary>Connects to each <c>host:port</c> from inside the container; true where the connection was accepted.</summary>
    public static async Task<Dictionary<string, bool>> TcpAsync(DockerClient docker, string containerId, IEnumerable<(string Host, int Port)> targets, CancellationToken cancellationToken)
    {
        var items = targets.Select(t => $"tcp:{t.Host}:{t.Port.ToString(CultureInfo.InvariantCulture)}").ToList();
        var lines = await RunAsync(docker, containerId, items, cancellationToken);
        return items.ToDictionary(i => i[4..], i => lines[i].StartsWith("open", StringComparison.Ordinal));
    }

    /// <summary>Connects to a unix socket from inside the container; true when it was accepted.</summary>
    public static async Task<bool> UnixSocketAsync(DockerClient docker, string containerId, string path, CancellationToken cancellationToken)
    {
        var item = "unix:" + path;
        return (await RunAsync(docker, containerId, [item], cancellationToken))[item].StartsWith("open", StringComparison.Ordinal);
    }

    /// <summary>GETs <paramref name="url"/> (http only) from inside the container: the status code, or null when no connection was made.</summary>
    public static async Task<int?> HttpStatusAsync(DockerClient docker, string containerId, Uri url, CancellationToken cancellationToken)
    {
        var item = "http:" + url.ToString()["http:".Length..];
        var result = (await RunAsync(docker, containerId, [item], cancellationToken))[item];
        return result.StartsWith("status ", StringComparison.Ordinal) ? int.Parse(result["status ".Length..], CultureInfo.InvariantCulture) : null;
    }

    private static async Task<Dictionary<string, string>> RunAsync(DockerClient docker, string containerId, List<string> items, CancellationToken cancellationToken)
    {
        var result = await docker.ExecAsync(containerId, ["python3", "-c", Script, .. items], cancellationToken: cancellationToken);
        Assert.True(result.ExitCode == 0, $"The probe failed ({result.ExitCode}): {result.Stdout}{result.Stderr}");
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return items.ToDictionary(i => i, i => lines.Single(l => l.StartsWith(i + " ", StringComparison.Ordinal))[(i.Length + 1)..]);
    }
}
