using System.Collections.Concurrent;
using Binder.Hub.Grains;
using Binder.Hub.Hosting;
using Binder.Hub.Launch;
using Binder.Hub.Sessions;
using Binder.Hub.Tests.Launch;
using Microsoft.Extensions.Logging.Abstractions;

namespace Binder.Hub.Tests.Sessions;

/// <summary>The node's activity poller against a real configurable-http-proxy: one route listing per round, however many sessions.</summary>
public sealed class SessionActivityPollerTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task OneRoundListsTheRoutesOnceAndTellsEachTrackedSessionWhatTheProxyKnowsOfItsRoute()
    {
        await using var proxy = await SessionProxy.StartAsync(DockerLaunchBackendTests.OwnedProxy(), TimeProvider.System, NullLoggerFactory.Instance, Token);
        var client = new CountingProxyClient(proxy.Client);
        var routed = Enumerable.Range(0, 3).Select(_ => SessionIds.NewSessionId()).ToList();
        foreach (var session in routed)
        {
            await client.AddRouteAsync(SessionIds.RoutePath(session), "http://127.0.0.1:9", new Dictionary<string, string> { ["session"] = session }, Token);
        }
        var routeless = SessionIds.NewSessionId();
        var untracked = SessionIds.NewSessionId();
        var told = new ConcurrentDictionary<string, RouteActivity>();
        var poller = Poller(client, told);
        foreach (var session in routed.Append(routeless).Append(untracked)) poller.Track(session);
        poller.Untrack(untracked);

        await poller.PollOnceAsync(Token);

        Assert.Equal(1, client.Listings);
        Assert.Equal(4, told.Count);
        Assert.All(routed, session => Assert.True(told[session] is { Known: true, Exists: true, LastActivity: not null }, $"{session}: {told[session]}"));
        Assert.Equal(new RouteActivity(true, false, null), told[routeless]);
        Assert.False(told.ContainsKey(untracked));
    }

    [Fact]
    public async Task ARoundWithoutRunningSessionsAsksTheProxyNothing()
    {
        await using var proxy = await SessionProxy.StartAsync(DockerLaunchBackendTests.OwnedProxy(), TimeProvider.System, NullLoggerFactory.Instance, Token);
        var client = new CountingProxyClient(proxy.Client);
        var poller = Poller(client, new ConcurrentDictionary<string, RouteActivity>());

        await poller.PollOnceAsync(Token);

        Assert.Equal(0, client.Listings);
    }

    [Fact]
    public async Task WhenTheProxyDoesNotAnswerEverySessionIsStillToldThatItsRouteIsUnknownNotMissing()
    {
        // A proxy API address nothing listens on.
        var dead = new Uri($"http://127.0.0.1:{LoopbackHttpServer.FreePort()}/");
        using var real = new ConfigurableHttpProxyClient(dead, dead, "token-of-a-proxy-that-is-gone", TimeSpan.FromSeconds(5), NullLogger<ConfigurableHttpProxyClient>.Instance);
        var client = new CountingProxyClient(real);
        var told = new ConcurrentDictionary<string, RouteActivity>();
        var poller = Poller(client, told);
        var session = SessionIds.NewSessionId();
        poller.Track(session);

        await poller.PollOnceAsync(Token);

        Assert.Equal(1, client.Listings);
        // Unknown, so the session neither re-adds a route that may be there nor counts the proxy's silence as idleness.
        Assert.Equal(RouteActivity.Unknown, told[session]);
    }

    [Fact]
    public async Task ASessionWhoseGrainDoesNotAnswerHoldsBackNeitherTheOtherSessionsNorTheNextRound()
    {
        await using var proxy = await SessionProxy.StartAsync(DockerLaunchBackendTests.OwnedProxy(), TimeProvider.System, NullLoggerFactory.Instance, Token);
        var stuck = SessionIds.NewSessionId();
        var others = Enumerable.Range(0, 3).Select(_ => SessionIds.NewSessionId()).ToList();
        var told = new ConcurrentDictionary<string, int>();
        var never = new TaskCompletionSource<bool>();
        // Half of a 2 s interval: the deadline of each check.
        var poller = new SessionActivityPoller(() => proxy.Client, (session, _) =>
        {
            told.AddOrUpdate(session, 1, (_, n) => n + 1);
            // A grain whose silo died, or one busy for long: its call never answers.
            return session == stuck ? never.Task : Task.FromResult(true);
        }, new SessionOptions { PollInterval = TimeSpan.FromSeconds(2), StopTimeout = TimeSpan.FromSeconds(10) }, TimeProvider.System, NullLogger.Instance);
        Assert.Equal(TimeSpan.FromSeconds(1), poller.CheckDeadline);
        foreach (var session in others.Prepend(stuck)) poller.Track(session);

        // Each round ends although one call never does.
        await poller.PollOnceAsync(Token).WaitAsync(TimeSpan.FromSeconds(60), Token);
        await poller.PollOnceAsync(Token).WaitAsync(TimeSpan.FromSeconds(60), Token);

        Assert.All(others, session => Assert.Equal(2, told[session]));
        // Still tracked: it is told again next round.
        Assert.Equal(2, told[stuck]);
        Assert.True(poller.IsTracked(stuck));
    }

    [Fact]
    public async Task ASessionThatAnswersItIsNotRunningIsNoLongerTold()
    {
        await using var proxy = await SessionProxy.StartAsync(DockerLaunchBackendTests.OwnedProxy(), TimeProvider.System, NullLoggerFactory.Instance, Token);
        var stopped = SessionIds.NewSessionId();
        var running = SessionIds.NewSessionId();
        var told = new ConcurrentDictionary<string, int>();
        var poller = new SessionActivityPoller(() => proxy.Client, (session, _) =>
        {
            told.AddOrUpdate(session, 1, (_, n) => n + 1);
            return Task.FromResult(session != stopped);
        }, new SessionOptions { StopTimeout = TimeSpan.FromSeconds(10) }, TimeProvider.System, NullLogger.Instance);
        poller.Track(stopped);
        poller.Track(running);

        await poller.PollOnceAsync(Token);
        await poller.PollOnceAsync(Token);

        Assert.Equal(1, told[stopped]);
        Assert.Equal(2, told[running]);
        Assert.False(poller.IsTracked(stopped));
    }

    [Fact]
    public async Task TheRouteOfASessionThatAnswersItIsNotRunningIsRemovedAndTheRunningSessionsRoutesStay()
    {
        await using var proxy = await SessionProxy.StartAsync(DockerLaunchBackendTests.OwnedProxy(), TimeProvider.System, NullLoggerFactory.Instance, Token);
        // A session stopped while its node did not answer: its grain says stopped, its route is still on the node's proxy.
        var stopped = SessionIds.NewSessionId();
        var running = SessionIds.NewSessionId();
        foreach (var session in new[] { stopped, running })
        {
            await proxy.Client.AddRouteAsync(SessionIds.RoutePath(session), "http://127.0.0.1:9", new Dictionary<string, string> { ["session"] = session }, Token);
        }
        var poller = new SessionActivityPoller(() => proxy.Client, (session, _) => Task.FromResult(session != stopped),
            new SessionOptions { StopTimeout = TimeSpan.FromSeconds(10) }, TimeProvider.System, NullLogger.Instance);
        poller.Track(stopped);
        poller.Track(running);

        await poller.PollOnceAsync(Token);

        var routes = (await proxy.Client.GetRoutesAsync(Token)).Select(r => r.Path.TrimEnd('/')).ToList();
        Assert.DoesNotContain($"/user/{stopped}", routes);
        Assert.Contains($"/user/{running}", routes);
        Assert.False(poller.IsTracked(stopped));
    }

    private static SessionActivityPoller Poller(IProxyClient client, ConcurrentDictionary<string, RouteActivity> told) => new(
        () => client,
        (session, route) =>
        {
            told[session] = route;
            return Task.FromResult(true);
        },
        new SessionOptions { StopTimeout = TimeSpan.FromSeconds(10) }, TimeProvider.System, NullLogger.Instance);
}
