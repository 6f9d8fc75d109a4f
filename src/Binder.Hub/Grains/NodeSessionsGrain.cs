using Binder.Hub.Hosting;
using Binder.Hub.Launch;
using Binder.Hub.Placement;
using Orleans.Concurrency;

namespace Binder.Hub.Grains;

/// <summary>Runs on the node it is named after, so its backend is that node's daemon.</summary>
[GrainType(TypeName)]
[NodePinnedPlacement]
[Reentrant]
internal sealed class NodeSessionsGrain(ILaunchBackend backend, BinderHubOptions options, TimeProvider time) : Grain, INodeSessionsGrain
{
    /// <summary>The grain type: a stable name, so renaming the class never orphans state or reminders.</summary>
    internal const string TypeName = "binder.node-sessions";

    public async Task Stop(string sessionId)
    {
        using var timeout = new CancellationTokenSource(options.Sessions.StopTimeout, time);
        await backend.StopAsync(sessionId, timeout.Token);
    }

    public Task<IReadOnlyList<SessionContainer>> List() => backend.ListAsync(CancellationToken.None);
}
