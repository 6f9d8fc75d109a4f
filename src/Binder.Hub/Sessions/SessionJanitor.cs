using Binder.Hub.Placement;
using Binder.Hub.Grains;
using Binder.Hub.Hosting;
using Binder.Hub.Launch;
using Microsoft.Extensions.Logging;

namespace Binder.Hub.Sessions;

/// <summary>
/// Puts this node's sessions back in order after a silo or service restart: containers whose launch grain says
/// running are re-adopted (route re-added when missing, polling and reminder running again); containers and proxy
/// routes nobody owns are removed; sessions whose container is gone are marked stopped and give their quota back.
/// Run it when the silo has started and after the proxy lost its routes (<see cref="Hosting.BinderHubSiloExtensions.ReconcileSessionsAsync"/>).
/// Between those, <see cref="SweepAsync"/> runs every <see cref="SessionOptions.JanitorInterval"/> on each silo
/// (<see cref="SessionJanitorLoop"/>) and removes only what no session claims, so a stop or cull that could not reach
/// the node is finished once the node answers again. One run at a time per silo.
/// </summary>
public sealed partial class SessionJanitor(
    IGrainFactory grains,
    ILaunchBackend backend,
    IProxyClient proxy,
    ClusterNodes nodes,
    SessionOptions options,
    TimeProvider time,
    ILogger<SessionJanitor> logger) : IDisposable
{
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);

    /// <summary>
    /// Reconciles the backend's containers, the proxy's routes and the launch grains' states. Sessions launched while
    /// it runs are left alone (its lists are older than they are). One item that fails does not stop the rest: it is
    /// logged and listed in <see cref="SessionReconciliation.Failures"/>.
    /// </summary>
    public Task<SessionReconciliation> ReconcileAsync(CancellationToken cancellationToken) => RunAsync(sweep: false, cancellationToken);

    /// <summary>
    /// The periodic pass: removes this node's containers whose launch grain does not claim them (not running or
    /// starting) once older than <see cref="SessionOptions.JanitorGracePeriod"/>, the routes of sessions that do not
    /// run, and the quota slots of ended sessions. A session its grain claims is not touched (no adoption, no reminder
    /// write): its grain, the poller and the reminder look after it.
    /// </summary>
    public Task<SessionReconciliation> SweepAsync(CancellationToken cancellationToken) => RunAsync(sweep: true, cancellationToken);

    private async Task<SessionReconciliation> RunAsync(bool sweep, CancellationToken cancellationToken)
    {
        await _oneAtATime.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await ReconcileOnceAsync(sweep, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    /// <summary>
    /// Removes a session's container, waiting at most <see cref="SessionOptions.StopTimeout"/>: a backend may wait long
    /// for a stop (the hub refuses to delete a user while it still spawns its server), and the service's start awaits
    /// the reconciliation, so one such session would hold up the whole service. What is left, the next sweep removes.
    /// </summary>
    private async Task StopBoundedAsync(string sessionId, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(options.StopTimeout, time);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            // WaitAsync too: a backend that does not heed its token does not hold the janitor either.
            await backend.StopAsync(sessionId, timeout.Token).WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException(
                $"The launch backend did not remove session {sessionId} within Binder:Sessions:StopTimeout ({options.StopTimeout.TotalSeconds:0} s); the next sweep tries again.", e);
        }
    }

    private async Task<SessionReconciliation> ReconcileOnceAsync(bool sweep, CancellationToken cancellationToken)
    {
        var began = time.GetUtcNow();
        var containers = await backend.ListAsync(cancellationToken);
        var routes = (await proxy.GetRoutesAsync(cancellationToken))
            .Select(r => (Route: r, Session: SessionOf(r)))
            .Where(r => r.Session is not null)
            .ToList();
        var routed = routes.Select(r => r.Session!).ToHashSet(StringComparer.Ordinal);
        // Items run a bounded number at once (each is a grain call or two, some a container or route removal): one
        // after the other, a cluster with thousands of sessions kept a route restoration waiting behind a sweep.
        Found adopted = new(), removedContainers = new(), removedRoutes = new(), cleaned = new(), failures = new(), claimed = new();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.JanitorConcurrency, CancellationToken = cancellationToken };

        // A session that began after our lists were read is a launch in progress, not a leftover.
        bool IsNew(SessionInfo? info) => info is not null && info.StartedAt >= began;

        async Task EachAsync(string what, Func<Task> step)
        {
            try
            {
                await step();
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Log.ReconcileFailed(logger, what, e.Message);
                failures.Add($"{what}: {e.Message}");
            }
        }

        // Sessions whose grain claims their container (the sweep leaves them to their grain) end up in claimed.
        await Parallel.ForEachAsync(containers, parallel, async (container, _) =>
        {
            await EachAsync($"container of session {container.SessionId}", async () =>
            {
                var grain = grains.GetGrain<ILaunchGrain>(container.SessionId);
                if (sweep)
                {
                    if (await grain.GetInfo() is { State: SessionStates.Running or SessionStates.Starting })
                    {
                        claimed.Add(container.SessionId);
                        return;
                    }
                    // A launch writes its state before it asks for the container, so an unclaimed container is a
                    // leftover; the grace period keeps the janitor off one whose state it could not yet see.
                    if (began - container.CreatedAt < options.JanitorGracePeriod) return;
                    await StopBoundedAsync(container.SessionId, cancellationToken);
                    removedContainers.Add(container.SessionId);
                    Log.ContainerRemoved(logger, container.SessionId, container.ContainerId);
                    return;
                }
                if (await grain.Adopt(container, routed.Contains(container.SessionId)))
                {
                    adopted.Add(container.SessionId);
                    return;
                }
                await StopBoundedAsync(container.SessionId, cancellationToken);
                removedContainers.Add(container.SessionId);
                Log.ContainerRemoved(logger, container.SessionId, container.ContainerId);
            });
        }).ConfigureAwait(false);

        var live = containers.Select(c => c.SessionId).ToHashSet(StringComparer.Ordinal);
        await Parallel.ForEachAsync(routes, parallel, async (item, _) =>
        {
            var (route, session) = item;
            if (adopted.Contains(session!) || claimed.Contains(session!)) return;
            await EachAsync($"route {route.Path}", async () =>
            {
                var grain = grains.GetGrain<ILaunchGrain>(session!);
                var info = await grain.GetInfo();
                if (IsNew(info)) return;
                if (info is { State: SessionStates.Running or SessionStates.Starting })
                {
                    if (info.Node != nodes.Local.Name) return; // Another node's session: its own janitor decides.
                    if (!live.Contains(session!))
                    {
                        // Adopt(null) asks the backend again, and keeps a session whose launch is still going on.
                        if (await grain.Adopt(null, true))
                        {
                            adopted.Add(session!);
                            return;
                        }
                        cleaned.Add(session!);
                    }
                    else if ((await grain.GetInfo()) is { State: SessionStates.Running or SessionStates.Starting })
                    {
                        return; // Never remove the route of a session that is still alive.
                    }
                }
                await proxy.DeleteRouteAsync(route.Path, cancellationToken);
                removedRoutes.Add(route.Path);
                Log.RouteRemoved(logger, route.Path);
            });
        }).ConfigureAwait(false);

        // Sessions with a quota slot but no container here: the total quota grain lists every live session.
        var total = grains.GetGrain<IQuotaGrain>(IQuotaGrain.TotalKey);
        await Parallel.ForEachAsync(await total.GetHolders(), parallel, async (session, _) =>
        {
            if (live.Contains(session) || cleaned.Contains(session) || adopted.Contains(session) || claimed.Contains(session)) return;
            await EachAsync($"quota of session {session}", async () =>
            {
                var grain = grains.GetGrain<ILaunchGrain>(session);
                var info = await grain.GetInfo();
                if (IsNew(info)) return;
                if (info is { State: SessionStates.Running or SessionStates.Starting })
                {
                    if (info.Node != nodes.Local.Name) return;
                    if (!await grain.Adopt(null, routed.Contains(session)))
                    {
                        cleaned.Add(session);
                        Log.SessionCleaned(logger, session);
                    }
                    return;
                }
                // Stopped (or never known) but still holding slots: a crash between the steps of a stop.
                await total.Release(session);
                if (info is not null && info.RepoKey.LastIndexOf('@') is var at and > 0)
                {
                    await grains.GetGrain<IQuotaGrain>(info.RepoKey[..at]).Release(session);
                }
                if (info?.Node is { Length: > 0 } node)
                {
                    await grains.GetGrain<IQuotaGrain>(IQuotaGrain.NodeKeyPrefix + node).Release(session);
                }
                cleaned.Add(session);
                Log.SessionCleaned(logger, session);
            });
        }).ConfigureAwait(false);
        return new SessionReconciliation(adopted.ToList(), removedContainers.ToList(), removedRoutes.ToList(), cleaned.ToList())
        {
            Failures = failures.ToList(),
        };
    }

    /// <inheritdoc />
    public void Dispose() => _oneAtATime.Dispose();

    /// <summary>The session a proxy route belongs to: its <c>session</c> data, or the segment of <c>/user/&lt;session&gt;</c>.</summary>
    internal static string? SessionOf(ProxyRoute route)
    {
        if (route.Data.TryGetValue("session", out var session) && !string.IsNullOrEmpty(session)) return session;
        var parts = route.Path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return parts is ["user", var id, ..] ? id : null;
    }

    /// <summary>What a run found, added to by items running at once; read once each step's items are done.</summary>
    private sealed class Found
    {
        private readonly Lock _gate = new();
        private readonly List<string> _items = [];
        private readonly HashSet<string> _set = new(StringComparer.Ordinal);

        public void Add(string item)
        {
            lock (_gate)
            {
                _items.Add(item);
                _set.Add(item);
            }
        }

        public bool Contains(string item)
        {
            lock (_gate) return _set.Contains(item);
        }

        public List<string> ToList()
        {
            lock (_gate) return [.. _items];
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Removed container {Container} of session {Session}: no live session owns it")]
        public static partial void ContainerRemoved(ILogger logger, string session, string container);

        [LoggerMessage(Level = LogLevel.Information, Message = "Removed proxy route {Path}: no live session owns it")]
        public static partial void RouteRemoved(ILogger logger, string path);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Reconciling {Item} failed, going on with the rest: {Reason}")]
        public static partial void ReconcileFailed(ILogger logger, string item, string reason);

        [LoggerMessage(Level = LogLevel.Information, Message = "Session {Session} had no container left: marked stopped, quota released")]
        public static partial void SessionCleaned(ILogger logger, string session);
    }
}
