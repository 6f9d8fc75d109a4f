namespace Binder.Actors.Benchmarks;

/// <summary>Two silos in this process on loopback: calls from silo "a" to grains pinned to node "b" all cross HTTP/2.</summary>
internal static class CrossSiloBenchmark
{
    public static async Task RunAsync()
    {
        var postgres = Environment.GetEnvironmentVariable("BINDER_TEST_POSTGRES");
        if (string.IsNullOrEmpty(postgres))
        {
            Report.Line(new { benchmark = "cross_silo_throughput", error = "BINDER_TEST_POSTGRES is not set; run scripts/test.sh or export an Npgsql connection string." });
            return;
        }

        var schema = "actors_bench_" + Guid.NewGuid().ToString("N")[..8];
        await Execute(postgres, $"CREATE SCHEMA {schema}");
        var connectionString = new Npgsql.NpgsqlConnectionStringBuilder(postgres) { SearchPath = schema }.ToString();
        try
        {
            await using var a = await StartSilo(connectionString, "a");
            await using var b = await StartSilo(connectionString, "b");
            var grain = a.GrainFactory.GetGrain<IRemoteBenchGrain>("b");
            for (var i = 0; i < 2000; i++)
            {
                await grain.Ping(i);
            }

            foreach (var callers in new[] { 1, 64, 256 })
            {
                var rate = await LocalBenchmarks.ThroughputAsync([grain], callers, TimeSpan.FromSeconds(5));
                Report.Line(new { benchmark = "cross_silo_throughput", concurrent_callers = callers, calls_per_second = rate });
            }
        }
        finally
        {
            Npgsql.NpgsqlConnection.ClearAllPools();
            await Execute(postgres, $"DROP SCHEMA {schema} CASCADE");
        }
    }

    private static async Task<Silo> StartSilo(string connectionString, string node)
    {
        var silo = new SiloBuilder()
            .AddGrain<RemoteBenchGrain>()
            .Configure(new SiloOptions { SiloName = node, NodeName = node })
            .UsePostgresClustering(new ClusterOptions { ConnectionString = connectionString })
            .Build();
        await silo.StartAsync(CancellationToken.None);
        return silo;
    }

    private static async Task Execute(string connectionString, string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
