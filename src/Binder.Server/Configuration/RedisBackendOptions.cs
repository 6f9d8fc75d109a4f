namespace Binder.Server.Configuration;

/// <summary>The Redis backend (<c>Silo:Redis</c>).</summary>
public sealed record RedisBackendOptions
{
    /// <summary>
    /// A StackExchange.Redis configuration string, e.g. <c>redis.example.org:6379,password=...,ssl=true</c>. A secret
    /// (it holds the password): never logged or shown.
    /// </summary>
    public string? ConnectionString { get; init; }

    /// <summary>Leaves the connection string out: records print every property, and this one is a secret.</summary>
    public override string ToString() => $"{nameof(RedisBackendOptions)} {{ {nameof(ConnectionString)} = {(ConnectionString is null ? "" : "***")} }}";
}
