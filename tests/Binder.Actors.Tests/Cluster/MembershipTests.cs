using Binder.Actors.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Binder.Actors.Tests.Cluster;

public sealed class MembershipTests
{
    private static readonly TimeSpan HeartbeatPeriod = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan DeathTimeout = TimeSpan.FromSeconds(2);

    private static Task<Silo> StartClusterSiloAsync(PostgresTestDatabase database, string node) =>
        StartClusterSiloAsync(database.ConnectionString, node);

    private static async Task<Silo> StartClusterSiloAsync(string connectionString, string node)
    {
        var silo = new SiloBuilder()
            .AddGrains(typeof(MembershipTests).Assembly)
            .AddMemoryGrainStorage()
            .Configure(new SiloOptions { SiloName = node, NodeName = node })
            .UsePostgresClustering(new ClusterOptions
            {
                ConnectionString = connectionString,
                HeartbeatPeriod = HeartbeatPeriod,
                DeathTimeout = DeathTimeout,
            })
            .ConfigureServices(s => s.AddSingleton(new Probe()))
            .Build();
        await silo.StartAsync(TestContext.Current.CancellationToken);
        return silo;
    }

    [Fact]
    public async Task ASiloDeclaredDeadFencesItselfAndNeverComesBackUnderTheSameGeneration()
    {
        await using var database = await PostgresTestDatabase.CreateAsync();
        await using var first = await StartClusterSiloAsync(database, "m1");

        await using (var connection = new NpgsqlConnection(database.ConnectionString))
        {
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            await using var command = new NpgsqlCommand($"UPDATE actor_silos SET status = 'Dead' WHERE silo_id = '{first.SiloId}'", connection);
            await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        await first.Terminated.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        await Task.Delay(500, TestContext.Current.CancellationToken);
        Assert.Equal(1, await database.ScalarAsync($"SELECT count(*) FROM actor_silos WHERE silo_id = '{first.SiloId}' AND status = 'Dead'"));

        await using var second = await StartClusterSiloAsync(database, "m1");
        Assert.NotEqual(first.SiloId, second.SiloId);
        Assert.True(long.Parse(second.SiloId.Split('@')[1], System.Globalization.CultureInfo.InvariantCulture) > long.Parse(first.SiloId.Split('@')[1], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(["m1"], second.GetClusterMembers().Select(m => m.NodeName));
    }

    [Fact]
    public async Task ASiloThatCannotReachTheDatabaseFencesItselfBeforeTheClusterCanDeclareItDead()
    {
        await using var database = await PostgresTestDatabase.CreateAsync();
        var target = new NpgsqlConnectionStringBuilder(database.ConnectionString);
        await using var proxy = new TcpProxy(target.Host!, target.Port);
        var throughProxy = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Host = "127.0.0.1", Port = proxy.Port }.ToString();
        await using var isolated = await StartClusterSiloAsync(throughProxy, "cut");
        await using var survivor = await StartClusterSiloAsync(database, "ok");
        var id = await isolated.GrainFactory.GetGrain<Grains.ILifecycleGrain>("cut-off").ActivationId();
        Assert.NotEmpty(id);

        proxy.Cut();
        var cutAt = TimeProvider.System.GetTimestamp();

        // Survivors declare a silo dead once its last heartbeat is DeathTimeout old (and they notice on their next
        // tick); the silo's last heartbeat was sent before the cut, so fencing within DeathTimeout + one heartbeat
        // period of the cut is in time. Before the fix it never fenced: failed heartbeats were retried forever.
        await isolated.Terminated.WaitAsync(DeathTimeout + HeartbeatPeriod, TestContext.Current.CancellationToken);
        var fencedAfter = TimeProvider.System.GetElapsedTime(cutAt);
        Assert.True(fencedAfter <= DeathTimeout + HeartbeatPeriod, $"fenced {fencedAfter} after the cut");
    }

    [Fact]
    public async Task ASiloThatIsNotActiveCannotRegisterGrainsInTheDirectory()
    {
        await using var database = await PostgresTestDatabase.CreateAsync();
        await using var silo = await StartClusterSiloAsync(database, "m2");
        await database.ScalarAsync($"UPDATE actor_silos SET status = 'Dead' WHERE silo_id = '{silo.SiloId}' RETURNING 0");
        await using var postgres = new Binder.Actors.Cluster.PostgresDatabase(database.ConnectionString);
        var directory = new Binder.Actors.Cluster.GrainDirectory(postgres);
        await Assert.ThrowsAsync<SiloUnavailableException>(() => directory.RegisterAsync("g/dead", silo.SiloId, "a1", TestContext.Current.CancellationToken));
        Assert.Equal(0, await database.ScalarAsync("SELECT count(*) FROM actor_directory WHERE grain_id = 'g/dead'"));
    }
}
