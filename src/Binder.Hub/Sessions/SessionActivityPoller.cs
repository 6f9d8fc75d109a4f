using System.Collections.Concurrent;
using Binder.Hub.Grains;
using Binder.Hub.Hosting;
using Binder.Hub.Launch;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Binder.Hub.Sessions;

/// <summary>
/// The node's reader of its session proxy's routes: once per <see cref="SessionOptions.PollInterval"/> it lists the
/// routes (one proxy API call, whatever the number of sessions) and tells each running session of this node what the
/// proxy knows of its route (<see cref="ILaunchGrain.CheckActivity"/>), wherever the session's launch grain is
/// activated; the grain adds Jupyter's activity and culls itself, after its call returned. Each session listing every
/// route itself was quadratic: N sessions read N routes N times per interval. Sessions are tracked through their node
/// (<see cref="ISessionNode.Track"/>) from ready, adoption or a reminder tick until they stop (a grain that answers
/// that its session is not running is dropped, and its route, when the proxy still has one, removed). A round tells every session at once and waits for each at most
/// <see cref="CheckDeadline"/> (half the interval, at most <see cref="SessionOptions.StopTimeout"/>), so a slow or
/// unreachable grain delays neither the other sessions nor the next round.
/// </summary>
public sealed partial class SessionActivityPoller : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private readonly Func<IProxyClient> _proxy;
    private readonly Func<string, RouteActivity, Task<bool>> _tell;
    private readonly SessionOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, byte> _sessions = new(StringComparer.Ordinal);
    private readonly PeriodicSiloWork _rounds;

    /// <summary>The node's poller. The proxy client is resolved at each round, never before the silo runs (the host starts its proxy first).</summary>
    public SessionActivityPoller(IServiceProvider services, IGrainFactory grains, SessionOptions options, TimeProvider time, ILogger<SessionActivityPoller> logger)
        : this(services.GetRequiredService<IProxyClient>, (session, route) => grains.GetGrain<ILaunchGrain>(session).CheckActivity(route), options, time, logger)
    {
    }

    /// <summary>A poller that tells <paramref name="tell"/> instead of the launch grains (the benchmark measures the proxy
    /// side alone); <paramref name="tell"/> answers false when the session no longer runs.</summary>
    internal SessionActivityPoller(Func<IProxyClient> proxy, Func<string, RouteActivity, Task<bool>> tell, SessionOptions options, TimeProvider time, ILogger logger)
    {
        _proxy = proxy;
        _tell = tell;
        _options = options;
        _time = time;
        _logger = logger;
        // One bad round must not end culling on this silo for good: the next tick tries again.
        _rounds = new PeriodicSiloWork(nameof(SessionActivityPoller), options.PollInterval, time, PollOnceAsync, e => LogRoundFailed(logger, e));
    }

    /// <summary>Sessions told each round.</summary>
    public int Tracked => _sessions.Count;

    /// <summary>Whether this session is told each round.</summary>
    public bool IsTracked(string sessionId) => _sessions.ContainsKey(sessionId);

    /// <summary>
    /// How long a round waits for one session's answer: half the interval (so a round ends before the next is due), at
    /// most <see cref="SessionOptions.StopTimeout"/>. A session that has not answered by then is told again next round.
    /// </summary>
    public TimeSpan CheckDeadline => _options.PollInterval / 2 < _options.StopTimeout ? _options.PollInterval / 2 : _options.StopTimeout;

    /// <summary>Tells this session of its route from the next round on (a running session's grain calls it).</summary>
    public void Track(string sessionId) => _sessions.TryAdd(sessionId, 0);

    /// <summary>Stops telling this session (it stopped).</summary>
    public void Untrack(string sessionId) => _sessions.TryRemove(sessionId, out _);

    /// <inheritdoc />
    public void Participate(ISiloLifecycle lifecycle) => _rounds.Participate(lifecycle);

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
        // Every session at once, each with its own deadline: an answer is quick (the grain checks Jupyter and culls
        // after it answered; the node bounds the Jupyter requests), and one that is not (a grain whose silo died, a
        // grain busy for long) holds back neither the others nor, past the deadline, the next round.
        var checkDeadline = CheckDeadline;
        await Task.WhenAll(_sessions.Keys.Select(session => TellAsync(session, ActivityOf(session, routes, now), checkDeadline, cancellationToken))).ConfigureAwait(false);
    }

    private static RouteActivity ActivityOf(string session, Dictionary<string, ProxyRoute>? routes, DateTimeOffset now) =>
        routes is null
            ? RouteActivity.Unknown
            : routes.TryGetValue(SessionIds.RoutePath(session), out var route)
                ? new RouteActivity(true, true, route.LastActivity > now ? now : route.LastActivity)
                : new RouteActivity(true, false, null);

    private async Task TellAsync(string session, RouteActivity activity, TimeSpan deadline, CancellationToken cancellationToken)
    {
        try
        {
            // Start the call without running the caller's code inline on this thread (a test's tell may block).
            var told = Task.Run(() => _tell(session, activity), CancellationToken.None);
            if (!await told.WaitAsync(deadline, _time, cancellationToken).ConfigureAwait(false))
            {
                // The session no longer runs (stopped, or never known to its grain): nothing to tell from now on.
                Untrack(session);
                if (activity.Exists)
                {
                    // Yet its route is still here: its stop could not reach this node (the route would lead anyone
                    // to a notebook nobody counts). The janitor removes its container at its next pass.
                    await RemoveRouteAsync(session, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (TimeoutException)
        {
            LogCheckLate(_logger, session, deadline.TotalSeconds);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogCheckFailed(_logger, session, e);
        }
    }

    private async Task RemoveRouteAsync(string session, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(_options.StopTimeout, _time);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        await _proxy().DeleteRouteAsync(SessionIds.RoutePath(session), timeout.Token).ConfigureAwait(false);
        LogStrayRouteRemoved(_logger, session);
    }

    /// <inheritdoc />
    public void Dispose() => _rounds.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {Session} does not run but its proxy route was still there: removed")]
    private static partial void LogStrayRouteRemoved(ILogger logger, string session);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The session proxy's routes could not be listed this round; sessions are checked without them: {Reason}")]
    private static partial void LogRoutesUnknown(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "A round of session activity checks failed; the next round runs at the next interval")]
    private static partial void LogRoundFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {Session}: its launch grain did not take its activity check within {Seconds:0.#} s; it is told again next round")]
    private static partial void LogCheckLate(ILogger logger, string session, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {Session}: its activity check failed")]
    private static partial void LogCheckFailed(ILogger logger, string session, Exception exception);
}
