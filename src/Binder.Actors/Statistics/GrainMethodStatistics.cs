namespace Binder.Actors;

/// <summary>Counters of one grain method on one silo since it started.</summary>
/// <param name="Interface">Full name of the grain interface.</param>
/// <param name="Method">The method's name.</param>
/// <param name="Calls">Calls completed.</param>
/// <param name="Errors">Calls that failed or were cancelled.</param>
/// <param name="MeanLatency">Mean time from arrival at the activation to completion.</param>
/// <param name="MaxLatency">Longest such time.</param>
public sealed record GrainMethodStatistics(string Interface, string Method, long Calls, long Errors, TimeSpan MeanLatency, TimeSpan MaxLatency);
