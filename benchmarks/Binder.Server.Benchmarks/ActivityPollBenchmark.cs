using System.Collections.Concurrent;
using System.Diagnostics;
using Binder.Hub.Grains;
using Binder.Hub.Hosting;
using Binder.Hub.Launch;
using Binder.Hub.Sessions;
using Binder.Hub.Tests.Sessions;
using Microsoft.Extensions.Logging.Abstractions;

namespace Binder.Server.Benchmarks;

/// <summary>
/// Activity polling of N idle sessions against a real configurable-http-proxy holding their N routes (to a loopback
/// address nothing answers on: idle sessions have no traffic). Per interval, (1) the node's
/// <see cref="SessionActivityPoller"/>: one round, which tells each of the N sessions what the proxy knows of its route
/// (here a counting sink stands in for the launch grains, which would start N containers: the proxy side is what is
/// measured); (2) for comparison, what each session listing every route itself did before: N listings of N routes.
/// Reported: proxy API calls per interval, wall time of the interval's polling, and the proxy's CPU time for it.
/// </summary>
internal static class ActivityPollBenchmark
{
    public static async Task RunAsync(int sessions, int rounds)
    {
        var options = new ProxyOptions { Command = ServerProcess.Required("BINDER_TEST_PROXY_COMMAND"), PublicBind = "127.0.0.1:0", ApiBind = "127.0.0.1:0" };
        await using var proxy = await SessionProxy.StartAsync(options, TimeProvider.System, NullLoggerFactory.Instance, CancellationToken.None);
        var pid = proxy.Process!.ProcessId;
        var client = new CountingProxyClient(proxy.Client);
        var ids = Enumerable.Range(0, sessions).Select(_ => SessionIds.NewSessionId()).ToList();
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (id, ct) =>
            await client.AddRouteAsync(SessionIds.RoutePath(id), "http://127.0.0.1:9", new Dictionary<string, string> { ["session"] = id }, ct));

        var told = new ConcurrentDictionary<string, int>();
        var poller = new SessionActivityPoller(() => client, (session, route) =>
        {
            if (!route.Exists) throw new InvalidOperationException($"The proxy lost the route of {session}.");
            told.AddOrUpdate(session, 1, (_, n) => n + 1);
            return Task.FromResult(true);
        }, new SessionOptions(), TimeProvider.System, NullLogger.Instance);
        foreach (var id in ids) poller.Track(id);

        var pollerTimes = new List<double>();
        var pollerCpu = new List<double>();
        var pollerCalls = new List<int>();
        for (var round = 0; round < rounds; round++)
        {
            var calls = client.Listings;
            var cpu = CpuSeconds(pid);
            var started = Stopwatch.GetTimestamp();
            await poller.PollOnceAsync(CancellationToken.None);
            pollerTimes.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            pollerCpu.Add(CpuSeconds(pid) - cpu);
            pollerCalls.Add(client.Listings - calls);
        }
        if (told.Count != sessions || told.Values.Any(n => n != rounds)) throw new InvalidOperationException("Not every session was told once per round.");
        Output.Print(new Dictionary<string, object?>
        {
            ["benchmark"] = "sessions.activity_poll", ["design"] = "per-node poller", ["sessions"] = sessions, ["intervals"] = rounds,
            ["proxy_api_calls_per_interval"] = pollerCalls.Max(), ["interval_poll_ms_median"] = Math.Round(Output.Median(pollerTimes), 1),
            // The proxy's CPU clock ticks in hundredths of a second: the mean over every interval.
            ["proxy_cpu_seconds_per_interval_mean"] = Math.Round(pollerCpu.Sum() / pollerCpu.Count, 4),
        });

        // Before: every session's timer listed every route (spread over the interval; here at the poller's concurrency).
        var perSessionTimes = new List<double>();
        var perSessionCpu = new List<double>();
        var perSessionCalls = new List<int>();
        for (var round = 0; round < Math.Min(rounds, 3); round++)
        {
            var calls = client.Listings;
            var cpu = CpuSeconds(pid);
            var started = Stopwatch.GetTimestamp();
            await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (id, ct) =>
            {
                var path = SessionIds.RoutePath(id);
                if (!(await client.GetRoutesAsync(ct)).Any(r => r.Path == path)) throw new InvalidOperationException($"The proxy lost the route of {id}.");
            });
            perSessionTimes.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            perSessionCpu.Add(CpuSeconds(pid) - cpu);
            perSessionCalls.Add(client.Listings - calls);
        }
        Output.Print(new Dictionary<string, object?>
        {
            ["benchmark"] = "sessions.activity_poll", ["design"] = "per-session listing (before)", ["sessions"] = sessions, ["intervals"] = perSessionTimes.Count,
            ["proxy_api_calls_per_interval"] = perSessionCalls.Max(), ["interval_poll_ms_median"] = Math.Round(Output.Median(perSessionTimes), 1),
            ["proxy_cpu_seconds_per_interval_mean"] = Math.Round(perSessionCpu.Sum() / perSessionCpu.Count, 4),
        });
    }

    /// <summary>User and system CPU time of a process so far (<c>/proc/&lt;pid&gt;/stat</c>, in clock ticks of 1/100 s).</summary>
    private static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // The command name may hold spaces: fields are counted after its closing parenthesis.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11]) + long.Parse(fields[12])) / 100.0;
    }
}
