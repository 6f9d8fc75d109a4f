using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Binder.Hub.Events;
using Binder.Hub.Grains;

namespace Binder.Server.Tests.EndToEnd;

/// <summary>
/// Three <c>binder serve</c> processes on one backend (Redis, Azurite): members <c>a</c> and <c>b</c> each beside a
/// Docker daemon of their own, <c>c</c> on the project's. Builds go to the node their repository hashes to, one build
/// per commit whichever front ends ask; and a member killed with SIGKILL while 200 streams are open leaves every client
/// of the others with a clear end, launches off the dead silo running, and nothing leaked.
/// </summary>
public sealed class ClusterTests(ClusterSessionImage image) : IClassFixture<ClusterSessionImage>
{
    private static readonly (string Name, bool OwnDaemon)[] Members = [("a", true), ("b", true), ("c", false)];

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("Redis")]
    [InlineData("AzureStorage")]
    public async Task Each_build_runs_on_the_daemon_of_the_node_its_repository_hashes_to_and_two_front_ends_asking_for_one_commit_get_one_build(string backend)
    {
        var clock = Stopwatch.StartNew();
        using var git = new GitDaemon(Path.TrimEndingDirectorySeparator(Path.GetTempPath()));
        await using var cluster = await ServeCluster.StartAsync(backend, Members, new Dictionary<string, string>(), Token);
        var repositories = new List<NodeRepository>();
        var counters = new List<BuildCounter>();
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        try
        {
            foreach (var node in cluster.Members)
            {
                var counter = new BuildCounter(held: true);
                counters.Add(counter);
                repositories.Add(NodeRepository.PinnedTo(node.NodeName, cluster.NodeNames, git, image.Name, counter));
            }
            // Each commit through the two front ends of the other nodes, held at its build step until both watch it.
            var watches = new List<(NodeRepository Repository, ServeCluster.Member Builder, Task<StreamEnd> End)>();
            using var joined = new CountdownEvent(2 * repositories.Count);
            for (var i = 0; i < repositories.Count; i++)
            {
                foreach (var front in cluster.Members.Where(m => m != cluster.Members[i]))
                {
                    watches.Add((repositories[i], cluster.Members[i], WatchAsync(http, front, repositories[i], launch: false, joined)));
                }
            }
            Assert.True(await Task.Run(() => joined.Wait(TimeSpan.FromMinutes(3), Token)), $"{joined.CurrentCount} streams got no first event");
            await Task.WhenAll(counters.Select(c => c.FirstBuild)).WaitAsync(TimeSpan.FromMinutes(3), Token);
            foreach (var counter in counters) counter.Release();
            var ends = await Task.WhenAll(watches.Select(w => w.End)).WaitAsync(TimeSpan.FromMinutes(3), Token);

            for (var i = 0; i < watches.Count; i++)
            {
                var (repository, builder, _) = watches[i];
                var last = ends[i].Last;
                Assert.True(last?.Phase == BinderPhases.Ready, $"{ends[i]} (through {ends[i].Front} for the repository pinned to {builder.Name})");
                Assert.Equal(1, repository.Counter.Builds);
                // The image is in the builder's daemon (and the registry), in no other node's: nobody launched it there.
                Assert.True(await builder.HasImageAsync(last.ImageName!), $"{last.ImageName} is not in the daemon of {builder.Name}, the node its repository hashes to");
                foreach (var other in cluster.Members.Where(m => m != builder && m.Daemon is not null))
                {
                    Assert.False(await other.HasImageAsync(last.ImageName!), $"{last.ImageName} is in the daemon of {other.Name}, not only in {builder.Name}'s");
                }
            }
            foreach (var group in watches.Select((w, i) => (w.Repository, ends[i].Last!.ImageName)).GroupBy(w => w.Repository)) Assert.Single(group.Select(w => w.ImageName).Distinct());
            TestContext.Current.TestOutputHelper?.WriteLine($"{backend}: {clock.Elapsed.TotalSeconds:F0} s");
        }
        finally
        {
            foreach (var counter in counters) await counter.DisposeAsync();
            foreach (var repository in repositories) repository.Dispose();
        }
    }

    [Theory]
    [InlineData("Redis")]
    [InlineData("AzureStorage")]
    public async Task After_kill_9_of_one_member_with_200_streams_open_every_client_of_the_others_ends_clearly_launches_off_the_dead_silo_run_and_nothing_leaks(string backend)
    {
        var clock = Stopwatch.StartNew();
        using var git = new GitDaemon(Path.TrimEndingDirectorySeparator(Path.GetTempPath()));
        // Quotas let all 20 launches run at once; a session start gets slack on a two-core box running 20 of them.
        var settings = new Dictionary<string, string>
        {
            ["Binder:Sessions:DefaultRepoQuota"] = "50",
            ["Binder:Sessions:NodeQuota"] = "50",
            ["Binder:Sessions:TotalQuota"] = "100",
            ["Launch:Docker:StartTimeout"] = "00:03:00",
        };
        await using var cluster = await ServeCluster.StartAsync(backend, Members, settings, Token);
        var (a, b, c) = (cluster["a"], cluster["b"], cluster["c"]);
        var repositories = new Dictionary<string, NodeRepository>();
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        try
        {
            foreach (var node in cluster.Members)
            {
                repositories[node.Name] = NodeRepository.PinnedTo(node.NodeName, cluster.NodeNames, git, image.Name, new BuildCounter(held: true));
            }
            repositories["a-from-b"] = NodeRepository.PinnedTo(a.NodeName, cluster.NodeNames, git, image.Name, new BuildCounter(held: true));
            var (onA, onAFromB, onB, onC) = (repositories["a"], repositories["a-from-b"], repositories["b"], repositories["c"]);
            var diesWithA = new[] { onA, onAFromB };

            // Sessions running before the kill, one on each node (each launch goes to the node with the fewest), their
            // launch grains on b (the front end asked): the one on a is the session the kill leaves without a node.
            var early = repositories["early"] = NodeRepository.PinnedTo(c.NodeName, cluster.NodeNames, git, image.Name, new BuildCounter(held: false));
            var earlySessions = new List<(string Id, string Url, string Token)>();
            for (var i = 0; i < 3; i++)
            {
                var launched = await WatchAsync(http, b, early, launch: true, joined: null);
                Assert.True(launched.Last?.Phase == BinderPhases.Ready, launched.ToString());
                earlySessions.Add((LaunchTests.SessionIdOf(launched.Last.Url!), launched.Last.Url!, launched.Last.Token!));
            }
            var onADaemon = (await a.SessionContainersAsync()).Select(s => s.Labels[Binder.Hub.Launch.SessionLabels.Session]).ToList();
            var orphan = Assert.Single(earlySessions, s => onADaemon.Contains(s.Id)).Id;

            // Each repository's first watcher comes through its own node's front end, so its repo grain lives there
            // (placed on the first caller's silo), except a second one built on a whose repo grain lives on b (when a
            // dies, the grain on b sees its builder stream break); every build is held at its step until the kill is over.
            var plan = new List<(ServeCluster.Member Front, NodeRepository Repository, bool Launch)>
            {
                (a, onA, false), (b, onAFromB, false), (b, onB, false), (c, onC, false),
            };
            var firstCallers = plan.Count;
            // 20 launches, all through the members that survive: most of repositories built there, and two of the one
            // built on the member that dies (those must end with a clear failure).
            plan.AddRange(Enumerable.Repeat((b, onB, true), 6).Concat(Enumerable.Repeat((b, onC, true), 3)).Append((b, onA, true)));
            plan.AddRange(Enumerable.Repeat((c, onC, true), 6).Concat(Enumerable.Repeat((c, onB, true), 3)).Append((c, onA, true)));
            // 176 more watchers of the builds, through every front end, the one that dies too.
            var fronts = new[] { a, b, c };
            var repos = new[] { onA, onAFromB, onB, onC };
            for (var i = 0; plan.Count < 200; i++) plan.Add((fronts[i % 3], repos[(i / 3) % repos.Length], false));

            using var joined = new CountdownEvent(plan.Count);
            var streams = new List<(ServeCluster.Member Front, NodeRepository Repository, bool Launch, Task<StreamEnd> End)>();
            for (var i = 0; i < firstCallers; i++) streams.Add((plan[i].Front, plan[i].Repository, plan[i].Launch, WatchAsync(http, plan[i].Front, plan[i].Repository, plan[i].Launch, joined)));
            await Task.WhenAll(repos.Select(r => r.Counter.FirstBuild)).WaitAsync(TimeSpan.FromMinutes(3), Token);
            foreach (var (front, repository, launch) in plan.Skip(firstCallers)) streams.Add((front, repository, launch, WatchAsync(http, front, repository, launch, joined)));
            Assert.True(await Task.Run(() => joined.Wait(TimeSpan.FromMinutes(2), Token)), $"{joined.CurrentCount} streams got no first event");
            TestContext.Current.TestOutputHelper?.WriteLine($"{clock.Elapsed.TotalSeconds:F0} s: 200 streams open");

            await a.KillAsync();
            // a's clients lose their streams: the connection ends (no final event can come from a dead process).
            var onKilled = streams.Where(s => s.Front == a).Select(s => s.End).ToList();
            var killedEnds = await Task.WhenAll(onKilled).WaitAsync(TimeSpan.FromMinutes(1), Token);
            Assert.All(killedEnds, end => Assert.True(end.Cut || end.Last?.Phase == BinderPhases.Failed, end.ToString()));

            // The survivors have taken a out of the cluster: the grains it held (quota grains among them) come back elsewhere.
            var client = await cluster.ClientAsync(Token);
            await WaitUntilAsync(async () => (await client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true)).Count == 2, TimeSpan.FromMinutes(2), "the cluster still counts the killed member as alive");
            TestContext.Current.TestOutputHelper?.WriteLine($"{clock.Elapsed.TotalSeconds:F0} s: killed member declared dead");
            foreach (var repository in repos) repository.Counter.Release();

            var survivors = streams.Where(s => s.Front != a).ToList();
            var finished = Task.WhenAll(survivors.Select(s => s.End));
            if (await Task.WhenAny(finished, Task.Delay(TimeSpan.FromMinutes(4), Token)) != finished)
            {
                Assert.Fail("Streams on surviving front ends hang: " + string.Join("; ", survivors.Where(s => !s.End.IsCompleted).Take(10).Select(s => $"{s.Front.Name} {(s.Launch ? "launch" : "build")} of the repository on {s.Repository.Key}")));
            }
            TestContext.Current.TestOutputHelper?.WriteLine($"{clock.Elapsed.TotalSeconds:F0} s: every surviving stream ended");
            var survivorEnds = await finished;
            var ended = survivors.Select((s, i) => (s.Front, s.Repository, s.Launch, Result: survivorEnds[i])).ToList();
            foreach (var failure in ended.Select(s => s.Result.Last).Where(e => e?.Phase == BinderPhases.Failed).Select(e => e!.Message.Split('\n')[0]).Distinct())
            {
                TestContext.Current.TestOutputHelper?.WriteLine("failed event on a survivor: " + failure);
            }
            foreach (var (front, repository, launch, result) in ended)
            {
                var last = result.Last;
                Assert.True(last is not null && !result.Cut, $"a stream on surviving front end {front.Name} was cut or ended without a final event: {result}");
                if (!diesWithA.Contains(repository))
                {
                    Assert.True(last.Phase == BinderPhases.Ready, $"{(launch ? "a launch" : "a build")} of a repository built on a live node ended with {result}");
                    if (launch) Assert.StartsWith("http", last.Url, StringComparison.Ordinal);
                    continue;
                }
                // Its build node (and for one, its repo grain) died: a sentence that says so, not a hang and not a stack trace.
                Assert.True(last.Phase == BinderPhases.Failed, $"a stream of the repository built on the killed member ended with {result}");
                Assert.Equal(503, last.StatusCode);
                Assert.Contains("stopped answering", last.Message, StringComparison.Ordinal);
                // The repo grain on b names the node its build was on.
                if (repository == onAFromB) Assert.Contains(a.NodeName, last.Message, StringComparison.Ordinal);
                // Orleans' own wording (silo addresses, grain ids) is for the operator's log, not for the user.
                Assert.DoesNotContain("Exception", last.Message, StringComparison.Ordinal);
                Assert.DoesNotContain("   at ", last.Message, StringComparison.Ordinal);
            }

            // Running sessions: the ready launches, each on one live node (the one with the fewest sessions when it
            // started, whichever front end was asked), and that node's containers, routes, listing and quota are them.
            var running = ended.Where(s => s.Launch && s.Result.Last!.Phase == BinderPhases.Ready)
                .Select(s => (s.Front, s.Repository, Id: LaunchTests.SessionIdOf(s.Result.Last!.Url!), s.Result.Last!.Url, s.Result.Last!.Token))
                .ToList();
            Assert.Equal(18, running.Count);
            running.AddRange(earlySessions.Where(s => s.Id != orphan).Select(s => (b, early, s.Id, (string?)s.Url, (string?)s.Token)));

            // The session on the killed node is reported gone: no front end lists it (its node answers no more).
            foreach (var member in new[] { b, c }) Assert.DoesNotContain(orphan, await member.OperatorSessionsAsync(Token));
            var placed = new List<string>();
            foreach (var member in new[] { b, c })
            {
                var expected = (await member.SessionContainersAsync()).Select(s => s.Labels[Binder.Hub.Launch.SessionLabels.Session]).Order().ToList();
                placed.AddRange(expected);
                await WaitUntilAsync(async () => (await member.RoutesAsync(Token)).Where(p => p.StartsWith("/user/", StringComparison.Ordinal)).Select(p => p.Split('/')[2]).Order().SequenceEqual(expected),
                    TimeSpan.FromMinutes(1), $"the routes of {member.Name}'s proxy are not the sessions on its daemon");
                Assert.Equal(expected, (await client.GetGrain<IQuotaGrain>(IQuotaGrain.NodeKeyPrefix + member.NodeName).GetHolders()).Order());
            }
            // Every running session has exactly one container, on a live node, and no other session has one.
            Assert.Equal(running.Select(r => r.Id).Order(), placed.Order());
            // Each front end's operator API lists the whole cluster's sessions.
            foreach (var member in new[] { b, c }) Assert.Equal(running.Select(r => r.Id).Order(), (await member.OperatorSessionsAsync(Token)).Order());
            // Stopping it ends it and frees its slots although its node is gone; its container and route stay on the
            // dead member's daemon and proxy (which outlives it), left to that node. Nothing else was launched there.
            using (var operatorApi = new HttpClient { BaseAddress = c.Operator })
            {
                operatorApi.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ServeCluster.OperatorToken);
                using var stop = await operatorApi.DeleteAsync($"api/sessions/{orphan}", Token);
                Assert.Equal(HttpStatusCode.NoContent, stop.StatusCode);
            }
            Assert.Empty(await client.GetGrain<IQuotaGrain>(IQuotaGrain.NodeKeyPrefix + a.NodeName).GetHolders());
            Assert.Equal([orphan], (await a.SessionContainersAsync()).Select(s => s.Labels[Binder.Hub.Launch.SessionLabels.Session]));
            Assert.Equal([$"/user/{orphan}"], (await a.RoutesAsync(Token)).Where(p => p.StartsWith("/user/", StringComparison.Ordinal)));
            Assert.Equal(running.Select(r => r.Id).Order(), (await client.GetGrain<IQuotaGrain>(IQuotaGrain.TotalKey).GetHolders()).Order());
            foreach (var repository in repos.Append(early))
            {
                Assert.Equal(running.Where(r => r.Repository == repository).Select(r => r.Id).Order(), (await client.GetGrain<IQuotaGrain>(repository.Key).GetHolders()).Order());
            }

            // The member comes back: its janitor removes the container and route nobody owns any more.
            await a.RestartAsync(settings, Token);
            await WaitUntilAsync(async () => (await a.SessionContainersAsync()).Count == 0
                && !(await a.RoutesAsync(Token)).Any(p => p.StartsWith("/user/", StringComparison.Ordinal)),
                TimeSpan.FromMinutes(1), "the restarted member kept the container or route of the session stopped while it was dead");
            TestContext.Current.TestOutputHelper?.WriteLine($"{clock.Elapsed.TotalSeconds:F0} s: the killed member is back and removed its orphans");

            // State survives: a finished build is built for a new watcher without building again, and the sessions answer.
            var again = await WatchAsync(http, c, onB, launch: false, joined: null);
            Assert.True(again.Last?.Phase == BinderPhases.Ready, again.ToString());
            Assert.Equal(1, onB.Counter.Builds);
            foreach (var session in running)
            {
                using var status = await http.GetAsync($"{session.Url!.TrimEnd('/')}/api/status?token={session.Token}", Token);
                Assert.Equal(HttpStatusCode.OK, status.StatusCode);
            }
            // The commit whose node died builds again, on a live node, for the next watcher.
            var rebuilt = await WatchAsync(http, b, onA, launch: false, joined: null);
            Assert.True(rebuilt.Last?.Phase == BinderPhases.Ready, rebuilt.ToString());
            TestContext.Current.TestOutputHelper?.WriteLine($"{backend}: {clock.Elapsed.TotalSeconds:F0} s");
        }
        finally
        {
            foreach (var repository in repositories.Values)
            {
                await repository.Counter.DisposeAsync();
                repository.Dispose();
            }
        }
    }

    /// <summary>How one client's stream ended: its events, and whether the connection was cut.</summary>
    private sealed record StreamEnd(string Front, List<BinderEvent> Events, bool Cut)
    {
        public BinderEvent? Last => Events.Count == 0 ? null : Events[^1];

        public override string ToString() =>
            Last is null ? $"no event (cut: {Cut})" : $"{Last.Phase}{(Cut ? " then cut" : "")}: {Last.Message.TrimEnd()}";
    }

    private static async Task<StreamEnd> WatchAsync(HttpClient http, ServeCluster.Member front, NodeRepository repository, bool launch, CountdownEvent? joined)
    {
        var events = new List<BinderEvent>();
        var signalled = false;
        var cut = false;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(front.Front, "build/" + repository.Spec + (launch ? "" : "?build_only=true")));
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Token);
            await using var body = await response.Content.ReadAsStreamAsync(Token);
            await foreach (var frame in SseFrame.ReadAsync(body, Token))
            {
                if (!signalled)
                {
                    signalled = true;
                    joined?.Signal();
                }
                if (!frame.IsComment) events.Add(frame.Event);
            }
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            cut = true;
        }
        finally
        {
            // A stream that ends before its first event still counts, so the wait shows its end instead of timing out.
            if (!signalled) joined?.Signal();
        }
        return new StreamEnd(front.Name, events, cut);
    }

    /// <summary>Polls until <paramref name="condition"/> holds; a readiness wait, not a timed assertion.</summary>
    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan limit, string failure)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if (await condition()) return;
            }
            catch (Exception e) when (e is OrleansException or TimeoutException or HttpRequestException or SiloUnavailableException)
            {
                // The cluster is still settling after the kill: ask again.
            }
            Assert.True(deadline.Elapsed < limit, $"{failure} after {limit.TotalSeconds:F0} s");
            await Task.Delay(500, Token);
        }
    }
}
