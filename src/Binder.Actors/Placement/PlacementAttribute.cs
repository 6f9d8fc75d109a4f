namespace Binder.Actors;

/// <summary>Base of the attributes that choose on which silo a grain is activated in a cluster. Put it on the grain
/// class (or the grain interface). Without one, placement is <see cref="HashBasedPlacementAttribute"/>.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Interface, Inherited = true)]
public abstract class PlacementAttribute : Attribute;
