namespace Binder.Server.Configuration;

/// <summary>Per-client-address rate limit (section <c>Server:RateLimit</c>); off by default, as in BinderHub.</summary>
public sealed record RateLimitOptions
{
    /// <summary>Whether requests are limited.</summary>
    public bool Enabled { get; init; }

    /// <summary>Requests one client address may make per <see cref="Window"/>.</summary>
    public int PermitLimit { get; init; } = 30;

    /// <summary>The window the limit counts over (fixed windows).</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(1);
}
