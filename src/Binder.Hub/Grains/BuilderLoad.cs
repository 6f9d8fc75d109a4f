namespace Binder.Hub.Grains;

/// <summary>A node's build load.</summary>
/// <param name="Node">The node.</param>
/// <param name="Running">Builds running now.</param>
/// <param name="Queued">Builds waiting for a slot.</param>
/// <param name="Capacity">Builds that may run at once.</param>
[GenerateSerializer, Alias("binder.BuilderLoad")]
public sealed record BuilderLoad(string Node, int Running, int Queued, int Capacity)
{
    /// <summary>Whether a new build would start without waiting.</summary>
    public bool HasCapacity => Running + Queued < Capacity;

    /// <summary>Running and queued builds per slot: what "least loaded" compares.</summary>
    public double Utilisation => (Running + Queued) / (double)Math.Max(1, Capacity);
}
