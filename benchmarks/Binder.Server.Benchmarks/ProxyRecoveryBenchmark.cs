using System.Diagnostics;
using Binder.Build.Docker;
using Binder.Hub.Launch;
using Binder.Server.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Binder.Server.Benchmarks;

/// <summary>
/// The proxy across crashes, with running sessions: (1) after SIGKILL of the service, how long the restarted service
/// takes from its process start until it serves with the proxy it adopted (the proxy's pid must not change); (2) after
/// SIGKILL of the proxy, how long until every session answers through the proxy again (a new proxy started and every
/// route re-added), polled every 10 ms.
/// </summary>
internal static class ProxyRecoveryBenchmark
{
    public static async Task<ServerProcess> RunAsync(ServerProcess server, GitRemote remote, int sessions, int runs, List<string> images)
    {
        var branch = remote.NewBranch("recovery");
        var spec = $"git/{Uri.EscapeDataString(remote.Url)}/{branch}";
        var launched = new List<(string Url, string Token)>();
        using (var client = new EventStreamClient(server.Port))
        {
            for (var i = 0; i < sessions; i++)
            {
                var ready = await client.ReadAsync($"build/{spec}", null, CancellationToken.None);
                if (ready.Phase != "ready") throw new InvalidOperationException($"The launch for the recovery benchmark ended with {ready.Phase}: {ready.Final}");
                launched.Add((ready.Final.GetProperty("url").GetString()!, ready.Final.GetProperty("token").GetString()!));
                if (ready.Final.TryGetProperty("image", out var image)) images.Add(image.GetString()!);
            }
        }
        using var http = new HttpClient(new SocketsHttpHandler { UseCookies = false }) { Timeout = TimeSpan.FromSeconds(2) };
        var adoption = new List<double>();
        var restoration = new List<double>();
        var current = server;
        try
        {
            for (var run = 0; run < runs; run++)
            {
                var proxyPid = ProxyRecord.Pid(current.DataDirectory);
                current.KillHard();
                var started = Stopwatch.GetTimestamp();
                var restarted = new ServerProcess(current.Suffix, Guid.NewGuid().ToString("N"), current);
                var serving = Stopwatch.GetElapsedTime(started).TotalSeconds;
                if (!ReferenceEquals(current, server)) await current.DisposeAsync();
                current = restarted;
                if (ProxyRecord.Pid(current.DataDirectory) != proxyPid) throw new InvalidOperationException("The restarted service did not adopt the proxy.");
                if (!await ProxyRecord.AllAnswerAsync(http, launched, CancellationToken.None)) throw new InvalidOperationException("A session does not answer after the service restart.");
                adoption.Add(serving);

                proxyPid = ProxyRecord.Pid(current.DataDirectory);
                using (var proxy = Process.GetProcessById(proxyPid)) proxy.Kill();
                var killed = Stopwatch.GetTimestamp();
                while (!await ProxyRecord.AllAnswerAsync(http, launched, CancellationToken.None))
                {
                    if (Stopwatch.GetElapsedTime(killed) > TimeSpan.FromMinutes(2)) throw new InvalidOperationException("The routes did not come back within 2 minutes.");
                    await Task.Delay(10);
                }
                var restored = Stopwatch.GetElapsedTime(killed).TotalSeconds;
                restoration.Add(restored);
                Output.Print(new Dictionary<string, object?>
                {
                    ["benchmark"] = "server.proxy_recovery.run", ["run"] = run, ["sessions"] = sessions,
                    ["service_restart_to_serving_with_adopted_proxy_s"] = Math.Round(serving, 3),
                    ["proxy_kill_to_all_sessions_answering_s"] = Math.Round(restored, 3),
                    ["load_average"] = File.ReadAllText("/proc/loadavg").Split(' ')[0],
                });
            }
        }
        catch
        {
            // A failed run leaves no service and no proxy behind: the one started here is stopped (with its proxy),
            // and a proxy whose service was killed is killed too (the caller disposes the first service).
            var proxy = ProxyRecord.Read(current.DataDirectory);
            if (!ReferenceEquals(current, server)) await current.DisposeAsync();
            ProxyRecord.KillIfRunning(proxy);
            throw;
        }
        finally
        {
            using var docker = new DockerClient(new DockerOptions { Host = ServerProcess.Required("DOCKER_HOST") }, NullLogger<DockerClient>.Instance);
            foreach (var container in await docker.ListContainersAsync(new Dictionary<string, string?> { [SessionLabels.Instance] = current.InstanceName }, CancellationToken.None))
            {
                await docker.RemoveContainerAsync(container.Id, force: true, CancellationToken.None);
            }
        }
        Output.Print(new Dictionary<string, object?>
        {
            ["benchmark"] = "server.proxy_recovery", ["sessions"] = sessions, ["runs"] = runs,
            ["readoption_median_s"] = Output.Median(adoption), ["readoption_max_s"] = Output.Percentile(adoption, 1),
            ["route_restoration_median_s"] = Output.Median(restoration), ["route_restoration_max_s"] = Output.Percentile(restoration, 1),
        });
        return current;
    }
}
