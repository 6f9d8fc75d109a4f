namespace Binder.Hub.Launch;

/// <summary>What a node has for sessions, for the default per-node session quota.</summary>
/// <param name="MemoryBytes">The node's memory, as its Docker daemon reports it.</param>
/// <param name="SessionMemoryLimitBytes">One session's memory limit; 0 when sessions have none.</param>
[GenerateSerializer, Alias("binder.NodeResources")]
public sealed record NodeResources(long MemoryBytes, long SessionMemoryLimitBytes)
{
    /// <summary>
    /// How many sessions fit: (memory minus <paramref name="reserveBytes"/>) divided by the session memory limit, at
    /// least 0; null when sessions have no memory limit (nothing to divide by).
    /// </summary>
    /// <param name="reserveBytes">Memory kept for the system, the service, builds and the daemon.</param>
    public int? SessionCapacity(long reserveBytes) =>
        SessionMemoryLimitBytes <= 0 ? null : (int)Math.Min(int.MaxValue, Math.Max(0, MemoryBytes - reserveBytes) / SessionMemoryLimitBytes);
}
