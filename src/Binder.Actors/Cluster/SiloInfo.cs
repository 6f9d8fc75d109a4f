namespace Binder.Actors.Cluster;

internal enum SiloStatus
{
    Active,
    ShuttingDown,
    Dead,
}

/// <summary>One row of the membership table.</summary>
internal sealed record SiloInfo(string SiloId, string Address, string NodeName, long Generation, DateTimeOffset StartTime, SiloStatus Status);
