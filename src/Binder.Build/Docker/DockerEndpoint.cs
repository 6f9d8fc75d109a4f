using System.Net.Sockets;

namespace Binder.Build.Docker;

/// <summary>A parsed <c>DOCKER_HOST</c>: a unix socket path, or an HTTP base address for <c>tcp://</c>.</summary>
internal sealed record DockerEndpoint(string Display, string? SocketPath, Uri BaseAddress)
{
    public static DockerEndpoint Parse(string host)
    {
        if (host.StartsWith("unix://", StringComparison.OrdinalIgnoreCase))
        {
            var path = host["unix://".Length..];
            if (path.Length == 0)
            {
                throw Invalid(host);
            }
            // The host name is never sent anywhere; it only fills the Host header the daemon ignores.
            return new DockerEndpoint(host, path, new Uri("http://docker"));
        }
        if (host.StartsWith("tcp://", StringComparison.OrdinalIgnoreCase) || host.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            var authority = host[(host.IndexOf("://", StringComparison.Ordinal) + 3)..].TrimEnd('/');
            if (!Uri.TryCreate("http://" + authority, UriKind.Absolute, out var uri) || authority.Length == 0)
            {
                throw Invalid(host);
            }
            return new DockerEndpoint(host, null, uri);
        }
        throw Invalid(host);
    }

    public SocketsHttpHandler CreateHandler(TimeSpan connectTimeout)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = connectTimeout,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            UseProxy = false,
            AllowAutoRedirect = false,
        };
        if (SocketPath is { } path)
        {
            handler.ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }
        return handler;
    }

    private static BinderBuildException Invalid(string host) => new(
        $"The Docker endpoint '{host}' is not understood: set DOCKER_HOST to unix:///path/to/docker.sock or tcp://host:port.");
}
