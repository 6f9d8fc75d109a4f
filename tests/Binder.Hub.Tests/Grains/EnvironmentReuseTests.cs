using Binder.Build.Docker;
using Binder.Build.Run;
using Binder.Hub.Events;
using Binder.Hub.Grains;
using Binder.Hub.Hosting;
using Binder.Hub.Placement;
using Microsoft.Extensions.Logging.Abstractions;

namespace Binder.Hub.Tests.Grains;

/// <summary>
/// Environment reuse across nodes: a build pushes its layer cache with the image, the environment grain remembers the
/// last image of each environment key, and a build of another commit with the same environment, on a node whose daemon
/// has never seen it, takes the environment layers from that image.
/// </summary>
[Collection(GrainsCollection.Name)]
public sealed class EnvironmentReuseTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>
    /// The base image in the test registry, where a fresh daemon pulls it from as a fresh node would: both nodes then
    /// build from the same image id, which the environment key covers.
    /// </summary>
    internal static async Task<string> BaseImageInRegistryAsync()
    {
        var baseInRegistry = $"{TestEnvironment.Registry}/binder-test/base:bookworm";
        using var main = new DockerClient(new DockerOptions { Host = TestEnvironment.DockerHost }, NullLogger<DockerClient>.Instance);
        await main.TagImageAsync(TestEnvironment.BaseImage, baseInRegistry, Token);
        await main.PushImageAsync(baseInRegistry, credentials: null, null, Token);
        return baseInRegistry;
    }

    private static BinderHubOptions Options(string baseImage, string? dockerHost = null)
    {
        var options = GrainTestHost.TestOptions(registry: TestEnvironment.Registry);
        return options with
        {
            Docker = options.Docker with { Host = dockerHost ?? options.Docker.Host },
            Buildpacks = options.Buildpacks with { BaseImage = baseImage },
            // The first cross-silo load query opens a connection on a cold, shared machine.
            BuildQueue = options.BuildQueue with { LoadQueryTimeout = TimeSpan.FromSeconds(60) },
        };
    }

    [Fact]
    public async Task A_new_commit_with_the_same_environment_built_on_another_node_takes_the_environment_layers_from_the_first_nodes_image()
    {
        var baseImage = await BaseImageInRegistryAsync();
        using var state = new TempDirectory("binder-grains-state");
        var statePath = Path.Combine(state.Path, "state.db");
        await using var daemonB = await ThrowawayDockerd.StartAsync(Token);
        var optionsA = Options(baseImage);
        // Node B's images are named like node A's (one registry), but live in node B's own, empty daemon.
        var optionsB = Options(baseImage, daemonB.Host) with { Repo = optionsA.Repo };
        var repositories = new List<GitRepository>();
        try
        {
            await using var a = await GrainTestHost.StartAsync(optionsA, statePath, node: "env-node-a");
            // A repository that hashes to node B once B has joined: commit 1 builds on A while A is the only node,
            // commit 2 on B.
            GitRepository git;
            do
            {
                git = new GitRepository();
                repositories.Add(git);
            }
            while (NodePicker.Score("git/" + git.Url, "env-node-b") < NodePicker.Score("git/" + git.Url, "env-node-a"));
            git.Write("requirements.txt", "").Write("apt.txt", "procps\n").Write("analysis.ipynb", "{\"cells\": []}\n");
            var commit1 = git.Commit("commit 1");
            var repo1 = GrainTestHost.GitRepo(git, commit1);

            var first = await a.WatchAsync(repo1);

            Assert.True(first[^1].Phase == BinderPhases.Built, string.Join("", first.Select(e => e.Message)));
            var status1 = await a.Grains.GetGrain<IRepoGrain>(repo1.GrainKey).GetStatus();
            Assert.Equal("env-node-a", status1.Node);
            Assert.Matches("^[0-9a-f]{64}$", status1.EnvironmentKey);
            Assert.Null(status1.ReusedEnvironmentOf);
            Assert.Equal(status1.EnvironmentKey, first[^1].EnvironmentKey);
            var recorded = await a.Grains.GetGrain<IEnvironmentGrain>(status1.EnvironmentKey!).GetLast();
            Assert.Equal(new EnvironmentImage(status1.ImageName!, commit1, repo1.GrainKey, recorded!.BuiltAt), recorded);

            await using var b = await GrainTestHost.StartAsync(optionsB, statePath, joins: a, node: "env-node-b");
            await ClusterBuildTests.WaitForNodesAsync(a, b);
            var commit2 = git.Write("analysis.ipynb", "{\"cells\": [{\"cell_type\": \"markdown\", \"source\": \"changed\"}]}\n").Commit("commit 2: one notebook changed");
            var repo2 = GrainTestHost.GitRepo(git, commit2);

            var second = await b.WatchAsync(repo2);

            var log = string.Join("", second.Select(e => e.Message));
            Assert.True(second[^1].Phase == BinderPhases.Built, log);
            var status2 = await b.Grains.GetGrain<IRepoGrain>(repo2.GrainKey).GetStatus();
            Assert.Equal("env-node-b", status2.Node);
            Assert.Equal(status1.EnvironmentKey, status2.EnvironmentKey);
            Assert.Equal(commit1, status2.ReusedEnvironmentOf);
            Assert.Equal(commit1, second[^1].ReusedEnvironmentOf);
            Assert.Contains($"Reusing the environment of {commit1} ({status1.ImageName})\n", log);
            Assert.Contains($"importing cache manifest from {status1.ImageName}", log);
            // The environment steps came from node A's image; the repository copy, whose content changed, did not.
            Assert.Matches(@"CACHED \[[ 0-9/]+\] RUN apt-get update && [^\n]*\n", log);
            Assert.Matches(@"CACHED \[[ 0-9/]+\] RUN /srv/venv/bin/python -m pip install --no-cache-dir -r requirements.txt\n", log);
            Assert.DoesNotMatch(@"CACHED \[[ 0-9/]+\] COPY --chown=1000:1000 \[""src/"", ""/home/jovyan/""\]", log);
            Assert.Equal(commit2, (await b.Grains.GetGrain<IEnvironmentGrain>(status1.EnvironmentKey!).GetLast())!.Commit);
        }
        finally
        {
            TestContext.Current.TestOutputHelper?.WriteLine("node B's dockerd log:\n" + daemonB.LogTail);
            foreach (var git in repositories) git.Dispose();
        }
    }

    [Fact]
    public async Task A_cache_image_that_left_the_registry_or_a_registry_that_does_not_answer_is_said_and_the_build_goes_on_without_it()
    {
        var baseImage = await BaseImageInRegistryAsync();
        using var git = new GitRepository();
        git.Write("requirements.txt", "").Write("notes.md", "one\n");
        var commit1 = git.Commit("commit 1");
        await using var host = await GrainTestHost.StartAsync(Options(baseImage));
        var first = await host.WatchAsync(GrainTestHost.GitRepo(git, commit1));
        Assert.True(first[^1].Phase == BinderPhases.Built, string.Join("", first.Select(e => e.Message)));
        var key = first[^1].EnvironmentKey!;
        var environment = host.Grains.GetGrain<IEnvironmentGrain>(key);
        var gone = $"{TestEnvironment.Registry}/binder-grains-test/never-pushed-{TestEnvironment.UniqueSuffix()}:1";
        await environment.Record(new EnvironmentImage(gone, "0000000000000000000000000000000000000001", "git/gone@1", DateTimeOffset.UtcNow.AddDays(1)));

        var second = await host.WatchAsync(GrainTestHost.GitRepo(git, git.Write("notes.md", "two\n").Commit("commit 2")));

        var log = string.Join("", second.Select(e => e.Message));
        Assert.True(second[^1].Phase == BinderPhases.Built, log);
        Assert.True(log.Contains($"The environment of 0000000000000000000000000000000000000001 was pushed as {gone}, which the registry no longer has: building the environment afresh.\n", StringComparison.Ordinal), log);
        Assert.DoesNotContain("Reusing the environment", log);
        Assert.Null(second[^1].ReusedEnvironmentOf);

        // A registry nobody listens on: the lookup fails, and the build still does not.
        using var closed = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        closed.Start();
        var port = ((System.Net.IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        var unreachable = $"127.0.0.1:{port}/binder-grains-test/unreachable:1";
        await environment.Record(new EnvironmentImage(unreachable, "0000000000000000000000000000000000000002", "git/down@1", DateTimeOffset.UtcNow.AddDays(2)));

        var third = await host.WatchAsync(GrainTestHost.GitRepo(git, git.Write("notes.md", "three\n").Commit("commit 3")));

        log = string.Join("", third.Select(e => e.Message));
        Assert.True(third[^1].Phase == BinderPhases.Built, log);
        Assert.Contains($"Could not ask the registry for {unreachable}, the last image with this environment: building the environment afresh.\n", log);
        Assert.DoesNotContain("connection refused", log, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Reusing the environment", log);
    }
}
