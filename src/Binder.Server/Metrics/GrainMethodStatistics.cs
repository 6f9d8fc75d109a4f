namespace Binder.Server.Metrics;

/// <summary>The calls of one grain method handled by this silo since it started.</summary>
/// <param name="Interface">The grain interface.</param>
/// <param name="Method">The method.</param>
/// <param name="Calls">Calls handled.</param>
/// <param name="Errors">Calls that threw.</param>
/// <param name="MeanLatency">Mean time per call.</param>
/// <param name="MaxLatency">The longest call.</param>
internal sealed record GrainMethodStatistics(string Interface, string Method, long Calls, long Errors, TimeSpan MeanLatency, TimeSpan MaxLatency);
