namespace Binder.Hub.Grains;

/// <summary>
/// Counts the sessions of one repository (key <c>provider/repository</c>), of one node (key <see cref="NodeKeyPrefix"/>
/// plus the node's name) or of the whole Binder (key <see cref="TotalKey"/>) across the cluster. The holders are
/// persisted, so counts survive restarts.
/// </summary>
[Alias("binder.IQuotaGrain")]
public interface IQuotaGrain : IGrainWithStringKey
{
    /// <summary>The key of the grain that counts every session.</summary>
    public const string TotalKey = "*";

    /// <summary>The start of the key of a grain that counts one node's sessions (no provider name holds a colon).</summary>
    public const string NodeKeyPrefix = "node:";

    /// <summary>
    /// Takes a slot for <paramref name="sessionId"/> when fewer than <paramref name="limit"/> are held (null: no limit).
    /// Taking a slot the session already holds succeeds.
    /// </summary>
    [Alias("TryAcquire")]
    Task<bool> TryAcquire(string sessionId, int? limit);

    /// <summary>Gives the session's slot back; releasing a slot not held does nothing.</summary>
    [Alias("Release")]
    Task Release(string sessionId);

    /// <summary>The sessions holding a slot.</summary>
    [Alias("GetHolders")]
    Task<IReadOnlyList<string>> GetHolders();

    /// <summary>How many slots are held (what a launch compares nodes by, without the list of ids).</summary>
    [Alias("GetCount")]
    Task<int> GetCount();
}
