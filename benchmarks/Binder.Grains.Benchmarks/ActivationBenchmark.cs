using System.Diagnostics;

namespace Binder.Grains.Benchmarks;

internal static class ActivationBenchmark
{
    public static async Task RunAsync()
    {
        const int count = 100_000;
        await using var silo = await BenchSilo.StartAsync("activation");
        await silo.Grains.GetGrain<IBenchGrain>("warm").Ping(0);

        var before = GC.GetTotalMemory(forceFullCollection: true);
        var start = Stopwatch.GetTimestamp();
        for (var batch = 0; batch < count; batch += 1000)
        {
            await Task.WhenAll(Enumerable.Range(batch, 1000).Select(i => silo.Grains.GetGrain<IBenchGrain>($"activation-{i}").Ping(i)));
        }

        var elapsed = Stopwatch.GetTimestamp() - start;
        var after = GC.GetTotalMemory(forceFullCollection: true);
        var stats = await silo.Grains.GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics();
        Report.Line(new
        {
            benchmark = "activation_cost",
            activations = stats.Where(s => s.GrainType.Contains("Bench", StringComparison.Ordinal)).Sum(s => s.ActivationCount) - 1,
            microseconds_per_activation = Report.Seconds(elapsed) * 1e6 / count,
            managed_heap_growth_mb = Math.Round((after - before) / 1048576.0, 1),
            bytes_per_idle_activation = (after - before) / count,
            process_working_set_mb = Math.Round(Process.GetCurrentProcess().WorkingSet64 / 1048576.0, 1),
        });
        GC.KeepAlive(silo);
    }
}
