using Binder.Hub.Events;

namespace Binder.Hub.Grains;

/// <summary>
/// One per node (key: the node name), pinned to the silo beside that node's Docker daemon: runs builds there, a few at
/// a time, the rest in a first-in, first-out queue.
/// </summary>
[Alias("binder.IBuilderGrain")]
public interface IBuilderGrain : IGrainWithStringKey
{
    /// <summary>
    /// Queues the build and streams its events: <c>waiting</c> (with <see cref="BinderEvent.QueuePosition"/>) while
    /// queued, then <c>fetching</c>, <c>building</c>, <c>pushing</c>, and last <c>built</c> (with <c>imageName</c>) or
    /// <c>failed</c>. The queue and the build run in the grain whether or not the caller reads; a caller that leaves
    /// (cancels, disposes, or stops reading until Orleans expires the enumeration) cancels the build or takes it out
    /// of the queue, and its slot goes to the next build.
    /// </summary>
    [Alias("Build")]
    IAsyncEnumerable<BinderEvent> Build(BuildOrder order, CancellationToken cancellationToken);

    /// <summary>How busy this node is.</summary>
    [Alias("GetLoad")]
    Task<BuilderLoad> GetLoad();

    /// <summary>The builds this node runs and queues (what the operator page shows).</summary>
    [Alias("GetQueue")]
    Task<BuilderQueue> GetQueue();
}
