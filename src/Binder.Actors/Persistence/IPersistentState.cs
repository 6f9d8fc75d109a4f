namespace Binder.Actors;

/// <summary>A grain's named, persisted state, injected into the grain's constructor with
/// <see cref="PersistentStateAttribute"/>. It is read before <see cref="Grain.OnActivateAsync"/>.</summary>
/// <typeparam name="TState">The state type; serialized with System.Text.Json.</typeparam>
public interface IPersistentState<TState>
{
    /// <summary>The current in-memory state.</summary>
    TState State { get; set; }

    /// <summary>The version of the stored record this state was read from or written as; null if none.</summary>
    string? Etag { get; }

    /// <summary>Whether a stored record exists.</summary>
    bool RecordExists { get; }

    /// <summary>Reads the stored record, replacing <see cref="State"/>.</summary>
    Task ReadStateAsync(CancellationToken cancellationToken = default);

    /// <summary>Writes <see cref="State"/>. Throws <see cref="InconsistentStateException"/> if the stored record was
    /// changed since it was read.</summary>
    Task WriteStateAsync(CancellationToken cancellationToken = default);

    /// <summary>Deletes the stored record and resets <see cref="State"/> to a new value.</summary>
    Task ClearStateAsync(CancellationToken cancellationToken = default);
}
