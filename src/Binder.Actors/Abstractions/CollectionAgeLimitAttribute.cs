namespace Binder.Actors;

/// <summary>Overrides the idle collection age for one grain class.</summary>
/// <param name="minutes">Idle minutes after which an activation is deactivated.</param>
[AttributeUsage(AttributeTargets.Class)]
public sealed class CollectionAgeLimitAttribute(double minutes) : Attribute
{
    /// <summary>The idle age after which an activation of the class is collected.</summary>
    public TimeSpan Age { get; } = TimeSpan.FromMinutes(minutes);
}
