using System.Diagnostics;

namespace Binder.Server.Benchmarks;

/// <summary>
/// N concurrent <c>/build/git/&lt;spec&gt;?build_only=true</c> streams for one commit nobody built yet: how many builds
/// the daemon ran (must be one), how long until every stream had its final event, how long after the build ended, and
/// the service's memory (sampled every 250 ms while the streams are open).
/// </summary>
internal static class FanInBenchmark
{
    /// <summary>At most this many connections being opened at once: clients arrive in a burst, not all in one instant, so the listen backlog is not the thing measured.</summary>
    private const int OpeningAtOnce = 512;

    public static async Task RunAsync(ServerProcess server, GitRemote remote, int streams, int buildSeconds, List<string> images)
    {
        var branch = remote.NewBranch($"fanin{streams}", buildSeconds);
        var path = $"build/git/{Uri.EscapeDataString(remote.Url)}/{branch}?build_only=true";
        using var client = new EventStreamClient(server.Port);
        var before = await server.StatsAsync(collect: true);
        await using var daemon = await DockerDaemon.WatchImageTagsAsync();
        var start = Stopwatch.GetTimestamp();
        using var opening = new SemaphoreSlim(OpeningAtOnce);
        using var sampling = new CancellationTokenSource();
        var peak = new Dictionary<string, double>();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                foreach (var (key, value) in await server.StatsAsync())
                {
                    peak[key] = Math.Max(peak.GetValueOrDefault(key), value);
                }
                try { await Task.Delay(250, sampling.Token); } catch (OperationCanceledException) { }
            }
        });
        var tasks = new Task<StreamResult>[streams];
        for (var i = 0; i < streams; i++)
        {
            await opening.WaitAsync();
            tasks[i] = Task.Run(() => client.ReadAsync(path, opening, CancellationToken.None));
        }
        var allOpenSeconds = Seconds(start, Stopwatch.GetTimestamp());
        var results = await Task.WhenAll(tasks);
        var end = Stopwatch.GetTimestamp();
        await sampling.CancelAsync();
        await sampler;
        var after = await server.StatsAsync();

        var ready = results.Count(r => r.Phase == "ready");
        var firstFinal = results.Min(r => r.FinishedAt);
        var lastFinal = results.Max(r => r.FinishedAt);
        var image = results.Select(r => r.Phase == "ready" && r.Final.TryGetProperty("imageName", out var n) ? n.GetString() : null).FirstOrDefault(n => n is not null);
        if (image is not null) images.Add(image);
        var openedBeforeBuildEnded = results.Count(r => r.OpenedAt <= firstFinal);
        // The tag event may trail the last stream's final event by a moment.
        await Task.Delay(1000);
        var builds = image is null ? 0 : daemon.CountTags(image);
        Output.Print(new Dictionary<string, object?>
        {
            ["benchmark"] = "server.fan_in",
            ["streams"] = streams,
            ["post_build_sleep_s"] = buildSeconds,
            ["streams_ready"] = ready,
            ["streams_failed"] = results.Count(r => r.Phase == "failed"),
            ["streams_without_final_event"] = results.Count(r => r.Phase is null),
            ["events_per_stream_min"] = results.Min(r => r.Events),
            ["events_per_stream_max"] = results.Max(r => r.Events),
            ["builds_at_daemon"] = builds,
            ["all_streams_open_s"] = Math.Round(allOpenSeconds, 3),
            ["streams_open_before_build_ended"] = openedBeforeBuildEnded,
            ["first_final_event_s"] = Math.Round(Seconds(start, firstFinal), 3),
            ["until_all_final_s"] = Math.Round(Seconds(start, lastFinal), 3),
            ["after_build_until_all_final_s"] = Math.Round(Seconds(firstFinal, lastFinal), 3),
            ["total_s"] = Math.Round(Seconds(start, end), 3),
            ["server_working_set_before_mb"] = before["working_set_mb"],
            ["server_working_set_peak_mb"] = peak.GetValueOrDefault("working_set_mb"),
            ["server_gc_heap_peak_mb"] = peak.GetValueOrDefault("gc_heap_mb"),
            ["server_gc_committed_peak_mb"] = peak.GetValueOrDefault("gc_committed_mb"),
            ["server_threads_peak"] = peak.GetValueOrDefault("threads"),
            ["server_working_set_after_mb"] = after["working_set_mb"],
            ["target_after_build_max_s"] = 5,
            ["target_memory_max_mb"] = 500,
            ["image"] = image,
        });
    }

    private static double Seconds(long from, long to) => Stopwatch.GetElapsedTime(from, to).TotalSeconds;
}
