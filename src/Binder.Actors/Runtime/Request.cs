using Binder.Actors.Filters;

namespace Binder.Actors.Runtime;

/// <summary>One call (or timer tick, or stream) delivered to an activation. The same object is enqueued a second
/// time, with <see cref="Finished"/> set, when its task completes asynchronously.</summary>
internal abstract class Request : WorkItem
{
    private Action? _onTaskCompleted;
    private Activation? _owner;
    private ITimer? _responseTimer;
    private TimeSpan _responseTimeout;

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

    /// <summary>Id of the turn this request runs as (set when a non-interleaved request starts); call chains name
    /// the blocked turn by it.</summary>
    public long TurnId { get; set; }

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

    /// <summary>Whether a local caller awaits this request, so it gets <see cref="GrainCollectionOptions.ResponseTimeout"/>.</summary>
    protected virtual bool HasWaitingCaller => false;

    /// <summary>Starts the response timeout of a call delivered to an activation of this silo (once per request;
    /// re-deliveries keep the first deadline). Remote calls have the transport's timeout instead.</summary>
    public void ArmResponseTimeout(GrainRuntime runtime)
    {
        var timeout = runtime.CollectionOptions.ResponseTimeout;
        if (!HasWaitingCaller || timeout == Timeout.InfiniteTimeSpan || Volatile.Read(ref _responseTimer) is not null)
        {
            return;
        }

        ITimer timer;
        // The timer must not capture the caller's execution context (its call chain) for its callback.
        using (ExecutionContext.SuppressFlow())
        {
            timer = runtime.Time.CreateTimer(
                static s => ((Request)s!).OnResponseTimeout(), this, timeout, Timeout.InfiniteTimeSpan);
        }

        if (Interlocked.CompareExchange(ref _responseTimer, timer, null) is not null)
        {
            timer.Dispose();
            return;
        }

        _responseTimeout = timeout;
        if (IsAnswered)
        {
            DisarmResponseTimeout();
        }
    }

    private void OnResponseTimeout()
    {
        DisarmResponseTimeout();
        SetException(new GrainCallTimeoutException(
            $"The call to {Describe()} did not complete within {_responseTimeout} (GrainCollectionOptions.ResponseTimeout). The grain may be stuck in a call that never completes, or busy with a long call this one queued behind; find the call that holds the grain, or raise the timeout."));
    }

    /// <summary>Whether the caller's task is already completed.</summary>
    protected virtual bool IsAnswered => false;

    /// <summary>Stops the response timeout once the caller has its answer.</summary>
    protected void DisarmResponseTimeout() => Interlocked.Exchange(ref _responseTimer, null)?.Dispose();

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
