namespace Binder.Actors;

/// <summary>Implemented by grains that register durable reminders.</summary>
public interface IRemindable : IGrain
{
    /// <summary>Delivers one reminder tick.</summary>
    /// <param name="reminderName">The name it was registered with.</param>
    /// <param name="status">When the reminder first ticked, its period and the time of this tick.</param>
    Task ReceiveReminder(string reminderName, TickStatus status);
}
