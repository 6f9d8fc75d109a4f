namespace Binder.Actors;

/// <summary>Places a grain on the silo of the caller when the caller is a silo, otherwise by hash.</summary>
public sealed class PreferLocalPlacementAttribute : PlacementAttribute;
