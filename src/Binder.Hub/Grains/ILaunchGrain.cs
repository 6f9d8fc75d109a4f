using Binder.Hub.Events;
using Binder.Hub.Launch;

namespace Binder.Hub.Grains;

/// <summary>
/// One per user session (key: the session id, which is also the proxy path <c>/user/&lt;session&gt;/</c>): checks
/// quotas, starts the container, adds the proxy route, and culls the session when idle or too old.
/// </summary>
[Alias("binder.ILaunchGrain")]
public interface ILaunchGrain : IGrainWithStringKey
{
    /// <summary>
    /// Starts the session and streams <c>launching</c> events, then <c>ready</c> (with <c>url</c>, <c>token</c>,
    /// <c>image</c> and the <c>binder_*</c> fields) or <c>failed</c> (quota reached, container failed to start).
    /// The launch runs in the grain, not in the caller's enumeration (Orleans streams are pulled: a launch inside the
    /// enumeration would stop whenever its caller stopped reading). A caller that leaves before <c>ready</c> (cancels,
    /// disposes the enumeration, or stops reading until Orleans expires the enumeration) cancels the launch, which
    /// removes whatever it had started.
    /// </summary>
    [Alias("Launch")]
    IAsyncEnumerable<BinderEvent> Launch(LaunchOrder order, CancellationToken cancellationToken);

    /// <summary>Stops the session: route and container removed, quota released. Stopping a stopped session does nothing.</summary>
    [Alias("Stop")]
    [ResponseTimeout(StopResponseTimeout)]
    Task Stop(string reason);

    /// <summary>
    /// How long a stop may take to answer: it waits for a launch in progress to cancel, then up to three clean-up steps
    /// of <c>Binder:Sessions:StopTimeout</c> each, well over Orleans' default 30 s.
    /// </summary>
    public const string StopResponseTimeout = "00:10:00";

    /// <summary>The session as it is now (also once stopped), or null when there never was one.</summary>
    [Alias("GetInfo")]
    Task<SessionInfo?> GetInfo();

    /// <summary>
    /// After a restart: takes the session back when its state says running and <paramref name="container"/> (this
    /// node's container with the session's label, or null) still runs, re-adding the proxy route when
    /// <paramref name="routeExists"/> is false and restarting activity polling. Otherwise cleans the session up (route
    /// removed, quota released) and returns false, so the caller removes the container.
    /// </summary>
    [Alias("Adopt")]
    Task<bool> Adopt(SessionContainer? container, bool routeExists);

    /// <summary>
    /// Told by its node's activity poller once per <c>Binder:Sessions:PollInterval</c> while the session runs: what the
    /// node's proxy knows of its route. Answers at once; then the grain adds Jupyter's activity, re-adds a route the
    /// proxy lost, and culls the session when idle or too old. False when the session does not run: the poller stops
    /// telling it.
    /// </summary>
    [Alias("CheckRouteActivity")]
    Task<bool> CheckActivity(RouteActivity route);
}
