namespace Binder.Actors;

/// <summary>The grain's key names a node: the grain lives on a silo whose node name equals the key. Calls fail with
/// <see cref="NoSiloAvailableException"/> when no silo of that node is alive.</summary>
public sealed class NodePinnedPlacementAttribute : PlacementAttribute;
