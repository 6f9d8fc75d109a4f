namespace Binder.Actors;

/// <summary>A snapshot of one silo's runtime.</summary>
/// <param name="SiloId">The silo's identity.</param>
/// <param name="ActivationsByType">Live activations per grain class full name.</param>
/// <param name="Methods">Per-method counters (methods that were called at least once).</param>
public sealed record SiloRuntimeStatistics(string SiloId, IReadOnlyDictionary<string, int> ActivationsByType, IReadOnlyList<GrainMethodStatistics> Methods)
{
    /// <summary>Total live activations.</summary>
    public int TotalActivations => ActivationsByType.Values.Sum();
}
