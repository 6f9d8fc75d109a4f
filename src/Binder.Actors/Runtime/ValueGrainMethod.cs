using System.Reflection;

namespace Binder.Actors.Runtime;

/// <summary>A method returning Task&lt;T&gt; or ValueTask&lt;T&gt;.</summary>
internal sealed class ValueGrainMethod<T>(MethodInfo method, ReturnKind kind) : GrainMethod(method, kind, typeof(T))
{
    public override object? CallFromReference(GrainRuntime runtime, GrainId target, object?[] args)
    {
        var call = new LocalCall<T>(this, target, args, runtime.CurrentChain);
        runtime.Dispatch(call);
        return Kind == ReturnKind.TaskOfT ? call.Task : new ValueTask<T>(call.Task);
    }

    public override Request CreateIncoming(GrainId target, object?[] args, CallChain? chain, string? callerSilo) =>
        new IncomingCall(this, target, args, chain) { CallerSilo = callerSilo };

    public override object? GetResult(Task completed) => ((Task<T>)completed).Result;
}
