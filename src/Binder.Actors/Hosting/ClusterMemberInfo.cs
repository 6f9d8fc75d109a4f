namespace Binder.Actors;

/// <summary>A silo as seen in the membership table (or the single local silo).</summary>
/// <param name="SiloId">The silo's identity, <c>address@generation</c> in a cluster.</param>
/// <param name="Address">The address other silos call it on (empty for a single silo).</param>
/// <param name="NodeName">The node it runs on.</param>
/// <param name="StartTime">When it joined.</param>
/// <param name="Status"><c>Active</c> or <c>ShuttingDown</c> (dead silos are not listed).</param>
public sealed record ClusterMemberInfo(string SiloId, string Address, string NodeName, DateTimeOffset StartTime, string Status);
