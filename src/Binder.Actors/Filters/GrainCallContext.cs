using System.Reflection;
using Binder.Actors.Runtime;

namespace Binder.Actors.Filters;

internal sealed class GrainCallContext(Activation activation, Request request, IIncomingGrainCallFilter[] filters) : IIncomingGrainCallContext
{
    private int _next;

    public Grain Grain => activation.Instance!;

    public string GrainId => activation.Id.ToString();

    public MethodInfo InterfaceMethod => request.Method!.InterfaceMethod;

    public object?[] Arguments => request.Args;

    public object? Result { get; set; }

    public Task RunAsync() => Invoke();

    public async Task Invoke()
    {
        if (_next < filters.Length)
        {
            await filters[_next++].Invoke(this);
            return;
        }

        var task = request.Method!.InvokeOnGrain(activation.Instance!, request.Args);
        await task;
        Result = request.Method.GetResult(task);
    }
}
