using System.Reflection;

namespace Binder.Actors.Runtime;

/// <summary>A method returning IAsyncEnumerable&lt;T&gt;: the caller gets an enumerable that starts the call when
/// enumerated.</summary>
internal sealed class StreamGrainMethod<T>(MethodInfo method, ReturnKind kind) : GrainMethod(method, kind, typeof(T))
{
    public override object? CallFromReference(GrainRuntime runtime, GrainId target, object?[] args) =>
        new GrainAsyncEnumerable<T>(runtime, this, target, args, runtime.CurrentChain);

    public override Request CreateIncoming(GrainId target, object?[] args, CallChain? chain, string? callerSilo) =>
        new StreamRequest<T>(this, target, args, chain, CancellationToken.None) { CallerSilo = callerSilo };

    public override StreamRequest CreateIncomingStream(GrainId target, object?[] args, CallChain? chain, string? callerSilo, CancellationToken cancellationToken) =>
        new StreamRequest<T>(this, target, args, chain, cancellationToken) { CallerSilo = callerSilo };

    public override object? GetResult(Task completed) => null;
}
