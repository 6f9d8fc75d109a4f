using System.Reflection;

namespace Binder.Actors.Runtime;

/// <summary>The base of the runtime-generated proxies (<see cref="DispatchProxy"/>) returned by
/// <see cref="IGrainFactory.GetGrain{TGrainInterface}"/>. Each interface call becomes a request to the grain.</summary>
internal class GrainReference : DispatchProxy
{
    private GrainRuntime? _runtime;
    private GrainInterfaceInfo? _interface;

    public GrainId GrainIdentity { get; private set; }

    internal void Initialize(GrainRuntime runtime, GrainInterfaceInfo grainInterface, GrainId id)
    {
        _runtime = runtime;
        _interface = grainInterface;
        GrainIdentity = id;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        var method = _interface!.GetMethod(targetMethod!);
        return method.CallFromReference(_runtime!, GrainIdentity, args ?? []);
    }

    public override bool Equals(object? obj) => obj is GrainReference other && other.GrainIdentity == GrainIdentity;

    public override int GetHashCode() => GrainIdentity.GetHashCode();

    public override string ToString() => GrainIdentity.ToString();
}
