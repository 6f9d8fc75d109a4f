namespace Binder.Hub.Placement;

/// <summary>
/// The node this silo runs on: the name builds and sessions are pinned to, and the Docker daemon beside it. Every silo
/// publishes both in its Orleans silo metadata (<see cref="NameKey"/>, <see cref="DockerKey"/>), so placement matches a
/// node by what the silo says it is, not by its silo name (under Kubernetes the silo name is the pod's name).
/// </summary>
/// <param name="Name">The node name (<c>Silo:NodeName</c>; the machine name by default).</param>
/// <param name="DockerEndpoint">The Docker daemon of the node, e.g. <c>unix:///var/run/docker.sock</c>.</param>
public sealed record BinderNode(string Name, string DockerEndpoint)
{
    /// <summary>The silo metadata key holding the node name.</summary>
    public const string NameKey = "binder.node";

    /// <summary>The silo metadata key holding the node's Docker endpoint.</summary>
    public const string DockerKey = "binder.docker";
}
