using Microsoft.Extensions.Logging;
using Orleans.Runtime.Placement;

namespace Binder.Hub.Placement;

/// <summary>
/// Places a <see cref="NodePinnedPlacementStrategy"/> grain on the compatible silo whose metadata names the node in the grain's
/// key. Several silos of one node (a misconfiguration, or a restart overlapping the old silo) share it by a hash of
/// the grain id, so every silo places it alike. A silo that just joined may not have sent its metadata yet: placement
/// waits briefly for it before it says that no silo runs the node.
/// </summary>
internal sealed partial class NodePinnedPlacementDirector(ClusterNodes nodes, TimeProvider time, ILogger<NodePinnedPlacementDirector> logger)
    : IPlacementDirector
{
    // Metadata travels a moment after a silo becomes active; longer than that, the node is not there.
    private static readonly TimeSpan MetadataWait = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan MetadataPoll = TimeSpan.FromMilliseconds(100);

    public async Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var node = target.GrainIdentity.Key.ToString();
        var deadline = time.GetUtcNow() + MetadataWait;
        while (true)
        {
            var compatible = context.GetCompatibleSilos(target);
            var known = compatible.Select(nodes.NodeOf).OfType<NodeSilo>().ToList();
            var onNode = known.Where(s => s.Node == node).ToList();
            if (onNode.Count > 0)
            {
                return onNode.MaxBy(s => Score(target.GrainIdentity, s.Silo))!.Silo;
            }
            if (known.Count == compatible.Length || time.GetUtcNow() >= deadline)
            {
                var live = known.Select(s => s.Node).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).DefaultIfEmpty("none");
                LogNoNode(logger, target.GrainIdentity.ToString(), node);
                throw new NodeUnavailableException(
                    $"Grain {target.GrainIdentity} is pinned to node '{node}', but no live silo runs on that node (live nodes: {string.Join(", ", live)}). " +
                    $"Start a silo with Silo:NodeName '{node}', or ask again: builds go to live nodes.");
            }
            await Task.Delay(MetadataPoll, time);
        }
    }

    /// <summary>A rendezvous score that every silo computes alike (HashCode.Combine is seeded per process).</summary>
    private static ulong Score(GrainId grain, SiloAddress silo)
    {
        var x = ((ulong)grain.GetUniformHashCode() << 32) | (uint)silo.GetConsistentHashCode();
        // SplitMix64's finaliser spreads the two hashes over the whole range.
        x ^= x >> 30;
        x *= 0xBF58476D1CE4E5B9;
        x ^= x >> 27;
        x *= 0x94D049BB133111EB;
        return x ^ (x >> 31);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot place {Grain}: no live silo runs node {Node}")]
    private static partial void LogNoNode(ILogger logger, string grain, string node);
}
