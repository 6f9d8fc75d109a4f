namespace Binder.Actors.Tests.Support;

/// <summary>Three silo processes (nodes n1, n2, n3) and a client, on a fresh PostgreSQL schema.</summary>
public sealed class TestCluster : IAsyncDisposable
{
    private TestCluster(PostgresTestDatabase database, TestSiloProcess[] silos, ClusterClient client)
    {
        Database = database;
        Silos = silos;
        Client = client;
    }

    public PostgresTestDatabase Database { get; }

    public TestSiloProcess[] Silos { get; }

    public ClusterClient Client { get; }

    public IGrainFactory Grains => Client.GrainFactory;

    public static async Task<TestCluster> StartAsync(int deathMs = 3000)
    {
        var database = await PostgresTestDatabase.CreateAsync();
        var silos = new List<TestSiloProcess>();
        try
        {
            // The first silo creates the tables; the others start together.
            silos.Add(await TestSiloProcess.StartAsync(database.ConnectionString, "n1", deathMs));
            silos.AddRange(await Task.WhenAll(
                TestSiloProcess.StartAsync(database.ConnectionString, "n2", deathMs),
                TestSiloProcess.StartAsync(database.ConnectionString, "n3", deathMs)));
            var client = await ClusterClient.ConnectAsync(
                new ClusterClientOptions { ConnectionString = database.ConnectionString, CallTimeout = TimeSpan.FromSeconds(5), RefreshPeriod = TimeSpan.FromMilliseconds(500) },
                TestContext.Current.CancellationToken);
            return new TestCluster(database, [.. silos], client);
        }
        catch
        {
            foreach (var silo in silos)
            {
                await silo.DisposeAsync();
            }

            await database.DisposeAsync();
            throw;
        }
    }

    public TestSiloProcess Silo(string siloId) => Silos.Single(s => s.SiloId == siloId);

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        foreach (var silo in Silos)
        {
            await silo.DisposeAsync();
        }

        await Database.DisposeAsync();
    }
}
