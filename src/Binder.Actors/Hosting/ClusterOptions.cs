namespace Binder.Actors;

/// <summary>Settings of a PostgreSQL-backed cluster.</summary>
public sealed record ClusterOptions
{
    /// <summary>Npgsql connection string of the database holding membership and the grain directory. Use
    /// <c>Search Path=schema</c> in it to keep several clusters in one database.</summary>
    public required string ConnectionString { get; init; }

    /// <summary>Address Kestrel listens on for silo-to-silo HTTP/2 calls, e.g. <c>http://0.0.0.0:11111</c>; port 0
    /// picks a free port (default <c>http://127.0.0.1:0</c>).</summary>
    public string ListenUrl { get; init; } = "http://127.0.0.1:0";

    /// <summary>Host name or IP other silos use to reach this one; default: the host of <see cref="ListenUrl"/>.</summary>
    public string? AdvertisedHost { get; init; }

    /// <summary>How often the silo writes its heartbeat and re-reads membership (default 2 s).</summary>
    public TimeSpan HeartbeatPeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>A silo whose last heartbeat is older than this is declared dead and its grains move (default 10 s).</summary>
    public TimeSpan DeathTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Time after which a call to another silo fails with <see cref="GrainCallTimeoutException"/> (default 30 s).</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
