namespace Binder.Actors;

/// <summary>Implemented by grains that register durable reminders.</summary>
public interface IRemindable : IGrain
{
    /// <summary>Delivers one reminder tick.</summary>
    /// <param name="reminderName">The name it was registered with.</param>
    /// <param name="status">When the reminder first ticked, its period and the time of this tick.</param>
    Task ReceiveReminder(string reminderName, TickStatus status);
}

/// <summary>Describes one reminder tick.</summary>
/// <param name="FirstTickTime">The due time of the first tick.</param>
/// <param name="Period">The reminder's period.</param>
/// <param name="CurrentTickTime">When this tick was fired.</param>
public readonly record struct TickStatus(DateTimeOffset FirstTickTime, TimeSpan Period, DateTimeOffset CurrentTickTime);

/// <summary>A registered reminder.</summary>
public interface IGrainReminder
{
    /// <summary>The reminder's name, unique per grain.</summary>
    string ReminderName { get; }
}
