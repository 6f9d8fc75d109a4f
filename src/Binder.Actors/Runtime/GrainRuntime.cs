using System.Collections.Concurrent;
using Binder.Actors.Cluster;
using Binder.Actors.Reminders;
using Binder.Actors.Serialization;
using Binder.Actors.Timers;
using Microsoft.Extensions.Logging;

namespace Binder.Actors.Runtime;

/// <summary>The heart of a silo (or of a cluster client): the catalog of activations, dispatch of requests, the
/// call-chain context and idle collection.</summary>
internal sealed partial class GrainRuntime : IGrainFactory, ILoggerSink
{
    private readonly ConcurrentDictionary<GrainId, Activation> _catalog = new();
    private readonly AsyncLocal<CallChain?> _chain = new();
    private ITimer? _collector;
    private volatile bool _stopping;

    // Turn ids only need to be unique per activation; starting at a random point keeps ids from different silos
    // (which meet in cross-silo chains) from colliding in practice.
    private long _lastTurnId = Random.Shared.NextInt64(1, long.MaxValue / 2);

    public GrainRuntime(
        IServiceProvider services,
        TimeProvider time,
        ILogger logger,
        IEnumerable<(Type Class, TimeSpan? Age)> classes,
        GrainCollectionOptions collectionOptions,
        IIncomingGrainCallFilter[] filters,
        System.Text.Json.Serialization.Metadata.IJsonTypeInfoResolver? jsonResolver,
        string siloId)
    {
        Services = services;
        Time = time;
        Logger = logger;
        CollectionOptions = collectionOptions;
        Filters = filters;
        SiloId = siloId;
        Serializer = new ActorSerializer(this, jsonResolver);
        Registry = new GrainTypeRegistry(Serializer, classes);
        Reminders = new ReminderService(this);
    }

    public IServiceProvider Services { get; }

    public TimeProvider Time { get; }

    public ILogger Logger { get; }

    public GrainCollectionOptions CollectionOptions { get; }

    public IIncomingGrainCallFilter[] Filters { get; }

    public ActorSerializer Serializer { get; }

    public GrainTypeRegistry Registry { get; }

    public ReminderService Reminders { get; }

    public string SiloId { get; set; }

    public IGrainFactory Factory => this;

    /// <summary>Set when the runtime belongs to a cluster: routes calls for grains not active here.</summary>
    public ClusterRouter? Cluster { get; set; }

    public bool IsStopping => _stopping;

    public CallChain? CurrentChain
    {
        get => _chain.Value;
        set => _chain.Value = value;
    }

    public ICollection<Activation> Activations => _catalog.Values;

    public long NextTurnId() => Interlocked.Increment(ref _lastTurnId);

    public TGrainInterface GetGrain<TGrainInterface>(string key) where TGrainInterface : IGrainWithStringKey
    {
        ArgumentNullException.ThrowIfNull(key);
        return (TGrainInterface)GetReference(Registry.GetInterface(typeof(TGrainInterface)), key);
    }

    public object GetReference(GrainInterfaceInfo grainInterface, string key) =>
        grainInterface.CreateProxy(this, new GrainId(grainInterface.Name, key));

    public object GetReference(Type grainInterface, GrainId id) =>
        Registry.GetInterface(grainInterface).CreateProxy(this, id);

    public void Dispatch(Request request)
    {
        request.ArrivalTimestamp = Time.GetTimestamp();
        if (_catalog.TryGetValue(request.Target, out var activation))
        {
            request.ArmResponseTimeout(this);
            activation.Enqueue(request);
            return;
        }

        if (Cluster is { } cluster)
        {
            cluster.Route(request);
            return;
        }

        DispatchToNewActivation(request);
    }

    /// <summary>Delivers to a local activation, creating it if needed (the cluster has decided it lives here).</summary>
    public void DispatchToNewActivation(Request request)
    {
        if (!Registry.TryGetClass(request.Target.Type, out var grainClass))
        {
            request.SetException(new GrainDefinitionException(
                $"No grain class implementing {request.Target.Type} is registered in silo {SiloId}; register it with SiloBuilder.AddGrain<T>()."));
            return;
        }

        if (_stopping)
        {
            request.SetException(new SiloUnavailableException(
                $"Silo {SiloId} is shutting down and starts no new activations ({request.Describe()}); retry the call."));
            return;
        }

        request.ArmResponseTimeout(this);
        _catalog.GetOrAdd(request.Target, static (id, s) => new Activation(s.Runtime, id, s.Class), (Runtime: this, Class: grainClass))
            .Enqueue(request);
    }

    public bool TryGetActivation(GrainId id, out Activation activation) => _catalog.TryGetValue(id, out activation!);

    /// <summary>Re-delivers a request that reached an activation that was deactivating.</summary>
    public void Redispatch(Request request)
    {
        if (request is TimerTick)
        {
            return;
        }

        if (++request.Hops > 16)
        {
            request.SetException(new SiloUnavailableException(
                $"{request.Describe()} was forwarded 16 times without reaching an activation; the cluster may be reconfiguring, retry the call."));
            return;
        }

        Dispatch(request);
    }

    public async Task OnActivationRemovedAsync(Activation activation)
    {
        if (Cluster is { } cluster)
        {
            try
            {
                await cluster.UnregisterAsync(activation);
            }
            catch (Exception e)
            {
                Log.UnregisterFailed(Logger, activation.Id.ToString(), e);
            }
        }

        _catalog.TryRemove(new KeyValuePair<GrainId, Activation>(activation.Id, activation));
    }

    public void Start()
    {
        var quantum = CollectionOptions.CollectionQuantum;
        _collector = Time.CreateTimer(static s => ((GrainRuntime)s!).CollectIdle(), this, quantum, quantum);
    }

    private void CollectIdle()
    {
        foreach (var activation in _catalog.Values)
        {
            var age = activation.Class.CollectionAge
                ?? (CollectionOptions.ClassSpecificCollectionAge.TryGetValue(activation.Class.ClassType.FullName!, out var specific)
                    ? specific
                    : CollectionOptions.CollectionAge);
            if (activation.State == ActivationState.Valid && !activation.IsBusy && activation.IsIdleLongerThan(age))
            {
                _ = activation.DeactivateFromOutside(
                    new DeactivationReason(DeactivationReasonCode.ActivationIdle, $"The activation was idle for more than {age}."),
                    onlyIfIdle: true,
                    age);
            }
        }
    }

    /// <summary>Deactivates every activation (OnDeactivateAsync runs) and refuses new ones.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        if (_collector is not null)
        {
            await _collector.DisposeAsync();
        }

        await Reminders.StopAsync();
        var reason = new DeactivationReason(DeactivationReasonCode.ShuttingDown, $"Silo {SiloId} is shutting down.");
        var all = _catalog.Values.Select(a => a.DeactivateFromOutside(reason, onlyIfIdle: false, TimeSpan.Zero)).ToArray();
        try
        {
            await Task.WhenAll(all).WaitAsync(CollectionOptions.DeactivationTimeout + TimeSpan.FromSeconds(5), Time, cancellationToken);
        }
        catch (TimeoutException)
        {
            Log.ShutdownTimedOut(Logger, _catalog.Count);
        }
    }

    public SiloRuntimeStatistics GetStatistics()
    {
        var byType = Registry.Classes.ToDictionary(c => c.ClassType.FullName!, c => c.ActivationCount);
        var methods = Registry.Classes
            .SelectMany(c => c.GrainInterfaces.Append(typeof(IRemindable)))
            .Distinct()
            .Where(t => t != typeof(IRemindable) || Registry.Classes.Any(c => typeof(IRemindable).IsAssignableFrom(c.ClassType)))
            .SelectMany(t => Registry.GetInterface(t).Methods)
            .Distinct()
            .Select(m => m.Statistics.Snapshot(Time))
            .Where(s => s.Calls > 0)
            .ToList();
        return new SiloRuntimeStatistics(SiloId, byType, methods);
    }

    public void OneWayFailed(string call, Exception exception) => Log.OneWayFailed(Logger, call, exception);

    public void TimerFailed(string grain, Exception exception) => Log.TimerFailed(Logger, grain, exception);

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "One-way call {Call} failed")]
        public static partial void OneWayFailed(ILogger logger, string call, Exception exception);

        [LoggerMessage(Level = LogLevel.Warning, Message = "A timer callback of grain {Grain} failed")]
        public static partial void TimerFailed(ILogger logger, string grain, Exception exception);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Removing grain {Grain} from the grain directory failed")]
        public static partial void UnregisterFailed(ILogger logger, string grain, Exception exception);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Shutdown timed out with {Count} activations still deactivating")]
        public static partial void ShutdownTimedOut(ILogger logger, int count);
    }
}
