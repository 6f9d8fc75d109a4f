namespace Binder.Build.Docker;

/// <summary>A container's TCP port published on an address of the host (<c>docker run -p HostIp:HostPort:ContainerPort</c>).</summary>
/// <param name="ContainerPort">The port inside the container.</param>
/// <param name="HostIp">The host address to listen on, e.g. this node's address; <c>0.0.0.0</c> for every address.</param>
/// <param name="HostPort">The host port; 0 lets the daemon pick a free one (read it back with <see cref="DockerClient.InspectContainerAsync"/>).</param>
public sealed record DockerPortPublication(int ContainerPort, string HostIp, int HostPort = 0);
