namespace Binder.Actors;

/// <summary>Places a grain on the live silo chosen by a hash of its identity (the default).</summary>
public sealed class HashBasedPlacementAttribute : PlacementAttribute;
