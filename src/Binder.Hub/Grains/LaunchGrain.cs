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
/// One user session (key: the session id). Launch takes the quotas, starts the container, adds the route and reports
/// ready; from then its silo's activity poller tells it what the proxy saw (CheckActivity) and a durable reminder
/// brings the grain back after a restart, until the
/// session is culled (idle, too old) or stopped. Every failure before ready undoes what was done. Placed on the silo of
/// the caller when it is one (a co-hosted front end starts sessions on its own node's daemon), else on any silo: the
/// container runs on the node of the silo that launched it, which the state records, and a grain that later lives
/// elsewhere (after a restart) reaches that container through the node's <see cref="INodeSessionsGrain"/>.
/// </summary>
[GrainType(TypeName)]
[PreferLocalPlacement]
internal sealed partial class LaunchGrain(
    [PersistentState(LaunchGrain.StateName, BinderHubSiloBuilderExtensions.StorageName)] IPersistentState<SessionState> state,
    BinderHubOptions options,
    ILaunchBackend backend,
    IProxyClient proxy,
    ClusterNodes nodes,
    BinderHubMetrics metrics,
    SessionActivityPoller poller,
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

    // One clean-up at a time per activation: two concurrent ones would both write the state with the same ETag.
    private Task? _cleanup;

    private string SessionId => this.GetPrimaryKeyString();

    private string RoutePath => SessionIds.RoutePath(SessionId);

    private SessionOptions Sessions => options.Sessions;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.State == SessionStates.Running)
        {
            StartPolling();
        }
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Whoever activates the grain again (a call, the reminder) tracks it again while its session runs.
        poller.Untrack(SessionId);
        return Task.CompletedTask;
    }

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
        // The launch runs on this activation's scheduler (its continuations are turns of the grain) but apart from the
        // caller's enumeration, which Orleans only advances while the caller pulls: a launch inside it would stop,
        // holding its quota slots and keeping Stop waiting, whenever its caller stopped reading.
        using (ExecutionContext.SuppressFlow())
        {
            _launchDone = Task.Factory.StartNew(
                () => RunLaunchAsync(order, launch, events.Writer), CancellationToken.None, TaskCreationOptions.DenyChildAttach,
                TaskScheduler.Current).Unwrap();
        }

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
                Node = nodes.Local.Name,
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
            var (container, startFailure) = await StartContainerAsync(launch.Token);
            if ((startFailure ?? StoppedEvent(launch)) is { } notStarted)
            {
                events.TryWrite(notStarted);
                return;
            }

            events.TryWrite(BinderEvent.Of(BinderPhases.Launching, "Server started; adding its route to the proxy..."));
            if ((await AddRouteAsync(container!, launch.Token) ?? StoppedEvent(launch)) is { } routeFailure)
            {
                events.TryWrite(routeFailure);
                return;
            }

            state.State = state.State with { State = SessionStates.Running, LastActivity = time.GetUtcNow() };
            await state.WriteStateAsync(CancellationToken.None);
            // A stop that came during the write must win over ready: the finally cleans up.
            if (StoppedEvent(launch) is { } stoppedAtReady)
            {
                events.TryWrite(stoppedAtReady);
                return;
            }
            StartPolling();
            ready = true;
            // From here the session is an ordinary running one: a Stop need not wait for the caller to read ready.
            _launch = null;
            Log.SessionReady(logger, SessionId, order.Repo.GrainKey, state.State.Node ?? "");
            var url = proxy.PublicUrl.ToString().TrimEnd('/') + RoutePath;
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
                    await CleanUpAsync(reason, startAttempted);
                }
            }
            catch (Exception e)
            {
                // The reminder finishes a clean-up that could not run now.
                Log.CleanUpFailed(logger, SessionId, "session", e.Message);
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
            if (!routeExists && !launching.IsCancellationRequested && state.State is { State: SessionStates.Starting, StopReason: null, Target: { } target })
            {
                await proxy.AddRouteAsync(RoutePath, target, RouteData(), CancellationToken.None);
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
        if (!routeExists)
        {
            await proxy.AddRouteAsync(RoutePath, current.Target ?? container.Target, RouteData(), CancellationToken.None);
        }
        await this.RegisterOrUpdateReminder(ReminderName, Sessions.ReminderPeriod, Sessions.ReminderPeriod);
        StartPolling();
        Log.SessionAdopted(logger, SessionId, routeExists);
        return true;
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        var current = state.State;
        if (current.State == SessionStates.Running && current.StopReason is null)
        {
            // The node's poller checks it in its next round (it has the proxy's routes; this tick does not).
            StartPolling();
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

    private async Task<SessionContainer?> FindContainerAsync(SessionState current)
    {
        var containers = current.Node is { } node && node != nodes.Local.Name
            ? await GrainFactory.GetGrain<INodeSessionsGrain>(node).List()
            : await backend.ListAsync(CancellationToken.None);
        return containers.FirstOrDefault(c => c.SessionId == SessionId);
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
        try
        {
            nodeLimit = Sessions.NodeQuota ?? (await backend.GetNodeResourcesAsync(CancellationToken.None)).SessionCapacity(Sessions.NodeMemoryReserveBytes);
        }
        catch (Exception e)
        {
            Log.StartFailed(logger, SessionId, e.Message);
            return Failed($"This node's memory could not be read from its Docker daemon, so its session quota is unknown: {e.Message}", 503);
        }
        if (!await GrainFactory.GetGrain<IQuotaGrain>(IQuotaGrain.NodeKeyPrefix + nodes.Local.Name).TryAcquire(SessionId, nodeLimit))
        {
            Log.QuotaRefused(logger, SessionId, IQuotaGrain.NodeKeyPrefix + nodes.Local.Name, nodeLimit ?? 0);
            return Failed(nodeLimit == 0 && Sessions.NodeQuota is null
                ? "This node has no room for a session: its memory minus Binder:Sessions:NodeMemoryReserveBytes is less than one session's memory limit (Launch:Docker:MemoryLimitBytes). Lower those, or set Binder:Sessions:NodeQuota."
                : $"This node runs as many sessions as it has room for (quota {nodeLimit}); try again later.", 429);
        }
        return null;
    }

    private async Task<(SessionContainer? Container, BinderEvent? Failure)> StartContainerAsync(CancellationToken cancellationToken)
    {
        try
        {
            var container = await backend.StartAsync(
                new SessionStart(SessionId, state.State.ImageName, state.State.Token!, RoutePath, state.State.RepoKey), cancellationToken);
            state.State = state.State with
            {
                ContainerId = container.ContainerId,
                Target = container.Target,
                ContainerCreatedAt = container.CreatedAt,
            };
            await state.WriteStateAsync(CancellationToken.None);
            return (container, null);
        }
        catch (OperationCanceledException)
        {
            return (null, Cancelled());
        }
        catch (SessionStartException e) when (e.ForUser)
        {
            // About the session itself (Jupyter exited or did not answer, with its last output): the user can act on it.
            Log.StartFailed(logger, SessionId, e.Message);
            return (null, Failed("Could not start the server: " + e.Message, 500));
        }
        catch (Exception e)
        {
            // About the node (the Docker daemon, its address, its images): for the operator's log only.
            Log.StartFailed(logger, SessionId, e.Message);
            return (null, Failed("Could not start the server: the node that runs sessions had a problem." + AskTheOperator, 500));
        }
    }

    private async Task<BinderEvent?> AddRouteAsync(SessionContainer container, CancellationToken cancellationToken)
    {
        try
        {
            await proxy.AddRouteAsync(RoutePath, container.Target, RouteData(), cancellationToken);
            return null;
        }
        catch (OperationCanceledException)
        {
            return Cancelled();
        }
        catch (Exception e)
        {
            Log.RouteFailed(logger, SessionId, e.Message);
            // The proxy's error names its API address and settings: the operator's log has it, the public event not.
            return Failed("The server started, but the session proxy did not take its route, so the server is being removed." + AskTheOperator, 500);
        }
    }

    private Dictionary<string, string> RouteData() => new() { ["session"] = SessionId };

    /// <summary>From now on the node's <see cref="SessionActivityPoller"/> tells this session its route's activity.</summary>
    private void StartPolling() => poller.Track(SessionId);

    /// <summary>Adds Jupyter's last activity to what the node's poller read of the route, and culls the session when
    /// idle or too old.</summary>
    public async Task CheckActivity(RouteActivity route)
    {
        ArgumentNullException.ThrowIfNull(route);
        var current = state.State;
        if (current.State != SessionStates.Running)
        {
            StopPolling();
            return;
        }
        using var deadline = new CancellationTokenSource(Sessions.StopTimeout, time);
        var timeout = deadline.Token;
        DateTimeOffset? proxyActivity = route.LastActivity, jupyterActivity = null;
        if (route.Known && !route.Exists && current.Target is { } target)
        {
            try
            {
                // Someone removed the route (a proxy restart): a running session must stay reachable.
                await proxy.AddRouteAsync(RoutePath, target, RouteData(), timeout);
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
                jupyterActivity = await backend.GetJupyterActivityAsync(
                    new SessionContainer(SessionId, containerId, containerTarget, true, current.ContainerCreatedAt ?? current.StartedAt), token, timeout);
            }
            catch (Exception e)
            {
                Log.ActivityUnknown(logger, SessionId, "jupyter", e.Message);
            }
        }

        var last = new[] { current.LastActivity ?? current.StartedAt, proxyActivity ?? DateTimeOffset.MinValue, jupyterActivity ?? DateTimeOffset.MinValue }.Max();
        if (last != current.LastActivity)
        {
            state.State = current with { LastActivity = last };
            await state.WriteStateAsync(CancellationToken.None);
        }
        var now = time.GetUtcNow();
        if (now - current.StartedAt >= Sessions.MaxAge)
        {
            Log.Culling(logger, SessionId, "max age", (now - current.StartedAt).TotalSeconds);
            await CleanUpAsync("max age reached");
        }
        else if (now - last >= Sessions.IdleTimeout)
        {
            Log.Culling(logger, SessionId, "idle", (now - last).TotalSeconds);
            await CleanUpAsync("idle");
        }
    }

    private void StopPolling() => poller.Untrack(SessionId);

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
        StopPolling();
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
        var failures = await TryAsync("route", ct => proxy.DeleteRouteAsync(RoutePath, ct), containerMayExist);
        var containerFailed = await TryAsync("container", StopContainerAsync, containerMayExist);
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
    }

    /// <summary>Stops the container through its own node: the local backend only reaches this node's daemon.</summary>
    private Task StopContainerAsync(CancellationToken cancellationToken) =>
        state.State.Node is { } node && node != nodes.Local.Name
            ? GrainFactory.GetGrain<INodeSessionsGrain>(node).Stop(SessionId).WaitAsync(cancellationToken)
            : backend.StopAsync(SessionId, cancellationToken);

    private async Task<int> TryAsync(string what, Func<CancellationToken, Task> step, bool when = true)
    {
        if (!when) return 0;
        using var timeout = new CancellationTokenSource(Sessions.StopTimeout, time);
        try
        {
            await step(timeout.Token);
            return 0;
        }
        catch (Exception e)
        {
            Log.CleanUpFailed(logger, SessionId, what, e.Message);
            return 1;
        }
    }

    private BinderEvent? StoppedEvent(CancellationTokenSource launch) =>
        launch.IsCancellationRequested ? Cancelled() : null;

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
