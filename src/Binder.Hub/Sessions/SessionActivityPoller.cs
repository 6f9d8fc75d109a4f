using System.Collections.Concurrent;
using Binder.Hub.Grains;
using Binder.Hub.Hosting;
using Binder.Hub.Launch;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Binder.Hub.Sessions;

/// <summary>
/// The node's reader of the session proxy's routes: once per <see cref="SessionOptions.PollInterval"/> it lists the
/// routes (one proxy API call, whatever the number of sessions) and tells each running session of this silo what the
/// proxy knows of its route (<see cref="ILaunchGrain.CheckActivity"/>); the session adds Jupyter's activity and culls
/// itself. Each session listing every route itself was quadratic: N sessions read N routes N times per interval.
/// Launch grains track themselves here while their session runs and leave when it stops or the grain is deactivated
/// (a reminder brings a running session's grain back, which tracks itself again).
/// </summary>
public sealed partial class SessionActivityPoller : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    // Sessions told at once: each answers after a Jupyter status request, so a round of 1,000 sessions is not 1,000
    // requests at once, nor one after the other.
    private const int ConcurrentChecks = 32;

    private readonly Func<IProxyClient> _proxy;
    private readonly Func<string, RouteActivity, Task> _tell;
    private readonly SessionOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, byte> _sessions = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private Task _loop = Task.CompletedTask;

    /// <summary>The silo's poller. The proxy client is resolved at each round, never before the silo runs (the host starts its proxy first).</summary>
    public SessionActivityPoller(IServiceProvider services, IGrainFactory grains, SessionOptions options, TimeProvider time, ILogger<SessionActivityPoller> logger)
        : this(services.GetRequiredService<IProxyClient>, (session, route) => grains.GetGrain<ILaunchGrain>(session).CheckActivity(route), options, time, logger)
    {
    }

    /// <summary>A poller that tells <paramref name="tell"/> instead of the launch grains (the benchmark measures the proxy side alone).</summary>
    internal SessionActivityPoller(Func<IProxyClient> proxy, Func<string, RouteActivity, Task> tell, SessionOptions options, TimeProvider time, ILogger logger)
    {
        _proxy = proxy;
        _tell = tell;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>Sessions told each round.</summary>
    public int Tracked => _sessions.Count;

    /// <summary>Tells this session of its route from the next round on (a running session's grain calls it).</summary>
    public void Track(string sessionId) => _sessions.TryAdd(sessionId, 0);

    /// <summary>Stops telling this session (it stopped, or its grain was deactivated).</summary>
    public void Untrack(string sessionId) => _sessions.TryRemove(sessionId, out _);

    /// <inheritdoc />
    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe(nameof(SessionActivityPoller), ServiceLifecycleStage.Active, _ =>
        {
            _loop = RunAsync(_stopping.Token);
            return Task.CompletedTask;
        }, async stop =>
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
            try
            {
                // A round stops telling sessions at once; checks under way may wait for Jupyter, but not past the
                // silo's own shutdown deadline.
                await _loop.WaitAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
        });
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_options.PollInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await PollOnceAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    // One bad round must not end culling on this silo for good: the next tick tries again.
                    LogRoundFailed(_logger, e);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The silo stops.
        }
    }

    /// <summary>One round: lists the routes once (nothing when no session runs here) and tells every tracked session.</summary>
    internal async Task PollOnceAsync(CancellationToken cancellationToken)
    {
        if (_sessions.IsEmpty) return;
        Dictionary<string, ProxyRoute>? routes = null;
        using (var deadline = new CancellationTokenSource(_options.StopTimeout, _time))
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token))
        {
            try
            {
                routes = new Dictionary<string, ProxyRoute>(StringComparer.Ordinal);
                foreach (var route in await _proxy().GetRoutesAsync(timeout.Token).ConfigureAwait(false))
                {
                    routes[route.Path] = route;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // The sessions are still told: Jupyter's activity and the max age do not need the proxy.
                routes = null;
                LogRoutesUnknown(_logger, e.Message);
            }
        }
        // A proxy whose clock runs ahead must not make a session look busy until then: activity is never later than now.
        var now = _time.GetUtcNow();
        await Parallel.ForEachAsync(_sessions.Keys, new ParallelOptions { MaxDegreeOfParallelism = ConcurrentChecks, CancellationToken = cancellationToken }, async (session, _) =>
        {
            var activity = routes is null
                ? RouteActivity.Unknown
                : routes.TryGetValue(SessionIds.RoutePath(session), out var route)
                    ? new RouteActivity(true, true, route.LastActivity > now ? now : route.LastActivity)
                    : new RouteActivity(true, false, null);
            try
            {
                await _tell(session, activity).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogCheckFailed(_logger, session, e);
            }
        }).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public void Dispose() => _stopping.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "The session proxy's routes could not be listed this round; sessions are checked without them: {Reason}")]
    private static partial void LogRoutesUnknown(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "A round of session activity checks failed; the next round runs at the next interval")]
    private static partial void LogRoundFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {Session}: its activity check failed")]
    private static partial void LogCheckFailed(ILogger logger, string session, Exception exception);
}
