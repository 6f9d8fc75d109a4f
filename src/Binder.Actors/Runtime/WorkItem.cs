namespace Binder.Actors.Runtime;

/// <summary>A node of an activation's intrusive mailbox: requests, continuations and control actions.</summary>
internal abstract class WorkItem
{
    internal WorkItem? Next;
}

internal sealed class StubItem : WorkItem;

internal sealed class ContinuationItem(SendOrPostCallback callback, object? state) : WorkItem
{
    public void Run() => callback(state);
}

internal sealed class ControlItem(Action<Activation> action) : WorkItem
{
    public void Run(Activation activation) => action(activation);
}
