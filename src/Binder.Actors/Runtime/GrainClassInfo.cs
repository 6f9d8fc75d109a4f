using System.Linq.Expressions;
using System.Reflection;
using Binder.Actors.Persistence;
using Microsoft.Extensions.DependencyInjection;

namespace Binder.Actors.Runtime;

/// <summary>A registered grain class: how to construct it, its turn rules, idle age and placement.</summary>
internal sealed class GrainClassInfo
{
    private int _activations;

    public GrainClassInfo(Type classType, TimeSpan? collectionAge)
    {
        if (!typeof(Grain).IsAssignableFrom(classType) || classType.IsAbstract)
        {
            throw new GrainDefinitionException($"{classType.FullName} cannot be registered as a grain: a grain class is a non-abstract class deriving from Binder.Actors.Grain.");
        }

        ClassType = classType;
        Reentrant = classType.IsDefined(typeof(ReentrantAttribute), inherit: true);
        CollectionAge = classType.GetCustomAttribute<CollectionAgeLimitAttribute>()?.Age ?? collectionAge;
        Placement = classType.GetCustomAttribute<PlacementAttribute>(inherit: true);
        GrainInterfaces = [.. classType.GetInterfaces().Where(i => typeof(IGrainWithStringKey).IsAssignableFrom(i) && i != typeof(IGrainWithStringKey))];
        if (GrainInterfaces.Length == 0)
        {
            throw new GrainDefinitionException($"{classType.FullName} implements no grain interface: implement an interface deriving from IGrainWithStringKey.");
        }

        Factory = CompileFactory(classType);
    }

    public Type ClassType { get; }

    public bool Reentrant { get; }

    /// <summary>Idle age for this class; null means the silo default.</summary>
    public TimeSpan? CollectionAge { get; }

    public PlacementAttribute? Placement { get; }

    public Type[] GrainInterfaces { get; }

    public Func<IServiceProvider, Activation, Grain> Factory { get; }

    public int ActivationCount => Volatile.Read(ref _activations);

    public void ActivationStarted() => Interlocked.Increment(ref _activations);

    public void ActivationStopped() => Interlocked.Decrement(ref _activations);

    private static Func<IServiceProvider, Activation, Grain> CompileFactory(Type type)
    {
        var constructor = type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).FirstOrDefault()
            ?? throw new GrainDefinitionException($"Grain class {type.FullName} has no public constructor.");
        var services = Expression.Parameter(typeof(IServiceProvider), "services");
        var activation = Expression.Parameter(typeof(Activation), "activation");
        var arguments = constructor.GetParameters().Select(p => (Expression)Expression.Convert(
            Expression.Invoke(Expression.Constant(ResolverFor(type, p)), services, activation), p.ParameterType));
        var body = Expression.Convert(Expression.New(constructor, arguments), typeof(Grain));
        return Expression.Lambda<Func<IServiceProvider, Activation, Grain>>(body, services, activation).Compile();
    }

    private static Func<IServiceProvider, Activation, object> ResolverFor(Type grainType, ParameterInfo parameter)
    {
        var state = parameter.GetCustomAttribute<PersistentStateAttribute>();
        if (state is null)
        {
            var serviceType = parameter.ParameterType;
            return (services, _) => services.GetService(serviceType) ?? throw new InvalidOperationException(
                $"Grain class {grainType.FullName} needs a {serviceType.FullName} for constructor parameter '{parameter.Name}', but no such service is registered; add it to SiloBuilder.Services.");
        }

        var type = parameter.ParameterType;
        if (!type.IsGenericType || type.GetGenericTypeDefinition() != typeof(IPersistentState<>))
        {
            throw new GrainDefinitionException($"Parameter '{parameter.Name}' of {grainType.FullName} has [PersistentState] but is a {type.FullName}; it must be IPersistentState<T>.");
        }

        var create = typeof(PersistentStateFactory).GetMethod(nameof(PersistentStateFactory.Create))!
            .MakeGenericMethod(type.GetGenericArguments()[0]);
        var factory = create.CreateDelegate<Func<IServiceProvider, Activation, string, string?, object>>();
        return (services, activation) => factory(services, activation, state.StateName, state.StorageName);
    }
}
