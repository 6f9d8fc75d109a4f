namespace Binder.Actors;

/// <summary>A grain state storage provider. Implementations must make writes conditional on the ETag.</summary>
public interface IGrainStorage
{
    /// <summary>Reads a record, or null when there is none.</summary>
    Task<GrainStateRecord?> ReadAsync(string stateName, string grainId, CancellationToken cancellationToken);

    /// <summary>Writes a record if the stored version equals <paramref name="etag"/> (null: no record may exist) and
    /// returns the new version; otherwise throws <see cref="InconsistentStateException"/>.</summary>
    Task<string> WriteAsync(string stateName, string grainId, string json, string? etag, CancellationToken cancellationToken);

    /// <summary>Deletes a record if the stored version equals <paramref name="etag"/>; otherwise throws
    /// <see cref="InconsistentStateException"/>. Clearing a missing record with a null ETag succeeds.</summary>
    Task ClearAsync(string stateName, string grainId, string? etag, CancellationToken cancellationToken);
}
