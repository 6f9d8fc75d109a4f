using System.Reflection;

namespace Binder.Actors.Runtime;

/// <summary>A method returning void (one-way), Task or ValueTask.</summary>
internal sealed class VoidGrainMethod(MethodInfo method, ReturnKind kind) : GrainMethod(method, kind, null)
{
    public override object? CallFromReference(GrainRuntime runtime, GrainId target, object?[] args)
    {
        // A one-way caller does not wait, so its turn is not blocked by this call: the call starts a fresh chain
        // (carrying the caller's chain would fail it as a deadlock when it merely has to wait for the caller).
        var call = new LocalVoidCall(this, target, args, OneWay ? null : runtime.CurrentChain, OneWay ? runtime : null);
        runtime.Dispatch(call);
        var task = OneWay ? Task.CompletedTask : call.Task;
        return Kind switch
        {
            ReturnKind.Void => null,
            ReturnKind.ValueTask => new ValueTask(task),
            _ => task,
        };
    }

    public override Request CreateIncoming(GrainId target, object?[] args, CallChain? chain, string? callerSilo) =>
        new IncomingCall(this, target, args, chain) { CallerSilo = callerSilo };

    public override object? GetResult(Task completed) => null;
}
