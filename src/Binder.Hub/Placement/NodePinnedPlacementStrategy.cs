namespace Binder.Hub.Placement;

/// <summary>
/// Places a grain whose key is a node name on the live silo whose metadata names that node (see
/// <see cref="NodePinnedPlacementDirector"/>): the builder and node-sessions grains, which must run beside the node's
/// Docker daemon. There is no fallback to another node: a build on the wrong daemon would not be where it was asked for.
/// </summary>
[GenerateSerializer, Immutable, Alias("binder.NodePinnedPlacementStrategy")]
public sealed class NodePinnedPlacementStrategy : PlacementStrategy
{
    /// <summary>The one instance the attribute hands to Orleans.</summary>
    public static NodePinnedPlacementStrategy Instance { get; } = new();
}
