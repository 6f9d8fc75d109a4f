namespace Binder.Actors;

/// <summary>Describes one reminder tick.</summary>
/// <param name="FirstTickTime">The due time of the first tick.</param>
/// <param name="Period">The reminder's period.</param>
/// <param name="CurrentTickTime">When this tick was fired.</param>
public readonly record struct TickStatus(DateTimeOffset FirstTickTime, TimeSpan Period, DateTimeOffset CurrentTickTime);
