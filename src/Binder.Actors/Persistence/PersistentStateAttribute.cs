namespace Binder.Actors;

/// <summary>Marks a grain constructor parameter of type <see cref="IPersistentState{TState}"/> to be filled with
/// the state named <paramref name="stateName"/> from the storage provider named <paramref name="storageName"/>.</summary>
/// <param name="stateName">Name of the state, unique within the grain.</param>
/// <param name="storageName">Name of the storage provider; the default provider when omitted.</param>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class PersistentStateAttribute(string stateName, string? storageName = null) : Attribute
{
    /// <summary>Name of the state, unique within the grain.</summary>
    public string StateName { get; } = stateName;

    /// <summary>Name of the storage provider, or null for the default one.</summary>
    public string? StorageName { get; } = storageName;
}
