using Binder.Actors.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Binder.Actors.Tests.Cluster;

public sealed class MembershipTests
{
    private static async Task<Silo> StartClusterSiloAsync(PostgresTestDatabase database, string node)
    {
        var silo = new SiloBuilder()
            .AddGrains(typeof(MembershipTests).Assembly)
            .AddMemoryGrainStorage()
            .Configure(new SiloOptions { SiloName = node, NodeName = node })
            .UsePostgresClustering(new ClusterOptions
            {
                ConnectionString = database.ConnectionString,
                HeartbeatPeriod = TimeSpan.FromMilliseconds(200),
                DeathTimeout = TimeSpan.FromSeconds(2),
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
}
