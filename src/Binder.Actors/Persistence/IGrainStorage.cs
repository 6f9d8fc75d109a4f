namespace Binder.Actors;

/// <summary>A grain state storage provider. Implementations must make writes conditional on the ETag, and an ETag must
/// never be handed out twice for the same record (clearing keeps a tombstone with the next version).</summary>
public interface IGrainStorage
{
    /// <summary>Reads a record, or null when there has never been one. A cleared record is returned with a null
    /// <see cref="GrainStateRecord.Json"/> and the ETag that the next write must pass.</summary>
    Task<GrainStateRecord?> ReadAsync(string stateName, string grainId, CancellationToken cancellationToken);

    /// <summary>Writes a record if the stored version equals <paramref name="etag"/> (null: no record, not even a
    /// cleared one, may exist) and returns the new version; otherwise throws <see cref="InconsistentStateException"/>.</summary>
    Task<string> WriteAsync(string stateName, string grainId, string json, string? etag, CancellationToken cancellationToken);

    /// <summary>Clears a record if the stored version equals <paramref name="etag"/>, leaving a tombstone with a new
    /// version, which it returns; otherwise throws <see cref="InconsistentStateException"/>. Clearing a missing record
    /// with a null ETag succeeds and returns null.</summary>
    Task<string?> ClearAsync(string stateName, string grainId, string? etag, CancellationToken cancellationToken);
}
