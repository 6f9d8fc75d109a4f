namespace Binder.Actors.Reminders;

/// <summary>Durable storage of reminders.</summary>
internal interface IReminderTable
{
    Task<IReadOnlyList<ReminderEntry>> ReadAllAsync(CancellationToken cancellationToken);

    Task<ReminderEntry?> ReadAsync(string grainId, string name, CancellationToken cancellationToken);

    Task UpsertAsync(ReminderEntry entry, CancellationToken cancellationToken);

    Task RemoveAsync(string grainId, string name, CancellationToken cancellationToken);
}
