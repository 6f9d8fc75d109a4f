using Binder.Actors;
using Binder.Hub.Events;

namespace Binder.Hub.Grains;

/// <summary>
/// One per user session (key: the session id, which is also the proxy path <c>/user/&lt;session&gt;/</c>): checks
/// quotas, starts the container, adds the proxy route, and culls the session when idle or too old.
/// </summary>
public interface ILaunchGrain : IGrainWithStringKey
{
    /// <summary>
    /// Starts the session and streams <c>launching</c> events, then <c>ready</c> (with <c>url</c>, <c>token</c>,
    /// <c>image</c> and the <c>binder_*</c> fields) or <c>failed</c> (quota reached, container failed to start).
    /// Cancelling before <c>ready</c> removes whatever was started.
    /// </summary>
    IAsyncEnumerable<BinderEvent> Launch(LaunchOrder order, CancellationToken cancellationToken);

    /// <summary>Stops the session: route and container removed, quota released. Stopping a stopped session does nothing.</summary>
    Task Stop(string reason);

    /// <summary>The session as it is now, or null when there is none.</summary>
    Task<SessionInfo?> GetInfo();
}
