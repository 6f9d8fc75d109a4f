using System.Net;
using System.Net.Http.Headers;
using Binder.Hub.Events;
using Binder.Hub.Tests.Launch;
using Microsoft.Extensions.DependencyInjection;

namespace Binder.Server.Tests.EndToEnd;

/// <summary>
/// Build and launch through the HTTP API with every real part: a git daemon, the build engine on the Docker daemon,
/// the grains, configurable-http-proxy, Jupyter in the session container.
/// </summary>
public sealed class LaunchTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_git_repository_builds_launches_answers_through_the_proxy_then_launches_again_without_a_build_and_stops_through_the_api()
    {
        const string secret = "operator-secret-for-the-launch-test";
        await using var counter = new BuildCounter();
        using var repository = new LaunchableRepository(counter);
        await using var app = await BinderTestApp.StartAsync(new Dictionary<string, string?> { ["Server:OperatorToken"] = secret });
        string? image = null;
        try
        {
            var before = PrometheusParser.Parse(await app.Http.GetStringAsync("metrics", Token));
            Assert.DoesNotContain(before.Samples, m => m.Name.StartsWith("binderhub_launch_", StringComparison.Ordinal));
            var first = await app.ReadEventsAsync("build/" + repository.Spec, Token);
            var events = first.Where(f => !f.IsComment).Select(f => f.Event).ToList();
            var log = string.Concat(events.Select(e => e.Message));
            var ready = events[^1];
            Assert.True(ready.Phase == BinderPhases.Ready, $"The stream ended with {ready.Phase}: {ready.Message}\n{log}");
            AssertPhaseOrder(events);
            Assert.Contains(events, e => e.Phase == BinderPhases.Building);
            var built = Assert.Single(events, e => e.Phase == BinderPhases.Built);
            image = built.ImageName;
            Assert.StartsWith(app.ImagePrefix, image, StringComparison.Ordinal);
            Assert.EndsWith(":" + repository.Commit, image, StringComparison.Ordinal);
            Assert.True(counter.Builds == 1, $"{counter.Builds} builds reached the daemon; the log:\n{log}");

            // BinderHub's ready fields.
            Assert.StartsWith(app.Proxy.PublicUrl.ToString().TrimEnd('/') + "/user/", ready.Url, StringComparison.Ordinal);
            Assert.True(ready.Token is { Length: >= 32 }, "the token is missing or short");
            Assert.Equal(image, ready.Image);
            Assert.Equal("v2/" + repository.Spec, ready.BinderRequest);
            // The same request pinned to the commit: v2/git/<escaped url>/<sha>.
            Assert.Equal("v2/" + repository.Spec[..repository.Spec.LastIndexOf('/')] + "/" + repository.Commit, ready.BinderPersistentRequest);
            Assert.False(string.IsNullOrEmpty(ready.RepoUrl));
            Assert.False(string.IsNullOrEmpty(ready.BinderLaunchHost));

            // The metrics counted one successful build and one successful launch.
            var metrics = PrometheusParser.Parse(await app.Http.GetStringAsync("metrics", Token));
            Assert.Equal(1, metrics.Samples.Where(m => m.Name == "binderhub_build_count" && m.Labels.StartsWith("status=\"success\"", StringComparison.Ordinal)).Sum(m => m.Value));
            Assert.Equal(1, metrics.Samples.Where(m => m.Name == "binderhub_launch_count" && m.Labels.StartsWith("status=\"success\"", StringComparison.Ordinal)).Sum(m => m.Value));
            Assert.Equal(1, metrics.Value("binderhub_launch_time_seconds_count", "status=\"success\",retries=\"0\""));
            Assert.Equal(0, metrics.Value("binderhub_inprogress_launches"));
            // BinderHub's launch buckets, so its dashboards' quantiles mean the same.
            Assert.Equal(["2", "5", "10", "20", "30", "60", "120", "300", "600", "+Inf"],
                metrics.Samples.Where(m => m.Name == "binderhub_launch_time_seconds_bucket").Select(m => m.Labels[(m.Labels.IndexOf("le=\"", StringComparison.Ordinal) + 4)..^1]));

            // Jupyter answers through the proxy with the token, and a kernel runs code.
            await AssertJupyterAnswersAsync(ready.Url!, ready.Token!);

            // The same commit again: no build at the daemon (the kept log is replayed, as the issue asks), then ready.
            var second = (await app.ReadEventsAsync("build/" + repository.Spec, Token)).Where(f => !f.IsComment).Select(f => f.Event).ToList();
            Assert.True(second[^1].Phase == BinderPhases.Ready, $"The second launch ended with {second[^1].Phase}: {second[^1].Message}");
            Assert.Equal(1, counter.Builds);
            Assert.Contains(second, e => e.Message.Contains("counting build", StringComparison.Ordinal));
            Assert.NotEqual(ready.Url, second[^1].Url);
            // A second launch, and no second build.
            var again = PrometheusParser.Parse(await app.Http.GetStringAsync("metrics", Token));
            Assert.Equal(2, again.Samples.Where(m => m.Name == "binderhub_launch_count").Sum(m => m.Value));
            Assert.Equal(1, again.Samples.Where(m => m.Name == "binderhub_build_count").Sum(m => m.Value));

            // An operator lists the sessions (never their tokens), then stops the first one: its route and container go.
            var sessionId = SessionIdOf(ready.Url!);
            using (var list = new HttpRequestMessage(HttpMethod.Get, "api/sessions"))
            {
                list.Headers.Authorization = new AuthenticationHeaderValue("Bearer", secret);
                using var response = await app.OperatorHttp.SendAsync(list, Token);
                var body = await response.Content.ReadAsStringAsync(Token);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Contains(sessionId, body, StringComparison.Ordinal);
                Assert.Contains(SessionIdOf(second[^1].Url!), body, StringComparison.Ordinal);
                Assert.DoesNotContain(ready.Token!, body, StringComparison.Ordinal);
            }
            using (var stop = new HttpRequestMessage(HttpMethod.Delete, $"api/sessions/{sessionId}"))
            {
                stop.Headers.Authorization = new AuthenticationHeaderValue("Bearer", secret);
                using var response = await app.OperatorHttp.SendAsync(stop, Token);
                Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
            }
            var routes = await app.Proxy.GetRoutesAsync(Token);
            Assert.DoesNotContain(routes, r => r.Path.Contains(sessionId, StringComparison.Ordinal));
            Assert.Contains(routes, r => r.Path.Contains(SessionIdOf(second[^1].Url!), StringComparison.Ordinal));
            using var gone = new HttpClient(new SocketsHttpHandler { UseCookies = false });
            using var after = await gone.GetAsync(ready.Url + "api/status?token=" + ready.Token, Token);
            Assert.NotEqual(HttpStatusCode.OK, after.StatusCode);
        }
        finally
        {
            await app.DisposeAsync();
            if (image is not null) await BinderTestApp.RemoveImageAsync(image);
        }
    }

    [Fact]
    public async Task A_client_that_leaves_during_the_launch_leaves_no_container_route_or_quota_behind()
    {
        await using var counter = new BuildCounter();
        using var repository = new LaunchableRepository(counter);
        await using var app = await BinderTestApp.StartAsync(new Dictionary<string, string?> { ["Binder:Sessions:DefaultRepoQuota"] = "1" });
        string? image = null;
        try
        {
            // A raw connection, closed the moment the launch starts, as a browser tab that is closed (HttpClient would
            // keep reading for a while to reuse the connection).
            using (var client = new System.Net.Sockets.TcpClient())
            {
                await client.ConnectAsync(IPAddress.Loopback, app.Port, Token);
                var stream = client.GetStream();
                var request = $"GET /build/{repository.Spec} HTTP/1.1\r\nHost: 127.0.0.1:{app.Port}\r\nAccept: text/event-stream\r\n\r\n";
                await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(request), Token);
                using var reader = new StreamReader(stream);
                while (await reader.ReadLineAsync(Token) is { } line)
                {
                    if (line.Contains("\"phase\":\"built\"", StringComparison.Ordinal))
                    {
                        image = System.Text.Json.JsonDocument.Parse(line[line.IndexOf('{', StringComparison.Ordinal)..]).RootElement.GetProperty("imageName").GetString();
                    }
                    Assert.DoesNotContain("\"phase\":\"ready\"", line, StringComparison.Ordinal);
                    if (line.Contains("\"phase\":\"launching\"", StringComparison.Ordinal)) break;
                }
                client.Client.Close(0);
            }

            // The launch grain removes what it started; wait for it (no fixed sleep), then check the proxy.
            var docker = new Binder.Build.Docker.DockerClient(new Binder.Build.Docker.DockerOptions { Host = TestEnvironment.DockerHost }, Microsoft.Extensions.Logging.Abstractions.NullLogger<Binder.Build.Docker.DockerClient>.Instance);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while ((await docker.ListContainersAsync(new Dictionary<string, string?> { [Binder.Hub.Launch.SessionLabels.Instance] = app.InstanceName }, Token)).Count > 0)
            {
                Assert.True(DateTime.UtcNow < deadline, "the abandoned launch's container is still there after 2 minutes");
                await Task.Delay(200, Token);
            }
            var grains = app.App.Services.GetRequiredService<IGrainFactory>();
            var quotaKey = "git/" + Uri.EscapeDataString(repository.Url);
            while ((await grains.GetGrain<Binder.Hub.Grains.IQuotaGrain>(quotaKey).GetHolders()).Count > 0
                || (await grains.GetGrain<Binder.Hub.Grains.IQuotaGrain>(Binder.Hub.Grains.IQuotaGrain.TotalKey).GetHolders()).Count > 0)
            {
                Assert.True(DateTime.UtcNow < deadline, "the abandoned launch still holds its quota after 30 s: "
                    + string.Join(", ", await grains.GetGrain<Binder.Hub.Grains.IQuotaGrain>(quotaKey).GetHolders()) + " / "
                    + string.Join(", ", await grains.GetGrain<Binder.Hub.Grains.IQuotaGrain>(Binder.Hub.Grains.IQuotaGrain.TotalKey).GetHolders()) + "\nThe service's log:\n" + app.Log);
                await Task.Delay(200, Token);
            }
            Assert.DoesNotContain(await app.Proxy.GetRoutesAsync(Token), r => r.Path.StartsWith("/user/", StringComparison.Ordinal));

            // The quota of 1 was released: the next launch of the same repository gets its session.
            var next = (await app.ReadEventsAsync("build/" + repository.Spec, Token)).Where(f => !f.IsComment).Select(f => f.Event).ToList();
            Assert.True(next[^1].Phase == BinderPhases.Ready, $"ended with {next[^1].Phase}: {next[^1].Message}");
        }
        finally
        {
            await app.DisposeAsync();
            if (image is not null) await BinderTestApp.RemoveImageAsync(image);
        }
    }

    [Fact]
    public async Task After_a_restart_of_the_service_a_running_session_is_taken_back_behind_the_new_proxy()
    {
        await using var counter = new BuildCounter();
        using var repository = new LaunchableRepository(counter);
        using var data = new TempDirectory("binder-server-restart");
        var settings = new Dictionary<string, string?>
        {
            ["Server:DataDirectory"] = data.Path,
            ["Server:PublicUrl"] = "https://binder.example.org/",
        };
        var first = await BinderTestApp.StartAsync(settings);
        BinderEvent ready;
        try
        {
            var events = (await first.ReadEventsAsync("build/" + repository.Spec, Token)).Where(f => !f.IsComment).Select(f => f.Event).ToList();
            ready = events[^1];
            Assert.True(ready.Phase == BinderPhases.Ready, $"ended with {ready.Phase}: {ready.Message}");
            Assert.Equal("https://binder.example.org/", ready.BinderLaunchHost);
            // The owned proxy serves the pages, so it serves sessions at Binder's public URL too.
            Assert.StartsWith("https://binder.example.org/user/", ready.Url, StringComparison.Ordinal);
            first.KeepSessionsOnDispose = true;
        }
        finally
        {
            await first.DisposeAsync();
        }

        // A new service on the same state: the session's container still runs, and its route is on the new proxy.
        var second = await BinderTestApp.StartAsync(settings, first.Suffix);
        try
        {
            var sessionId = SessionIdOf(ready.Url!);
            var url = second.ProxyListenUrl.ToString().TrimEnd('/') + $"/user/{sessionId}/";
            await AssertJupyterAnswersAsync(url, ready.Token!);
            Assert.Equal(1, counter.Builds);
        }
        finally
        {
            await second.DisposeAsync();
            if (ready.Image is not null) await BinderTestApp.RemoveImageAsync(ready.Image);
        }
    }

    internal static string SessionIdOf(string url) => new Uri(url).AbsolutePath.TrimEnd('/').Split('/')[^1];

    internal static async Task AssertJupyterAnswersAsync(string url, string token)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseCookies = false });
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("token", token);
        using var status = await http.GetAsync(url + "api/status", Token);
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        await using var kernel = await JupyterKernelClient.StartAsync(new Uri(url), token, Token);
        Assert.Equal("42", (await kernel.ExecuteAsync("6 * 7", Token)).Trim());
    }

    /// <summary>Phases only move forward: waiting, fetching, building, pushing, built, launching, ready.</summary>
    internal static void AssertPhaseOrder(IReadOnlyList<BinderEvent> events)
    {
        string[] order = [BinderPhases.Waiting, BinderPhases.Fetching, BinderPhases.Building, BinderPhases.Pushing, BinderPhases.Built, BinderPhases.Launching, BinderPhases.Ready];
        var at = 0;
        foreach (var e in events)
        {
            var index = Array.IndexOf(order, e.Phase);
            Assert.True(index >= 0, $"Unexpected phase '{e.Phase}': {e.Message}");
            // The build can go back to waiting (queue position) before it starts; after 'built' it never goes back.
            Assert.True(index >= at || (at <= 2 && index <= 2), $"Phase '{e.Phase}' after '{order[at]}'");
            at = Math.Max(at, index);
            Assert.EndsWith("\n", e.Message, StringComparison.Ordinal);
        }
    }
}
