using Orleans.Storage;

namespace Binder.Server.Hosting;

/// <summary>
/// One grain storage name over two stores, chosen by the state's name: Binder's grains all name one storage
/// (<c>binder</c>), but under Azure Storage the repo grain's state, which holds a build log of up to a mebibyte, does
/// not fit a table entity (1 MiB at most, in properties of 64 KiB) and goes to a blob, while the small states (sessions,
/// quotas) stay in the table, where reads and conditional writes are cheaper. A state name always maps to the same
/// store, so its ETag is always that store's.
/// </summary>
internal sealed class StateNameRoutedGrainStorage(IGrainStorage small, IGrainStorage large, IReadOnlySet<string> largeStateNames) : IGrainStorage
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        For(stateName).ReadStateAsync(stateName, grainId, grainState);

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        For(stateName).WriteStateAsync(stateName, grainId, grainState);

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        For(stateName).ClearStateAsync(stateName, grainId, grainState);

    private IGrainStorage For(string stateName) => largeStateNames.Contains(stateName) ? large : small;
}
