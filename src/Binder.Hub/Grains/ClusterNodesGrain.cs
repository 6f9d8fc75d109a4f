using Binder.Hub.Placement;
using Orleans.Concurrency;

namespace Binder.Hub.Grains;

/// <summary>Answers from the silo it runs on, so a client's call needs no state and no particular silo.</summary>
[GrainType(TypeName)]
[StatelessWorker]
internal sealed class ClusterNodesGrain(ClusterNodes nodes) : Grain, IClusterNodesGrain
{
    /// <summary>The grain type: a stable name.</summary>
    internal const string TypeName = "binder.cluster-nodes";

    public Task<IReadOnlyList<string>> LiveNodes() => Task.FromResult(nodes.LiveNodeNames());
}
