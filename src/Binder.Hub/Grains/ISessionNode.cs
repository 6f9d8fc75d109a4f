using Binder.Hub.Launch;
using Binder.Hub.Sessions;

namespace Binder.Hub.Grains;

/// <summary>
/// What a session needs from the node that runs it: that node's Docker daemon (container start, stop, look-up, Jupyter's
/// activity, memory) and that node's session proxy (the route), and that node's activity poller. Each node has its own
/// daemon and proxy, so a launch grain asks its session's node, wherever the grain itself is activated:
/// <see cref="INodeSessionsGrain"/> (pinned to the node) from another silo, the node's own <see cref="LocalSessionNode"/>
/// on a silo of that node.
/// </summary>
public interface ISessionNode
{
    /// <summary>
    /// The longest a session's start may take (<c>Launch:Docker:StartTimeout</c> and <c>PullTimeout</c> are validated
    /// to be shorter together, with room for a failed start's clean-up), enforced by the launch grain: it cancels a start
    /// still running then and fails the launch naming this bound. The start is streamed (<see cref="Start"/>), so no
    /// single grain call lasts that long, and Orleans' response timeout does not bound it.
    /// </summary>
    public const string StartResponseTimeout = "00:30:00";

    /// <summary>How long a stop asked across silos may take: Docker's stop waits <c>Launch:Docker:StopGracePeriod</c> before it kills.</summary>
    public const string StopResponseTimeout = "00:05:00";

    /// <summary>The node's memory and one session's memory limit (for the default node quota).</summary>
    [Alias("GetResources")]
    Task<NodeResources> GetResources(CancellationToken cancellationToken);

    /// <summary>
    /// Starts the session's container and waits until Jupyter answers (<see cref="ILaunchBackend.StartAsync(SessionStart, IProgress{string}, CancellationToken)"/>),
    /// streaming what the backend reports as it goes (<see cref="SessionStartStep.Progress"/>), then the started session
    /// (<see cref="SessionStartStep.Container"/>) as the last item; a failed start throws from the enumeration. A stream,
    /// not one call, so the node can tell the launch each step (Orleans keeps a slow step's enumeration alive). Cancelling,
    /// or leaving the enumeration before its last item, cancels the start, which removes what it had started.
    /// </summary>
    [Alias("StartStreamed")]
    IAsyncEnumerable<SessionStartStep> Start(SessionStart start, CancellationToken cancellationToken);

    /// <summary>Routes <c>/user/&lt;session&gt;/</c> to <paramref name="target"/> on the node's proxy; returns the proxy's
    /// public URL (where people reach this node's sessions).</summary>
    [Alias("AddRoute")]
    Task<string> AddRoute(string sessionId, string target, CancellationToken cancellationToken);

    /// <summary>Removes the session's route from the node's proxy (nothing when there is none).</summary>
    [Alias("RemoveRoute")]
    Task RemoveRoute(string sessionId, CancellationToken cancellationToken);

    /// <summary>Jupyter's own last activity in the session's container, or null when it does not answer.</summary>
    [Alias("GetJupyterActivity")]
    Task<DateTimeOffset?> GetJupyterActivity(SessionContainer container, string token, CancellationToken cancellationToken);

    /// <summary>Removes the session's container on this node (nothing when there is none).</summary>
    [Alias("StopContainer")]
    [ResponseTimeout(StopResponseTimeout)]
    Task StopContainer(string sessionId, CancellationToken cancellationToken);

    /// <summary>This node's session containers.</summary>
    [Alias("ListContainers")]
    Task<IReadOnlyList<SessionContainer>> ListContainers(CancellationToken cancellationToken);

    /// <summary>From the next round on, the node's activity poller tells the session what the node's proxy saw of its route.</summary>
    [Alias("Track")]
    Task Track(string sessionId);

    /// <summary>The node's activity poller stops telling the session (it stopped).</summary>
    [Alias("Untrack")]
    Task Untrack(string sessionId);
}
