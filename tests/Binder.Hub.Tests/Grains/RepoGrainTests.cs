using Binder.Build;
using Binder.Hub.Events;
using Binder.Hub.Grains;
using Binder.Hub.Providers;
using Binder.Hub.Tests.StandIns;
using Microsoft.Extensions.DependencyInjection;

namespace Binder.Hub.Tests.Grains;

/// <summary>The repo and builder grains against the real daemon, registry and a real git remote.</summary>
[Collection(GrainsCollection.Name)]
public sealed class RepoGrainTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ConcurrentWatchersOfAnUnbuiltCommitShareOneBuildAndAllSeeEveryPhase()
    {
        await using var probe = new BuildProbe();
        using var git = new GitRepository();
        var commit = git.Write("Dockerfile", probe.Dockerfile(TestEnvironment.UniqueSuffix())).Commit();
        await using var host = await GrainTestHost.StartAsync(GrainTestHost.TestOptions(registry: TestEnvironment.Registry));
        var repo = GrainTestHost.GitRepo(git, commit);

        var watchers = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => Task.Run(() => host.WatchAsync(repo), Token)));

        Assert.Equal(1, probe.Hits);
        var image = ImageNames.Derive(host.Options.Repo.FullImageNamePrefix, repo.BuildSlug, commit);
        Assert.StartsWith(TestEnvironment.Registry + "/", image);
        foreach (var events in watchers)
        {
            Assert.Equal([BinderPhases.Waiting, BinderPhases.Fetching, BinderPhases.Building, BinderPhases.Pushing, BinderPhases.Built], Phases(events));
            Assert.Equal(image, events[^1].ImageName);
            Assert.All(events, e => Assert.EndsWith("\n", e.Message));
            Assert.Equal(Messages(watchers[0]), Messages(events));
        }
        Assert.NotNull(await host.Docker.InspectImageAsync(image, Token));
        var status = await host.Grains.GetGrain<IRepoGrain>(repo.GrainKey).GetStatus();
        Assert.Equal(RepoBuildStates.Built, status.State);
        Assert.Equal(GrainTestHost.Node, status.Node);
        Assert.StartsWith("sha256:", status.Digest);
    }

    [Fact]
    public async Task TenThousandWatchersAttachedBeforeTheBuildEndsAllGetItsEnd()
    {
        await using var probe = new BuildProbe(gateOpen: false);
        using var git = new GitRepository();
        var commit = git.Write("Dockerfile", probe.Dockerfile(TestEnvironment.UniqueSuffix())).Commit();
        await using var host = await GrainTestHost.StartAsync(GrainTestHost.TestOptions());
        var repo = GrainTestHost.GitRepo(git, commit);
        var grain = host.Grains.GetGrain<IRepoGrain>(repo.GrainKey);
        var attached = 0;
        var watchers = Enumerable.Range(0, 10_000).Select(_ => Task.Run(async () =>
        {
            var events = 0;
            BinderEvent? last = null;
            await foreach (var e in grain.Watch(repo, Token).WithCancellation(Token))
            {
                if (events++ == 0) Interlocked.Increment(ref attached);
                last = e;
            }
            return (Count: events, Last: last!);
        }, Token)).ToList();
        await probe.FirstHit.WaitAsync(Token);
        await WaitUntilAsync(() => Task.FromResult(Volatile.Read(ref attached) == watchers.Count));

        probe.Open();
        var results = await Task.WhenAll(watchers);

        Assert.Equal(1, probe.Hits);
        host.Track(results[0].Last.ImageName);
        Assert.All(results, r => Assert.Equal(BinderPhases.Built, r.Last.Phase));
        Assert.Single(results.Select(r => r.Count).Distinct());
    }

    [Fact]
    public async Task LateJoinerGetsTheWholeHistoryThenTheLiveEvents()
    {
        await using var probe = new BuildProbe(gateOpen: false);
        using var git = new GitRepository();
        var commit = git.Write("Dockerfile", probe.Dockerfile(TestEnvironment.UniqueSuffix())).Commit();
        await using var host = await GrainTestHost.StartAsync(GrainTestHost.TestOptions());
        var repo = GrainTestHost.GitRepo(git, commit);

        var first = host.WatchAsync(repo);
        await probe.FirstHit.WaitAsync(Token);
        var late = host.WatchAsync(repo);
        var lateSeen = await FirstEventsAsync(host, repo, 3);
        probe.Open();
        var (early, joined) = (await first, await late);

        Assert.Equal(1, probe.Hits);
        Assert.Equal(Messages(early), Messages(joined));
        Assert.Contains(early, e => e.Message.Contains("probing build", StringComparison.Ordinal));
        Assert.Equal(BinderPhases.Built, joined[^1].Phase);
        Assert.Equal(Messages(early).Take(3), lateSeen);
    }

    [Fact]
    public async Task WatcherThatLeavesStopsNothingAndALaterWatchGetsTheFullLog()
    {
        await using var probe = new BuildProbe(gateOpen: false);
        using var git = new GitRepository();
        var commit = git.Write("Dockerfile", probe.Dockerfile(TestEnvironment.UniqueSuffix())).Commit();
        await using var host = await GrainTestHost.StartAsync(GrainTestHost.TestOptions());
        var repo = GrainTestHost.GitRepo(git, commit);
        var grain = host.Grains.GetGrain<IRepoGrain>(repo.GrainKey);

        using (var leaving = CancellationTokenSource.CreateLinkedTokenSource(Token))
        {
            var seen = new List<BinderEvent>();
            var watching = Task.Run(async () =>
            {
                await foreach (var e in grain.Watch(repo, leaving.Token).WithCancellation(leaving.Token)) seen.Add(e);
            }, Token);
            await probe.FirstHit.WaitAsync(Token);
            await leaving.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => watching);
            Assert.DoesNotContain(seen, e => e.Phase == BinderPhases.Built);
        }
        Assert.Equal(RepoBuildStates.Building, (await grain.GetStatus()).State);
        probe.Open();
        await WaitUntilAsync(async () => (await grain.GetStatus()).State == RepoBuildStates.Built);

        var later = await host.WatchAsync(repo);
        Assert.Equal(1, probe.Hits);
        Assert.Equal([BinderPhases.Waiting, BinderPhases.Fetching, BinderPhases.Building, BinderPhases.Built], Phases(later));
        Assert.Contains(later, e => e.Message.Contains("probe-said-ok", StringComparison.Ordinal));
        Assert.Equal(Messages(later), Messages(await grain.GetLog()));
    }

    [Fact]
    public async Task BuiltStatusAndLogSurviveARestart()
    {
        await using var probe = new BuildProbe();
        using var git = new GitRepository();
        using var state = new TempDirectory("binder-grains-state");
        var statePath = Path.Combine(state.Path, "state.db");
        var commit = git.Write("Dockerfile", probe.Dockerfile(TestEnvironment.UniqueSuffix())).Commit();
        var options = GrainTestHost.TestOptions();
        var repo = GrainTestHost.GitRepo(git, commit);
        List<BinderEvent> first;
        await using (var before = await GrainTestHost.StartAsync(options, statePath))
        {
            first = await before.WatchAsync(repo);
            before.Forget(first[^1].ImageName);
        }

        await using var after = await GrainTestHost.StartAsync(options, statePath);
        after.Track(first[^1].ImageName);
        var replayed = await after.WatchAsync(repo);

        Assert.Equal(1, probe.Hits);
        Assert.Equal(Messages(first), Messages(replayed));
        Assert.Equal(RepoBuildStates.Built, (await after.Grains.GetGrain<IRepoGrain>(repo.GrainKey).GetStatus()).State);
    }

    [Fact]
    public async Task ImageRemovedFromTheLocalDaemonIsBuiltAgain()
    {
        await using var probe = new BuildProbe();
        using var git = new GitRepository();
        var commit = git.Write("Dockerfile", probe.Dockerfile(TestEnvironment.UniqueSuffix())).Commit();
        await using var host = await GrainTestHost.StartAsync(GrainTestHost.TestOptions());
        var repo = GrainTestHost.GitRepo(git, commit);
        var image = (await host.WatchAsync(repo))[^1].ImageName!;
        Assert.Equal(1, probe.Hits);
        Assert.Equal(BinderPhases.Built, (await host.WatchAsync(repo))[^1].Phase);
        Assert.Equal(1, probe.Hits);

        await host.Docker.RemoveImageAsync(image, force: true, Token);
        var watchers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => host.WatchAsync(repo), Token)));
        var again = watchers[0];

        // One rebuild for all of them: locally events travel by reference, so every watcher holds the very event
        // objects of the one build log (a second build would have made its own).
        var fetching = again.First(e => e.Phase == BinderPhases.Fetching);
        Assert.All(watchers, w => Assert.Same(fetching, w.First(e => e.Phase == BinderPhases.Fetching)));

        // Built again. (Whether BuildKit's layer cache answered depends on the shared daemon's cache, so not asserted.)
        Assert.Equal([BinderPhases.Waiting, BinderPhases.Fetching, BinderPhases.Building, BinderPhases.Built], Phases(again));
        Assert.NotNull(await host.Docker.InspectImageAsync(image, Token));
    }

    [Fact]
    public async Task BuildThatRunsPastTheTimeoutFailsSayingSo()
    {
        await using var probe = new BuildProbe(gateOpen: false);
        using var git = new GitRepository();
        var commit = git.Write("Dockerfile", probe.Dockerfile(TestEnvironment.UniqueSuffix())).Commit();
        var options = GrainTestHost.TestOptions();
        // The probe holds its build step until the end of the test, so the build runs past any timeout by construction;
        // the timeout is long enough for clone, context and BuildKit set-up on a loaded machine to come first.
        options = options with { Repo = options.Repo with { BuildTimeout = TimeSpan.FromSeconds(20) } };
        await using var host = await GrainTestHost.StartAsync(options);
        var repo = GrainTestHost.GitRepo(git, commit);

        var events = await host.WatchAsync(repo);

        Assert.Equal(BinderPhases.Failed, events[^1].Phase);
        Assert.StartsWith($"The build of {repo.RepoUrl} at {commit} did not finish within 00:00:20 (Binder:Repo:BuildTimeout) and was stopped.", events[^1].Message);
        Assert.Equal(500, events[^1].StatusCode);
        Assert.Equal(RepoBuildStates.Failed, (await host.Grains.GetGrain<IRepoGrain>(repo.GrainKey).GetStatus()).State);
    }

    [Fact]
    public async Task RecordIsDownloadedByTheBuildEngineAndBuilt()
    {
        await using var probe = new BuildProbe();
        await using var api = new ApiStandIn();
        using var http = new HttpClient();
        var dockerfile = System.Text.Encoding.UTF8.GetBytes(probe.Dockerfile(TestEnvironment.UniqueSuffix()));
        // Zenodo's records API shape, as in the providers' tests: a concept DOI redirecting to the latest record.
        api.Map("/doi/10.5281/zenodo.3242073", StandInResponse.Redirect($"{api.Url}/records/3242074"));
        api.Map("/records/3242074", new StandInResponse(200, "<html>record page</html>", "text/html"));
        api.Map("/api/records/3242074", StandInResponse.Json($$$"""
            {"id": 3242074, "doi": "10.5281/zenodo.3242074", "conceptdoi": "10.5281/zenodo.3242073",
             "metadata": {"title": "Binder demo", "version": "1.0"},
             "files": [{"id": "f1", "key": "Dockerfile", "size": {{{dockerfile.Length}}}, "checksum": "md5:0",
                        "links": {"self": "{{{api.Url}}}/api/records/3242074/files/Dockerfile/content"}}]}
            """));
        api.Map("/api/records/3242074/files/Dockerfile/content", StandInResponse.Binary(dockerfile));
        var options = ResolverFactory.OptionsFor(api);
        var resolver = ResolverFactory.Create(options, http);
        var repo = await resolver.ResolveAsync("zenodo", "10.5281/zenodo.3242073", Token);
        Assert.IsType<RecordSource>(repo.Source);
        // The silo's build engine downloads from the hosts the providers resolved on, as the server wires it.
        using var records = Binder.Build.Content.Records.RecordFetcher.CreateClient();
        await using var host = await GrainTestHost.StartAsync(GrainTestHost.TestOptions(),
            services: services => services.AddSingleton(new Binder.Build.Content.Records.RecordFetcher(options.Records, records, options.RequestTimeout, options.UserAgent)));

        var events = await host.WatchAsync(repo);

        Assert.True(events[^1].Phase == BinderPhases.Built, string.Concat(Messages(events)));
        Assert.Equal(1, probe.Hits);
        Assert.Contains(events, e => e.Phase == BinderPhases.Fetching && e.Message.Contains("record 3242074", StringComparison.Ordinal));
        Assert.Equal(ImageNames.Derive(host.Options.Repo.FullImageNamePrefix, "zenodo-3242074", "3242074"), events[^1].ImageName);
    }

    [Fact]
    public async Task RecordTheBuildEngineRefusesFailsWith400AndLeavesNoDownload()
    {
        await using var api = new ApiStandIn();
        using var http = new HttpClient();
        using var work = new TempDirectory("binder-grain-records");
        RecordStandIns.ServeZenodo(api, ("evil.zip", ZipBuilder.Build(("fine.txt", "ok"), ("../../escape.txt", "pwned"))));
        var options = ResolverFactory.OptionsFor(api);
        var repo = await ResolverFactory.Create(options, http).ResolveAsync("zenodo", RecordStandIns.ZenodoConceptDoi, Token);
        using var records = Binder.Build.Content.Records.RecordFetcher.CreateClient();
        await using var host = await GrainTestHost.StartAsync(GrainTestHost.TestOptions(), services: services => services.AddSingleton(
            new Binder.Build.Content.Records.RecordFetcher(options.Records, records, options.RequestTimeout, options.UserAgent, work.Path)));

        var events = await host.WatchAsync(repo);

        Assert.Equal(BinderPhases.Failed, events[^1].Phase);
        Assert.Contains("which would be written outside the build directory; such records are refused.", events[^1].Message, StringComparison.Ordinal);
        // The repository's problem (a record that must change), no longer an unexpected crash of the builder.
        Assert.Equal(400, events[^1].StatusCode);
        Assert.Empty(Directory.GetFileSystemEntries(work.Path));
    }

    [Fact]
    public async Task FailedBuildSaysWhyWithTheLastLogLinesAndTheNextWatchRetries()
    {
        await using var probe = new BuildProbe { Fails = hit => hit == 1 };
        using var git = new GitRepository();
        var commit = git.Write("Dockerfile", probe.Dockerfile(TestEnvironment.UniqueSuffix())).Commit();
        await using var host = await GrainTestHost.StartAsync(GrainTestHost.TestOptions());
        var repo = GrainTestHost.GitRepo(git, commit);
        var grain = host.Grains.GetGrain<IRepoGrain>(repo.GrainKey);

        var failed = await host.WatchAsync(repo);
        Assert.True(probe.Hits == 1, string.Concat(Messages(failed)));
        Assert.Equal(BinderPhases.Failed, failed[^1].Phase);
        Assert.Contains("probe-said-no-marker-7f3a", failed[^1].Message, StringComparison.Ordinal);
        // The engine found no sign of the network in the failing step: the repository's problem, a 400.
        Assert.Equal(400, failed[^1].StatusCode);
        var status = await grain.GetStatus();
        Assert.Equal(RepoBuildStates.Failed, status.State);
        Assert.Equal(failed[^1].Message, status.FailureMessage);

        var retried = await host.WatchAsync(repo);
        Assert.Equal(2, probe.Hits);
        Assert.Equal(BinderPhases.Built, retried[^1].Phase);
        Assert.Equal(RepoBuildStates.Built, (await grain.GetStatus()).State);
    }

    [Fact]
    public async Task ImageAlreadyInTheRegistryIsNotBuilt()
    {
        await using var probe = new BuildProbe();
        using var git = new GitRepository();
        var commit = git.Write("Dockerfile", probe.Dockerfile(TestEnvironment.UniqueSuffix())).Commit();
        await using var host = await GrainTestHost.StartAsync(GrainTestHost.TestOptions(registry: TestEnvironment.Registry));
        var repo = GrainTestHost.GitRepo(git, commit);
        var image = ImageNames.Derive(host.Options.Repo.FullImageNamePrefix, repo.BuildSlug, commit);
        await host.Docker.TagImageAsync(TestEnvironment.BaseImage, image, Token);
        host.Track(image);
        await host.Docker.PushImageAsync(image, null, null, Token);
        await host.Docker.RemoveImageAsync(image, force: true, Token);

        var events = await host.WatchAsync(repo);

        Assert.Equal([BinderPhases.Built], Phases(events));
        Assert.Equal(image, events[0].ImageName);
        Assert.Equal(0, probe.Hits);
        Assert.StartsWith("sha256:", (await host.Grains.GetGrain<IRepoGrain>(repo.GrainKey).GetStatus()).Digest);
    }

    [Fact]
    public async Task ImageAlreadyInTheLocalDaemonIsNotBuiltWithoutARegistry()
    {
        await using var probe = new BuildProbe();
        using var git = new GitRepository();
        var commit = git.Write("Dockerfile", probe.Dockerfile(TestEnvironment.UniqueSuffix())).Commit();
        await using var host = await GrainTestHost.StartAsync(GrainTestHost.TestOptions());
        var repo = GrainTestHost.GitRepo(git, commit);
        var image = ImageNames.Derive(host.Options.Repo.FullImageNamePrefix, repo.BuildSlug, commit);
        await host.Docker.TagImageAsync(TestEnvironment.BaseImage, image, Token);
        host.Track(image);

        var events = await host.WatchAsync(repo);

        Assert.Equal([BinderPhases.Built], Phases(events));
        Assert.Equal(0, probe.Hits);
    }

    [Fact]
    public async Task BuildsBeyondTheNodesCapacityWaitWithTheirQueuePosition()
    {
        await using var probe = new BuildProbe(gateOpen: false);
        using var gitA = new GitRepository();
        using var gitB = new GitRepository();
        using var gitC = new GitRepository();
        var repoA = GrainTestHost.GitRepo(gitA, gitA.Write("Dockerfile", probe.Dockerfile(TestEnvironment.UniqueSuffix())).Commit());
        var repoB = GrainTestHost.GitRepo(gitB, gitB.Write("Dockerfile", probe.Dockerfile(TestEnvironment.UniqueSuffix())).Commit());
        var repoC = GrainTestHost.GitRepo(gitC, gitC.Write("Dockerfile", probe.Dockerfile(TestEnvironment.UniqueSuffix())).Commit());
        var options = GrainTestHost.TestOptions() with { BuildQueue = new() { MaxConcurrentBuilds = 1 } };
        await using var host = await GrainTestHost.StartAsync(options);
        var builder = host.Grains.GetGrain<IBuilderGrain>(GrainTestHost.Node);

        var a = host.WatchAsync(repoA);
        await probe.FirstHit.WaitAsync(Token);
        var b = host.WatchAsync(repoB);
        await WaitUntilAsync(async () => await builder.GetLoad() is { Running: 1, Queued: 1 });
        var c = host.WatchAsync(repoC);
        await WaitUntilAsync(async () => await builder.GetLoad() is { Running: 1, Queued: 2 });
        Assert.Equal(new BuilderLoad(GrainTestHost.Node, 1, 2, 1), await builder.GetLoad());
        probe.Open();
        var (eventsA, eventsB, eventsC) = (await a, await b, await c);

        Assert.All([eventsA, eventsB, eventsC], events => Assert.Equal(BinderPhases.Built, events[^1].Phase));
        Assert.Equal([0], Waiting(eventsA).Select(e => e.QueuePosition ?? -1));
        Assert.Equal([1], Waiting(eventsB).Select(e => e.QueuePosition ?? -1));
        Assert.Equal([2, 1], Waiting(eventsC).Select(e => e.QueuePosition ?? -1));
        Assert.Equal("Waiting for build to start: 1 build ahead of this one.\n", Waiting(eventsC)[0].Message);
        Assert.Equal("Waiting for build to start: next in line; all 1 build slots of this node are busy.\n", Waiting(eventsB)[0].Message);
        Assert.Equal(3, probe.Hits);
        // The slot is given back when the builder's stream has ended, just after the watchers got their last event.
        await WaitUntilAsync(async () => await builder.GetLoad() == new BuilderLoad(GrainTestHost.Node, 0, 0, 1));
    }

    private static List<BinderEvent> Waiting(List<BinderEvent> events) => [.. events.TakeWhile(e => e.Phase == BinderPhases.Waiting)];

    internal static List<string> Phases(IEnumerable<BinderEvent> events)
    {
        var phases = new List<string>();
        foreach (var e in events)
        {
            if (phases.Count == 0 || phases[^1] != e.Phase) phases.Add(e.Phase);
        }
        return phases;
    }

    private static List<string> Messages(IEnumerable<BinderEvent> events) => [.. events.Select(e => $"{e.Phase}: {e.Message}")];

    private static async Task<List<string>> FirstEventsAsync(GrainTestHost host, Binder.Hub.Providers.ResolvedRepo repo, int count)
    {
        var seen = new List<string>();
        await foreach (var e in host.Grains.GetGrain<IRepoGrain>(repo.GrainKey).Watch(repo, Token).WithCancellation(Token))
        {
            seen.Add($"{e.Phase}: {e.Message}");
            if (seen.Count == count) break;
        }
        return seen;
    }

    internal static async Task WaitUntilAsync(Func<Task<bool>> condition, int seconds = 120)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"The condition did not hold within {seconds} s.");
            await Task.Delay(200, Token);
        }
    }
}
