namespace Binder.Actors;

/// <summary>Counters of one grain method on one silo since it started.</summary>
/// <param name="Interface">Full name of the grain interface.</param>
/// <param name="Method">The method's name.</param>
/// <param name="Calls">Calls completed.</param>
/// <param name="Errors">Calls that failed or were cancelled.</param>
/// <param name="MeanLatency">Mean time from arrival at the activation to completion.</param>
/// <param name="MaxLatency">Longest such time.</param>
public sealed record GrainMethodStatistics(string Interface, string Method, long Calls, long Errors, TimeSpan MeanLatency, TimeSpan MaxLatency);

/// <summary>A snapshot of one silo's runtime.</summary>
/// <param name="SiloId">The silo's identity.</param>
/// <param name="ActivationsByType">Live activations per grain class full name.</param>
/// <param name="Methods">Per-method counters (methods that were called at least once).</param>
public sealed record SiloRuntimeStatistics(string SiloId, IReadOnlyDictionary<string, int> ActivationsByType, IReadOnlyList<GrainMethodStatistics> Methods)
{
    /// <summary>Total live activations.</summary>
    public int TotalActivations => ActivationsByType.Values.Sum();
}
