using Binder.Hub.Hosting;

namespace Binder.Hub.Grains;

/// <summary>
/// The last image of one environment key. Its callers are builder grains on every node, so it uses Orleans' default
/// placement; its state is one small record, written once per successful pushed build.
/// </summary>
[GrainType(TypeName)]
internal sealed class EnvironmentGrain(
    [PersistentState(EnvironmentGrain.StateName, BinderHubSiloBuilderExtensions.StorageName)] IPersistentState<EnvironmentGrainState> state)
    : Grain, IEnvironmentGrain
{
    /// <summary>The grain type: a stable name, so renaming the class never orphans state.</summary>
    internal const string TypeName = "binder.environment";

    /// <summary>The name its state is stored under.</summary>
    internal const string StateName = "environment";

    public Task<EnvironmentImage?> GetLast() => Task.FromResult(state.State.Last);

    public async Task Record(EnvironmentImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        // Builds of one environment may finish out of order: the newest build is the best cache source.
        if (state.State.Last is { } last && last.BuiltAt > image.BuiltAt)
        {
            return;
        }
        state.State = state.State with { Last = image };
        await state.WriteStateAsync();
    }
}
