using Binder.Actors.Cluster;
using Binder.Actors.Tests.Grains;
using Binder.Actors.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Binder.Actors.Tests.Cluster;

/// <summary>The grain directory's registrations are per activation, against a real PostgreSQL.</summary>
public sealed class DirectoryTests
{
    private static async Task<Silo> StartSiloAsync(PostgresTestDatabase database, string node, Probe? probe = null)
    {
        var silo = new SiloBuilder()
            .AddGrains(typeof(DirectoryTests).Assembly)
            .AddMemoryGrainStorage()
            .Configure(new SiloOptions { SiloName = node, NodeName = node })
            .UsePostgresClustering(new ClusterOptions
            {
                ConnectionString = database.ConnectionString,
                HeartbeatPeriod = TimeSpan.FromMilliseconds(200),
                DeathTimeout = TimeSpan.FromSeconds(5),
            })
            .ConfigureServices(s => s.AddSingleton(probe ?? new Probe()))
            .Build();
        await silo.StartAsync(TestContext.Current.CancellationToken);
        return silo;
    }

    [Fact]
    public async Task UnregisteringAnOlderActivationLeavesANewerRegistrationAlone()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = await PostgresTestDatabase.CreateAsync();
        await using var silo = await StartSiloAsync(database, "d1");
        await using var postgres = new PostgresDatabase(database.ConnectionString);
        var directory = new GrainDirectory(postgres);

        Assert.Equal((silo.SiloId, "first"), await directory.RegisterAsync("g/1", silo.SiloId, "first", ct));

        // A second registration by the same silo finds the first one's row.
        Assert.Equal((silo.SiloId, "first"), await directory.RegisterAsync("g/1", silo.SiloId, "second", ct));

        await directory.UnregisterAsync("g/1", silo.SiloId, "second", ct);
        Assert.True(await directory.HoldsAsync("g/1", silo.SiloId, "first", ct));

        await directory.UnregisterAsync("g/1", silo.SiloId, "first", ct);
        Assert.False(await directory.HoldsAsync("g/1", silo.SiloId, "first", ct));
        Assert.Equal((silo.SiloId, "third"), await directory.RegisterAsync("g/1", silo.SiloId, "third", ct));
    }

    [Fact]
    public async Task ActivationsThatDeactivateWhileCallsRaceAlwaysHaveTheirDirectoryRow()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = await PostgresTestDatabase.CreateAsync();
        var probe = new Probe();
        await using var a = await StartSiloAsync(database, "d1", probe);
        await using var b = await StartSiloAsync(database, "d2", probe);
        var keys = Enumerable.Range(0, 8).Select(i => $"race{i}").ToArray();

        // Concurrent first calls from both silos, each asking the activation to deactivate, so registrations,
        // activations and unregistrations of the same grains interleave.
        for (var round = 0; round < 20; round++)
        {
            await Task.WhenAll(keys.SelectMany(key => new[] { a, b }.SelectMany(silo => Enumerable.Range(0, 3).Select(async _ =>
            {
                var grain = silo.GrainFactory.GetGrain<ILifecycleGrain>(key);
                for (var attempt = 0; ; attempt++)
                {
                    try
                    {
                        await grain.Deactivate();
                        return;
                    }
                    catch (SiloUnavailableException) when (attempt < 20)
                    {
                        // Re-delivery during deactivation can exhaust its hop budget; the caller retries.
                    }
                }
            }))));
        }

        // Both silos share the probe: per grain, activations and deactivations must alternate. Two activations in a
        // row mean a silo activated a grain without holding its row while the other silo registered and activated it.
        foreach (var key in keys)
        {
            var events = probe.Events.Where(e => e.StartsWith($"activate {key} ", StringComparison.Ordinal) || e.StartsWith($"deactivate {key} ", StringComparison.Ordinal)).ToList();
            for (var i = 1; i < events.Count; i++)
            {
                Assert.False(events[i].StartsWith("activate", StringComparison.Ordinal) && events[i - 1].StartsWith("activate", StringComparison.Ordinal),
                    $"{key} was activated twice at once: {string.Join("; ", events)}");
            }
        }

        // Let the last deactivations finish, then activate every grain once more and compare with the directory.
        await Task.Delay(500, ct);
        foreach (var key in keys)
        {
            await a.GrainFactory.GetGrain<ILifecycleGrain>(key).ActivationId();
        }

        foreach (var silo in new[] { a, b })
        {
            foreach (var id in silo.GetActivationIds().Where(i => i.Contains("race", StringComparison.Ordinal)))
            {
                Assert.Equal(1, await database.ScalarAsync($"SELECT count(*) FROM actor_directory WHERE grain_id = '{id}' AND silo_id = '{silo.SiloId}'"));
            }
        }

        var active = a.GetActivationIds().Concat(b.GetActivationIds()).Where(i => i.Contains("race", StringComparison.Ordinal)).ToList();
        Assert.Equal(active.Count, active.Distinct().Count());
        Assert.Equal(keys.Length, active.Count);
    }
}
