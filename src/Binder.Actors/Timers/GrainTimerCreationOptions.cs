namespace Binder.Actors;

/// <summary>How a grain timer ticks.</summary>
public sealed record GrainTimerCreationOptions
{
    /// <summary>Time until the first tick.</summary>
    public required TimeSpan DueTime { get; init; }

    /// <summary>Time between the end of one tick's callback and the next tick; <see cref="Timeout.InfiniteTimeSpan"/>
    /// for a single tick.</summary>
    public required TimeSpan Period { get; init; }

    /// <summary>When true the callback interleaves with calls; by default a tick waits for its turn like a call.</summary>
    public bool Interleave { get; init; }

    /// <summary>When true a tick counts as activity and so keeps the activation from idle collection.</summary>
    public bool KeepAlive { get; init; }
}
