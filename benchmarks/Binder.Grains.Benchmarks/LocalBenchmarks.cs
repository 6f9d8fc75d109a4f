using System.Diagnostics;

namespace Binder.Grains.Benchmarks;

internal static class LocalBenchmarks
{
    public static async Task RunAsync()
    {
        await using var silo = await BenchSilo.StartAsync("local");
        var grain = silo.Grains.GetGrain<IBenchGrain>("latency");
        for (var i = 0; i < 200_000; i++)
        {
            await grain.Ping(i);
        }

        // Latency: one caller awaiting each call in turn.
        const int calls = 1_000_000;
        var samples = new long[calls];
        for (var i = 0; i < calls; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await grain.Ping(i);
            samples[i] = Stopwatch.GetTimestamp() - start;
        }

        Array.Sort(samples);
        double Ns(long ticks) => ticks * 1e9 / Stopwatch.Frequency;
        Report.Line(new
        {
            benchmark = "local_call_latency",
            calls,
            median_ns = Ns(samples[calls / 2]),
            p90_ns = Ns(samples[calls * 9 / 10]),
            p99_ns = Ns(samples[calls * 99 / 100]),
            allocated_bytes_per_call = MeasureAllocation(grain),
        });

        foreach (var (grains, callers) in new[] { (1, 64), (1000, 1000) })
        {
            var refs = Enumerable.Range(0, grains).Select(i => silo.Grains.GetGrain<IBenchGrain>($"tp-{grains}-{i}")).ToArray();
            await Task.WhenAll(refs.Select(r => r.Ping(0)));
            var rate = await ThroughputAsync(refs, callers, TimeSpan.FromSeconds(5));
            Report.Line(new { benchmark = "local_call_throughput", grains, concurrent_callers = callers, calls_per_second = rate });
        }
    }

    private static long MeasureAllocation(IBenchGrain grain)
    {
        const int calls = 100_000;
        var before = GC.GetTotalAllocatedBytes(precise: true);
        for (var i = 0; i < calls; i++)
        {
            grain.Ping(i).GetAwaiter().GetResult();
        }

        return (GC.GetTotalAllocatedBytes(precise: true) - before) / calls;
    }

    /// <summary>Each caller loops awaiting calls until the time is up; returns completed calls per second.</summary>
    public static async Task<double> ThroughputAsync<T>(T[] grains, int callers, TimeSpan duration)
        where T : class
    {
        long total = 0;
        using var stop = new CancellationTokenSource(duration);
        var start = Stopwatch.GetTimestamp();
        var loops = Enumerable.Range(0, callers).Select(c => Task.Run(async () =>
        {
            var grain = grains[c % grains.Length];
            long done = 0;
            while (!stop.IsCancellationRequested)
            {
                for (var i = 0; i < 100; i++)
                {
                    await Call(grain, i);
                }

                done += 100;
            }

            Interlocked.Add(ref total, done);
        }));
        await Task.WhenAll(loops);
        var seconds = Report.Seconds(Stopwatch.GetTimestamp() - start);
        return Math.Round(total / seconds);
    }

    private static Task<int> Call<T>(T grain, int value) => grain switch
    {
        IBenchGrain bench => bench.Ping(value),
        _ => throw new ArgumentException("unknown grain"),
    };
}
