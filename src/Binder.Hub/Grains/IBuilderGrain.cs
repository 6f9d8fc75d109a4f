using Binder.Actors;
using Binder.Hub.Events;

namespace Binder.Hub.Grains;

/// <summary>
/// One per node (key: the node name), pinned to the silo beside that node's Docker daemon: runs builds there, a few at
/// a time, the rest in a first-in, first-out queue.
/// </summary>
[NodePinnedPlacement]
public interface IBuilderGrain : IGrainWithStringKey
{
    /// <summary>
    /// Queues the build and streams its events: <c>waiting</c> (with <see cref="BinderEvent.QueuePosition"/>) while
    /// queued, then <c>fetching</c>, <c>building</c>, <c>pushing</c>, and last <c>built</c> (with <c>imageName</c>) or
    /// <c>failed</c>. Cancelling the enumeration cancels the build (or takes it out of the queue).
    /// </summary>
    IAsyncEnumerable<BinderEvent> Build(BuildOrder order, CancellationToken cancellationToken);

    /// <summary>How busy this node is.</summary>
    Task<BuilderLoad> GetLoad();
}
