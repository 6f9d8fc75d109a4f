using Binder.Actors.Cluster;
using Binder.Actors.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Binder.Actors;

/// <summary>Calls grains of a PostgreSQL cluster from a process that hosts no grains (a front end, a tool, a test).
/// It reads membership and sends each call to the silo chosen by placement, which forwards it if needed.</summary>
public sealed partial class ClusterClient : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly PostgresDatabase _database;
    private readonly SiloTransport _transport;
    private readonly MembershipTable _membership;
    private readonly ClusterView _view = new();
    private readonly GrainRuntime _runtime;
    private readonly CancellationTokenSource _stop = new();
    private readonly ClusterClientOptions _options;
    private readonly ILogger _logger;
    private Task? _loop;

    private ClusterClient(ClusterClientOptions options, TimeProvider time, ILoggerFactory? loggerFactory)
    {
        _options = options;
        _services = new ServiceCollection().AddLogging().BuildServiceProvider();
        var logger = (loggerFactory ?? _services.GetRequiredService<ILoggerFactory>()).CreateLogger("Binder.Actors.ClusterClient");
        _logger = logger;
        _database = new PostgresDatabase(options.ConnectionString);
        _membership = new MembershipTable(_database);
        _runtime = new GrainRuntime(_services, time, logger, [], new GrainCollectionOptions(), [], null, "client-" + Guid.NewGuid().ToString("N")[..8]);
        _transport = new SiloTransport(_runtime, options.CallTimeout, TimeSpan.FromSeconds(10));
        _runtime.Cluster = new ClusterRouter(_runtime, _view, null, _transport, RefreshAsync, nodeName: string.Empty);
    }

    /// <summary>Creates grain references whose calls go to the cluster.</summary>
    public IGrainFactory GrainFactory => _runtime;

    /// <summary>The live silos of the cluster, as last read.</summary>
    public IReadOnlyList<ClusterMemberInfo> GetClusterMembers() => [.. _view.Silos.Select(ClusterMember.ToInfo)];

    /// <summary>Runtime statistics of every live silo (activations per type, calls, errors, latency per method).</summary>
    public Task<IReadOnlyList<SiloRuntimeStatistics>> GetClusterStatisticsAsync(CancellationToken cancellationToken) =>
        ClusterMember.CollectStatisticsAsync(_view, _transport, _runtime, cancellationToken);

    /// <summary>Connects: reads membership now and keeps it fresh.</summary>
    /// <param name="options">The cluster's database and the client's timeouts.</param>
    /// <param name="cancellationToken">Cancels the first membership read.</param>
    /// <param name="timeProvider">The clock for refreshes and timeouts; the system clock by default.</param>
    /// <param name="loggerFactory">Where the client logs (for example failed membership refreshes); nowhere by default.</param>
    public static async Task<ClusterClient> ConnectAsync(ClusterClientOptions options, CancellationToken cancellationToken, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var client = new ClusterClient(options, timeProvider ?? TimeProvider.System, loggerFactory);
        await client.RefreshAsync(cancellationToken);
        client._loop = client.LoopAsync();
        return client;
    }

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        _view.Update(await _membership.ReadLiveAsync(cancellationToken));
        _runtime.Cluster!.ForgetSilos();
    }

    private async Task LoopAsync()
    {
        using var timer = new PeriodicTimer(_options.RefreshPeriod, _runtime.Time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                try
                {
                    await RefreshAsync(_stop.Token);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The next refresh retries; calls meanwhile use the last view.
                    Log.RefreshFailed(_logger, _options.RefreshPeriod, e);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Stops refreshing and closes connections.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_loop is not null)
        {
            await _loop;
        }

        _transport.Dispose();
        await _database.DisposeAsync();
        await _services.DisposeAsync();
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the cluster membership failed; calls use the last view and the read is retried in {Period}")]
        public static partial void RefreshFailed(ILogger logger, TimeSpan period, Exception exception);
    }
}
