using Binder.Build;
using Binder.Hub.Events;
using Binder.Hub.Grains;
using Binder.Hub.Hosting;
using Binder.Hub.Launch;
using Binder.Hub.Providers;
using Microsoft.Extensions.DependencyInjection;

namespace Binder.Hub.Tests.Grains;

/// <summary>
/// Orleans grain streams are pulled by their caller: a caller that stops pulling without a word (a front end that
/// crashed, a client whose connection hangs) leaves its stream where it was until Orleans expires it. Nothing of a
/// launch or a build may wait for such a caller: no quota slot, no build slot, no Stop. Real daemon, Jupyter, proxy.
/// </summary>
[Collection(GrainsCollection.Name)]
public sealed class StreamAbandonmentTests(JupyterImageFixture image) : IClassFixture<JupyterImageFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task StopOfASessionWhoseLaunchCallerStoppedReadingDoesNotWaitForTheCaller()
    {
        await using var proxy = await GrainTestHost.StartProxyAsync();
        // Orleans would expire the unread stream only after many minutes: whatever happens here is not that.
        await using var host = await GrainTestHost.StartAsync(GrainTestHost.TestOptions(), proxy: proxy, responseTimeout: TimeSpan.FromMinutes(10));
        var session = SessionIds.NewSessionId();
        var grain = host.Grains.GetGrain<ILaunchGrain>(session);
        var reader = grain.Launch(GrainTestHost.LaunchOrder(image.ImageName), CancellationToken.None).GetAsyncEnumerator(CancellationToken.None);
        try
        {
            Assert.True(await reader.MoveNextAsync());
            Assert.Equal(BinderPhases.Launching, reader.Current.Phase);

            // The caller reads no more and keeps its stream open; the stop must not depend on it.
            await grain.Stop("stopped while nobody read").WaitAsync(TimeSpan.FromMinutes(2), Token);

            var info = await grain.GetInfo();
            Assert.Equal(SessionStates.Stopped, info!.State);
            Assert.Equal("stopped while nobody read", info.StopReason);
            await host.AssertSessionGoneAsync(proxy, session);
            // A caller that reads on gets the launch's end: ready if it got there before the stop, else the stop.
            var rest = new List<BinderEvent>();
            while (await reader.MoveNextAsync()) rest.Add(reader.Current);
            Assert.True(BinderPhases.IsFinal(rest[^1].Phase), $"the stream ended with {rest[^1].Phase}");
        }
        finally
        {
            await reader.DisposeAsync();
        }
    }

    [Fact]
    public async Task ALaunchAbandonedWithoutAWordIsCancelledWhenOrleansExpiresItsStreamAndGivesItsQuotaSlotBack()
    {
        await using var proxy = await GrainTestHost.StartProxyAsync();
        HookedLaunchBackend? hooked = null;
        // Orleans expires a stream nobody pulls within two of these periods.
        await using var host = await GrainTestHost.StartAsync(GrainTestHost.TestOptions(), proxy: proxy, responseTimeout: TimeSpan.FromSeconds(6),
            wrapBackend: b => hooked = new HookedLaunchBackend(b));
        var starts = 0;
        // The first container start takes until it is cancelled, so the launch is still under way when its caller is
        // given up on.
        hooked!.BeforeStart = async token =>
        {
            if (Interlocked.Increment(ref starts) == 1) await Task.Delay(Timeout.Infinite, token);
        };
        var order = GrainTestHost.LaunchOrder(image.ImageName) with { RepoQuota = 1 };
        var session = SessionIds.NewSessionId();
        var grain = host.Grains.GetGrain<ILaunchGrain>(session);
        var abandoned = grain.Launch(order, CancellationToken.None).GetAsyncEnumerator(CancellationToken.None);
        Assert.True(await abandoned.MoveNextAsync());
        Assert.Equal(BinderPhases.Launching, abandoned.Current.Phase);

        // Not another read, and no dispose: only Orleans' expiry of the stream can end this launch.
        await RepoGrainTests.WaitUntilAsync(async () => (await grain.GetInfo())?.State == SessionStates.Stopped);

        Assert.Equal("launch cancelled", (await grain.GetInfo())!.StopReason);
        await host.AssertSessionGoneAsync(proxy, session);
        // The repository's one slot is free again: the next launch runs.
        var next = SessionIds.NewSessionId();
        var events = new List<BinderEvent>();
        await foreach (var e in host.Grains.GetGrain<ILaunchGrain>(next).Launch(order, Token).WithCancellation(Token)) events.Add(e);
        Assert.True(events[^1].Phase == BinderPhases.Ready, $"{events[^1].Phase}: {events[^1].Message}");
        GC.KeepAlive(abandoned);
    }

    [Fact]
    public async Task AWatcherThatStopsReadingHoldsBackNeitherTheBuildNorOtherWatchersNorTheNodesSlot()
    {
        await using var probe = new BuildProbe(gateOpen: false);
        using var git = new GitRepository();
        var commit = git.Write("Dockerfile", probe.Dockerfile(TestEnvironment.UniqueSuffix())).Commit();
        await using var host = await GrainTestHost.StartAsync(GrainTestHost.TestOptions(), responseTimeout: TimeSpan.FromMinutes(10));
        var repo = GrainTestHost.GitRepo(git, commit);
        var grain = host.Grains.GetGrain<IRepoGrain>(repo.GrainKey);
        var stalled = grain.Watch(repo, CancellationToken.None).GetAsyncEnumerator(CancellationToken.None);
        try
        {
            Assert.True(await stalled.MoveNextAsync());
            await probe.FirstHit.WaitAsync(Token);

            var other = host.WatchAsync(repo);
            probe.Open();
            var events = await other;

            Assert.Equal(BinderPhases.Built, events[^1].Phase);
            Assert.Equal(1, probe.Hits);
            Assert.Equal(RepoBuildStates.Built, (await grain.GetStatus()).State);
            var builder = host.Grains.GetGrain<IBuilderGrain>(GrainTestHost.Node);
            await RepoGrainTests.WaitUntilAsync(async () => await builder.GetLoad() == new BuilderLoad(GrainTestHost.Node, 0, 0, host.Options.BuildQueue.MaxConcurrentBuilds));
        }
        finally
        {
            await stalled.DisposeAsync();
        }
    }

    [Fact]
    public async Task ABuildWhoseCallerStoppedReadingIsCancelledWhenOrleansExpiresItsStreamAndTheNextBuildGetsTheSlot()
    {
        await using var probe = new BuildProbe(gateOpen: false);
        using var gitA = new GitRepository();
        using var gitB = new GitRepository();
        var repoA = GrainTestHost.GitRepo(gitA, gitA.Write("Dockerfile", probe.Dockerfile(TestEnvironment.UniqueSuffix())).Commit());
        var repoB = GrainTestHost.GitRepo(gitB, gitB.Write("Dockerfile", probe.Dockerfile(TestEnvironment.UniqueSuffix())).Commit());
        var options = GrainTestHost.TestOptions() with { BuildQueue = new BuildQueueOptions { MaxConcurrentBuilds = 1 } };
        await using var host = await GrainTestHost.StartAsync(options, responseTimeout: TimeSpan.FromSeconds(6));
        var builder = host.Grains.GetGrain<IBuilderGrain>(GrainTestHost.Node);
        var imageA = ImageNames.Derive(options.Repo.FullImageNamePrefix, repoA.BuildSlug, repoA.ResolvedRef);
        var imageB = ImageNames.Derive(options.Repo.FullImageNamePrefix, repoB.BuildSlug, repoB.ResolvedRef);
        host.Track(imageA);
        host.Track(imageB);
        var abandoned = builder.Build(new BuildOrder(repoA, imageA, Push: false), CancellationToken.None).GetAsyncEnumerator(CancellationToken.None);
        Assert.True(await abandoned.MoveNextAsync());
        Assert.Equal(0, abandoned.Current.QueuePosition);
        await probe.FirstHit.WaitAsync(Token);

        var second = Task.Run(async () =>
        {
            var events = new List<BinderEvent>();
            await foreach (var e in builder.Build(new BuildOrder(repoB, imageB, Push: false), Token).WithCancellation(Token)) events.Add(e);
            return events;
        }, Token);
        // A's caller never reads again: once Orleans expires its stream, A is cancelled and B takes the one slot.
        await RepoGrainTests.WaitUntilAsync(() => Task.FromResult(probe.Hits == 2));
        probe.Open();
        var eventsB = await second;

        Assert.Equal(BinderPhases.Built, eventsB[^1].Phase);
        Assert.Equal([1], eventsB.TakeWhile(e => e.Phase == BinderPhases.Waiting).Select(e => e.QueuePosition ?? -1));
        Assert.Null(await host.Docker.InspectImageAsync(imageA, Token));
        await RepoGrainTests.WaitUntilAsync(async () => await builder.GetLoad() == new BuilderLoad(GrainTestHost.Node, 0, 0, 1));
        GC.KeepAlive(abandoned);
    }
}
