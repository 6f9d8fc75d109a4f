namespace Binder.Hub.Grains;

/// <summary>
/// The nodes of the cluster's live silos, asked from anywhere: a front end running as an Orleans client has no
/// membership view or silo metadata of its own (the operator page, the sessions API and its health check ask here).
/// Any key; use <see cref="Key"/>.
/// </summary>
[Alias("binder.IClusterNodesGrain")]
public interface IClusterNodesGrain : IGrainWithIntegerKey
{
    /// <summary>The key to call it with (a stateless worker: every silo answers for itself).</summary>
    public const long Key = 0;

    /// <summary>The distinct names of the live nodes, as the silo that answers sees them.</summary>
    [Alias("LiveNodes")]
    Task<IReadOnlyList<string>> LiveNodes();
}
