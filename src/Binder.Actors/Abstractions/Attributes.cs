namespace Binder.Actors;

/// <summary>Lets all calls into activations of this grain class interleave at their <c>await</c> points.
/// Grain code still runs one turn at a time.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = true)]
public sealed class ReentrantAttribute : Attribute;

/// <summary>Lets calls to this interface method interleave with any other call to the activation.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class AlwaysInterleaveAttribute : Attribute;

/// <summary>Marks an interface method that does not change the grain's state: read-only calls interleave with each
/// other but not with other calls.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ReadOnlyAttribute : Attribute;

/// <summary>The caller does not wait for this method: the returned task completes as soon as the call is sent and
/// errors are only logged. The method must return <c>void</c>, <see cref="Task"/> or <see cref="ValueTask"/>.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class OneWayAttribute : Attribute;

/// <summary>Overrides the idle collection age for one grain class.</summary>
/// <param name="minutes">Idle minutes after which an activation is deactivated.</param>
[AttributeUsage(AttributeTargets.Class)]
public sealed class CollectionAgeLimitAttribute(double minutes) : Attribute
{
    /// <summary>The idle age after which an activation of the class is collected.</summary>
    public TimeSpan Age { get; } = TimeSpan.FromMinutes(minutes);
}
