using Binder.Actors;
using Binder.Hub.Hosting;
using Binder.Hub.Launch;

namespace Binder.Hub.Grains;

/// <summary>Runs on the node it is named after, so its backend is that node's daemon.</summary>
[Reentrant]
internal sealed class NodeSessionsGrain(ILaunchBackend backend, BinderHubOptions options, TimeProvider time) : Grain, INodeSessionsGrain
{
    public async Task Stop(string sessionId)
    {
        using var timeout = new CancellationTokenSource(options.Sessions.StopTimeout, time);
        await backend.StopAsync(sessionId, timeout.Token);
    }

    public Task<IReadOnlyList<SessionContainer>> List() => backend.ListAsync(CancellationToken.None);
}
