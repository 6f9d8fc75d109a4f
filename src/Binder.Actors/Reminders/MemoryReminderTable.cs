using System.Collections.Concurrent;

namespace Binder.Actors.Reminders;

internal sealed class MemoryReminderTable : IReminderTable
{
    private readonly ConcurrentDictionary<(string, string), ReminderEntry> _entries = new();

    public Task<IReadOnlyList<ReminderEntry>> ReadAllAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ReminderEntry>>([.. _entries.Values]);

    public Task<ReminderEntry?> ReadAsync(string grainId, string name, CancellationToken cancellationToken) =>
        Task.FromResult(_entries.TryGetValue((grainId, name), out var e) ? e : null);

    public Task UpsertAsync(ReminderEntry entry, CancellationToken cancellationToken)
    {
        _entries[(entry.GrainId, entry.Name)] = entry;
        return Task.CompletedTask;
    }

    public Task RemoveAsync(string grainId, string name, CancellationToken cancellationToken)
    {
        _entries.TryRemove((grainId, name), out _);
        return Task.CompletedTask;
    }
}
