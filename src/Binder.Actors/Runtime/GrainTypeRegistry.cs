using System.Collections.Concurrent;
using Binder.Actors.Serialization;

namespace Binder.Actors.Runtime;

/// <summary>The grain interfaces known to a runtime and the classes implementing them. A grain's type is the full name
/// of the grain interface it is addressed by; each grain interface has at most one implementing class.</summary>
internal sealed class GrainTypeRegistry
{
    private readonly ConcurrentDictionary<Type, GrainInterfaceInfo> _interfaces = new();
    private readonly ConcurrentDictionary<string, GrainInterfaceInfo> _interfacesByName = new();
    private readonly Dictionary<string, GrainClassInfo> _classes = [];
    private readonly ActorSerializer _serializer;

    public GrainTypeRegistry(ActorSerializer serializer, IEnumerable<(Type Class, TimeSpan? Age)> classes)
    {
        _serializer = serializer;
        foreach (var (type, age) in classes)
        {
            var info = new GrainClassInfo(type, age);
            foreach (var grainInterface in info.GrainInterfaces)
            {
                var name = GetInterface(grainInterface).Name;
                if (_classes.TryGetValue(name, out var existing) && existing.ClassType != type)
                {
                    throw new GrainDefinitionException(
                        $"Grain interface {name} is implemented by both {existing.ClassType.FullName} and {type.FullName}; register only one class per grain interface.");
                }

                _classes[name] = info;
            }

            if (typeof(IRemindable).IsAssignableFrom(type))
            {
                GetInterface(typeof(IRemindable));
            }
        }
    }

    public IEnumerable<GrainClassInfo> Classes => _classes.Values.Distinct();

    public GrainInterfaceInfo GetInterface(Type type) => _interfaces.GetOrAdd(type, t =>
    {
        var info = new GrainInterfaceInfo(t, _serializer);
        _interfacesByName[info.Name] = info;
        return info;
    });

    public GrainInterfaceInfo GetInterface(string name)
    {
        if (_interfacesByName.TryGetValue(name, out var info))
        {
            return info;
        }

        var type = AppDomain.CurrentDomain.GetAssemblies()
            .Select(a => a.GetType(name, throwOnError: false))
            .FirstOrDefault(t => t is not null)
            ?? throw new GrainDefinitionException($"Grain interface {name} is not known in this process: load the assembly that defines it.");
        return GetInterface(type);
    }

    public bool TryGetClass(string grainType, out GrainClassInfo info) => _classes.TryGetValue(grainType, out info!);
}
