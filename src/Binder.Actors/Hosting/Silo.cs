using Binder.Actors.Cluster;
using Binder.Actors.Reminders;
using Binder.Actors.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Binder.Actors;

/// <summary>A process's host of grain activations. Start it, get grains from <see cref="GrainFactory"/>, stop it
/// (which deactivates every activation first). Also usable as an <see cref="IHostedService"/>.</summary>
public sealed class Silo : IHostedService, IAsyncDisposable, ILocalSiloDetails
{
    private readonly ServiceProvider _services;
    private readonly GrainRuntime _runtime;
    private readonly PostgresDatabase[] _databases;
    private readonly ClusterMember? _cluster;
    private int _state;
    private DateTimeOffset _startTime;

    internal Silo(SiloBuilder builder, List<(Type Class, TimeSpan? Age)> grains, Func<IServiceProvider, IReminderTable>? reminderTable, PostgresDatabase[] databases)
    {
        var holder = new RuntimeHolder();
        builder.Services.AddSingleton<IGrainFactory>(_ => holder.Runtime!);
        builder.Services.AddSingleton<ILocalSiloDetails>(_ => this);
        _services = builder.Services.BuildServiceProvider();
        _databases = databases;
        Options = builder.SiloOptions;
        var logger = _services.GetRequiredService<ILoggerFactory>().CreateLogger("Binder.Actors.Silo");
        _runtime = new GrainRuntime(
            _services,
            builder.Time,
            logger,
            grains,
            builder.CollectionOptions,
            [.. _services.GetServices<IIncomingGrainCallFilter>()],
            builder.JsonResolver,
            builder.SiloOptions.SiloName);
        holder.Runtime = _runtime;
        _runtime.Reminders.Table = reminderTable?.Invoke(_services);
        _runtime.Reminders.Options = builder.ReminderOptions;
        if (builder.ClusterOptions is { } clusterOptions)
        {
            _cluster = new ClusterMember(_runtime, clusterOptions, builder.SiloOptions, builder.Database(clusterOptions.ConnectionString), logger);
        }
    }

    /// <summary>The silo's identity options.</summary>
    public SiloOptions Options { get; }

    /// <summary>Creates grain references; calls from here go through this silo.</summary>
    public IGrainFactory GrainFactory => _runtime;

    /// <summary>The services grains are constructed from.</summary>
    public IServiceProvider Services => _services;

    /// <summary>This silo's identity: its name, or in a cluster its advertised address and generation.</summary>
    public string SiloId => _runtime.SiloId;

    /// <summary>Completes when the silo stopped, including when the cluster declared it dead (the process should then
    /// exit and be restarted: a silo never comes back under the same generation).</summary>
    public Task Terminated => _terminated.Task;

    private readonly TaskCompletionSource _terminated = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Starts the silo: joins the cluster if configured, starts reminders and idle collection.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            throw new InvalidOperationException("This silo was already started; build a new one to start again.");
        }

        if (_cluster is not null)
        {
            await _cluster.StartAsync(cancellationToken);
            _ = _cluster.Fenced.ContinueWith(_ => _terminated.TrySetResult(), TaskScheduler.Default);
        }

        _startTime = _runtime.Time.GetUtcNow();
        _runtime.Start();
        await _runtime.Reminders.StartAsync(cancellationToken);
    }

    /// <summary>Stops the silo gracefully: no new activations, every activation deactivated, cluster left.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _state, 2) != 1)
        {
            return;
        }

        if (_cluster is not null)
        {
            await _cluster.BeginShutdownAsync(cancellationToken);
        }

        await _runtime.StopAsync(cancellationToken);
        if (_cluster is not null)
        {
            await _cluster.StopAsync(cancellationToken);
        }

        _terminated.TrySetResult();
    }

    /// <summary>Counters of this silo: activations per grain class, calls, errors and latency per method.</summary>
    public SiloRuntimeStatistics GetStatistics() => _runtime.GetStatistics();

    /// <summary>The live silos of the cluster (just this one without clustering).</summary>
    public IReadOnlyList<ClusterMemberInfo> GetClusterMembers() => _cluster?.Members
        ?? [new ClusterMemberInfo(SiloId, string.Empty, Options.NodeName, _startTime, "Active")];

    /// <summary>Runtime statistics of every live silo (just this one without clustering).</summary>
    public async Task<IReadOnlyList<SiloRuntimeStatistics>> GetClusterStatisticsAsync(CancellationToken cancellationToken) =>
        _cluster is null ? [GetStatistics()] : await _cluster.GetClusterStatisticsAsync(cancellationToken);

    /// <summary>Identities (<c>interface/key</c>) of the activations currently in this silo.</summary>
    public IReadOnlyList<string> GetActivationIds() =>
        [.. _runtime.Activations.Where(a => a.State is ActivationState.Valid or ActivationState.Activating).Select(a => a.Id.ToString())];

    /// <summary>The node this silo runs on.</summary>
    public string NodeName => Options.NodeName;

    /// <summary>Stops the silo if needed and releases its resources.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }

        foreach (var database in _databases)
        {
            await database.DisposeAsync();
        }

        await _services.DisposeAsync();
    }

    private sealed class RuntimeHolder
    {
        public GrainRuntime? Runtime { get; set; }
    }
}
