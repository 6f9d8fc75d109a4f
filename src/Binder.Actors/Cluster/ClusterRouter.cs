using Binder.Actors.Runtime;

namespace Binder.Actors.Cluster;

internal sealed class ClusterRouter
{
    public void Route(Request request) => request.SetException(new NotSupportedException("cluster pending"));

    public Task UnregisterAsync(GrainId id) => Task.CompletedTask;
}
