namespace Binder.Hub.Grains;

/// <summary>What one node's builder holds: the builds running, those waiting in order, and how many run at once.</summary>
/// <param name="Node">The node.</param>
/// <param name="Capacity">Builds that may run at once.</param>
/// <param name="Running">Builds running now, oldest first.</param>
/// <param name="Queued">Builds waiting for a slot, next first.</param>
[GenerateSerializer, Alias("binder.BuilderQueue")]
public sealed record BuilderQueue(string Node, int Capacity, IReadOnlyList<BuildInProgress> Running, IReadOnlyList<BuildInProgress> Queued);
