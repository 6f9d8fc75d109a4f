using Binder.Hub.Launch;

namespace Binder.Hub.Grains;

/// <summary>
/// The session containers of one node (key: the node name), living on that node: a launch grain that moved to another
/// silo (after a restart) stops its container through here, because the launch backend only reaches its own node's daemon.
/// </summary>
[Alias("binder.INodeSessionsGrain")]
public interface INodeSessionsGrain : IGrainWithStringKey
{
    /// <summary>Removes the session's container on this node (nothing when there is none).</summary>
    [Alias("Stop")]
    Task Stop(string sessionId);

    /// <summary>This node's session containers.</summary>
    [Alias("List")]
    Task<IReadOnlyList<SessionContainer>> List();
}
