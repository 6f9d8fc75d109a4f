using System.Reflection;

namespace Binder.Actors.Runtime;

/// <summary>A method returning void (one-way), Task or ValueTask.</summary>
internal sealed class VoidGrainMethod(MethodInfo method, ReturnKind kind) : GrainMethod(method, kind, null)
{
    public override object? CallFromReference(GrainRuntime runtime, GrainId target, object?[] args)
    {
        var call = new LocalVoidCall(this, target, args, runtime.CurrentChain, OneWay ? runtime : null);
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
