namespace Binder.Actors;

/// <summary>Settings of a <see cref="ClusterClient"/>.</summary>
public sealed record ClusterClientOptions
{
    /// <summary>Npgsql connection string of the cluster's database (the same as the silos').</summary>
    public required string ConnectionString { get; init; }

    /// <summary>Time after which a call fails with <see cref="GrainCallTimeoutException"/> (default 30 s).</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the client re-reads membership (default 2 s).</summary>
    public TimeSpan RefreshPeriod { get; init; } = TimeSpan.FromSeconds(2);
}
