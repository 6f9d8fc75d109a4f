using Binder.Actors.Filters;

namespace Binder.Actors.Runtime;

/// <summary>One call (or timer tick, or stream) delivered to an activation. The same object is enqueued a second
/// time, with <see cref="Finished"/> set, when its task completes asynchronously.</summary>
internal abstract class Request : WorkItem
{
    private Action? _onTaskCompleted;
    private Activation? _owner;

    protected Request(GrainMethod? method, GrainId target, object?[] args, CallChain? chain)
    {
        Method = method;
        Target = target;
        Args = args;
        Chain = chain;
    }

    public GrainMethod? Method { get; }

    public GrainId Target { get; }

    public object?[] Args { get; }

    public CallChain? Chain { get; }

    /// <summary>The silo that sent the call, for prefer-local placement; null for local or client calls.</summary>
    public string? CallerSilo { get; init; }

    public int Hops { get; set; }

    /// <summary>True when the request arrived from another silo, which already chose this silo by placement.</summary>
    public bool Remote { get; set; }

    /// <summary>The silo that ran the call, when it was forwarded.</summary>
    public string? ExecutedOn { get; set; }

    public long ArrivalTimestamp { get; set; }

    public bool Finished { get; set; }

    public bool Interleave { get; set; }

    public bool ReadOnly { get; set; }

    public Task? ResultTask { get; set; }

    public GrainCallContext? FilterContext { get; set; }

    /// <summary>Whether running this request counts as activity for idle collection.</summary>
    public virtual bool CountsAsActivity => true;

    /// <summary>Streams always interleave: a long enumeration must not hold the activation's turn.</summary>
    public virtual bool AlwaysInterleaves => false;

    /// <summary>Runs the grain code; returns the task that completes with the call.</summary>
    public virtual Task Invoke(Activation activation)
    {
        var method = Method!;
        var filters = activation.Runtime.Filters;
        if (filters.Length != 0)
        {
            FilterContext = new GrainCallContext(activation, this, filters);
            return FilterContext.RunAsync();
        }

        return method.InvokeOnGrain(activation.Instance!, Args);
    }

    /// <summary>Completes the caller's side from the finished task (or filter context).</summary>
    public void Complete(Task task)
    {
        if (!task.IsCompletedSuccessfully)
        {
            if (task.IsCanceled)
            {
                SetCanceled();
            }
            else
            {
                var inner = task.Exception!.InnerExceptions;
                SetException(inner.Count == 1 ? inner[0] : task.Exception);
            }
        }
        else if (FilterContext is { } context)
        {
            SetValue(context.Result);
        }
        else
        {
            SetFromTask(task);
        }
    }

    public abstract void SetFromTask(Task completed);

    public abstract void SetValue(object? value);

    public abstract void SetException(Exception exception);

    public virtual void SetCanceled() => SetException(new OperationCanceledException($"The call to {Describe()} was cancelled."));

    public string Describe() => Method is null ? Target.ToString() : $"{Method.DisplayName} on grain {Target}";

    public void WatchCompletion(Activation owner, Task task)
    {
        _owner = owner;
        _onTaskCompleted ??= OnTaskCompleted;
        task.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_onTaskCompleted);
    }

    private void OnTaskCompleted()
    {
        Finished = true;
        _owner!.Enqueue(this);
    }
}
