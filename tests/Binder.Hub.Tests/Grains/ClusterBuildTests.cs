using Binder.Actors;
using Binder.Hub.Events;
using Binder.Hub.Grains;
using Npgsql;

namespace Binder.Hub.Tests.Grains;

/// <summary>Two silos (two nodes) in a PostgreSQL cluster, sharing the test daemon and registry.</summary>
[Collection(GrainsCollection.Name)]
public sealed class ClusterBuildTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task WatchersOnTwoSilosShareOneBuildOnTheNodeTheRepositoryHashesTo()
    {
        var admin = TestEnvironment.Postgres;
        var schema = "grains_test_" + TestEnvironment.UniqueSuffix();
        await ExecuteAsync(admin, $"CREATE SCHEMA {schema}");
        try
        {
            var connection = new NpgsqlConnectionStringBuilder(admin) { SearchPath = schema }.ToString();
            var cluster = new ClusterOptions
            {
                ConnectionString = connection,
                HeartbeatPeriod = TimeSpan.FromMilliseconds(300),
                DeathTimeout = TimeSpan.FromSeconds(5),
            };
            await using var probe = new BuildProbe();
            using var git = new GitRepository();
            var commit = git.Write("Dockerfile", probe.Dockerfile(TestEnvironment.UniqueSuffix())).Commit();
            var repo = GrainTestHost.GitRepo(git, commit);
            var options = GrainTestHost.TestOptions(registry: TestEnvironment.Registry);
            // The first cross-silo load query opens a connection on a cold, shared machine: give it time, so the
            // repository's node is not skipped as unresponsive.
            options = options with { BuildQueue = options.BuildQueue with { LoadQueryTimeout = TimeSpan.FromSeconds(60) } };
            await using var a = await GrainTestHost.StartAsync(options, cluster: cluster, node: "grains-node-a");
            await using var b = await GrainTestHost.StartAsync(options, cluster: cluster, node: "grains-node-b");
            await RepoGrainTests.WaitUntilAsync(() => Task.FromResult(a.Silo.GetClusterMembers().Count == 2 && b.Silo.GetClusterMembers().Count == 2));

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
            Assert.Contains(pinned.Silo.GetActivationIds(), id => id.EndsWith("/" + expected, StringComparison.Ordinal) && id.Contains("IBuilderGrain", StringComparison.Ordinal));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(admin, $"DROP SCHEMA IF EXISTS {schema} CASCADE");
        }
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(CancellationToken.None);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(CancellationToken.None);
    }
}
