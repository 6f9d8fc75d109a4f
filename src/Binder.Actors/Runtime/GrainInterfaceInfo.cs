using System.Reflection;
using Binder.Actors.Serialization;

namespace Binder.Actors.Runtime;

/// <summary>A grain interface: its methods (including inherited grain interfaces') and how to make proxies of it.</summary>
internal sealed class GrainInterfaceInfo
{
    private readonly Dictionary<MethodInfo, GrainMethod> _methods = [];
    private readonly Dictionary<string, GrainMethod> _byKey = [];
    private readonly Func<object> _createProxy;

    public GrainInterfaceInfo(Type type, ActorSerializer serializer)
    {
        if (!type.IsInterface || !typeof(IGrain).IsAssignableFrom(type))
        {
            throw new GrainDefinitionException($"{type.FullName} is not a grain interface: grain interfaces are interfaces deriving from IGrainWithStringKey.");
        }

        Type = type;
        Name = type.FullName!;
        Placement = type.GetCustomAttribute<PlacementAttribute>();
        foreach (var declaring in type.GetInterfaces().Append(type).Where(i => i != typeof(IGrain) && i != typeof(IGrainWithStringKey)))
        {
            foreach (var method in declaring.GetMethods())
            {
                var grainMethod = GrainMethod.Create(method);
                for (var i = 0; i < grainMethod.ParameterTypes.Length; i++)
                {
                    if (grainMethod.ParameterTypes[i] != typeof(CancellationToken))
                    {
                        serializer.Validate(grainMethod.ParameterTypes[i], $"parameter '{grainMethod.ParameterNames[i]}' of {declaring.FullName}.{method.Name}");
                    }
                }

                if (grainMethod.ResultType is { } result)
                {
                    serializer.Validate(result, $"result of {declaring.FullName}.{method.Name}");
                }

                _methods[method] = grainMethod;
                _byKey[declaring.FullName + ":" + grainMethod.Key] = grainMethod;
            }
        }

        var create = typeof(DispatchProxy).GetMethods()
            .Single(m => m.Name == nameof(DispatchProxy.Create) && m.IsGenericMethodDefinition && m.GetGenericArguments().Length == 2)
            .MakeGenericMethod(type, typeof(GrainReference));
        _createProxy = create.CreateDelegate<Func<object>>();
    }

    public Type Type { get; }

    public string Name { get; }

    public PlacementAttribute? Placement { get; }

    public IEnumerable<GrainMethod> Methods => _methods.Values;

    public GrainMethod GetMethod(MethodInfo method) => _methods.TryGetValue(method, out var m)
        ? m
        : throw new GrainDefinitionException($"{method.DeclaringType?.FullName}.{method.Name} is not a method of grain interface {Name}.");

    public GrainMethod GetMethod(string declaringInterface, string key) => _byKey.TryGetValue(declaringInterface + ":" + key, out var m)
        ? m
        : throw new GrainDefinitionException($"Grain interface {Name} has no method {declaringInterface}.{key}: the silos run different versions of the grain interfaces.");

    public object CreateProxy(GrainRuntime runtime, GrainId id)
    {
        var proxy = _createProxy();
        ((GrainReference)proxy).Initialize(runtime, this, id);
        return proxy;
    }
}
