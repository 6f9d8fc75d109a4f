using System.Net;
using System.Net.Http.Headers;
using Binder.Hub.Events;
using Binder.Hub.Grains;
using Binder.Hub.Hosting;
using Binder.Hub.Launch;
using Binder.Hub.Placement;
using Binder.Hub.Sessions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Core.Internal;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace Binder.Hub.Tests.Grains;

/// <summary>
/// Two silos of two nodes in one cluster in this process, each with its own configurable-http-proxy and its own launch
/// backend instance (both on the test daemon), sharing the SQLite state: a session's container and route are on its
/// node, whichever silo its launch grain is activated on.
/// </summary>
[Collection(GrainsCollection.Name)]
public sealed class CrossNodeSessionTests(JupyterImageFixture image) : IClassFixture<JupyterImageFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    // Idle after 6 s without traffic, polled every second: a test sees "kept alive" and "culled" within seconds.
    private static BinderHubOptions Options() => GrainTestHost.TestOptions() with
    {
        Sessions = new SessionOptions { IdleTimeout = TimeSpan.FromSeconds(6), PollInterval = TimeSpan.FromSeconds(1), StopTimeout = TimeSpan.FromSeconds(10) },
    };

    [Fact]
    public async Task ASessionOnNodeBWhoseGrainLivesOnSiloAIsRoutedKeptAliveAndStoppedOnNodeBOnlyAlsoAfterItsGrainMovedToB() =>
        await OnTwoNodesAsync(primaryIsB: true, async (a, b, proxyA, proxyB, _) =>
        {
            var session = SessionOn(b.NodeName, a.NodeName);

            var ready = await LaunchAsync(a, session);

            Assert.Contains(session, await a.ActivationKeysAsync(LaunchGrain.TypeName));
            Assert.Equal($"{proxyB.PublicUrl.ToString().TrimEnd('/')}/user/{session}/", ready.Url);
            var info = await a.Grains.GetGrain<ILaunchGrain>(session).GetInfo();
            Assert.Equal(b.NodeName, info!.Node);
            Assert.Contains(await b.Backend.ListAsync(Token), c => c.SessionId == session && c.ContainerId == info.ContainerId);
            Assert.DoesNotContain(await a.Backend.ListAsync(Token), c => c.SessionId == session);
            Assert.Equal([session], await a.Grains.GetGrain<IQuotaGrain>(IQuotaGrain.NodeKeyPrefix + b.NodeName).GetHolders());
            Assert.Empty(await a.Grains.GetGrain<IQuotaGrain>(IQuotaGrain.NodeKeyPrefix + a.NodeName).GetHolders());
            Assert.True(b.Services.GetRequiredService<SessionActivityPoller>().IsTracked(session));
            Assert.False(a.Services.GetRequiredService<SessionActivityPoller>().IsTracked(session));

            // Only B's proxy sees the traffic: read from A's proxy, the session would look idle (and its route missing).
            await KeepBusyAsync(a, ready, session, proxyA, proxyB);

            using (var traffic = new CancellationTokenSource())
            {
                // Moving takes a few tries at times: the session must not look idle meanwhile.
                var busy = PingAsync(ready, traffic.Token);
                await MoveAsync(session, from: a, to: b);
                await traffic.CancelAsync();
                await busy;
            }
            await KeepBusyAsync(b, ready, session, proxyA, proxyB);

            await a.Grains.GetGrain<ILaunchGrain>(session).Stop("test over");

            Assert.Equal("test over", (await b.Grains.GetGrain<ILaunchGrain>(session).GetInfo())!.StopReason);
            await b.AssertSessionGoneAsync(proxyB, session);
            Assert.False(await HasRouteAsync(proxyA, session));
            Assert.Empty(await a.Grains.GetGrain<IQuotaGrain>(IQuotaGrain.NodeKeyPrefix + b.NodeName).GetHolders());
        });

    [Fact]
    public async Task AnIdleSessionWhoseGrainMovedOffItsNodeIsCulledOnItsNodeAndNeverRoutedOnTheOther() =>
        await OnTwoNodesAsync(primaryIsB: true, async (a, b, proxyA, proxyB, _) =>
        {
            var session = SessionOn(b.NodeName, a.NodeName);
            var ready = await LaunchAsync(b, session);
            Assert.StartsWith(proxyB.PublicUrl.ToString().TrimEnd('/'), ready.Url, StringComparison.Ordinal);

            // A reminder or a call can activate the grain on a silo of another node: there it must still cull on B.
            await MoveAsync(session, from: b, to: a);

            var grain = a.Grains.GetGrain<ILaunchGrain>(session);
            await RepoGrainTests.WaitUntilAsync(async () =>
            {
                Assert.False(await HasRouteAsync(proxyA, session), "The session's route appeared on the proxy of the node its grain lives on.");
                return (await grain.GetInfo())!.State == SessionStates.Stopped;
            });
            Assert.Equal("idle", (await grain.GetInfo())!.StopReason);
            await b.AssertSessionGoneAsync(proxyB, session);
            Assert.False(await HasRouteAsync(proxyA, session));
            // The node's poller lets go of the session by the next round at the latest (the cull's untrack and the
            // round's "not running" answer race; either ends the tracking).
            var poller = b.Services.GetRequiredService<SessionActivityPoller>();
            await RepoGrainTests.WaitUntilAsync(() => Task.FromResult(!poller.IsTracked(session)), seconds: 30);
        });

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ASessionWhoseNodeIsGoneEndsByStopOrByItsReminderOnceIdleAndTheNodesJanitorRemovesItsContainerAndRouteWhenTheNodeIsBack(bool byReminder) =>
        await OnTwoNodesAsync(primaryIsB: false, async (a, b, proxyA, proxyB, bAgain) =>
        {
            var nodeB = b.NodeName;
            var session = SessionOn(nodeB, a.NodeName);
            var ready = await LaunchAsync(a, session);
            Assert.StartsWith(proxyB.PublicUrl.ToString().TrimEnd('/'), ready.Url, StringComparison.Ordinal);

            // Node B's silo dies; its proxy and container stay (as a machine that lost its service would keep them).
            await b.KillAsync();
            var grain = a.Grains.GetGrain<ILaunchGrain>(session);
            if (byReminder)
            {
                // The durable reminder's tick (due every Binder:Sessions:ReminderPeriod, at least a minute; delivered
                // here as the reminder service would): while B's silo is not yet declared dead nothing can be told, and
                // once it is, the session, idle since B went (nobody can reach it), ends.
                var remindable = grain.AsReference<IRemindable>();
                await RepoGrainTests.WaitUntilAsync(async () =>
                {
                    await remindable.ReceiveReminder(LaunchGrain.ReminderName, new TickStatus(DateTime.UtcNow, TimeSpan.FromMinutes(5), DateTime.UtcNow));
                    return (await grain.GetInfo())!.State == SessionStates.Stopped;
                });
            }
            else
            {
                // Until the cluster has declared B's silo dead, calls to it find no answer: the stop ends with its step
                // deadlines and the session keeps its stop reason for the next try.
                await grain.Stop("test over");
                await RepoGrainTests.WaitUntilAsync(() => Task.FromResult(!a.Services.GetRequiredService<ClusterNodes>().LiveNodeNames().Contains(nodeB)));
                await grain.Stop("test over");
            }

            var info = await grain.GetInfo();
            Assert.Equal(SessionStates.Stopped, info!.State);
            Assert.Equal(byReminder ? "idle" : "test over", info.StopReason);
            Assert.DoesNotContain(session, await a.Grains.GetGrain<IQuotaGrain>(IQuotaGrain.TotalKey).GetHolders());
            Assert.Empty(await a.Grains.GetGrain<IQuotaGrain>(IQuotaGrain.NodeKeyPrefix + nodeB).GetHolders());
            // Left for node B: nobody can reach them while it is gone.
            using (var docker = new Binder.Build.Docker.DockerClient(Options().Docker, NullLogger<Binder.Build.Docker.DockerClient>.Instance))
            {
                Assert.NotEmpty(await docker.ListContainersAsync(new Dictionary<string, string?> { [SessionLabels.Session] = session }, Token));
            }
            Assert.True(await HasRouteAsync(proxyB, session));

            await using var back = await bAgain();
            var reconciliation = await back.Services.ReconcileSessionsAsync(Token);

            Assert.Contains(session, reconciliation.RemovedContainers);
            Assert.Contains(SessionIds.RoutePath(session), reconciliation.RemovedRoutes);
            await back.AssertSessionGoneAsync(proxyB, session);
            Assert.False(await HasRouteAsync(proxyA, session));
        });

    [Fact]
    public Task AnImagePullThatStallsOnTheSessionsNodeEndsTheLaunchFromTheOtherSiloWithAFailedEventNamingPullTimeoutAndLeavesNothing() =>
        OnTwoNodesWithAStallingPullAsync(TimeSpan.FromSeconds(5), async (a, b, proxyA, proxyB, registry, session, order) =>
            {
                var events = new List<BinderEvent>();

                // Bounded here so that, without the pull's own deadline, the test fails instead of waiting 30 minutes.
                using var bound = CancellationTokenSource.CreateLinkedTokenSource(Token);
                bound.CancelAfter(TimeSpan.FromMinutes(3));
                await foreach (var e in a.Grains.GetGrain<ILaunchGrain>(session).Launch(order, bound.Token).WithCancellation(bound.Token))
                {
                    events.Add(e);
                }

                var failed = events[^1];
                Assert.True(failed.Phase == BinderPhases.Failed, string.Concat(events.Select(e => e.Message)));
                Assert.Equal(500, failed.StatusCode);
                Assert.Contains("could not be pulled onto this node within 5 s (Launch:Docker:PullTimeout)", failed.Message, StringComparison.Ordinal);
                Assert.DoesNotContain(registry.Host, failed.Message, StringComparison.Ordinal);
                // It stalled on a blob, after the manifest was read: the daemon really was pulling.
                Assert.Contains(registry.Requests, r => r.Path.Contains("/blobs/", StringComparison.Ordinal));
                var info = await a.Grains.GetGrain<ILaunchGrain>(session).GetInfo();
                Assert.Equal((SessionStates.Stopped, b.NodeName), (info!.State, info.Node));
                await b.AssertSessionGoneAsync(proxyB, session);
                Assert.False(await HasRouteAsync(proxyA, session));
                Assert.Empty(await a.Grains.GetGrain<IQuotaGrain>(IQuotaGrain.NodeKeyPrefix + b.NodeName).GetHolders());
                Assert.Empty(await a.Grains.GetGrain<IQuotaGrain>($"{order.Repo.Spec.Provider}/{order.Repo.Spec.Repository}").GetHolders());
            });

    [Fact]
    public Task ALaunchFromTheOtherSiloShowsTheSessionNodesStepsAndAClientThatLeavesMidStartEndsItAndLeavesNothing() =>
        OnTwoNodesWithAStallingPullAsync(TimeSpan.FromMinutes(10), async (a, b, proxyA, proxyB, registry, session, order) =>
            {
                var grain = a.Grains.GetGrain<ILaunchGrain>(session);
                var events = new List<BinderEvent>();
                const string pulling = "Pulling the image onto the node that runs the session...\n";

                using (var leaving = CancellationTokenSource.CreateLinkedTokenSource(Token))
                {
                    await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
                    {
                        await foreach (var e in grain.Launch(order, leaving.Token).WithCancellation(leaving.Token))
                        {
                            events.Add(e);
                            // Node B's backend says so as its daemon begins the pull; the client leaves once the pull
                            // is stalled on a blob.
                            if (e.Message != pulling) continue;
                            await RepoGrainTests.WaitUntilAsync(() => Task.FromResult(registry.Requests.Any(r => r.Path.Contains("/blobs/", StringComparison.Ordinal))));
                            await leaving.CancelAsync();
                        }
                    });
                }

                Assert.Equal(["Launching server...\n", pulling], events.Select(e => e.Message).ToList());
                // The pull would stall for PullTimeout (10 min): the launch ends because its cancellation reached the node.
                await RepoGrainTests.WaitUntilAsync(async () => (await grain.GetInfo())?.State == SessionStates.Stopped);
                Assert.Equal("launch cancelled", (await grain.GetInfo())!.StopReason);
                // Node B's own start saw the cancellation and ended (not only the grain's clean-up after it); the grain
                // may have stopped before B's start has finished unwinding, so this is waited for.
                var backendB = (HookedLaunchBackend)b.Services.GetRequiredService<ILaunchBackend>();
                await RepoGrainTests.WaitUntilAsync(() => Task.FromResult(backendB.CancelledStarts.Contains(session)));
                Assert.Equal([session], backendB.CancelledStarts);
                await b.AssertSessionGoneAsync(proxyB, session);
                Assert.Empty(await a.Grains.GetGrain<IQuotaGrain>(IQuotaGrain.NodeKeyPrefix + b.NodeName).GetHolders());
                Assert.Empty(await a.Grains.GetGrain<IQuotaGrain>(IQuotaGrain.TotalKey).GetHolders());
            });

    /// <summary>
    /// <see cref="OnTwoNodesAsync"/> with a session of node B launched by its grain on silo A, whose image is in a
    /// registry that stalls every blob (until the test ends), and <c>Launch:Docker:PullTimeout</c> <paramref name="pullTimeout"/>.
    /// </summary>
    private static async Task OnTwoNodesWithAStallingPullAsync(
        TimeSpan pullTimeout, Func<GrainTestHost, GrainTestHost, ProxyProcess, ProxyProcess, Binder.Build.Tests.Registry.RegistryStandIn, string, LaunchOrder, Task> test)
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var registry = StallingRegistry(release.Task);
        try
        {
            await OnTwoNodesAsync(primaryIsB: true, (a, b, proxyA, proxyB, _) => test(
                a, b, proxyA, proxyB, registry, SessionOn(b.NodeName, a.NodeName),
                GrainTestHost.LaunchOrder($"{registry.Host}/binder-stall-{TestEnvironment.UniqueSuffix()}/session:latest")),
                launch: o => o with { PullTimeout = pullTimeout }, wrapBackendB: backend => new HookedLaunchBackend(backend));
        }
        finally
        {
            release.TrySetResult();
        }
    }

    /// <summary>A registry stand-in that answers the manifest and then sends no blob until <paramref name="release"/>
    /// completes: the node's daemon pulling from it waits.</summary>
    private static Binder.Build.Tests.Registry.RegistryStandIn StallingRegistry(Task release)
    {
        var manifest = System.Text.Encoding.UTF8.GetBytes($$"""
            {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",
             "config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":1469,"digest":"sha256:{{new string('a', 64)}}"},
             "layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":2479,"digest":"sha256:{{new string('b', 64)}}"}]}
            """);
        return new Binder.Build.Tests.Registry.RegistryStandIn(async (request, response) =>
        {
            response.Headers["Docker-Distribution-API-Version"] = "registry/2.0";
            if (request.Url!.AbsolutePath.Contains("/manifests/", StringComparison.Ordinal))
            {
                response.ContentType = "application/vnd.docker.distribution.manifest.v2+json";
                response.Headers["Docker-Content-Digest"] = "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(manifest));
                response.ContentLength64 = manifest.Length;
                if (request.HttpMethod == "GET") await response.OutputStream.WriteAsync(manifest);
                return;
            }
            if (request.Url.AbsolutePath.Contains("/blobs/", StringComparison.Ordinal))
            {
                await release;
            }
        }, concurrent: true);
    }

    /// <summary>
    /// Runs <paramref name="test"/> on a cluster of two silos, of nodes A and B, each with its own proxy and launch
    /// backend instance, sharing a SQLite state file; the last argument starts another silo of node B (its instance and
    /// proxy) in the cluster. Containers and networks of both instances are removed at the end, also on failure.
    /// </summary>
    private static async Task OnTwoNodesAsync(
        bool primaryIsB, Func<GrainTestHost, GrainTestHost, ProxyProcess, ProxyProcess, Func<Task<GrainTestHost>>, Task> test,
        Func<DockerLaunchOptions, DockerLaunchOptions>? launch = null, Func<ILaunchBackend, ILaunchBackend>? wrapBackendB = null)
    {
        using var state = new TempDirectory("binder-grains-state");
        var statePath = Path.Combine(state.Path, "state.db");
        var suffix = TestEnvironment.UniqueSuffix();
        var (instanceA, instanceB, nodeA, nodeB) = ("grains-a-" + suffix, "grains-b-" + suffix, "cross-a-" + suffix, "cross-b-" + suffix);
        await using var proxyA = await GrainTestHost.StartProxyAsync();
        await using var proxyB = await GrainTestHost.StartProxyAsync();
        try
        {
            // The primary (the silo the other joins) stops last: the cluster's membership lives there.
            await using var primary = primaryIsB
                ? await GrainTestHost.StartAsync(Options(), statePath, proxyB, instanceB, node: nodeB, launch: launch, wrapBackend: wrapBackendB)
                : await GrainTestHost.StartAsync(Options(), statePath, proxyA, instanceA, node: nodeA, launch: launch);
            await using var other = primaryIsB
                ? await GrainTestHost.StartAsync(Options(), statePath, proxyA, instanceA, joins: primary, node: nodeA, launch: launch)
                : await GrainTestHost.StartAsync(Options(), statePath, proxyB, instanceB, joins: primary, node: nodeB, launch: launch, wrapBackend: wrapBackendB);
            var (a, b) = primaryIsB ? (other, primary) : (primary, other);
            await ClusterBuildTests.WaitForNodesAsync(a, b);
            await test(a, b, proxyA, proxyB, () => GrainTestHost.StartAsync(Options(), statePath, proxyB, instanceB, joins: primary, node: nodeB));
        }
        finally
        {
            await GrainTestHost.RemoveInstanceAsync(instanceA);
            await GrainTestHost.RemoveInstanceAsync(instanceB);
        }
    }

    /// <summary>A new session id that the launch grain places on <paramref name="node"/> when both nodes run no session.</summary>
    private static string SessionOn(string node, string other)
    {
        while (true)
        {
            var session = SessionIds.NewSessionId();
            if (NodePicker.Score(session, node) > NodePicker.Score(session, other)) return session;
        }
    }

    private async Task<BinderEvent> LaunchAsync(GrainTestHost host, string session)
    {
        var events = new List<BinderEvent>();
        await foreach (var e in host.Grains.GetGrain<ILaunchGrain>(session).Launch(GrainTestHost.LaunchOrder(image.ImageName), Token).WithCancellation(Token))
        {
            events.Add(e);
        }
        Assert.True(events[^1].Phase == BinderPhases.Ready, "The launch failed:\n" + string.Concat(events.Select(e => e.Message)));
        return events[^1];
    }

    /// <summary>
    /// Twice the idle timeout of requests through B's proxy, one a second, to Jupyter's <c>/api/status</c> (which the
    /// proxy counts as activity and Jupyter does not: reading it is how the grain polls Jupyter): the session stays
    /// running, and A's proxy never gets its route.
    /// </summary>
    private static async Task KeepBusyAsync(GrainTestHost caller, BinderEvent ready, string session, ProxyProcess proxyA, ProxyProcess proxyB)
    {
        var grain = caller.Grains.GetGrain<ILaunchGrain>(session);
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        for (var i = 0; i < 12; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, ready.Url + "api/status");
            request.Headers.Authorization = new AuthenticationHeaderValue("token", ready.Token);
            using var response = await http.SendAsync(request, Token);
            var info = await grain.GetInfo();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"Round {i}: {response.StatusCode} from B's proxy for {info} at {DateTimeOffset.UtcNow:HH:mm:ss.fff}; route on B: {await HasRouteAsync(proxyB, session)}");
            Assert.True(info is { State: SessionStates.Running, StopReason: null }, $"Round {i}: {info}");
            Assert.True(await HasRouteAsync(proxyB, session), $"Round {i}: B's proxy lost the route of {info}");
            Assert.False(await HasRouteAsync(proxyA, session), "The session's route appeared on the proxy of the node its grain lives on.");
            await Task.Delay(TimeSpan.FromSeconds(1), Token);
        }
    }

    private static async Task PingAsync(BinderEvent ready, CancellationToken cancellationToken)
    {
        using var http = new HttpClient();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, ready.Url + "api/status");
                request.Headers.Authorization = new AuthenticationHeaderValue("token", ready.Token);
                using var response = await http.SendAsync(request, cancellationToken);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }
        }
    }

    /// <summary>Moves the session's grain from <paramref name="from"/> to <paramref name="to"/> with Orleans' grain
    /// migration, placed by the placement hint (a deactivated grain called again could come back where its directory
    /// entry is cached).</summary>
    private static async Task MoveAsync(string session, GrainTestHost from, GrainTestHost to)
    {
        await RepoGrainTests.WaitUntilAsync(async () =>
        {
            if ((await to.ActivationKeysAsync(LaunchGrain.TypeName)).Contains(session)) return true;
            RequestContext.Set(IPlacementDirector.PlacementHintKey, to.SiloAddress);
            try
            {
                await from.Grains.GetGrain<ILaunchGrain>(session).AsReference<IGrainManagementExtension>().MigrateOnIdle();
            }
            finally
            {
                RequestContext.Remove(IPlacementDirector.PlacementHintKey);
            }
            await Task.Delay(TimeSpan.FromSeconds(1), Token);
            return false;
        });
        Assert.DoesNotContain(session, await from.ActivationKeysAsync(LaunchGrain.TypeName));
    }

    private static async Task<bool> HasRouteAsync(ProxyProcess proxy, string session)
    {
        using var client = proxy.CreateClient(TimeSpan.FromSeconds(10), NullLogger<ConfigurableHttpProxyClient>.Instance);
        return (await client.GetRoutesAsync(Token)).Any(r => r.Path == SessionIds.RoutePath(session));
    }
}
