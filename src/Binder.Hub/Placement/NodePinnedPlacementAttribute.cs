using Orleans.Placement;

namespace Binder.Hub.Placement;

/// <summary>Marks a grain class whose key is a node name as pinned to that node's silo.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class NodePinnedPlacementAttribute() : PlacementAttribute(NodePinnedPlacementStrategy.Instance);
