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

    /// <summary>Sessions the whole Binder (every node together) may run at once; null for no limit.</summary>
    public int? TotalQuota { get; init; }

    /// <summary>
    /// Sessions one node may run at once. Null (the default): as many as fit in the node's memory, i.e. (the memory its
    /// Docker daemon reports minus <see cref="NodeMemoryReserveBytes"/>) divided by one session's memory limit
    /// (<c>Launch:Docker:MemoryLimitBytes</c>); no limit only when sessions have no memory limit.
    /// </summary>
    public int? NodeQuota { get; init; }

    /// <summary>
    /// Memory of a node kept out of the default <see cref="NodeQuota"/>: for the system, the Docker daemon, this
    /// service and builds. 4 GiB by default (a build's own limit, <c>Binder:Docker:BuildMemoryLimitBytes</c>, is 4 GiB).
    /// </summary>
    public long NodeMemoryReserveBytes { get; init; } = 4L * 1024 * 1024 * 1024;

    /// <summary>
    /// Sessions one repository may run at once when the launch order names no quota (BinderHub's
    /// <c>per_repo_quota</c>; mybinder.org runs with 100, the default here); null for no limit.
    /// </summary>
    public int? DefaultRepoQuota { get; init; } = 100;

    /// <summary>How long stopping a container or removing a route may take before it is retried later.</summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How often each silo's janitor looks for what no session owns on its node (containers of its instance whose
    /// launch grain does not claim them, proxy routes of sessions that do not run) and removes it. A stop or cull while
    /// the node did not answer leaves both behind; without this they stayed until the silo or its proxy restarted.
    /// </summary>
    public TimeSpan JanitorInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// A container no session claims is left alone while younger than this, so a launch whose state is not yet
    /// visible to the janitor is never removed under it.
    /// </summary>
    public TimeSpan JanitorGracePeriod { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How many sessions, routes and quota holders one janitor run looks at at once (grain calls, container and route
    /// removals): enough that a cluster with thousands of sessions is swept in seconds, few enough not to crowd out
    /// launches on the silo, the daemon or the proxy.
    /// </summary>
    public int JanitorConcurrency { get; init; } = 16;
}
