namespace Binder.Actors;

/// <summary>Marks an interface method that does not change the grain's state: read-only calls interleave with each
/// other but not with other calls.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ReadOnlyAttribute : Attribute;
