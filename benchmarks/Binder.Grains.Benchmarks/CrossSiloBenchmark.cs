namespace Binder.Grains.Benchmarks;

/// <summary>Two silos in this process on loopback: the grain lives on silo "b", every call from silo "a" crosses TCP.</summary>
internal static class CrossSiloBenchmark
{
    public static async Task RunAsync()
    {
        await using var a = await BenchSilo.StartAsync("a");
        await using var b = await BenchSilo.StartAsync("b", primary: a);
        // Activated from b, so (placed on its caller's silo) it lives on b; a's calls then go to b.
        await b.Grains.GetGrain<IBenchGrain>("remote").Ping(0);
        var grain = a.Grains.GetGrain<IBenchGrain>("remote");
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
}
