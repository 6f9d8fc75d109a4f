using Binder.Hub.Launch;
using Binder.Hub.Placement;
using Binder.Hub.Sessions;
using Orleans.Concurrency;

namespace Binder.Hub.Grains;

/// <summary>Runs on the node it is named after, so its <see cref="LocalSessionNode"/> is that node's daemon and proxy.</summary>
[GrainType(TypeName)]
[NodePinnedPlacement]
[Reentrant]
internal sealed class NodeSessionsGrain(LocalSessionNode node, BinderNode local) : Grain, INodeSessionsGrain
{
    /// <summary>The grain type: a stable name, so renaming the class never orphans state or reminders.</summary>
    internal const string TypeName = "binder.node-sessions";

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Placement puts it on its node; if it ever ran elsewhere it would start, stop and route sessions on the wrong
        // daemon and proxy, so it refuses to.
        var key = this.GetPrimaryKeyString();
        return key == local.Name
            ? Task.CompletedTask
            : throw new InvalidOperationException($"The sessions of node '{key}' were placed on a silo of node '{local.Name}'; they run only on a silo of their own node.");
    }

    public Task<NodeResources> GetResources(CancellationToken cancellationToken) => node.GetResources(cancellationToken);

    public IAsyncEnumerable<SessionStartStep> Start(SessionStart start, CancellationToken cancellationToken) => node.Start(start, cancellationToken);

    public Task<string> AddRoute(string sessionId, string target, CancellationToken cancellationToken) => node.AddRoute(sessionId, target, cancellationToken);

    public Task RemoveRoute(string sessionId, CancellationToken cancellationToken) => node.RemoveRoute(sessionId, cancellationToken);

    public Task<DateTimeOffset?> GetJupyterActivity(SessionContainer container, string token, CancellationToken cancellationToken) =>
        node.GetJupyterActivity(container, token, cancellationToken);

    public Task StopContainer(string sessionId, CancellationToken cancellationToken) => node.StopContainer(sessionId, cancellationToken);

    public Task<IReadOnlyList<SessionContainer>> ListContainers(CancellationToken cancellationToken) => node.ListContainers(cancellationToken);

    public Task Track(string sessionId) => node.Track(sessionId);

    public Task Untrack(string sessionId) => node.Untrack(sessionId);
}
