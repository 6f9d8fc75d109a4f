namespace Binder.Actors;

/// <summary>Base of the attributes that choose on which silo a grain is activated in a cluster. Put it on the grain
/// class (or the grain interface). Without one, placement is <see cref="HashBasedPlacementAttribute"/>.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Interface, Inherited = true)]
public abstract class PlacementAttribute : Attribute;

/// <summary>Places a grain on the live silo chosen by a hash of its identity (the default).</summary>
public sealed class HashBasedPlacementAttribute : PlacementAttribute;

/// <summary>Places a grain on the silo of the caller when the caller is a silo, otherwise by hash.</summary>
public sealed class PreferLocalPlacementAttribute : PlacementAttribute;

/// <summary>Places a grain on a random live silo.</summary>
public sealed class RandomPlacementAttribute : PlacementAttribute;

/// <summary>The grain's key names a node: the grain lives on a silo whose node name equals the key. Calls fail with
/// <see cref="NoSiloAvailableException"/> when no silo of that node is alive.</summary>
public sealed class NodePinnedPlacementAttribute : PlacementAttribute;
