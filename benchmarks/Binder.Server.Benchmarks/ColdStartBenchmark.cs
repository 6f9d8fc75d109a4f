using System.Diagnostics;

namespace Binder.Server.Benchmarks;

/// <summary>
/// Cold start: from spawning the service's process (a new data directory each run, so a new SQLite state file, a new
/// proxy and a new session network) to the first <c>GET /health</c> that answers 200. Each run's service is stopped
/// before the next starts.
/// </summary>
internal static class ColdStartBenchmark
{
    public static async Task RunAsync(int runs)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var seconds = new List<double>();
        for (var run = 0; run < runs; run++)
        {
            var clock = Stopwatch.StartNew();
            // The constructor returns once the service printed "listening" (its host has started).
            var server = new ServerProcess(Guid.NewGuid().ToString("N")[..10], Guid.NewGuid().ToString("N"));
            await using (server.ConfigureAwait(false))
            {
                var listening = clock.Elapsed.TotalSeconds;
                while (true)
                {
                    try
                    {
                        using var response = await http.GetAsync($"http://127.0.0.1:{server.Port}/health");
                        if (response.IsSuccessStatusCode) break;
                    }
                    catch (HttpRequestException)
                    {
                    }
                    if (clock.Elapsed > TimeSpan.FromMinutes(2)) throw new TimeoutException("The service's /health did not answer 200 within 2 minutes.");
                    await Task.Delay(20);
                }
                var healthy = clock.Elapsed.TotalSeconds;
                seconds.Add(healthy);
                Output.Print(new Dictionary<string, object?>
                {
                    ["benchmark"] = "server.cold_start", ["run"] = run, ["listening_s"] = Math.Round(listening, 3), ["health_200_s"] = Math.Round(healthy, 3),
                });
            }
        }
        Output.Print(new Dictionary<string, object?>
        {
            ["benchmark"] = "server.cold_start.summary", ["runs"] = runs, ["median_s"] = Output.Median(seconds), ["max_s"] = Math.Round(seconds.Max(), 3), ["target_s"] = 10,
        });
    }
}
