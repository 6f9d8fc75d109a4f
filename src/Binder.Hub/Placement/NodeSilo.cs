namespace Binder.Hub.Placement;

/// <summary>A live silo and the node it runs on.</summary>
/// <param name="Node">The node name from the silo's metadata.</param>
/// <param name="DockerEndpoint">The Docker daemon the silo says is beside it.</param>
/// <param name="Silo">The silo.</param>
public sealed record NodeSilo(string Node, string DockerEndpoint, SiloAddress Silo);
