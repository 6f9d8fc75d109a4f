using Orleans.Runtime.MembershipService.SiloMetadata;

namespace Binder.Hub.Placement;

/// <summary>
/// The nodes of the live silos, read from Orleans' membership and silo metadata: where builds can be placed and which
/// silo a node-pinned grain belongs on. A silo whose metadata has not arrived yet (it joined a moment ago) is left out
/// until it has.
/// </summary>
public sealed class ClusterNodes(IClusterMembershipService membership, ISiloMetadataCache metadata, ILocalSiloDetails local, BinderNode node)
{
    /// <summary>The node this silo runs on.</summary>
    public BinderNode Local => node;

    /// <summary>Each active silo with the node it says it runs on, this silo included (ordered by node name).</summary>
    public IReadOnlyList<NodeSilo> Live()
    {
        var live = new List<NodeSilo>();
        foreach (var (address, member) in membership.CurrentSnapshot.Members)
        {
            if (member.Status != SiloStatus.Active) continue;
            if (NodeOf(address) is { } found) live.Add(found);
        }
        if (!live.Any(s => s.Silo.Equals(local.SiloAddress)))
        {
            // Joining or shutting down: this silo is not active in the snapshot, but its own node is known here.
            live.Add(new NodeSilo(node.Name, node.DockerEndpoint, local.SiloAddress));
        }
        return [.. live.OrderBy(s => s.Node, StringComparer.Ordinal).ThenBy(s => s.Silo.ToString(), StringComparer.Ordinal)];
    }

    /// <summary>The distinct names of the live nodes.</summary>
    public IReadOnlyList<string> LiveNodeNames() => [.. Live().Select(s => s.Node).Distinct(StringComparer.Ordinal)];

    /// <summary>What <paramref name="silo"/> says it runs on; null while its metadata is unknown.</summary>
    public NodeSilo? NodeOf(SiloAddress silo)
    {
        if (silo.Equals(local.SiloAddress)) return new NodeSilo(node.Name, node.DockerEndpoint, silo);
        var values = metadata.GetSiloMetadata(silo).Metadata;
        return values.TryGetValue(BinderNode.NameKey, out var name) && name.Length > 0
            ? new NodeSilo(name, values.GetValueOrDefault(BinderNode.DockerKey) ?? "", silo)
            : null;
    }
}
