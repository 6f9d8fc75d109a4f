namespace Binder.Build.Docker;

/// <summary>
/// A parsed <c>DOCKER_HOST</c>: a unix socket path, or a <c>tcp://</c> address. Parsed here rather than left to
/// Docker.DotNet, so that a value it would read differently (a bare path, <c>npipe://</c> on Linux, an empty socket
/// path) fails at start with the forms that work.
/// </summary>
/// <param name="Display">The endpoint as configured, for messages.</param>
/// <param name="SocketPath">The unix socket's path, or null for TCP.</param>
/// <param name="Uri">The address handed to Docker.DotNet (<c>unix:///path</c> or <c>tcp://host:port</c>).</param>
internal sealed record DockerEndpoint(string Display, string? SocketPath, Uri Uri)
{
    public static DockerEndpoint Parse(string host)
    {
        if (host.StartsWith("unix://", StringComparison.OrdinalIgnoreCase))
        {
            var path = host["unix://".Length..];
            if (path.Length == 0 || !Uri.TryCreate("unix://" + path, UriKind.Absolute, out var socket))
            {
                throw Invalid(host);
            }
            return new DockerEndpoint(host, path, socket);
        }
        if (host.StartsWith("tcp://", StringComparison.OrdinalIgnoreCase) || host.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            var authority = host[(host.IndexOf("://", StringComparison.Ordinal) + 3)..].TrimEnd('/');
            if (authority.Length == 0 || !Uri.TryCreate("tcp://" + authority, UriKind.Absolute, out var uri))
            {
                throw Invalid(host);
            }
            return new DockerEndpoint(host, null, uri);
        }
        throw Invalid(host);
    }

    private static BinderBuildException Invalid(string host) => new(
        $"The Docker endpoint '{host}' is not understood: set DOCKER_HOST to unix:///path/to/docker.sock or tcp://host:port.");
}
