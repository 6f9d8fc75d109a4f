namespace Binder.Actors;

/// <summary>Durable reminder settings.</summary>
public sealed record ReminderOptions
{
    /// <summary>How often the silo re-reads the reminder table to pick up reminders registered elsewhere or after a
    /// change of cluster membership (default 1 minute).</summary>
    public TimeSpan RefreshPeriod { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>The smallest period a reminder may have (default 1 minute; reminders are for coarse, durable ticks —
    /// use grain timers for fine ones).</summary>
    public TimeSpan MinimumPeriod { get; init; } = TimeSpan.FromMinutes(1);
}
