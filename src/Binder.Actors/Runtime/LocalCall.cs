namespace Binder.Actors.Runtime;

/// <summary>A call made through a grain reference, completing a typed task the caller awaits.</summary>
internal sealed class LocalCall<T>(GrainMethod method, GrainId target, object?[] args, CallChain? chain)
    : Request(method, target, args, chain)
{
    // Asynchronous continuations: a caller that is not a grain must never run (or block) on the activation's thread.
    private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<T> Task => _completion.Task;

    protected override bool HasWaitingCaller => true;

    protected override bool IsAnswered => _completion.Task.IsCompleted;

    public override void SetFromTask(Task completed)
    {
        DisarmResponseTimeout();
        _completion.TrySetResult(((Task<T>)completed).Result);
    }

    public override void SetValue(object? value)
    {
        DisarmResponseTimeout();
        _completion.TrySetResult((T)value!);
    }

    public override void SetException(Exception exception)
    {
        DisarmResponseTimeout();
        _completion.TrySetException(exception);
    }

    public override void SetCanceled()
    {
        DisarmResponseTimeout();
        _completion.TrySetCanceled();
    }
}

/// <summary>A call whose method returns no value.</summary>
internal sealed class LocalVoidCall(GrainMethod method, GrainId target, object?[] args, CallChain? chain, ILoggerSink? oneWayErrors)
    : Request(method, target, args, chain)
{
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Task => _completion.Task;

    protected override bool HasWaitingCaller => oneWayErrors is null;

    protected override bool IsAnswered => _completion.Task.IsCompleted;

    public override void SetFromTask(Task completed)
    {
        DisarmResponseTimeout();
        _completion.TrySetResult();
    }

    public override void SetValue(object? value)
    {
        DisarmResponseTimeout();
        _completion.TrySetResult();
    }

    public override void SetException(Exception exception)
    {
        DisarmResponseTimeout();
        if (oneWayErrors is not null)
        {
            // Nobody awaits a one-way call: log its failure instead of leaving an unobserved task.
            oneWayErrors.OneWayFailed(Describe(), exception);
            _completion.TrySetResult();
            return;
        }

        _completion.TrySetException(exception);
    }

    public override void SetCanceled()
    {
        DisarmResponseTimeout();
        _completion.TrySetCanceled();
    }
}

/// <summary>Receives errors of one-way calls, which have nobody waiting for them.</summary>
internal interface ILoggerSink
{
    void OneWayFailed(string call, Exception exception);
}
