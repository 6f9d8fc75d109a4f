using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Binder.Hub.Events;
using Binder.Hub.Hosting;
using Binder.Hub.Launch;
using Binder.Hub.Metrics;
using Binder.Hub.Placement;
using Binder.Hub.Sessions;
using Microsoft.Extensions.Logging;
using Orleans.Placement;
using Orleans.Runtime;

namespace Binder.Hub.Grains;

/// <summary>
/// One user session (key: the session id). Launch picks the session's node, takes the quotas, starts the container,
/// adds the route and reports ready; from then the node's activity poller tells it what the node's proxy saw
/// (CheckActivity) and a durable reminder brings the grain back after a restart, until the session is culled (idle,
/// too old) or stopped. Every failure before ready undoes what was done. The grain may be activated on any silo (its
/// caller's, or wherever a reminder or a call lands): every container and route operation goes to the session's node,
/// which the state records, through <see cref="INodeSessionsGrain"/>, or directly when this silo is of that node.
/// </summary>
[GrainType(TypeName)]
[PreferLocalPlacement]
internal sealed partial class LaunchGrain(
    [PersistentState(LaunchGrain.StateName, BinderHubSiloBuilderExtensions.StorageName)] IPersistentState<SessionState> state,
    BinderHubOptions options,
    LocalSessionNode localNode,
    ClusterNodes nodes,
    BinderHubMetrics metrics,
    TimeProvider time,
    ILogger<LaunchGrain> logger) : Grain, ILaunchGrain, IRemindable
{
    /// <summary>The grain type: a stable name, so renaming the class never orphans state or reminders.</summary>
    internal const string TypeName = "binder.launch";

    /// <summary>The name its state is stored under.</summary>
    internal const string StateName = "session";

    internal const string ReminderName = "binder-session-cull";

    // The launch runs beside the calls, so Stop, Adopt, reminder ticks and activity checks interleave with it at every
    // await. It owns the session until it has finished (ready, or failed and cleaned up): _launch stays set until then,
    // and _launchDone completes at that point, so Stop can wait for it instead of racing it.
    private CancellationTokenSource? _launch;
    private Task? _launchDone;
    private string? _stopRequested;

    // The backend said its failed start left nothing (SessionStartException.LeftNothing): the clean-up only gives the
    // quotas back, without a stop the backend could not answer (an unreachable hub).
    private bool _startLeftNothing;

    // One clean-up at a time per activation: two concurrent ones would both write the state with the same ETag.
    private Task? _cleanup;

    // The activity check runs on the activation after CheckActivity answered the poller: the latest route news waits in
    // _pendingRoute while a check is under way, so a slow check never makes the poller wait and never runs twice at once.
    private RouteActivity? _pendingRoute;
    private Task? _check;

    // The check's state write in flight: a clean-up that begins meanwhile waits for it (two writes at once would carry
    // the same ETag).
    private Task? _activityWrite;

    private string SessionId => this.GetPrimaryKeyString();

    private string RoutePath => SessionIds.RoutePath(SessionId);

    private SessionOptions Sessions => options.Sessions;

    /// <summary>
    /// The session's node: this silo's own node directly, any other through its node-pinned grain (each node has its
    /// own daemon and proxy, so what this silo's backend and proxy client reach is right only for its own node).
    /// </summary>
    private ISessionNode Node(string? node) =>
        node is null || node == nodes.Local.Name ? localNode : GrainFactory.GetGrain<INodeSessionsGrain>(node);

    private ISessionNode SessionNode => Node(state.State.Node);

    public async IAsyncEnumerable<BinderEvent> Launch(LaunchOrder order, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(order);
        if (state.State.State is not null || _launch is not null)
        {
            yield return Failed($"Session {SessionId} was launched already; every launch needs a new session id.", 409);
            yield break;
        }

        var launch = new CancellationTokenSource();
        var events = Channel.CreateUnbounded<BinderEvent>(new UnboundedChannelOptions { SingleReader = true });
        _launch = launch;
        _stopRequested = null;
        _startLeftNothing = false;
        // The launch runs on this activation's scheduler (its continuations are turns of the grain) but apart from the
        // caller's enumeration, which Orleans only advances while the caller pulls: a launch inside it would stop,
        // holding its quota slots and keeping Stop waiting, whenever its caller stopped reading.
        _launchDone = OnActivation(() => RunLaunchAsync(order, launch, events.Writer));

        var sawFinal = false;
        try
        {
            // Until the launch has finished, clean-up included, so a caller that saw `failed` finds nothing left.
            await foreach (var e in events.Reader.ReadAllAsync(cancellationToken))
            {
                sawFinal |= BinderPhases.IsFinal(e.Phase);
                yield return e;
            }
        }
        finally
        {
            if (!sawFinal && ReferenceEquals(_launch, launch))
            {
                // The caller left before ready (it cancelled, disposed the enumeration, or stopped pulling until Orleans
                // expired it): nobody will get the session, so the launch is cancelled and undoes itself.
                Log.LaunchAbandoned(logger, SessionId);
                launch.Cancel();
            }
        }
    }

    /// <summary>The launch itself: every event goes to <paramref name="events"/>, which is completed once the launch
    /// has finished (ready, or failed and cleaned up).</summary>
    private async Task RunLaunchAsync(LaunchOrder order, CancellationTokenSource launch, ChannelWriter<BinderEvent> events)
    {
        var ready = false;
        var startAttempted = false;
        var quotaKey = $"{order.Repo.Spec.Provider}/{order.Repo.Spec.Repository}";
        // In progress until the launch has finished (ready, or failed and cleaned up), whoever still watches it.
        var measured = metrics.LaunchStarted();
        try
        {
            state.State = new SessionState
            {
                State = SessionStates.Starting,
                RepoKey = order.Repo.GrainKey,
                QuotaKey = quotaKey,
                ImageName = order.ImageName,
                Node = await PickNodeAsync(),
                Token = SessionIds.NewToken(),
                StartedAt = time.GetUtcNow(),
            };
            // Persisted before anything is taken, so a crash from here on leaves enough to clean up.
            await state.WriteStateAsync(CancellationToken.None);
            // The reminder from the start (not only once running): if a clean-up fails or the silo dies mid-launch,
            // it is what brings the grain back to finish the job; a "starting" session would otherwise stay forever.
            if ((await RegisterReminderAsync() ?? StoppedEvent(launch)) is { } notRegistered)
            {
                events.TryWrite(notRegistered);
                return;
            }

            if ((await AcquireQuotasAsync(order, quotaKey) ?? StoppedEvent(launch)) is { } refusal)
            {
                events.TryWrite(refusal);
                return;
            }

            events.TryWrite(BinderEvent.Of(BinderPhases.Launching, "Launching server..."));
            startAttempted = true;
            var (container, startFailure) = await StartContainerAsync(events, launch.Token);
            if ((startFailure ?? StoppedEvent(launch)) is { } notStarted)
            {
                events.TryWrite(notStarted);
                return;
            }

            string? publicUrl = null;
            if (container!.Url is null)
            {
                events.TryWrite(BinderEvent.Of(BinderPhases.Launching, "Server started; adding its route to the proxy..."));
                (publicUrl, var routeFailure) = await AddRouteAsync(container, launch.Token);
                if ((routeFailure ?? StoppedEvent(launch)) is { } notRouted)
                {
                    events.TryWrite(notRouted);
                    return;
                }
            }
            else if (StoppedEvent(launch) is { } stoppedAtStart)
            {
                // The backend's own proxy serves the session (a JupyterHub): Binder adds no route.
                events.TryWrite(stoppedAtStart);
                return;
            }

            state.State = state.State with { State = SessionStates.Running, LastActivity = time.GetUtcNow() };
            await state.WriteStateAsync(CancellationToken.None);
            await TrackAsync();
            // A stop that came during the write or the tracking must win over ready: the finally cleans up.
            if (StoppedEvent(launch) is { } stoppedAtReady)
            {
                events.TryWrite(stoppedAtReady);
                return;
            }
            ready = true;
            // From here the session is an ordinary running one: a Stop need not wait for the caller to read ready.
            _launch = null;
            Log.SessionReady(logger, SessionId, order.Repo.GrainKey, state.State.Node ?? "");
            // The node's proxy: people reach the session where its route is (or where the backend's own proxy serves it).
            var url = state.State.Url ?? publicUrl!.TrimEnd('/') + RoutePath;
            events.TryWrite(new BinderEvent
            {
                Phase = BinderPhases.Ready,
                Message = $"server running at {url}\n",
                Url = url,
                Token = state.State.Token,
                Image = order.ImageName,
                RepoUrl = order.Repo.RepoUrl,
                BinderRefUrl = order.Repo.RefUrl,
                BinderLaunchHost = order.LaunchHost,
                BinderRequest = order.BinderRequest,
                BinderPersistentRequest = "v2/" + order.Repo.PersistentSpec,
            });
        }
        catch (Exception e)
        {
            // A failed state write or quota call: the caller still gets a final event, and the finally cleans up.
            Log.LaunchCrashed(logger, SessionId, e);
            // The exception's text is for the operator's log: it may name internal addresses and settings.
            events.TryWrite(Failed("The launch failed on Binder's side, and what it had started is being removed." + AskTheOperator, 500));
        }
        finally
        {
            try
            {
                if (!ready)
                {
                    // Before the container was asked for there is neither container nor route: only the quota to give back.
                    var reason = _stopRequested
                        ?? (launch.IsCancellationRequested ? "launch cancelled" : startAttempted ? "launch failed" : "refused");
                    await CleanUpAsync(reason, startAttempted && !_startLeftNothing);
                }
            }
            catch (Exception e)
            {
                // The reminder finishes a clean-up that could not run now.
                Log.CleanUpFailed(logger, SessionId, "session", e);
            }
            finally
            {
                if (ReferenceEquals(_launch, launch)) _launch = null;
                measured.End(ready, order.Repo.Spec.Provider, order.Repo.Spec.Repository);
                events.TryComplete();
            }
        }
    }

    public async Task Stop(string reason)
    {
        reason = string.IsNullOrWhiteSpace(reason) ? "stopped" : reason;
        if (_launch is { } launching && _launchDone is { } launchDone)
        {
            // The launch sees the cancellation at its next step and undoes itself; wait for it, then make sure (a
            // launch that got to running before it looked is stopped here).
            _stopRequested ??= reason;
            await launching.CancelAsync();
            await launchDone;
        }
        if (state.State.State is SessionStates.Running or SessionStates.Starting)
        {
            await CleanUpAsync(reason);
        }
    }

    public Task<SessionInfo?> GetInfo() => Task.FromResult(state.State.State is null
        ? null
        : new SessionInfo(SessionId, state.State.State, state.State.RepoKey, state.State.ImageName, state.State.Node,
            state.State.ContainerId, state.State.StartedAt, state.State.LastActivity)
        {
            StopReason = state.State.StopReason,
            StoppedAt = state.State.StoppedAt,
        });

    public async Task<bool> Adopt(SessionContainer? container, bool routeExists)
    {
        if (_launch is { } launching)
        {
            // A launch in progress owns the session; but a proxy restarted since it added its route (this call comes
            // from the route restoration then) lost that route: put it back once the container's target is known.
            if (!routeExists && !launching.IsCancellationRequested && state.State is { State: SessionStates.Starting, StopReason: null, Url: null, Target: { } target })
            {
                await SessionNode.AddRoute(SessionId, target, CancellationToken.None);
            }
            return true;
        }
        var current = state.State;
        if (current.State is not (SessionStates.Running or SessionStates.Starting))
        {
            return false;
        }
        if (container is null && current.State == SessionStates.Running)
        {
            // The caller's container list may be older than this session: ask the backend of the session's node now.
            container = await FindContainerAsync(current);
        }
        if (current.State != SessionStates.Running || container is null || !container.Running
            || (current.ContainerId is { } id && id != container.ContainerId))
        {
            Log.SessionNotAdopted(logger, SessionId, container is null ? "its container is gone" : "its container does not run");
            await CleanUpAsync(current.State == SessionStates.Starting ? "launch interrupted by a restart" : "container gone after restart");
            return false;
        }
        if (!routeExists && current.Url is null && container.Url is null)
        {
            await SessionNode.AddRoute(SessionId, current.Target ?? container.Target, CancellationToken.None);
        }
        await this.RegisterOrUpdateReminder(ReminderName, Sessions.ReminderPeriod, Sessions.ReminderPeriod);
        await TrackAsync();
        Log.SessionAdopted(logger, SessionId, routeExists);
        return true;
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        var current = state.State;
        if (current.State == SessionStates.Running && current.StopReason is null)
        {
            // The node's poller checks it in its next round (it has the proxy's routes; this tick does not). A node
            // that restarted forgot whom it polls; one that is gone polls nobody: nobody can reach the session then (its
            // proxy is on that node too), so it ends when idle or too old by what was last seen, and the node's janitor
            // removes its container and route when the node comes back.
            if (await TrackAsync() is { } failure && IsNodeGone(failure))
            {
                await CullIfDueAsync(state.State, $"node {current.Node} is gone");
            }
        }
        else if (current.State is SessionStates.Running or SessionStates.Starting)
        {
            // A clean-up that failed part-way (StopReason set), or a launch that a restart interrupted: finish it.
            if (_launch is null)
            {
                await CleanUpAsync(current.StopReason ?? "launch interrupted");
            }
        }
        else if (await this.GetReminder(reminderName) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    private async Task<BinderEvent?> RegisterReminderAsync()
    {
        try
        {
            await this.RegisterOrUpdateReminder(ReminderName, Sessions.ReminderPeriod, Sessions.ReminderPeriod);
            return null;
        }
        catch (ArgumentException e)
        {
            // The silo's ReminderOptions are not visible to the options validator, so a too short
            // Binder:Sessions:ReminderPeriod shows here, on the first launch.
            Log.ReminderRefused(logger, SessionId, e.Message);
            return Failed($"Binder:Sessions:ReminderPeriod ({Sessions.ReminderPeriod}) is not accepted by the silo's reminders: {e.Message} Set it to at least the silo's reminder minimum period.", 500);
        }
    }

    private async Task<SessionContainer?> FindContainerAsync(SessionState current) =>
        (await Node(current.Node).ListContainers(CancellationToken.None)).FirstOrDefault(c => c.SessionId == SessionId);

    /// <summary>
    /// The node a new session runs on: among the live nodes, the one with the fewest sessions (its node quota grain's
    /// count), ties broken by a hash of the session id over the node names (so equal nodes share new sessions). Not the
    /// caller's node: a front end may be an Orleans client with no node, and the grain may be activated on any silo.
    /// A node whose count does not come within the load query timeout is passed over.
    /// </summary>
    private async Task<string> PickNodeAsync()
    {
        var live = nodes.LiveNodeNames();
        if (live.Count <= 1) return nodes.Local.Name;
        var counts = await Task.WhenAll(live.Select(async node =>
        {
            try
            {
                var count = await GrainFactory.GetGrain<IQuotaGrain>(IQuotaGrain.NodeKeyPrefix + node).GetCount()
                    .WaitAsync(options.BuildQueue.LoadQueryTimeout, time);
                return (Node: node, Count: count);
            }
            catch (Exception e)
            {
                Log.NodeCountUnknown(logger, SessionId, node, e);
                return (Node: node, Count: int.MaxValue);
            }
        }));
        return counts.OrderBy(c => c.Count).ThenByDescending(c => NodePicker.Score(SessionId, c.Node)).First().Node;
    }

    private async Task<BinderEvent?> AcquireQuotasAsync(LaunchOrder order, string quotaKey)
    {
        // The total grain takes every session (also without a limit): it is the cluster's list of live sessions.
        if (!await GrainFactory.GetGrain<IQuotaGrain>(IQuotaGrain.TotalKey).TryAcquire(SessionId, Sessions.TotalQuota))
        {
            Log.QuotaRefused(logger, SessionId, IQuotaGrain.TotalKey, Sessions.TotalQuota ?? 0);
            return Failed($"Too many sessions are running on this Binder (quota {Sessions.TotalQuota}); try again later.", 429);
        }
        var limit = order.RepoQuota ?? Sessions.DefaultRepoQuota;
        if (!await GrainFactory.GetGrain<IQuotaGrain>(quotaKey).TryAcquire(SessionId, limit))
        {
            Log.QuotaRefused(logger, SessionId, quotaKey, limit ?? 0);
            return Failed($"Too many users running {quotaKey} (quota {limit}); try again later.", 429);
        }
        // The node last: a repository over its quota is refused without touching the node's count.
        int? nodeLimit;
        var node = state.State.Node!;
        try
        {
            nodeLimit = Sessions.NodeQuota ?? (await SessionNode.GetResources(CancellationToken.None)).SessionCapacity(Sessions.NodeMemoryReserveBytes);
        }
        catch (Exception e)
        {
            Log.StartFailed(logger, SessionId, e);
            // The daemon's address and error are for the operator's log.
            return Failed($"The memory of node {node} could not be read from its Docker daemon, so its session quota is unknown." + AskTheOperator, 503);
        }
        if (!await GrainFactory.GetGrain<IQuotaGrain>(IQuotaGrain.NodeKeyPrefix + node).TryAcquire(SessionId, nodeLimit))
        {
            Log.QuotaRefused(logger, SessionId, IQuotaGrain.NodeKeyPrefix + node, nodeLimit ?? 0);
            return Failed(nodeLimit == 0 && Sessions.NodeQuota is null
                ? "This node has no room for a session: its memory minus Binder:Sessions:NodeMemoryReserveBytes is less than one session's memory limit (Launch:Docker:MemoryLimitBytes). Lower those, or set Binder:Sessions:NodeQuota."
                : $"This node runs as many sessions as it has room for (quota {nodeLimit}); try again later.", 429);
        }
        return null;
    }

    /// <summary>Starts the session on its node; what the node reports while it starts goes to <paramref name="events"/>
    /// as <c>launching</c> events.</summary>
    private async Task<(SessionContainer? Container, BinderEvent? Failure)> StartContainerAsync(ChannelWriter<BinderEvent> events, CancellationToken cancellationToken)
    {
        // Binder's own bound on a start, whatever the backend's timeouts (validated to end first): the streamed start
        // has no response timeout of its own, so a node that neither answers nor fails would hold the launch forever.
        using var deadline = new CancellationTokenSource(StartBound, time);
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            SessionContainer? container = null;
            var start = new SessionStart(SessionId, state.State.ImageName, state.State.Token!, RoutePath, state.State.RepoKey);
            await foreach (var step in SessionNode.Start(start, bounded.Token).WithCancellation(bounded.Token))
            {
                // The container is the last item: the enumeration ends after it.
                container = step.Container ?? container;
                if (step.Progress is { } message && !cancellationToken.IsCancellationRequested)
                {
                    events.TryWrite(BinderEvent.Of(BinderPhases.Launching, message));
                }
            }
            if (container is null)
            {
                throw new SessionStartException("The session's node ended the start without a session or an error.");
            }
            state.State = state.State with
            {
                ContainerId = container.ContainerId,
                Target = container.Target,
                ContainerCreatedAt = container.CreatedAt,
                Url = container.Url,
                // A backend that issued its own token (a hub's, for the session's user): that one opens the session.
                Token = container.Token ?? state.State.Token,
            };
            await state.WriteStateAsync(CancellationToken.None);
            return (container, null);
        }
        catch (OperationCanceledException e) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            Log.StartFailed(logger, SessionId, e);
            return (null, Failed($"Could not start the server: the node that runs sessions did not start it within {StartBound} (Binder's bound on a session's start, which Launch:Docker:StartTimeout and PullTimeout, Launch:JupyterHub:StartTimeout or Launch:Kubernetes:StartTimeout, must end before)." + AskTheOperator, 504));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Only a launch somebody cancelled: the node's own (its silo going away, a request timing out) is its problem.
            return (null, Cancelled());
        }
        catch (SessionStartException e) when (e.ForUser)
        {
            _startLeftNothing = e.LeftNothing;
            // About the session itself (Jupyter exited or did not answer, with its last output): the user can act on it.
            // (The backend has put *** where Jupyter's output printed the session's token.)
            Log.StartFailed(logger, SessionId, e);
            return (null, Failed("Could not start the server: " + e.Message, 500));
        }
        catch (Exception e)
        {
            _startLeftNothing = e is SessionStartException { LeftNothing: true };
            // About the node (the Docker daemon, its address, its images): for the operator's log only.
            Log.StartFailed(logger, SessionId, e);
            return (null, Failed("Could not start the server: the node that runs sessions had a problem." + AskTheOperator, 500));
        }
    }

    private async Task<(string? PublicUrl, BinderEvent? Failure)> AddRouteAsync(SessionContainer container, CancellationToken cancellationToken)
    {
        try
        {
            return (await SessionNode.AddRoute(SessionId, container.Target, cancellationToken), null);
        }
        catch (OperationCanceledException)
        {
            return (null, Cancelled());
        }
        catch (Exception e)
        {
            Log.RouteFailed(logger, SessionId, e);
            // The proxy's error names its API address and settings: the operator's log has it, the public event not.
            return (null, Failed("The server started, but the session proxy did not take its route, so the server is being removed." + AskTheOperator, 500));
        }
    }

    /// <summary>From now on the session's node's <see cref="SessionActivityPoller"/> tells this session its route's
    /// activity. Returns what failed (logged; the next reminder tick tracks it again), or null.</summary>
    private async Task<Exception?> TrackAsync()
    {
        try
        {
            // A silo of the node that died a moment ago gives no answer until the cluster has declared it dead.
            await SessionNode.Track(SessionId).WaitAsync(Sessions.StopTimeout, time);
            return null;
        }
        catch (Exception e)
        {
            Log.TrackFailed(logger, SessionId, state.State.Node ?? "", e);
            return e;
        }
    }

    /// <summary>
    /// Takes what the node's poller read of the route and answers at once; the grain then adds Jupyter's last activity
    /// and culls the session when idle or too old, on its own (the poller never waits for a Jupyter request or a
    /// clean-up). False when the session does not run: the poller stops telling it.
    /// </summary>
    public Task<bool> CheckActivity(RouteActivity route)
    {
        ArgumentNullException.ThrowIfNull(route);
        if (state.State.State != SessionStates.Running)
        {
            return Task.FromResult(false);
        }
        _pendingRoute = route;
        if (_check is not { IsCompleted: false })
        {
            _check = OnActivation(CheckPendingAsync);
        }
        return Task.FromResult(true);
    }

    private async Task CheckPendingAsync()
    {
        while (_pendingRoute is { } route)
        {
            _pendingRoute = null;
            try
            {
                await CheckOnceAsync(route);
            }
            catch (Exception e)
            {
                // The next round checks again.
                Log.CheckFailed(logger, SessionId, e);
            }
        }
    }

    private async Task CheckOnceAsync(RouteActivity route)
    {
        var current = state.State;
        if (current.State != SessionStates.Running)
        {
            return;
        }
        using var deadline = new CancellationTokenSource(Sessions.StopTimeout, time);
        var timeout = deadline.Token;
        var node = Node(current.Node);
        DateTimeOffset? proxyActivity = route.LastActivity, jupyterActivity = null;
        if (route.Known && !route.Exists && current is { Target: { } target, StopReason: null, Url: null })
        {
            try
            {
                // Someone removed the route (a proxy restart): a running session must stay reachable.
                await node.AddRoute(SessionId, target, timeout);
                if (state.State is not { State: SessionStates.Running, StopReason: null })
                {
                    // A stop removed the route while this one was being added: it must not outlive the session.
                    await node.RemoveRoute(SessionId, timeout);
                }
            }
            catch (Exception e)
            {
                Log.ActivityUnknown(logger, SessionId, "proxy", e.Message);
            }
        }
        if (current.ContainerId is { } containerId && current.Target is { } containerTarget && current.Token is { } token)
        {
            try
            {
                jupyterActivity = await node.GetJupyterActivity(
                    new SessionContainer(SessionId, containerId, containerTarget, true, current.ContainerCreatedAt ?? current.StartedAt), token, timeout);
            }
            catch (Exception e)
            {
                Log.ActivityUnknown(logger, SessionId, "jupyter", e.Message);
            }
        }

        current = state.State;
        if (current is not { State: SessionStates.Running, StopReason: null } || _cleanup is { IsCompleted: false })
        {
            // A stop began meanwhile: it owns the state now.
            return;
        }
        var last = new[] { current.LastActivity ?? current.StartedAt, proxyActivity ?? DateTimeOffset.MinValue, jupyterActivity ?? DateTimeOffset.MinValue }.Max();
        if (last != current.LastActivity)
        {
            state.State = current = current with { LastActivity = last };
            _activityWrite = state.WriteStateAsync(CancellationToken.None);
            await _activityWrite;
        }
        await CullIfDueAsync(current, null);
    }

    /// <summary>Culls the session when it is older than its max age or has been idle for the idle timeout, by the
    /// activity recorded in <paramref name="current"/>; <paramref name="why"/> says what else is known (logged).</summary>
    private async Task CullIfDueAsync(SessionState current, string? why)
    {
        var now = time.GetUtcNow();
        var last = current.LastActivity ?? current.StartedAt;
        if (now - current.StartedAt >= Sessions.MaxAge)
        {
            Log.Culling(logger, SessionId, why is null ? "max age" : "max age, " + why, (now - current.StartedAt).TotalSeconds);
            await CleanUpAsync("max age reached");
        }
        else if (now - last >= Sessions.IdleTimeout)
        {
            Log.Culling(logger, SessionId, why is null ? "idle" : "idle, " + why, (now - last).TotalSeconds);
            await CleanUpAsync("idle");
        }
    }

    /// <summary>Runs <paramref name="work"/> on this activation's scheduler (its continuations are turns of the grain)
    /// but apart from the call that started it, which can answer first.</summary>
    private static Task OnActivation(Func<Task> work)
    {
        using (ExecutionContext.SuppressFlow())
        {
            return Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.DenyChildAttach, TaskScheduler.Current).Unwrap();
        }
    }

    /// <summary>Removes the route and the container, releases the quotas and marks the session stopped. Each step is
    /// tried even when an earlier one failed; what failed is retried by the reminder and the janitor. Concurrent
    /// callers share the clean-up in progress.</summary>
    private async Task CleanUpAsync(string reason, bool containerMayExist = true)
    {
        if (_cleanup is { IsCompleted: false } running)
        {
            await running;
            return;
        }
        _cleanup = CleanUpOnceAsync(reason, containerMayExist);
        await _cleanup;
    }

    private async Task CleanUpOnceAsync(string reason, bool containerMayExist)
    {
        if (_activityWrite is { IsCompleted: false } writing)
        {
            // Its outcome is the check's business (logged there); the clean-up reads the state as it then is.
            await writing.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Current);
        }
        var current = state.State;
        if (current.State is not (SessionStates.Running or SessionStates.Starting))
        {
            return;
        }
        if (current.StopReason is null)
        {
            // Remembered, so a reminder tick after a failed step finishes this stop instead of polling activity.
            state.State = current = current with { StopReason = reason };
            await state.WriteStateAsync(CancellationToken.None);
        }
        reason = current.StopReason;
        var node = Node(current.Node);
        // Through the node's grain a call waits for an answer (a silo that died a moment ago gives none until the
        // cluster has declared it dead): bounded by the step's deadline here.
        // A session its backend's own proxy serves (a JupyterHub) has no route of Binder's.
        var failures = await TryAsync("route", ct => node.RemoveRoute(SessionId, ct).WaitAsync(ct), containerMayExist && current.Url is null);
        var containerFailed = await TryAsync("container", ct => node.StopContainer(SessionId, ct).WaitAsync(ct), containerMayExist);
        failures += containerFailed;
        if (containerFailed == 0)
        {
            // The quota is the promise that the machine is not overloaded: given back only once the container is gone.
            failures += await TryAsync("quota", _ => GrainFactory.GetGrain<IQuotaGrain>(current.QuotaKey).Release(SessionId), current.QuotaKey.Length > 0);
            failures += await TryAsync("quota", _ => GrainFactory.GetGrain<IQuotaGrain>(IQuotaGrain.NodeKeyPrefix + current.Node).Release(SessionId), current.Node is not null);
            failures += await TryAsync("quota", _ => GrainFactory.GetGrain<IQuotaGrain>(IQuotaGrain.TotalKey).Release(SessionId));
        }
        if (failures > 0)
        {
            // Stay running/starting so the reminder tries again; the token stays with it.
            return;
        }
        state.State = current with { State = SessionStates.Stopped, StopReason = reason, StoppedAt = time.GetUtcNow(), Token = null };
        await state.WriteStateAsync(CancellationToken.None);
        if (await this.GetReminder(ReminderName) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
        Log.SessionStopped(logger, SessionId, reason);
        // The poller also drops a session that answers it is not running; this spares the node that round.
        await TryAsync("activity tracking", _ => node.Untrack(SessionId));
    }

    private async Task<int> TryAsync(string what, Func<CancellationToken, Task> step, bool when = true)
    {
        if (!when) return 0;
        using var timeout = new CancellationTokenSource(Sessions.StopTimeout, time);
        try
        {
            await step(timeout.Token);
            return 0;
        }
        catch (Exception e) when (IsNodeGone(e))
        {
            // No silo runs the session's node: there is nothing to remove it from now. The session ends here; when the
            // node comes back its janitor removes the container and route of a session that is not running.
            Log.NodeGone(logger, SessionId, what, state.State.Node ?? "");
            return 0;
        }
        catch (Exception e)
        {
            Log.CleanUpFailed(logger, SessionId, what, e);
            return 1;
        }
    }

    private static bool IsNodeGone(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is NodeUnavailableException) return true;
        }
        return false;
    }

    private BinderEvent? StoppedEvent(CancellationTokenSource launch) =>
        launch.IsCancellationRequested ? Cancelled() : null;

    private static readonly TimeSpan StartBound = TimeSpan.Parse(ISessionNode.StartResponseTimeout, System.Globalization.CultureInfo.InvariantCulture);

    private BinderEvent Cancelled() => _stopRequested is { } reason
        ? Failed($"The session was stopped before it was ready ({reason}).", 499)
        : Failed("The launch was cancelled before the server was ready.", 499);

    /// <summary>
    /// The end of a failure that is Binder's own: the cause (addresses, settings, errors) is in the operator's log,
    /// never in the public event.
    /// </summary>
    private string AskTheOperator => $" Try again; if it keeps failing, tell the operator (the service's log has the cause for session {SessionId}).";

    private static BinderEvent Failed(string message, int statusCode) =>
        BinderEvent.Of(BinderPhases.Failed, message) with { StatusCode = statusCode };
}
