using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Binder.Build.Docker;
using Binder.Hub.Events;
using Binder.Hub.Launch;
using Microsoft.Extensions.Logging.Abstractions;

namespace Binder.Server.Tests.EndToEnd;

/// <summary>
/// <c>binder serve</c> killed with SIGKILL while streams are open and sessions run: the streams end, a restart takes
/// over the proxy the dead run left (routes and all), and the sessions answer throughout; then the proxy itself is
/// killed and comes back with every route while <c>/health</c> says it is degraded.
/// </summary>
public sealed class CrashRecoveryTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task After_kill_9_of_binder_serve_streams_end_the_restart_adopts_the_proxy_and_running_sessions_answer_throughout()
    {
        var suffix = TestEnvironment.UniqueSuffix();
        using var data = new TempDirectory("binder-crash");
        var port = LoopbackHttpServer.FreePort();
        var settings = new Dictionary<string, string>
        {
            ["Server:Urls"] = $"http://127.0.0.1:{port}",
            ["Server:OperatorUrls"] = $"http://localhost:{LoopbackHttpServer.FreePort()}",
            ["Server:DataDirectory"] = data.Path,
            ["Proxy:Command"] = TestEnvironment.Require("BINDER_TEST_PROXY_COMMAND"),
            ["Proxy:PublicBind"] = "127.0.0.1:0",
            ["Proxy:ApiBind"] = "127.0.0.1:0",
            ["Binder:Docker:Host"] = TestEnvironment.DockerHost,
            ["Binder:Docker:BuildNetworkMode"] = "host",
            ["Binder:Buildpacks:BaseImage"] = TestEnvironment.BaseImage,
            ["Binder:Repo:ImageNamePrefix"] = $"crashtest-{suffix}-",
            ["Launch:Docker:InstanceName"] = $"crashtest-{suffix}",
            ["Launch:Docker:StartTimeout"] = "00:01:30",
            ["Silo:NodeName"] = $"crashtest-{suffix}",
        };
        await using var counter = new BuildCounter();
        using var launchable = new LaunchableRepository(counter);
        await using var held = new BuildCounter(held: true);
        using var slow = new LaunchableRepository(held);
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(10) };
        var serve = await ServeProcess.StartAsync(settings, Token);
        ServeProcess? restarted = null;
        var streams = new List<HttpResponseMessage>();
        try
        {
            var front = new Uri($"http://127.0.0.1:{port}/");
            var sessions = new List<(string Url, string Token)>();
            for (var i = 0; i < 3; i++)
            {
                var ready = await ReadyAsync(http, new Uri(front, "build/" + launchable.Spec));
                sessions.Add((ready.Url!, ready.Token!));
            }
            var proxyPid = ProxyRecord.Pid(data.Path);
            var publicUrl = new Uri(sessions[0].Url).GetLeftPart(UriPartial.Authority) + "/";

            // 20 watchers of a build held at its postBuild, through the proxy.
            for (var i = 0; i < 20; i++)
            {
                var request = new HttpRequestMessage(HttpMethod.Get, new Uri(new Uri(publicUrl), "build/" + slow.Spec));
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
                streams.Add(await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Token));
            }
            await held.FirstBuild.WaitAsync(TimeSpan.FromMinutes(10), Token);
            var reading = streams.Select(s => ReadToEndAsync(s)).ToList();

            // Sessions are probed all along: before, during and after the crash and the restart.
            using var probing = new CancellationTokenSource();
            var probe = ProbeSessionsAsync(http, sessions, probing.Token);

            await serve.KillAsync();
            var ended = Task.WhenAll(reading);
            Assert.Same(ended, await Task.WhenAny(ended, Task.Delay(TimeSpan.FromSeconds(60), Token)));

            restarted = await ServeProcess.StartAsync(settings, Token);
            Assert.Equal(proxyPid, ProxyRecord.Pid(data.Path));
            Assert.Contains("Took over the session proxy", restarted.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("EADDRINUSE", restarted.Output, StringComparison.Ordinal);
            await Task.Delay(TimeSpan.FromSeconds(2), Token);
            await probing.CancelAsync();
            var (probes, failures) = await probe;
            Assert.True(failures.Count == 0, $"{failures.Count} of {probes} session probes failed: {string.Join("; ", failures.Take(5))}");
            Assert.True(probes >= 3, $"only {probes} probes ran");
            using (var health = await http.GetAsync(new Uri(front, "health"), Token))
            {
                Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            }

            // Now the proxy dies: /health says so until the new one has every route back.
            using (var proxy = Process.GetProcessById(proxyPid)) proxy.Kill();
            var degraded = false;
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                using var health = await http.GetAsync(new Uri(front, "health"), Token);
                if (health.StatusCode == HttpStatusCode.ServiceUnavailable) degraded = true;
                else if (degraded && await ProxyRecord.AllAnswerAsync(http, sessions, Token)) break;
                Assert.True(deadline.Elapsed < TimeSpan.FromMinutes(2), $"the routes did not come back (degraded seen: {degraded})");
                await Task.Delay(20, Token);
            }
            Assert.True(degraded);
            Assert.NotEqual(proxyPid, ProxyRecord.Pid(data.Path));
        }
        finally
        {
            foreach (var stream in streams) stream.Dispose();
            held.Release();
            // The proxy outlives a killed service by design: a failed run must not leave it (read before a clean stop
            // removes the record).
            var proxy = ProxyRecord.Read(data.Path);
            if (restarted is not null) await restarted.StopAsync();
            restarted?.Dispose();
            serve.Dispose();
            ProxyRecord.KillIfRunning(proxy);
            await RemoveLeftoversAsync(settings["Launch:Docker:InstanceName"], settings["Binder:Repo:ImageNamePrefix"]);
        }
    }

    private static async Task<BinderEvent> ReadyAsync(HttpClient http, Uri url)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Token);
        var events = (await SseFrame.ReadAllAsync(response, Token)).Where(f => !f.IsComment).Select(f => f.Event).ToList();
        var last = events[^1];
        Assert.True(last.Phase == BinderPhases.Ready, $"the launch ended with {last.Phase}: {string.Concat(events.Select(e => e.Message))}");
        return last;
    }

    /// <summary>Reads a stream until it ends, cleanly or cut.</summary>
    private static async Task ReadToEndAsync(HttpResponseMessage response)
    {
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(Token);
            var buffer = new byte[4096];
            while (await body.ReadAsync(buffer, Token) > 0) { }
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            // Cut: what a client sees when the front end dies.
        }
    }

    private static async Task<(int Probes, List<string> Failures)> ProbeSessionsAsync(HttpClient http, List<(string Url, string Token)> sessions, CancellationToken stop)
    {
        var probes = 0;
        var failures = new List<string>();
        while (!stop.IsCancellationRequested)
        {
            foreach (var (url, token) in sessions)
            {
                try
                {
                    using var response = await http.GetAsync($"{url.TrimEnd('/')}/api/status?token={token}", Token);
                    if (response.StatusCode != HttpStatusCode.OK) failures.Add($"{url}: {(int)response.StatusCode}");
                }
                catch (HttpRequestException e)
                {
                    failures.Add($"{url}: {e.Message}");
                }
            }
            probes++;
            try
            {
                await Task.Delay(200, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        return (probes, failures);
    }

    private static async Task RemoveLeftoversAsync(string instance, string imagePrefix)
    {
        var docker = new DockerClient(new DockerOptions { Host = TestEnvironment.DockerHost }, NullLogger<DockerClient>.Instance);
        foreach (var container in await docker.ListContainersAsync(new Dictionary<string, string?> { [SessionLabels.Instance] = instance }, CancellationToken.None))
        {
            await docker.RemoveContainerAsync(container.Id, force: true, CancellationToken.None);
        }
        using var list = Process.Start(new ProcessStartInfo("docker", ["image", "ls", "--format", "{{.Repository}}:{{.Tag}}"])
        {
            RedirectStandardOutput = true, UseShellExecute = false, Environment = { ["DOCKER_HOST"] = TestEnvironment.DockerHost },
        })!;
        var images = (await list.StandardOutput.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(i => i.StartsWith(imagePrefix, StringComparison.Ordinal));
        foreach (var image in images) await docker.RemoveImageAsync(image, force: true, CancellationToken.None);
        // The service never removes its session network.
        await docker.RemoveNetworkAsync($"{instance}-sessions", CancellationToken.None);
    }
}
