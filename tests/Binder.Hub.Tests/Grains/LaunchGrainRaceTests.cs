using System.Net.Http.Headers;
using Binder.Hub.Events;
using Binder.Hub.Grains;
using Binder.Hub.Hosting;
using Binder.Hub.Launch;
using Binder.Hub.Providers;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;

namespace Binder.Hub.Tests.Grains;

/// <summary>
/// Calls that land in the middle of a launch or a clean-up, with the real daemon, Jupyter, configurable-http-proxy and
/// durable storage. The hooks only choose the moment; every step goes to the real services.
/// </summary>
[Collection(GrainsCollection.Name)]
public sealed class LaunchGrainRaceTests(JupyterImageFixture image) : IClassFixture<JupyterImageFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task StopArrivingAfterTheRouteWasAddedStillStopsTheSession()
    {
        using var state = new TempDirectory("binder-grains-state");
        await using var proxy = await GrainTestHost.StartProxyAsync();
        HookedProxyClient? hooked = null;
        await using var host = await GrainTestHost.StartAsync(GrainTestHost.TestOptions(), Path.Combine(state.Path, "state.db"), proxy,
            wrapProxy: p => hooked = new HookedProxyClient(p));
        var session = SessionIds.NewSessionId();
        var grain = host.Grains.GetGrain<ILaunchGrain>(session);
        Task? stop = null;
        hooked!.AfterAdd = async launchToken =>
        {
            // The user presses stop just as the route went in; the launch goes on once the stop has reached the grain.
            stop = Task.Run(() => grain.Stop("user pressed stop"), Token);
            await WaitForCancellationAsync(launchToken);
        };

        var events = await LaunchAsync(host, session);
        await stop!;

        Assert.Equal(BinderPhases.Failed, events[^1].Phase);
        Assert.Equal(499, events[^1].StatusCode);
        var info = await grain.GetInfo();
        Assert.Equal(SessionStates.Stopped, info!.State);
        Assert.Equal("user pressed stop", info.StopReason);
        await host.AssertSessionGoneAsync(proxy, session);
    }

    [Fact]
    public async Task StopDuringTheCleanUpOfAFailedLaunchDoesNotConflictOnDurableStorage()
    {
        using var state = new TempDirectory("binder-grains-state");
        await using var proxy = await GrainTestHost.StartProxyAsync();
        HookedProxyClient? hookedProxy = null;
        HookedLaunchBackend? hookedBackend = null;
        await using var host = await GrainTestHost.StartAsync(GrainTestHost.TestOptions(), Path.Combine(state.Path, "state.db"), proxy,
            wrapProxy: p => hookedProxy = new HookedProxyClient(p), wrapBackend: b => hookedBackend = new HookedLaunchBackend(b));
        var session = SessionIds.NewSessionId();
        var grain = host.Grains.GetGrain<ILaunchGrain>(session);
        hookedProxy!.AfterAdd = _ => throw new InvalidOperationException("The test proxy refuses this route.");
        var secondStop = new TaskCompletionSource();
        Task? stop = null;
        var stops = 0;
        hookedBackend!.BeforeStop = async _ =>
        {
            if (Interlocked.Increment(ref stops) > 1)
            {
                secondStop.TrySetResult();
                return;
            }
            // The launch is cleaning up after its failure when a Stop comes in. A second clean-up in parallel
            // would reach this point too; both then write the state with the same version.
            stop = Task.Run(() => grain.Stop("stopped while failing"), Token);
            try { await secondStop.Task.WaitAsync(TimeSpan.FromSeconds(5), Token); } catch (TimeoutException) { }
        };

        var events = await LaunchAsync(host, session);
        await stop!;

        Assert.Equal(BinderPhases.Failed, events[^1].Phase);
        // One clean-up, which the Stop waited for: two in parallel would both write the state (the conflict).
        Assert.Equal(1, Volatile.Read(ref stops));
        Assert.Equal(SessionStates.Stopped, (await grain.GetInfo())!.State);
        await host.AssertSessionGoneAsync(proxy, session);
    }

    [Fact]
    public async Task ConcurrentStopsAndAdoptOfARunningSessionOnSqliteEndStopped()
    {
        using var state = new TempDirectory("binder-grains-state");
        await using var proxy = await GrainTestHost.StartProxyAsync();
        await using var host = await GrainTestHost.StartAsync(GrainTestHost.TestOptions(), Path.Combine(state.Path, "state.db"), proxy);
        var session = SessionIds.NewSessionId();
        var grain = host.Grains.GetGrain<ILaunchGrain>(session);
        var events = await LaunchAsync(host, session);
        Assert.Equal(BinderPhases.Ready, events[^1].Phase);

        await Task.WhenAll(
            Task.Run(() => grain.Stop("first"), Token),
            Task.Run(() => grain.Stop("second"), Token),
            Task.Run(() => grain.Adopt(null, false), Token));

        var info = await grain.GetInfo();
        Assert.Equal(SessionStates.Stopped, info!.State);
        await host.AssertSessionGoneAsync(proxy, session);
    }

    [Fact]
    public async Task ACleanUpThatFailedDuringALaunchIsFinishedByTheReminder()
    {
        using var state = new TempDirectory("binder-grains-state");
        var statePath = Path.Combine(state.Path, "state.db");
        Action<ReminderOptions> reminders = o => { o.MinimumReminderPeriod = TimeSpan.FromSeconds(1); o.RefreshReminderListPeriod = TimeSpan.FromSeconds(1); };
        var options = GrainTestHost.TestOptions() with { Sessions = new SessionOptions { ReminderPeriod = TimeSpan.FromSeconds(2) } };
        await using var proxy = await GrainTestHost.StartProxyAsync();
        HookedProxyClient? hooked = null;
        await using var host = await GrainTestHost.StartAsync(options, statePath, proxy, reminders: reminders,
            wrapProxy: p => hooked = new HookedProxyClient(p));
        var session = SessionIds.NewSessionId();
        var grain = host.Grains.GetGrain<ILaunchGrain>(session);
        // The route goes in, the launch then fails, and the proxy refuses to take the route out again.
        hooked!.AfterAdd = _ => throw new InvalidOperationException("The test proxy refuses this route.");
        hooked.FailDeletesOf = SessionIds.RoutePath(session).TrimEnd('/');

        var events = await LaunchAsync(host, session);

        Assert.Equal(BinderPhases.Failed, events[^1].Phase);
        Assert.Equal(SessionStates.Starting, (await grain.GetInfo())!.State);

        hooked.FailDeletesOf = null;
        await RepoGrainTests.WaitUntilAsync(async () => (await grain.GetInfo())!.State == SessionStates.Stopped);
        Assert.Equal("launch failed", (await grain.GetInfo())!.StopReason);
        await host.AssertSessionGoneAsync(proxy, session);
    }

    [Fact]
    public async Task AReminderPeriodTheSiloRefusesFailsTheLaunchWithTheKeyNamed()
    {
        await using var proxy = await GrainTestHost.StartProxyAsync();
        // The silo's minimum reminder period is 1 minute by default.
        var options = GrainTestHost.TestOptions() with { Sessions = new SessionOptions { ReminderPeriod = TimeSpan.FromSeconds(10) } };
        await using var host = await GrainTestHost.StartAsync(options, proxy: proxy);
        var session = SessionIds.NewSessionId();

        var events = await LaunchAsync(host, session);

        Assert.Equal(BinderPhases.Failed, events[^1].Phase);
        Assert.Contains("Binder:Sessions:ReminderPeriod", events[^1].Message, StringComparison.Ordinal);
        Assert.Equal(SessionStates.Stopped, (await host.Grains.GetGrain<ILaunchGrain>(session).GetInfo())!.State);
        await host.AssertSessionGoneAsync(proxy, session);
    }

    [Fact]
    public async Task JanitorLeavesASessionLaunchedWhileItRunsAlone()
    {
        await using var proxy = await GrainTestHost.StartProxyAsync();
        HookedLaunchBackend? hooked = null;
        await using var host = await GrainTestHost.StartAsync(GrainTestHost.TestOptions(), proxy: proxy,
            wrapBackend: b => hooked = new HookedLaunchBackend(b));
        var session = SessionIds.NewSessionId();
        List<BinderEvent>? events = null;
        // The janitor has read the container list when a user's launch completes.
        hooked!.AfterList = async () => events = await LaunchAsync(host, session);

        var reconciliation = await host.Services.ReconcileSessionsAsync(Token);

        Assert.Equal(BinderPhases.Ready, events![^1].Phase);
        Assert.DoesNotContain(session, reconciliation.CleanedSessions);
        Assert.Empty(reconciliation.Failures);
        var grain = host.Grains.GetGrain<ILaunchGrain>(session);
        Assert.Equal(SessionStates.Running, (await grain.GetInfo())!.State);
        Assert.Contains(await hooked.ListAsync(Token), c => c.SessionId == session);
        using (var client = proxy.CreateClient(TimeSpan.FromSeconds(10), Microsoft.Extensions.Logging.Abstractions.NullLogger<ConfigurableHttpProxyClient>.Instance))
        {
            Assert.Contains(await client.GetRoutesAsync(Token), r => r.Path.TrimEnd('/') == $"/user/{session}");
        }
        await grain.Stop("test over");
        await host.AssertSessionGoneAsync(proxy, session);
    }

    [Fact]
    public async Task ARouteTheProxyRefusesFailsTheLaunchWithoutShowingTheProxysAddressOrErrorAndLeavesNothingBehind()
    {
        await using var proxy = await GrainTestHost.StartProxyAsync();
        // A client with a token the proxy does not know: the real proxy refuses every call with 403.
        await using var host = await GrainTestHost.StartAsync(GrainTestHost.TestOptions(), proxy: proxy,
            wrapProxy: _ => new ConfigurableHttpProxyClient(proxy.ApiUrl, proxy.PublicUrl, "not-the-proxys-token", TimeSpan.FromSeconds(10),
                Microsoft.Extensions.Logging.Abstractions.NullLogger<ConfigurableHttpProxyClient>.Instance));
        var session = SessionIds.NewSessionId();

        var events = await LaunchAsync(host, session);

        var failed = events[^1];
        Assert.Equal(BinderPhases.Failed, failed.Phase);
        Assert.Equal(500, failed.StatusCode);
        Assert.Contains("the session proxy did not take its route", failed.Message, StringComparison.Ordinal);
        Assert.Contains(session, failed.Message, StringComparison.Ordinal);
        foreach (var secret in new[] { proxy.ApiUrl.ToString().TrimEnd('/'), proxy.ApiUrl.Authority, "AuthToken", "HTTP 403", "token does not match" })
        {
            Assert.DoesNotContain(secret, failed.Message, StringComparison.Ordinal);
        }
        await host.AssertSessionGoneAsync(proxy, session);
    }

    [Fact]
    public async Task ALaunchWhoseRouteTheProxyLostIsGivenItBackByTheRouteRestoration()
    {
        await using var proxy = await GrainTestHost.StartProxyAsync();
        HookedProxyClient? hooked = null;
        await using var host = await GrainTestHost.StartAsync(GrainTestHost.TestOptions(), proxy: proxy,
            wrapProxy: p => hooked = new HookedProxyClient(p));
        var session = SessionIds.NewSessionId();
        var route = SessionIds.RoutePath(session);
        using var client = proxy.CreateClient(TimeSpan.FromSeconds(10), Microsoft.Extensions.Logging.Abstractions.NullLogger<ConfigurableHttpProxyClient>.Instance);
        Binder.Hub.Sessions.SessionReconciliation? restoration = null;
        hooked!.AfterAdd = async _ =>
        {
            // The route went in, then the proxy died and came back empty, and the service restores routes while this
            // launch has not reported ready yet.
            await client.DeleteRouteAsync(route, Token);
            restoration = await Task.Run(() => host.Services.ReconcileSessionsAsync(Token), Token);
        };

        var events = await LaunchAsync(host, session);

        Assert.Equal(BinderPhases.Ready, events[^1].Phase);
        Assert.Empty(restoration!.Failures);
        Assert.Contains(await client.GetRoutesAsync(Token), r => r.Path == route);
        await host.Grains.GetGrain<ILaunchGrain>(session).Stop("test over");
        await host.AssertSessionGoneAsync(proxy, session);
    }

    [Fact]
    public async Task JanitorGoesOnPastAnItemThatFailsAndReportsIt()
    {
        await using var proxy = await GrainTestHost.StartProxyAsync();
        HookedProxyClient? hooked = null;
        await using var host = await GrainTestHost.StartAsync(GrainTestHost.TestOptions(), proxy: proxy,
            wrapProxy: p => hooked = new HookedProxyClient(p));
        using var client = proxy.CreateClient(TimeSpan.FromSeconds(10), Microsoft.Extensions.Logging.Abstractions.NullLogger<ConfigurableHttpProxyClient>.Instance);
        var stuck = SessionIds.NewSessionId();
        var ghost = SessionIds.NewSessionId();
        foreach (var s in new[] { stuck, ghost })
        {
            await client.AddRouteAsync($"/user/{s}/", "http://127.0.0.1:9", new Dictionary<string, string> { ["session"] = s }, Token);
        }
        hooked!.FailDeletesOf = $"/user/{stuck}";

        var reconciliation = await host.Services.ReconcileSessionsAsync(Token);

        Assert.Contains(reconciliation.Failures, f => f.Contains(stuck, StringComparison.Ordinal));
        Assert.Contains($"/user/{ghost}", reconciliation.RemovedRoutes.Select(p => p.TrimEnd('/')));
        var routes = await client.GetRoutesAsync(Token);
        Assert.DoesNotContain(routes, r => r.Path.TrimEnd('/') == $"/user/{ghost}");
        await client.DeleteRouteAsync($"/user/{stuck}/", Token);
    }

    [Fact]
    public async Task TrafficThroughTheProxyKeepsASessionAliveUntilItStops()
    {
        await using var proxy = await GrainTestHost.StartProxyAsync();
        var options = GrainTestHost.TestOptions() with
        {
            Sessions = new SessionOptions { IdleTimeout = TimeSpan.FromSeconds(3), PollInterval = TimeSpan.FromSeconds(1) },
        };
        await using var host = await GrainTestHost.StartAsync(options, proxy: proxy);
        var session = SessionIds.NewSessionId();
        var ready = (await LaunchAsync(host, session))[^1];
        Assert.Equal(BinderPhases.Ready, ready.Phase);
        var grain = host.Grains.GetGrain<ILaunchGrain>(session);

        using (var http = new HttpClient())
        {
            // Three idle timeouts' worth of requests, one a second: never idle for long enough.
            for (var i = 0; i < 9; i++)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, ready.Url + "api/status");
                request.Headers.Authorization = new AuthenticationHeaderValue("token", ready.Token);
                using var response = await http.SendAsync(request, Token);
                Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
                Assert.Equal(SessionStates.Running, (await grain.GetInfo())!.State);
                await Task.Delay(TimeSpan.FromSeconds(1), Token);
            }
        }

        await RepoGrainTests.WaitUntilAsync(async () => (await grain.GetInfo())!.State == SessionStates.Stopped);
        Assert.Equal("idle", (await grain.GetInfo())!.StopReason);
        await host.AssertSessionGoneAsync(proxy, session);
    }

    [Fact]
    public async Task AnActivityCheckAnswersThePollerBeforeTheCullItStartedHasCleanedUp()
    {
        await using var proxy = await GrainTestHost.StartProxyAsync();
        HookedLaunchBackend? backend = null;
        var options = GrainTestHost.TestOptions() with { Sessions = new SessionOptions { IdleTimeout = TimeSpan.FromSeconds(3) } };
        await using var host = await GrainTestHost.StartAsync(options, proxy: proxy, wrapBackend: b => backend = new HookedLaunchBackend(b));
        var session = SessionIds.NewSessionId();
        Assert.Equal(BinderPhases.Ready, (await LaunchAsync(host, session))[^1].Phase);
        var grain = host.Grains.GetGrain<ILaunchGrain>(session);
        var stopEntered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stopMayGo = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        backend!.BeforeStop = async _ =>
        {
            stopEntered.TrySetResult();
            await stopMayGo.Task;
        };
        // Idle for longer than the idle timeout (the poller's interval is 30 s: this test tells the grain itself).
        await Task.Delay(TimeSpan.FromSeconds(4), Token);

        // The answer comes while the cull it leads to cannot finish: the poller never waits for a clean-up.
        Assert.True(await grain.CheckActivity(new RouteActivity(true, true, null)).WaitAsync(TimeSpan.FromSeconds(60), Token));
        await stopEntered.Task.WaitAsync(TimeSpan.FromSeconds(60), Token);
        Assert.Equal(SessionStates.Running, (await grain.GetInfo())!.State);
        Assert.Equal("idle", (await grain.GetInfo())!.StopReason);

        stopMayGo.SetResult();
        await RepoGrainTests.WaitUntilAsync(async () => (await grain.GetInfo())!.State == SessionStates.Stopped);
        Assert.False(await grain.CheckActivity(new RouteActivity(true, false, null)));
        await host.AssertSessionGoneAsync(proxy, session);
    }

    [Fact]
    public async Task WhatAStopLeftOnANodeThatDidNotAnswerIsRemovedByTheJanitorsNextPassWhileRunningAndStartingSessionsStay()
    {
        await using var proxy = await GrainTestHost.StartProxyAsync();
        HookedProxyClient? hookedProxy = null;
        HookedLaunchBackend? hookedBackend = null;
        // No grace: only the grain's claim keeps the starting session's container.
        var options = GrainTestHost.TestOptions() with
        {
            Sessions = new SessionOptions { JanitorInterval = TimeSpan.FromSeconds(1), JanitorGracePeriod = TimeSpan.Zero },
        };
        await using var host = await GrainTestHost.StartAsync(options, proxy: proxy,
            wrapProxy: p => hookedProxy = new HookedProxyClient(p), wrapBackend: b => hookedBackend = new HookedLaunchBackend(b));
        using var client = proxy.CreateClient(TimeSpan.FromSeconds(10), Microsoft.Extensions.Logging.Abstractions.NullLogger<ConfigurableHttpProxyClient>.Instance);
        var running = SessionIds.NewSessionId();
        var orphan = SessionIds.NewSessionId();
        var starting = SessionIds.NewSessionId();
        Assert.Equal(BinderPhases.Ready, (await LaunchAsync(host, running))[^1].Phase);
        Assert.Equal(BinderPhases.Ready, (await LaunchAsync(host, orphan))[^1].Phase);

        // A launch held after its container started and its route went in: still starting.
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var mayGo = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hookedProxy!.AfterAdd = async _ =>
        {
            held.TrySetResult();
            await mayGo.Task.WaitAsync(TimeSpan.FromMinutes(3), Token);
        };
        var startingLaunch = Task.Run(() => LaunchAsync(host, starting), Token);
        await held.Task.WaitAsync(TimeSpan.FromSeconds(120), Token);

        // The orphan is stopped while its node does not answer: the session ends, its container and route stay.
        var missing = new Binder.Hub.Placement.NodeUnavailableException("No live silo runs this session's node (the test's node does not answer).");
        hookedProxy.FailDeletesOf = SessionIds.RoutePath(orphan).TrimEnd('/');
        hookedProxy.DeleteFailure = missing;
        hookedBackend!.BeforeStop = id => id == orphan && hookedProxy.FailDeletesOf is not null ? Task.FromException(missing) : Task.CompletedTask;
        await host.Grains.GetGrain<ILaunchGrain>(orphan).Stop("user pressed stop");
        Assert.Equal(SessionStates.Stopped, (await host.Grains.GetGrain<ILaunchGrain>(orphan).GetInfo())!.State);
        Assert.Contains(await hookedBackend.ListAsync(Token), c => c.SessionId == orphan);
        // The node answers again (it never restarted).
        hookedProxy.FailDeletesOf = null;

        await RepoGrainTests.WaitUntilAsync(async () =>
            !(await hookedBackend.ListAsync(Token)).Any(c => c.SessionId == orphan)
            && !(await client.GetRoutesAsync(Token)).Any(r => r.Path.TrimEnd('/') == $"/user/{orphan}"), seconds: 60);

        // The passes that removed the orphan left the running session and the launch in progress alone.
        var containers = await hookedBackend.ListAsync(Token);
        Assert.Contains(containers, c => c.SessionId == running);
        Assert.Contains(containers, c => c.SessionId == starting);
        var routes = await client.GetRoutesAsync(Token);
        Assert.Contains(routes, r => r.Path.TrimEnd('/') == $"/user/{running}");
        Assert.Contains(routes, r => r.Path.TrimEnd('/') == $"/user/{starting}");
        Assert.Equal(SessionStates.Running, (await host.Grains.GetGrain<ILaunchGrain>(running).GetInfo())!.State);
        mayGo.SetResult();
        Assert.Equal(BinderPhases.Ready, (await startingLaunch)[^1].Phase);

        foreach (var session in new[] { running, starting })
        {
            await host.Grains.GetGrain<ILaunchGrain>(session).Stop("test over");
        }
        foreach (var session in new[] { running, orphan, starting })
        {
            await host.AssertSessionGoneAsync(proxy, session);
        }
    }

    [Fact]
    public async Task ACancellationNobodyAskedForFromTheNodeFailsTheLaunchAsTheNodesProblemNotAsCancelled()
    {
        await using var proxy = await GrainTestHost.StartProxyAsync();
        HookedLaunchBackend? hooked = null;
        await using var host = await GrainTestHost.StartAsync(GrainTestHost.TestOptions(), proxy: proxy, wrapBackend: b => hooked = new HookedLaunchBackend(b));
        var session = SessionIds.NewSessionId();
        // What an HTTP request that timed out throws (or a node whose silo goes away): the launch's token is not cancelled.
        hooked!.BeforeStart = _ => Task.FromException(new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout."));

        var events = await LaunchAsync(host, session);

        var failed = events[^1];
        Assert.Equal(BinderPhases.Failed, failed.Phase);
        Assert.Equal(500, failed.StatusCode);
        Assert.Contains("the node that runs sessions had a problem", failed.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("cancelled", failed.Message, StringComparison.Ordinal);
        Assert.Equal(SessionStates.Stopped, (await host.Grains.GetGrain<ILaunchGrain>(session).GetInfo())!.State);
        Assert.DoesNotContain(session, await host.Grains.GetGrain<IQuotaGrain>(IQuotaGrain.TotalKey).GetHolders());
        await host.AssertSessionGoneAsync(proxy, session);
    }

    [Fact]
    public async Task AContainerNoSessionClaimsSurvivesASweepWhileYoungerThanTheGracePeriodAndGoesInTheFirstSweepAfterIt()
    {
        await using var proxy = await GrainTestHost.StartProxyAsync();
        HookedLaunchBackend? hooked = null;
        await using var host = await GrainTestHost.StartAsync(GrainTestHost.TestOptions(), proxy: proxy, wrapBackend: b => hooked = new HookedLaunchBackend(b));
        var orphan = await LaunchAnOrphanAsync(host, hooked!);

        // The silo's janitor, grace period 2 minutes: the container was made seconds ago.
        var young = await host.Services.GetRequiredService<Binder.Hub.Sessions.SessionJanitor>().SweepAsync(Token);
        Assert.DoesNotContain(orphan, young.RemovedContainers);
        Assert.Contains(await hooked!.ListAsync(Token), c => c.SessionId == orphan);

        // The same janitor once the grace period has passed (no grace left: the container is older than it).
        using var later = JanitorOf(host, new SessionOptions { JanitorGracePeriod = TimeSpan.Zero });
        var old = await later.SweepAsync(Token);
        Assert.Contains(orphan, old.RemovedContainers);
        Assert.Empty(old.Failures);
        await host.AssertSessionGoneAsync(proxy, orphan);
    }

    [Fact]
    public async Task AJanitorSweepWhoseContainerStopWaitsForCancellationEndsAtTheStopTimeoutAndTheNextSweepRemovesIt()
    {
        await using var proxy = await GrainTestHost.StartProxyAsync();
        HookedLaunchBackend? hooked = null;
        await using var host = await GrainTestHost.StartAsync(GrainTestHost.TestOptions(), proxy: proxy, wrapBackend: b => hooked = new HookedLaunchBackend(b));
        var orphan = await LaunchAnOrphanAsync(host, hooked!);
        // Every stop now waits as the hub's does while it still spawns the session's server: until it is cancelled.
        hooked!.StopWaitsForCancellation = true;
        using var janitor = JanitorOf(host, new SessionOptions { JanitorGracePeriod = TimeSpan.Zero, StopTimeout = TimeSpan.FromSeconds(2) });

        // The sweep ends (the bound here only keeps a broken janitor from hanging the test run).
        var held = await janitor.SweepAsync(Token).WaitAsync(TimeSpan.FromMinutes(2), Token);

        Assert.DoesNotContain(orphan, held.RemovedContainers);
        Assert.Contains(held.Failures, f => f.Contains(orphan, StringComparison.Ordinal) && f.Contains("Binder:Sessions:StopTimeout", StringComparison.Ordinal));
        hooked.StopWaitsForCancellation = false;
        var next = await janitor.SweepAsync(Token);
        Assert.Contains(orphan, next.RemovedContainers);
        await host.AssertSessionGoneAsync(proxy, orphan);
    }

    /// <summary>A session launched and then stopped by a stop that could not reach the daemon: the session ends, its
    /// container stays with nobody claiming it.</summary>
    private async Task<string> LaunchAnOrphanAsync(GrainTestHost host, HookedLaunchBackend hooked)
    {
        var orphan = SessionIds.NewSessionId();
        Assert.Equal(BinderPhases.Ready, (await LaunchAsync(host, orphan))[^1].Phase);
        hooked.BeforeStop = id => id == orphan ? Task.FromException(new Binder.Hub.Placement.NodeUnavailableException("the test's daemon does not answer")) : Task.CompletedTask;
        await host.Grains.GetGrain<ILaunchGrain>(orphan).Stop("user pressed stop");
        hooked.BeforeStop = null;
        Assert.Contains(await hooked.ListAsync(Token), c => c.SessionId == orphan);
        return orphan;
    }

    /// <summary>A janitor of the host's node (its backend, proxy and nodes) with <paramref name="options"/>.</summary>
    private static Binder.Hub.Sessions.SessionJanitor JanitorOf(GrainTestHost host, SessionOptions options) =>
        new(host.Grains, host.Services.GetRequiredService<ILaunchBackend>(), host.Services.GetRequiredService<Binder.Hub.Launch.IProxyClient>(),
            host.Services.GetRequiredService<Binder.Hub.Placement.ClusterNodes>(), options, TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<Binder.Hub.Sessions.SessionJanitor>.Instance);

    private static async Task WaitForCancellationAsync(CancellationToken token)
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(30), token);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task<List<BinderEvent>> LaunchAsync(GrainTestHost host, string session)
    {
        var events = new List<BinderEvent>();
        await foreach (var e in host.Grains.GetGrain<ILaunchGrain>(session).Launch(GrainTestHost.LaunchOrder(image.ImageName), Token).WithCancellation(Token))
        {
            events.Add(e);
        }
        return events;
    }
}
