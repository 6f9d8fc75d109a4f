namespace Binder.Actors;

/// <summary>Places a grain on a random live silo.</summary>
public sealed class RandomPlacementAttribute : PlacementAttribute;
