using System.Net;
using System.Net.Http.Headers;
using Binder.Hub.Events;
using Binder.Hub.Grains;
using Binder.Hub.Hosting;
using Binder.Hub.Launch;
using Binder.Hub.Providers;
using Binder.Hub.Sessions;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;

namespace Binder.Hub.Tests.Grains;

/// <summary>Launch and quota grains with the real daemon, Jupyter and configurable-http-proxy.</summary>
[Collection(GrainsCollection.Name)]
public sealed class LaunchGrainTests(JupyterImageFixture image) : IClassFixture<JupyterImageFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task LaunchedSessionAnswersThroughTheProxyAndStopRemovesEverything()
    {
        await using var proxy = await GrainTestHost.StartProxyAsync();
        await using var host = await GrainTestHost.StartAsync(GrainTestHost.TestOptions(), proxy: proxy);
        var session = SessionIds.NewSessionId();
        var grain = host.Grains.GetGrain<ILaunchGrain>(session);

        var events = await LaunchAsync(host, session, GrainTestHost.LaunchOrder(image.ImageName));

        Assert.Equal([BinderPhases.Launching, BinderPhases.Ready], RepoGrainTests.Phases(events));
        // The node's own steps, as the backend reported them while it started the container, then the route.
        Assert.Equal(
            ["Launching server...\n", "Starting the server's container...\n", "Waiting for Jupyter to answer...\n", "Server started; adding its route to the proxy...\n"],
            events.Where(e => e.Phase == BinderPhases.Launching).Select(e => e.Message).ToList());
        var ready = events[^1];
        Assert.Equal($"{proxy.PublicUrl.ToString().TrimEnd('/')}/user/{session}/", ready.Url);
        Assert.Equal(64, ready.Token!.Length);
        Assert.Equal(image.ImageName, ready.Image);
        Assert.Equal("https://binder.example.org/", ready.BinderLaunchHost);
        Assert.Equal("v2/git/demo/HEAD", ready.BinderRequest);
        Assert.StartsWith("v2/git/", ready.BinderPersistentRequest);
        Assert.All(events, e => Assert.EndsWith("\n", e.Message));
        using (var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }))
        {
            Assert.Equal(HttpStatusCode.OK, (await GetAsync(http, ready.Url + "api/status", ready.Token)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await GetAsync(http, ready.Url + "api/contents", ready.Token)).StatusCode);
            Assert.NotEqual(HttpStatusCode.OK, (await GetAsync(http, ready.Url + "api/contents", "wrong-token")).StatusCode);
        }
        var info = await grain.GetInfo();
        Assert.Equal(SessionStates.Running, info!.State);
        Assert.Equal(GrainTestHost.Node, info.Node);
        Assert.Contains(await host.Backend.ListAsync(Token), c => c.SessionId == session && c.ContainerId == info.ContainerId);

        await grain.Stop("stopped by the test");
        await grain.Stop("stopped twice");

        await host.AssertSessionGoneAsync(proxy, session);
        Assert.Equal("stopped by the test", (await grain.GetInfo())!.StopReason);
    }

    [Fact]
    public async Task QuotaOfNLetsExactlyNOfMConcurrentLaunchesThrough()
    {
        await using var proxy = await GrainTestHost.StartProxyAsync();
        await using var host = await GrainTestHost.StartAsync(GrainTestHost.TestOptions(), proxy: proxy);
        var order = GrainTestHost.LaunchOrder(image.ImageName) with { RepoQuota = 2 };
        var sessions = Enumerable.Range(0, 6).Select(_ => SessionIds.NewSessionId()).ToList();

        var results = await Task.WhenAll(sessions.Select(s => Task.Run(() => LaunchAsync(host, s, order), Token)));

        var ready = sessions.Where((_, i) => results[i][^1].Phase == BinderPhases.Ready).ToList();
        Assert.Equal(2, ready.Count);
        var refused = results.Where(r => r[^1].Phase == BinderPhases.Failed).ToList();
        Assert.Equal(4, refused.Count);
        var quotaKey = $"{order.Repo.Spec.Provider}/{order.Repo.Spec.Repository}";
        Assert.All(refused, r =>
        {
            Assert.Equal(429, r[^1].StatusCode);
            Assert.Equal($"Too many users running {quotaKey} (quota 2); try again later.\n", r[^1].Message);
        });
        Assert.Equal(ready.Order(), (await host.Grains.GetGrain<IQuotaGrain>(quotaKey).GetHolders()).Order());
        Assert.Equal(ready.Order(), (await host.Grains.GetGrain<IQuotaGrain>(IQuotaGrain.TotalKey).GetHolders()).Order());
        Assert.Equal(ready.Order(), (await host.Backend.ListAsync(Token)).Select(c => c.SessionId).Order());

        foreach (var session in ready) await host.Grains.GetGrain<ILaunchGrain>(session).Stop("test over");
        Assert.Empty(await host.Grains.GetGrain<IQuotaGrain>(quotaKey).GetHolders());
        Assert.Empty(await host.Backend.ListAsync(Token));
    }

    [Fact]
    public async Task TheNodeQuotaDefaultsToWhatFitsInTheNodesMemoryAfterTheReserveAndFreesItsSlotWhenASessionStops()
    {
        await using var proxy = await GrainTestHost.StartProxyAsync();
        const long sessionMemory = 256L * 1024 * 1024;
        using var docker = new Binder.Build.Docker.DockerClient(GrainTestHost.TestOptions().Docker,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<Binder.Build.Docker.DockerClient>.Instance);
        var memory = (await docker.GetSystemInfoAsync(Token)).MemoryBytes;
        // Room for one and a half sessions once the reserve is taken: the default quota is 1.
        var options = GrainTestHost.TestOptions() with { Sessions = new SessionOptions { NodeMemoryReserveBytes = memory - sessionMemory * 3 / 2 } };
        await using var host = await GrainTestHost.StartAsync(options, proxy: proxy, launch: o => o with { MemoryLimitBytes = sessionMemory });
        var first = SessionIds.NewSessionId();
        var second = SessionIds.NewSessionId();
        var third = SessionIds.NewSessionId();
        var nodeQuota = host.Grains.GetGrain<IQuotaGrain>(IQuotaGrain.NodeKeyPrefix + GrainTestHost.Node);

        Assert.Equal(BinderPhases.Ready, (await LaunchAsync(host, first, GrainTestHost.LaunchOrder(image.ImageName)))[^1].Phase);
        var refused = (await LaunchAsync(host, second, GrainTestHost.LaunchOrder(image.ImageName)))[^1];

        Assert.Equal(BinderPhases.Failed, refused.Phase);
        Assert.Equal(429, refused.StatusCode);
        Assert.Equal("This node runs as many sessions as it has room for (quota 1); try again later.\n", refused.Message);
        Assert.Equal([first], await nodeQuota.GetHolders());
        Assert.Equal([first], await host.Grains.GetGrain<IQuotaGrain>(IQuotaGrain.TotalKey).GetHolders());
        await host.Grains.GetGrain<ILaunchGrain>(first).Stop("test over");
        Assert.Empty(await nodeQuota.GetHolders());
        Assert.Equal(BinderPhases.Ready, (await LaunchAsync(host, third, GrainTestHost.LaunchOrder(image.ImageName)))[^1].Phase);
        Assert.Equal([third], await nodeQuota.GetHolders());
        await host.Grains.GetGrain<ILaunchGrain>(third).Stop("test over");
    }

    [Fact]
    public async Task ANodeWithoutRoomForOneSessionRefusesLaunchesNamingTheSettingsAndStartsNothing()
    {
        await using var proxy = await GrainTestHost.StartProxyAsync();
        var options = GrainTestHost.TestOptions() with { Sessions = new SessionOptions { NodeMemoryReserveBytes = long.MaxValue / 2 } };
        await using var host = await GrainTestHost.StartAsync(options, proxy: proxy, launch: o => o with { MemoryLimitBytes = 256L * 1024 * 1024 });
        var session = SessionIds.NewSessionId();

        var refused = (await LaunchAsync(host, session, GrainTestHost.LaunchOrder(image.ImageName)))[^1];

        Assert.Equal(429, refused.StatusCode);
        Assert.Contains("no room for a session", refused.Message, StringComparison.Ordinal);
        Assert.Contains("Binder:Sessions:NodeMemoryReserveBytes", refused.Message, StringComparison.Ordinal);
        Assert.Contains("Binder:Sessions:NodeQuota", refused.Message, StringComparison.Ordinal);
        await host.AssertSessionGoneAsync(proxy, session);
        Assert.Empty(await host.Grains.GetGrain<IQuotaGrain>(IQuotaGrain.TotalKey).GetHolders());
    }

    [Fact]
    public async Task IdleSessionIsCulled()
    {
        await using var proxy = await GrainTestHost.StartProxyAsync();
        var options = GrainTestHost.TestOptions() with
        {
            Sessions = new SessionOptions { IdleTimeout = TimeSpan.FromSeconds(3), PollInterval = TimeSpan.FromSeconds(1) },
        };
        await using var host = await GrainTestHost.StartAsync(options, proxy: proxy);
        var session = SessionIds.NewSessionId();

        var events = await LaunchAsync(host, session, GrainTestHost.LaunchOrder(image.ImageName));
        Assert.Equal(BinderPhases.Ready, events[^1].Phase);
        // The running session is polled by its node's poller (one route listing per round for all sessions)...
        var poller = host.Services.GetRequiredService<SessionActivityPoller>();
        Assert.Equal(1, poller.Tracked);

        var grain = host.Grains.GetGrain<ILaunchGrain>(session);
        await RepoGrainTests.WaitUntilAsync(async () => (await grain.GetInfo())!.State == SessionStates.Stopped);
        Assert.Equal("idle", (await grain.GetInfo())!.StopReason);
        await host.AssertSessionGoneAsync(proxy, session);
        // ...until it stops.
        Assert.Equal(0, poller.Tracked);
    }

    [Fact]
    public async Task ARouteTheProxyLostIsAddedBackByTheNodesPollerAndTheSessionAnswersAgain()
    {
        await using var proxy = await GrainTestHost.StartProxyAsync();
        var options = GrainTestHost.TestOptions() with { Sessions = new SessionOptions { PollInterval = TimeSpan.FromSeconds(1) } };
        await using var host = await GrainTestHost.StartAsync(options, proxy: proxy);
        var session = SessionIds.NewSessionId();
        var ready = (await LaunchAsync(host, session, GrainTestHost.LaunchOrder(image.ImageName)))[^1];
        Assert.Equal(BinderPhases.Ready, ready.Phase);
        using var client = proxy.CreateClient(TimeSpan.FromSeconds(10), Microsoft.Extensions.Logging.Abstractions.NullLogger<ConfigurableHttpProxyClient>.Instance);

        // Someone (a proxy restarted without its state) removes the route of the running session.
        await client.DeleteRouteAsync(SessionIds.RoutePath(session), Token);

        await RepoGrainTests.WaitUntilAsync(async () => (await client.GetRoutesAsync(Token)).Any(r => r.Path == SessionIds.RoutePath(session)));
        using var http = new HttpClient();
        using var answer = await GetAsync(http, ready.Url + "api/status", ready.Token!);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal(SessionStates.Running, (await host.Grains.GetGrain<ILaunchGrain>(session).GetInfo())!.State);
        await host.Grains.GetGrain<ILaunchGrain>(session).Stop("test over");
        await host.AssertSessionGoneAsync(proxy, session);
    }

    [Fact]
    public async Task SessionIsCulledAtItsMaxAgeEvenWhenActive()
    {
        await using var proxy = await GrainTestHost.StartProxyAsync();
        var options = GrainTestHost.TestOptions() with
        {
            Sessions = new SessionOptions { MaxAge = TimeSpan.FromSeconds(6), PollInterval = TimeSpan.FromSeconds(1) },
        };
        await using var host = await GrainTestHost.StartAsync(options, proxy: proxy);
        var session = SessionIds.NewSessionId();
        var events = await LaunchAsync(host, session, GrainTestHost.LaunchOrder(image.ImageName));
        var ready = events[^1];
        Assert.Equal(BinderPhases.Ready, ready.Phase);

        var grain = host.Grains.GetGrain<ILaunchGrain>(session);
        using var http = new HttpClient();
        await RepoGrainTests.WaitUntilAsync(async () =>
        {
            // Traffic through the proxy keeps the session from being idle; only its age can end it.
            await GetAsync(http, ready.Url + "api/status", ready.Token!);
            return (await grain.GetInfo())!.State == SessionStates.Stopped;
        });
        Assert.Equal("max age reached", (await grain.GetInfo())!.StopReason);
        await host.AssertSessionGoneAsync(proxy, session);
    }

    [Fact]
    public async Task LaunchThatCannotStartItsContainerFailsAndLeavesNothing()
    {
        await using var proxy = await GrainTestHost.StartProxyAsync();
        var options = GrainTestHost.TestOptions() with { Sessions = new SessionOptions { TotalQuota = 5 } };
        await using var host = await GrainTestHost.StartAsync(options, proxy: proxy);
        var session = SessionIds.NewSessionId();

        var events = await LaunchAsync(host, session, GrainTestHost.LaunchOrder(image.ImageName) with { ImageName = "binder-grains-test-missing:" + TestEnvironment.UniqueSuffix() });

        Assert.Equal(BinderPhases.Failed, events[^1].Phase);
        Assert.Equal(500, events[^1].StatusCode);
        // The daemon's address and state are the operator's business: the event says whom to tell, the log says why.
        Assert.Contains("the node that runs sessions had a problem", events[^1].Message, StringComparison.Ordinal);
        Assert.Contains(session, events[^1].Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Docker daemon", events[^1].Message, StringComparison.Ordinal);
        Assert.DoesNotContain(new Uri(TestEnvironment.DockerHost).AbsolutePath, events[^1].Message, StringComparison.Ordinal);
        await host.AssertSessionGoneAsync(proxy, session);
        Assert.Equal(SessionStates.Stopped, (await host.Grains.GetGrain<ILaunchGrain>(session).GetInfo())!.State);
    }

    [Fact]
    public async Task AfterARestartRunningSessionsAreReadoptedAndStrayContainersAndRoutesRemoved()
    {
        using var state = new TempDirectory("binder-grains-state");
        var statePath = Path.Combine(state.Path, "state.db");
        var instance = "grains-" + TestEnvironment.UniqueSuffix();
        try
        {
            await using var proxy = await GrainTestHost.StartProxyAsync();
            var session = SessionIds.NewSessionId();
            BinderEvent ready;
            await using (var before = await GrainTestHost.StartAsync(GrainTestHost.TestOptions(), statePath, proxy, instance))
            {
                before.KeepSessions = true;
                ready = (await LaunchAsync(before, session, GrainTestHost.LaunchOrder(image.ImageName)))[^1];
                Assert.Equal(BinderPhases.Ready, ready.Phase);
            }
            using var client = proxy.CreateClient(TimeSpan.FromSeconds(10), Microsoft.Extensions.Logging.Abstractions.NullLogger<ConfigurableHttpProxyClient>.Instance);
            // The proxy lost the session's route (as after a proxy restart), and a session nobody owns is left behind.
            await client.DeleteRouteAsync($"/user/{session}/", Token);
            var stray = SessionIds.NewSessionId();
            await using var after = await GrainTestHost.StartAsync(GrainTestHost.TestOptions(), statePath, proxy, instance);
            var strayContainer = await after.Backend.StartAsync(new SessionStart(stray, image.ImageName, SessionIds.NewToken(), $"/user/{stray}/", "git/stray@0"), Token);
            var ghost = SessionIds.NewSessionId();
            await client.AddRouteAsync($"/user/{ghost}/", "http://127.0.0.1:9", new Dictionary<string, string> { ["session"] = ghost }, Token);

            var reconciliation = await after.Services.ReconcileSessionsAsync(Token);

            Assert.Equal([session], reconciliation.Adopted);
            Assert.Equal([stray], reconciliation.RemovedContainers);
            Assert.Contains($"/user/{ghost}", reconciliation.RemovedRoutes.Select(p => p.TrimEnd('/')));
            Assert.DoesNotContain(await after.Backend.ListAsync(Token), c => c.ContainerId == strayContainer.ContainerId);
            var routes = await client.GetRoutesAsync(Token);
            Assert.Contains(routes, r => r.Path.TrimEnd('/') == $"/user/{session}");
            Assert.DoesNotContain(routes, r => r.Path.TrimEnd('/') == $"/user/{ghost}");
            using (var http = new HttpClient())
            {
                Assert.Equal(HttpStatusCode.OK, (await GetAsync(http, ready.Url + "api/status", ready.Token!)).StatusCode);
            }
            var grain = after.Grains.GetGrain<ILaunchGrain>(session);
            Assert.Equal(SessionStates.Running, (await grain.GetInfo())!.State);

            await grain.Stop("test over");
            await after.AssertSessionGoneAsync(proxy, session);
        }
        finally
        {
            await GrainTestHost.RemoveInstanceAsync(instance);
        }
    }

    [Fact]
    public async Task AfterARestartASessionWhoseContainerIsGoneIsCleanedUp()
    {
        using var state = new TempDirectory("binder-grains-state");
        var statePath = Path.Combine(state.Path, "state.db");
        var instance = "grains-" + TestEnvironment.UniqueSuffix();
        await using var proxy = await GrainTestHost.StartProxyAsync();
        var session = SessionIds.NewSessionId();
        string quotaKey;
        await using (var before = await GrainTestHost.StartAsync(GrainTestHost.TestOptions(), statePath, proxy, instance))
        {
            var order = GrainTestHost.LaunchOrder(image.ImageName);
            quotaKey = $"{order.Repo.Spec.Provider}/{order.Repo.Spec.Repository}";
            Assert.Equal(BinderPhases.Ready, (await LaunchAsync(before, session, order))[^1].Phase);
            // The container dies while the silo is down.
            await before.Backend.StopAsync(session, Token);
        }
        await using var after = await GrainTestHost.StartAsync(GrainTestHost.TestOptions(), statePath, proxy, instance);

        var reconciliation = await after.Services.ReconcileSessionsAsync(Token);

        Assert.Empty(reconciliation.Adopted);
        Assert.Contains(session, reconciliation.CleanedSessions);
        Assert.Equal(SessionStates.Stopped, (await after.Grains.GetGrain<ILaunchGrain>(session).GetInfo())!.State);
        Assert.Empty(await after.Grains.GetGrain<IQuotaGrain>(quotaKey).GetHolders());
        Assert.Empty(await after.Grains.GetGrain<IQuotaGrain>(IQuotaGrain.TotalKey).GetHolders());
        await after.AssertSessionGoneAsync(proxy, session);
    }

    [Fact]
    public async Task LaunchCancelledBeforeReadyLeavesNoContainerRouteOrQuota()
    {
        await using var proxy = await GrainTestHost.StartProxyAsync();
        await using var host = await GrainTestHost.StartAsync(GrainTestHost.TestOptions(), proxy: proxy);
        var session = SessionIds.NewSessionId();
        var grain = host.Grains.GetGrain<ILaunchGrain>(session);

        using (var leaving = CancellationTokenSource.CreateLinkedTokenSource(Token))
        {
            var seen = new List<BinderEvent>();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            {
                await foreach (var e in grain.Launch(GrainTestHost.LaunchOrder(image.ImageName), leaving.Token).WithCancellation(leaving.Token))
                {
                    seen.Add(e);
                    Assert.Contains("\nbinderhub_inprogress_launches 1\n", await host.MetricsAsync(), StringComparison.Ordinal);
                    // The client goes away while the container starts.
                    await leaving.CancelAsync();
                }
            });
            Assert.Equal([BinderPhases.Launching], RepoGrainTests.Phases(seen));
        }

        await RepoGrainTests.WaitUntilAsync(async () => (await grain.GetInfo())?.State == SessionStates.Stopped);
        Assert.Equal("launch cancelled", (await grain.GetInfo())!.StopReason);
        await host.AssertSessionGoneAsync(proxy, session);
        // Counted by the grain: a launch nobody watches any more is over, as a failure.
        var metrics = await host.MetricsAsync();
        Assert.Contains("\nbinderhub_inprogress_launches 0\n", metrics, StringComparison.Ordinal);
        Assert.Contains("\nbinderhub_launch_time_seconds_count{status=\"failure\",retries=\"0\"} 1\n", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReminderBringsTheSessionBackAfterARestartSoCullingGoesOn()
    {
        using var state = new TempDirectory("binder-grains-state");
        var statePath = Path.Combine(state.Path, "state.db");
        var instance = "grains-" + TestEnvironment.UniqueSuffix();
        Action<ReminderOptions> reminders = o => { o.MinimumReminderPeriod = TimeSpan.FromSeconds(1); o.RefreshReminderListPeriod = TimeSpan.FromSeconds(1); };
        var options = GrainTestHost.TestOptions() with
        {
            Sessions = new SessionOptions
            {
                // The node's poller checks only sessions whose grain is active, so after the restart only the reminder
                // can bring this one back to be checked.
                IdleTimeout = TimeSpan.FromSeconds(4), PollInterval = TimeSpan.FromSeconds(1), ReminderPeriod = TimeSpan.FromSeconds(2),
            },
        };
        try
        {
            await using var proxy = await GrainTestHost.StartProxyAsync();
            var session = SessionIds.NewSessionId();
            // Not idle-culled before the shutdown however slow the machine: culling must happen in the new silo.
            var patient = options with { Sessions = options.Sessions with { IdleTimeout = TimeSpan.FromMinutes(10) } };
            await using (var before = await GrainTestHost.StartAsync(patient, statePath, proxy, instance, reminders))
            {
                before.KeepSessions = true;
                Assert.Equal(BinderPhases.Ready, (await LaunchAsync(before, session, GrainTestHost.LaunchOrder(image.ImageName)))[^1].Phase);
            }

            using (var docker = new Binder.Build.Docker.DockerClient(options.Docker, Microsoft.Extensions.Logging.Abstractions.NullLogger<Binder.Build.Docker.DockerClient>.Instance))
            {
                // Still running when the silo went down: what ends it must happen in the new silo.
                Assert.Single(await docker.ListContainersAsync(new Dictionary<string, string?> { [SessionLabels.Session] = session }, Token));
            }

            // No janitor and no call: only the durable reminder can activate the session's grain in the new silo.
            await using var after = await GrainTestHost.StartAsync(options, statePath, proxy, instance, reminders);
            await RepoGrainTests.WaitUntilAsync(async () => !(await after.Backend.ListAsync(Token)).Any(c => c.SessionId == session));
            var info = await after.Grains.GetGrain<ILaunchGrain>(session).GetInfo();
            Assert.Equal(SessionStates.Stopped, info!.State);
            Assert.Equal("idle", info.StopReason);
            await after.AssertSessionGoneAsync(proxy, session);
        }
        finally
        {
            await GrainTestHost.RemoveInstanceAsync(instance);
        }
    }

    private static async Task<List<BinderEvent>> LaunchAsync(GrainTestHost host, string session, LaunchOrder order)
    {
        var events = new List<BinderEvent>();
        await foreach (var e in host.Grains.GetGrain<ILaunchGrain>(session).Launch(order, Token).WithCancellation(Token))
        {
            events.Add(e);
        }
        return events;
    }

    private static async Task<HttpResponseMessage> GetAsync(HttpClient http, string url, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("token", token);
        return await http.SendAsync(request, Token);
    }
}
