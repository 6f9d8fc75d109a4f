using System.Collections.Concurrent;
using System.Globalization;

namespace Binder.Actors.Persistence;

/// <summary>In-process storage for tests: lost when the process ends. A cleared record stays as a tombstone (null JSON)
/// so its version keeps growing.</summary>
internal sealed class MemoryGrainStorage : IGrainStorage
{
    private readonly ConcurrentDictionary<(string, string), (string? Json, long Version)> _records = new();
    private readonly Lock _gate = new();

    public Task<GrainStateRecord?> ReadAsync(string stateName, string grainId, CancellationToken cancellationToken) =>
        Task.FromResult(_records.TryGetValue((stateName, grainId), out var r)
            ? new GrainStateRecord(r.Json, r.Version.ToString(CultureInfo.InvariantCulture))
            : null);

    public Task<string> WriteAsync(string stateName, string grainId, string json, string? etag, CancellationToken cancellationToken) =>
        Task.FromResult(Replace(stateName, grainId, json, etag)!);

    public Task<string?> ClearAsync(string stateName, string grainId, string? etag, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (etag is null && !_records.ContainsKey((stateName, grainId)))
            {
                return Task.FromResult<string?>(null);
            }

            return Task.FromResult(Replace(stateName, grainId, null, etag));
        }
    }

    private string? Replace(string stateName, string grainId, string? json, string? etag)
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
            return next.ToString(CultureInfo.InvariantCulture);
        }
    }
}
