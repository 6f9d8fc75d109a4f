namespace Binder.Hub.Grains;

/// <summary>
/// The sessions of one node (key: the node name), pinned to a silo of that node: every container and proxy-route
/// operation of a session whose launch grain is activated on another silo goes through here, because a silo's launch
/// backend and proxy client only reach its own node's daemon and proxy.
/// </summary>
[Alias("binder.INodeSessionsGrain")]
public interface INodeSessionsGrain : IGrainWithStringKey, ISessionNode
{
}
