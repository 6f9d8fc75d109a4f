namespace Binder.Actors.Reminders;

/// <summary>A stored reminder: ticks at <see cref="StartAt"/> + n × <see cref="Period"/>.</summary>
internal sealed record ReminderEntry(string GrainId, string Name, DateTimeOffset StartAt, TimeSpan Period) : IGrainReminder
{
    public string ReminderName => Name;
}
