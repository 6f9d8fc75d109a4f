namespace Binder.Hub.Hosting;

/// <summary>Quotas and culling of user sessions (configuration section <c>Binder:Sessions</c>).</summary>
public sealed record SessionOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Binder:Sessions";

    /// <summary>A session with no traffic through the proxy and no Jupyter activity for this long is stopped.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>A session is stopped this long after it started, active or not.</summary>
    public TimeSpan MaxAge { get; init; } = TimeSpan.FromHours(6);

    /// <summary>How often a running session's launch grain polls activity (proxy and Jupyter) while active.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Period of the durable reminder that brings a session's launch grain back after a restart, so culling goes on.
    /// Must be at least the silo's <c>ReminderOptions.MinimumPeriod</c> (1 minute by default).
    /// </summary>
    public TimeSpan ReminderPeriod { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Sessions the whole Binder may run at once; null for no limit.</summary>
    public int? TotalQuota { get; init; }

    /// <summary>Sessions one repository may run at once when the launch order names no quota; null for no limit.</summary>
    public int? DefaultRepoQuota { get; init; }

    /// <summary>How long stopping a container or removing a route may take before it is retried later.</summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
