namespace Binder.Actors.Runtime;

/// <summary>A call that arrived from another silo; the transport awaits <see cref="Task"/> and serializes the outcome.</summary>
internal sealed class IncomingCall(GrainMethod method, GrainId target, object?[] args, CallChain? chain)
    : Request(method, target, args, chain)
{
    private readonly TaskCompletionSource<object?> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<object?> Task => _completion.Task;

    public override void SetFromTask(Task completed) => _completion.TrySetResult(Method!.GetResult(completed));

    public override void SetValue(object? value) => _completion.TrySetResult(value);

    public override void SetException(Exception exception) => _completion.TrySetException(exception);

    public override void SetCanceled() => _completion.TrySetCanceled();
}
