using System.Linq.Expressions;
using System.Reflection;
using System.Text.Json;
using Binder.Actors.Statistics;

namespace Binder.Actors.Runtime;

internal enum ReturnKind
{
    Void,
    Task,
    TaskOfT,
    ValueTask,
    ValueTaskOfT,
    AsyncEnumerable,
}

/// <summary>What the runtime knows about one grain interface method: how to call it on a grain, how to build the
/// caller's task, and how to (de)serialize its arguments and result.</summary>
internal abstract class GrainMethod
{
    private readonly Func<object, object?[], object?> _invoker;

    protected GrainMethod(MethodInfo method, ReturnKind kind, Type? resultType)
    {
        InterfaceMethod = method;
        Kind = kind;
        ResultType = resultType;
        InterfaceName = method.DeclaringType!.FullName!;
        var parameters = method.GetParameters();
        ParameterTypes = [.. parameters.Select(p => p.ParameterType)];
        ParameterNames = [.. parameters.Select(p => p.Name ?? "arg")];
        CancellationTokenIndex = Array.IndexOf(ParameterTypes, typeof(CancellationToken));
        Key = $"{method.Name}({string.Join(",", ParameterTypes.Select(t => t.FullName))})";
        DisplayName = $"{method.DeclaringType!.Name}.{method.Name}";
        AlwaysInterleave = method.IsDefined(typeof(AlwaysInterleaveAttribute));
        ReadOnly = method.IsDefined(typeof(ReadOnlyAttribute));
        OneWay = method.IsDefined(typeof(OneWayAttribute));
        Statistics = new MethodStatistics(InterfaceName, method.Name);
        _invoker = CompileInvoker(method, kind);
    }

    public MethodInfo InterfaceMethod { get; }

    public string InterfaceName { get; }

    /// <summary>Stable name of the method within its interface, used on the wire.</summary>
    public string Key { get; }

    public string DisplayName { get; }

    public ReturnKind Kind { get; }

    public Type? ResultType { get; }

    public Type[] ParameterTypes { get; }

    public string[] ParameterNames { get; }

    public int CancellationTokenIndex { get; }

    public bool AlwaysInterleave { get; }

    public bool ReadOnly { get; }

    public bool OneWay { get; }

    public MethodStatistics Statistics { get; }

    public static GrainMethod Create(MethodInfo method)
    {
        var type = method.ReturnType;
        var display = $"{method.DeclaringType!.FullName}.{method.Name}";
        GrainMethod result;
        if (type == typeof(void))
        {
            result = method.IsDefined(typeof(OneWayAttribute))
                ? new VoidGrainMethod(method, ReturnKind.Void)
                : throw new GrainDefinitionException($"Grain method {display} returns void; grain methods return Task, Task<T>, ValueTask, ValueTask<T> or IAsyncEnumerable<T> (void only with [OneWay]).");
        }
        else if (type == typeof(Task))
        {
            result = new VoidGrainMethod(method, ReturnKind.Task);
        }
        else if (type == typeof(ValueTask))
        {
            result = new VoidGrainMethod(method, ReturnKind.ValueTask);
        }
        else if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Task<>))
        {
            result = Make(typeof(ValueGrainMethod<>), type, method, ReturnKind.TaskOfT);
        }
        else if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(ValueTask<>))
        {
            result = Make(typeof(ValueGrainMethod<>), type, method, ReturnKind.ValueTaskOfT);
        }
        else if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IAsyncEnumerable<>))
        {
            result = Make(typeof(StreamGrainMethod<>), type, method, ReturnKind.AsyncEnumerable);
        }
        else
        {
            throw new GrainDefinitionException($"Grain method {display} returns {type.FullName}; grain methods return Task, Task<T>, ValueTask, ValueTask<T> or IAsyncEnumerable<T>.");
        }

        if (result.OneWay && result.Kind is not (ReturnKind.Void or ReturnKind.Task or ReturnKind.ValueTask))
        {
            throw new GrainDefinitionException($"Grain method {display} is [OneWay] but returns a value; a one-way method returns void, Task or ValueTask.");
        }

        return result;
    }

    private static GrainMethod Make(Type generic, Type returnType, MethodInfo method, ReturnKind kind) =>
        (GrainMethod)Activator.CreateInstance(generic.MakeGenericType(returnType.GetGenericArguments()[0]), method, kind)!;

    /// <summary>Calls the method on a grain; returns a task (or, for streams, the enumerable).</summary>
    public object? InvokeRaw(object grain, object?[] args) => _invoker(grain, args);

    public Task InvokeOnGrain(object grain, object?[] args) => (Task)_invoker(grain, args)!;

    /// <summary>Makes the call a grain reference's caller sees; returns the boxed Task/ValueTask/enumerable.</summary>
    public abstract object? CallFromReference(GrainRuntime runtime, GrainId target, object?[] args);

    /// <summary>Creates the request for a call that arrived from another silo.</summary>
    public abstract Request CreateIncoming(GrainId target, object?[] args, CallChain? chain, string? callerSilo);

    /// <summary>Creates the request for a streaming call that arrived from another silo.</summary>
    public virtual StreamRequest CreateIncomingStream(GrainId target, object?[] args, CallChain? chain, string? callerSilo, CancellationToken cancellationToken) =>
        throw new GrainDefinitionException($"{DisplayName} does not return IAsyncEnumerable<T> and cannot be called as a stream.");

    /// <summary>The value of a completed task of this method, as an object (for serialization).</summary>
    public abstract object? GetResult(Task completed);

    public object? DeserializeResult(JsonElement element, Serialization.ActorSerializer serializer) =>
        ResultType is null ? null : serializer.Deserialize(element, ResultType, $"result of {DisplayName}");

    private static Func<object, object?[], object?> CompileInvoker(MethodInfo method, ReturnKind kind)
    {
        var grain = Expression.Parameter(typeof(object), "grain");
        var args = Expression.Parameter(typeof(object?[]), "args");
        var parameters = method.GetParameters();
        var call = Expression.Call(
            Expression.Convert(grain, method.DeclaringType!),
            method,
            parameters.Select((p, i) => Expression.Convert(Expression.ArrayIndex(args, Expression.Constant(i)), p.ParameterType)));
        Expression body = kind switch
        {
            ReturnKind.Void => Expression.Block(call, Expression.Constant(Task.CompletedTask, typeof(object))),
            ReturnKind.ValueTask or ReturnKind.ValueTaskOfT => Expression.Convert(
                Expression.Call(call, method.ReturnType.GetMethod(nameof(ValueTask.AsTask))!), typeof(object)),
            _ => Expression.Convert(call, typeof(object)),
        };
        return Expression.Lambda<Func<object, object?[], object?>>(body, grain, args).Compile();
    }
}
