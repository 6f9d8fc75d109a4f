using System.Collections.Concurrent;
using System.Globalization;

namespace Binder.Actors.Persistence;

/// <summary>In-process storage for tests: lost when the process ends.</summary>
internal sealed class MemoryGrainStorage : IGrainStorage
{
    private readonly ConcurrentDictionary<(string, string), (string Json, long Version)> _records = new();
    private readonly Lock _gate = new();

    public Task<GrainStateRecord?> ReadAsync(string stateName, string grainId, CancellationToken cancellationToken) =>
        Task.FromResult(_records.TryGetValue((stateName, grainId), out var r)
            ? new GrainStateRecord(r.Json, r.Version.ToString(CultureInfo.InvariantCulture))
            : null);

    public Task<string> WriteAsync(string stateName, string grainId, string json, string? etag, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var key = (stateName, grainId);
            var stored = _records.TryGetValue(key, out var r) ? r.Version.ToString(CultureInfo.InvariantCulture) : null;
            if (stored != etag)
            {
                throw StorageConflict.Create(stateName, grainId, stored, etag);
            }

            var next = (stored is null ? 0 : r.Version) + 1;
            _records[key] = (json, next);
            return Task.FromResult(next.ToString(CultureInfo.InvariantCulture));
        }
    }

    public Task ClearAsync(string stateName, string grainId, string? etag, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var key = (stateName, grainId);
            var stored = _records.TryGetValue(key, out var r) ? r.Version.ToString(CultureInfo.InvariantCulture) : null;
            if (stored != etag)
            {
                throw StorageConflict.Create(stateName, grainId, stored, etag);
            }

            _records.TryRemove(key, out _);
            return Task.CompletedTask;
        }
    }
}
