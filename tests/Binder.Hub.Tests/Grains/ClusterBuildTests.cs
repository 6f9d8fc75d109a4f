using Binder.Hub.Events;
using Binder.Hub.Grains;
using Binder.Hub.Placement;
using Microsoft.Extensions.DependencyInjection;

namespace Binder.Hub.Tests.Grains;

/// <summary>
/// Two silos (two nodes) in one Orleans cluster in this process, sharing the SQLite state file, the test daemon and
/// registry: builds are pinned to the node the repository hashes to, and a node that goes away is built around.
/// </summary>
[Collection(GrainsCollection.Name)]
public sealed class ClusterBuildTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task WatchersOnTwoSilosShareOneBuildOnTheNodeTheRepositoryHashesTo()
    {
        using var state = new TempDirectory("binder-grains-state");
        var statePath = Path.Combine(state.Path, "state.db");
        await using var probe = new BuildProbe();
        using var git = new GitRepository();
        var commit = git.Write("Dockerfile", probe.Dockerfile(TestEnvironment.UniqueSuffix())).Commit();
        var repo = GrainTestHost.GitRepo(git, commit);
        var options = GrainTestHost.TestOptions(registry: TestEnvironment.Registry);
        // The first cross-silo load query opens a connection on a cold, shared machine: give it time, so the
        // repository's node is not skipped as unresponsive.
        options = options with { BuildQueue = options.BuildQueue with { LoadQueryTimeout = TimeSpan.FromSeconds(60) } };
        await using var a = await GrainTestHost.StartAsync(options, statePath, node: "grains-node-a");
        await using var b = await GrainTestHost.StartAsync(options, statePath, joins: a, node: "grains-node-b");
        await WaitForNodesAsync(a, b);

        var watchers = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(() => (i % 2 == 0 ? a : b).WatchAsync(repo), Token)));

        Assert.Equal(1, probe.Hits);
        foreach (var events in watchers)
        {
            Assert.Equal([BinderPhases.Waiting, BinderPhases.Fetching, BinderPhases.Building, BinderPhases.Pushing, BinderPhases.Built],
                RepoGrainTests.Phases(events));
            Assert.Equal(watchers[0].Select(e => e.Message), events.Select(e => e.Message));
        }
        var expected = new[] { "grains-node-a", "grains-node-b" }.MaxBy(n => NodePicker.Score($"{repo.Spec.Provider}/{repo.Spec.Repository}", n))!;
        var status = await b.Grains.GetGrain<IRepoGrain>(repo.GrainKey).GetStatus();
        Assert.Equal(RepoBuildStates.Built, status.State);
        Assert.Equal(expected, status.Node);
        var pinned = expected == "grains-node-a" ? a : b;
        var other = expected == "grains-node-a" ? b : a;
        Assert.Contains(expected, await pinned.ActivationKeysAsync("binder.builder"));
        Assert.DoesNotContain(expected, await other.ActivationKeysAsync("binder.builder"));
    }

    [Fact]
    public async Task BuildsOfANodeThatIsGoneEndWithAClearFailureAndTheNextRequestBuildsOnALiveNode()
    {
        using var state = new TempDirectory("binder-grains-state");
        var statePath = Path.Combine(state.Path, "state.db");
        await using var probe = new BuildProbe(gateOpen: false);
        var options = GrainTestHost.TestOptions();
        options = options with { BuildQueue = options.BuildQueue with { LoadQueryTimeout = TimeSpan.FromSeconds(20) } };
        // Calls to the lost silo wait for an answer this long before they fail.
        var responseTimeout = TimeSpan.FromSeconds(10);
        await using var a = await GrainTestHost.StartAsync(options, statePath, node: "grains-gone-a", responseTimeout: responseTimeout);
        await using var b = await GrainTestHost.StartAsync(options, statePath, joins: a, node: "grains-gone-b", responseTimeout: responseTimeout);
        await WaitForNodesAsync(a, b);
        // A repository that hashes to node b, so its build runs there while its repo grain lives on a (its caller).
        var repositories = new List<GitRepository>();
        try
        {
            GitRepository git;
            do
            {
                git = new GitRepository();
                repositories.Add(git);
            }
            while (NodePicker.Score("git/" + git.Url, b.NodeName) < NodePicker.Score("git/" + git.Url, a.NodeName));
            var repo = GrainTestHost.GitRepo(git, git.Write("Dockerfile", probe.Dockerfile(TestEnvironment.UniqueSuffix())).Commit());
            var grain = a.Grains.GetGrain<IRepoGrain>(repo.GrainKey);

            var watching = a.WatchAsync(repo);
            await probe.FirstHit.WaitAsync(Token);
            Assert.Equal(b.NodeName, (await grain.GetStatus()).Node);
            await b.KillAsync();
            var failed = await watching;

            Assert.Equal(BinderPhases.Failed, failed[^1].Phase);
            Assert.StartsWith($"Node {b.NodeName}, which was building this image, stopped answering", failed[^1].Message);
            Assert.Contains("Ask again: the build starts over on a live node.", failed[^1].Message, StringComparison.Ordinal);
            Assert.Equal(RepoBuildStates.Failed, (await grain.GetStatus()).State);

            probe.Open();
            var again = await a.WatchAsync(repo);

            Assert.Equal(BinderPhases.Built, again[^1].Phase);
            var status = await grain.GetStatus();
            Assert.Equal(RepoBuildStates.Built, status.State);
            Assert.Equal(a.NodeName, status.Node);
        }
        finally
        {
            foreach (var git in repositories) git.Dispose();
        }
    }

    /// <summary>Until each silo sees both nodes (membership and silo metadata have travelled).</summary>
    internal static Task WaitForNodesAsync(GrainTestHost a, GrainTestHost b) => RepoGrainTests.WaitUntilAsync(() => Task.FromResult(
        a.Services.GetRequiredService<ClusterNodes>().LiveNodeNames().Count == 2
        && b.Services.GetRequiredService<ClusterNodes>().LiveNodeNames().Count == 2));
}
