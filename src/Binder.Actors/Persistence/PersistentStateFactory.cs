using Binder.Actors.Runtime;
using Microsoft.Extensions.DependencyInjection;

namespace Binder.Actors.Persistence;

internal static class PersistentStateFactory
{
    public const string DefaultStorageName = "Default";

    public static object Create<T>(IServiceProvider services, Activation activation, string stateName, string? storageName)
    {
        var name = storageName ?? DefaultStorageName;
        var storage = services.GetKeyedService<IGrainStorage>(name) ?? throw new InvalidOperationException(
            $"Grain {activation.Id} asks for state '{stateName}' in storage provider '{name}', but no provider of that name is registered; add one with SiloBuilder.AddMemoryGrainStorage, AddSqliteGrainStorage or AddPostgresGrainStorage.");
        var state = new PersistentState<T>(stateName, activation.Id.ToString(), storage, activation.Runtime.Serializer);
        activation.AddState(state);
        return state;
    }
}
