using Binder.Actors.Serialization;

namespace Binder.Actors.Persistence;

/// <summary>Lets the activation read every state before OnActivateAsync without knowing its type.</summary>
internal interface IPersistentStateLoader
{
    Task ReadStateAsync(CancellationToken cancellationToken);
}

internal sealed class PersistentState<T>(string stateName, string grainId, IGrainStorage storage, ActorSerializer serializer)
    : IPersistentState<T>, IPersistentStateLoader
{
    public T State { get; set; } = CreateDefault();

    public string? Etag { get; private set; }

    public bool RecordExists { get; private set; }

    public async Task ReadStateAsync(CancellationToken cancellationToken = default)
    {
        var record = await storage.ReadAsync(stateName, grainId, cancellationToken);
        State = record?.Json is null ? CreateDefault() : serializer.DeserializeText<T>(record.Json, $"state '{stateName}' of grain {grainId}");
        Etag = record?.Etag;
        RecordExists = record?.Json is not null;
    }

    public async Task WriteStateAsync(CancellationToken cancellationToken = default)
    {
        var json = serializer.SerializeText(State, $"state '{stateName}' of grain {grainId}");
        Etag = await storage.WriteAsync(stateName, grainId, json, Etag, cancellationToken);
        RecordExists = true;
    }

    public async Task ClearStateAsync(CancellationToken cancellationToken = default)
    {
        // The tombstone's version, not null: the next write must prove it saw the clear.
        Etag = await storage.ClearAsync(stateName, grainId, Etag, cancellationToken);
        RecordExists = false;
        State = CreateDefault();
    }

    private static T CreateDefault()
    {
        if (typeof(T).IsValueType)
        {
            return default!;
        }

        return typeof(T).GetConstructor(Type.EmptyTypes) is not null ? Activator.CreateInstance<T>() : default!;
    }
}
