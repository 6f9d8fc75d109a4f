namespace Binder.Build.Docker;

/// <summary>A container's address on one Docker network.</summary>
/// <param name="IPAddress">The container's IPv4 address there (empty while the container is not running).</param>
/// <param name="Gateway">The network's gateway, the host's own address on that network.</param>
public sealed record DockerNetworkEndpoint(string IPAddress, string Gateway);
