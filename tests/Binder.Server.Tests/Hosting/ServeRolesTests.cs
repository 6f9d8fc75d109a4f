using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Binder.Build.Docker;
using Binder.Hub.Events;
using Microsoft.Extensions.Logging.Abstractions;

namespace Binder.Server.Tests.Hosting;

/// <summary>
/// <c>binder serve --role silo</c> and <c>--role frontend</c> as real processes on a real cluster backend: two silos
/// (each with its node's proxy and session network on the provisioned daemon) and one front end calling them as an
/// Orleans client, as the README's "cluster on one machine" runs them; and the settings a role refuses.
/// </summary>
public sealed class ServeRolesTests
{
    private const string OperatorToken = "roles-test-operator-token-0123456789";

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("Redis")]
    [InlineData("AzureStorage")]
    public async Task Two_silos_and_a_front_end_build_a_commit_once_and_launch_a_session_that_answers_through_its_node_proxy(string backend)
    {
        var suffix = TestEnvironment.UniqueSuffix();
        var prefix = $"rolestest-{suffix}";
        using var dataA = new TempDirectory("binder-roles-a");
        using var dataB = new TempDirectory("binder-roles-b");
        int frontPort = LoopbackHttpServer.FreePort(), operatorPort = LoopbackHttpServer.FreePort();
        int siloPortA = LoopbackHttpServer.FreePort(), siloPortB = LoopbackHttpServer.FreePort();
        var front = $"http://127.0.0.1:{frontPort}";
        Dictionary<string, string> Common()
        {
            var settings = new Dictionary<string, string>
            {
                ["Binder:Docker:Host"] = TestEnvironment.DockerHost,
                ["Binder:Docker:BuildNetworkMode"] = "host",
                ["Binder:Buildpacks:BaseImage"] = TestEnvironment.BaseImage,
                ["Binder:Buildpacks:JupyterSource"] = "Debian",
                ["Binder:Repo:ImageNamePrefix"] = $"{prefix}-",
            };
            foreach (var (key, value) in ClusterBackend.Settings(backend, suffix)) settings[key] = value!;
            return settings;
        }
        Dictionary<string, string> Silo(string name, TempDirectory data, int port)
        {
            var settings = Common();
            settings["Server:Urls"] = $"http://127.0.0.1:{port}";
            settings["Server:DataDirectory"] = data.Path;
            settings["Proxy:Command"] = TestEnvironment.ProxyCommand;
            settings["Proxy:PublicBind"] = "127.0.0.1:0";
            settings["Proxy:ApiBind"] = "127.0.0.1:0";
            // What the node's proxy has no session route for goes to the front end.
            settings["Proxy:DefaultTarget"] = front + "/";
            settings["Launch:Docker:InstanceName"] = $"{prefix}-{name}";
            settings["Silo:NodeName"] = $"{prefix}-{name}";
            return settings;
        }
        var frontSettings = Common();
        frontSettings["Server:Urls"] = front;
        frontSettings["Server:OperatorUrls"] = $"http://localhost:{operatorPort}";
        frontSettings["Server:OperatorToken"] = OperatorToken;
        // A second front end of the same cluster, as a load balancer would put beside the first.
        var operatorPort2 = LoopbackHttpServer.FreePort();
        var frontSettings2 = new Dictionary<string, string>(frontSettings)
        {
            ["Server:Urls"] = $"http://127.0.0.1:{LoopbackHttpServer.FreePort()}",
            ["Server:OperatorUrls"] = $"http://localhost:{operatorPort2}",
        };

        await using var counter = new BuildCounter();
        using var repository = new LaunchableRepository(counter);
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(10) };
        var silos = new[]
        {
            ServeProcess.StartAsync(Silo("a", dataA, siloPortA), Token, ["--role", "silo"]),
            ServeProcess.StartAsync(Silo("b", dataB, siloPortB), Token, ["--role", "silo"]),
        };
        Task<ServeProcess>? frontEnd = null;
        Task<ServeProcess>? frontEnd2 = null;
        try
        {
            await Task.WhenAll(silos);
            frontEnd = ServeProcess.StartAsync(frontSettings, Token, ["--role", "frontend"]);
            frontEnd2 = ServeProcess.StartAsync(frontSettings2, Token, ["--role", "frontend"]);
            await Task.WhenAll(frontEnd, frontEnd2);

            // An operator signed in on one front end is signed in on the other: the cookie's keys are in the backend.
            using (var operator1 = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = new Uri($"http://localhost:{operatorPort}/") })
            using (var operator2 = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = new Uri($"http://localhost:{operatorPort2}/") })
            {
                using var signedIn = await Operator.OperatorSignInTests.PostSignInAsync(operator1, await Operator.OperatorSignInTests.LoginFormAsync(operator1), OperatorToken, "/operator");
                var cookie = Operator.OperatorSignInTests.SignInCookie(signedIn)?.Split(';')[0];
                Assert.True(cookie is not null, $"no sign-in cookie: {(int)signedIn.StatusCode}");
                Assert.Equal(HttpStatusCode.OK, await Operator.OperatorSignInTests.StatusWithCookieAsync(operator2, "api/sessions", cookie!));
                Assert.Equal(HttpStatusCode.OK, await Operator.OperatorSignInTests.StatusWithCookieAsync(operator2, "operator", cookie!));
                // A cookie that is not one refused there all the same.
                Assert.Equal(HttpStatusCode.Unauthorized, await Operator.OperatorSignInTests.StatusWithCookieAsync(operator2, "api/sessions", cookie![..^4] + "AAAA"));
            }

            // The Orleans Dashboard is served by the front end (an Orleans client) and shows the cluster's two silos.
            using (var dashboard = new HttpClient { BaseAddress = new Uri($"http://localhost:{operatorPort}/") })
            {
                dashboard.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", OperatorToken);
                using (var page = await dashboard.GetAsync("dashboard/", Token))
                {
                    Assert.Equal(HttpStatusCode.OK, page.StatusCode);
                    Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
                }
                var hosts = -1;
                var counters = "";
                for (var wait = Stopwatch.StartNew(); hosts != 2 && wait.Elapsed < TimeSpan.FromSeconds(30); await Task.Delay(500, Token))
                {
                    counters = await dashboard.GetStringAsync("dashboard/DashboardCounters", Token);
                    using var json = JsonDocument.Parse(counters);
                    hosts = json.RootElement.EnumerateObject().FirstOrDefault(p => p.Name.Equals("totalActiveHostCount", StringComparison.OrdinalIgnoreCase)).Value is { ValueKind: JsonValueKind.Number } count ? count.GetInt32() : -1;
                }
                Assert.True(hosts == 2, "The dashboard's counters do not show the two silos: " + counters[..Math.Min(counters.Length, 2000)]);
            }

            // A launch through the front end: built once on one of the nodes, started there, routed by that node's proxy.
            using var request = new HttpRequestMessage(HttpMethod.Get, $"{front}/build/{repository.Spec}");
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Token);
            var events = new List<BinderEvent>();
            await foreach (var frame in SseFrame.ReadAsync(await response.Content.ReadAsStreamAsync(Token), Token))
            {
                if (!frame.IsComment) events.Add(frame.Event);
            }
            var ready = events[^1];
            Assert.True(ready.Phase == BinderPhases.Ready, $"the launch ended with {ready.Phase}: {string.Concat(events.Select(e => e.Message))}");
            Assert.Equal(1, counter.Builds);
            Assert.StartsWith(front + "/", ready.BinderLaunchHost);
            using (var status = await http.GetAsync($"{ready.Url!.TrimEnd('/')}/api/status?token={ready.Token}", Token))
            {
                Assert.Equal(HttpStatusCode.OK, status.StatusCode);
            }
            var session = new Uri(ready.Url!).AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries)[1];

            // The front end's health is the cluster's: both nodes are live.
            using (var health = await http.GetAsync($"{front}/health", Token))
            {
                var body = await health.Content.ReadAsStringAsync(Token);
                Assert.True(health.StatusCode == HttpStatusCode.OK, body);
                Assert.Contains($"{prefix}-a", body);
                Assert.Contains($"{prefix}-b", body);
            }
            // A silo serves its node's health and metrics, and nothing of the front end.
            foreach (var port in new[] { siloPortA, siloPortB })
            {
                using var health = await http.GetAsync($"http://127.0.0.1:{port}/health", Token);
                var body = await health.Content.ReadAsStringAsync(Token);
                Assert.True(health.StatusCode == HttpStatusCode.OK, body);
                Assert.Contains("\"Docker\"", body);
                Assert.Contains("\"Proxy\"", body);
                using var metrics = await http.GetAsync($"http://127.0.0.1:{port}/metrics", Token);
                Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
                Assert.Contains("# TYPE binderhub_build_time_seconds histogram", await metrics.Content.ReadAsStringAsync(Token));
                foreach (var path in new[] { $"/build/{repository.Spec}", "/", "/operator", "/api/sessions", "/versions" })
                {
                    using var refused = await http.GetAsync($"http://127.0.0.1:{port}{path}", Token);
                    Assert.True(refused.StatusCode == HttpStatusCode.NotFound, $"{path} on a silo answered {(int)refused.StatusCode}");
                }
            }
            // The node's proxy sends what is not a session to the front end (Proxy:DefaultTarget).
            using (var root = await http.GetAsync(new Uri(new Uri(ready.Url!), "/versions"), Token))
            {
                Assert.Equal(HttpStatusCode.OK, root.StatusCode);
            }

            // The operator API of the front end sees the session on whichever node runs it, and stops it there.
            using var operatorApi = new HttpClient { BaseAddress = new Uri($"http://localhost:{operatorPort}") };
            operatorApi.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", OperatorToken);
            using (var list = JsonDocument.Parse(await operatorApi.GetStringAsync("/api/sessions", Token)))
            {
                Assert.Contains(list.RootElement.EnumerateArray(), s => s.GetProperty("sessionId").GetString() == session);
            }
            using (var stop = await operatorApi.DeleteAsync($"/api/sessions/{session}", Token))
            {
                Assert.Equal(HttpStatusCode.NoContent, stop.StatusCode);
            }
            using (var gone = await http.GetAsync($"{ready.Url!.TrimEnd('/')}/api/status?token={ready.Token}", Token))
            {
                Assert.NotEqual(HttpStatusCode.OK, gone.StatusCode);
            }
        }
        finally
        {
            // The front end first, then the silos: sessions are stopped by then, routes and containers go with the test.
            foreach (var start in silos.Concat(new[] { frontEnd, frontEnd2 }.OfType<Task<ServeProcess>>()).Reverse())
            {
                if (!start.IsCompletedSuccessfully) continue;
                var serve = await start;
                await serve.StopAsync();
                serve.Dispose();
            }
            await ServeLeftovers.RemoveAsync(prefix);
            await ClusterBackend.RemoveDataAsync(backend, suffix);
        }
    }

    [Fact]
    public async Task A_front_end_on_the_embedded_backend_is_refused_with_a_sentence_naming_Silo_Backend()
    {
        using var data = new TempDirectory("binder-roles-sqlite");
        var (code, output) = await RunToExitAsync(new() { ["Server:DataDirectory"] = data.Path }, ["--role", "frontend"]);
        Assert.Equal(2, code);
        Assert.Contains("Server:Role frontend needs a cluster backend, but Silo:Backend is Sqlite", output);
    }

    [Fact]
    public async Task A_silo_alone_on_the_embedded_backend_is_refused_too()
    {
        using var data = new TempDirectory("binder-roles-sqlite");
        var (code, output) = await RunToExitAsync(new() { ["Server:DataDirectory"] = data.Path, ["Server:Role"] = "SILO" }, []);
        Assert.Equal(2, code);
        Assert.Contains("Server:Role silo needs a cluster backend", output);
    }

    [Theory]
    [InlineData("frontend", "Proxy:FrontEndSocket is set, but --role frontend starts no session proxy that would connect to it (each silo runs its node's proxy); leave it out here, and set Proxy:DefaultTarget on the silos to this front end's URL")]
    [InlineData("silo", "Proxy:FrontEndSocket is set, but --role silo runs no front end to listen on it; leave it out and set Proxy:DefaultTarget to the front ends' URL")]
    public async Task A_front_end_socket_outside_role_all_is_refused_with_a_sentence_that_fits_the_role(string role, string sentence)
    {
        using var data = new TempDirectory("binder-roles-socket");
        // A cluster backend, so the socket is the one problem (the settings are refused before the backend is asked).
        var settings = new Dictionary<string, string>
        {
            ["Server:DataDirectory"] = data.Path,
            ["Proxy:FrontEndSocket"] = Path.Combine(data.Path, "front.sock"),
        };
        foreach (var (key, value) in ClusterBackend.Settings("Redis", TestEnvironment.UniqueSuffix())) settings[key] = value!;

        var (code, output) = await RunToExitAsync(settings, ["--role", role]);

        Assert.Equal(2, code);
        Assert.Contains(sentence, output);
        // Not the sentence meant for the other role: a front end is told neither that it runs none nor to set its own DefaultTarget.
        Assert.DoesNotContain("runs no front end (Server:Role is not all)", output);
    }

    [Theory]
    [InlineData("--role")]
    [InlineData("Server:Role")]
    public async Task A_role_that_does_not_exist_is_refused_with_a_sentence_listing_the_roles(string where)
    {
        using var data = new TempDirectory("binder-roles-bad");
        var settings = new Dictionary<string, string> { ["Server:DataDirectory"] = data.Path };
        string[] arguments = where == "--role" ? ["--role", "frontdoor"] : [];
        if (where != "--role") settings["Server:Role"] = "frontdoor";
        var (code, output) = await RunToExitAsync(settings, arguments);
        Assert.Equal(2, code);
        Assert.Contains("Server:Role (--role) 'frontdoor' is not a role; choose all", output);
        Assert.Contains("silo (", output);
        Assert.Contains("frontend (", output);
    }

    [Fact]
    public async Task Unknown_keys_and_subsections_of_every_section_are_refused_together_each_by_its_key()
    {
        using var data = new TempDirectory("binder-roles-unknown");
        var (code, output) = await RunToExitAsync(new()
        {
            ["Server:DataDirectory"] = data.Path,
            ["Server:Rol"] = "silo",
            ["Server:Role"] = "frontend",
            ["Server:Urls"] = $"http://127.0.0.1:{LoopbackHttpServer.FreePort()}",
            ["Binder:Sessions:IdelTimeout"] = "00:10:00",
            ["Silo:Redis:Connection"] = "x",
            ["Launch:Nomad:Region"] = "binder",
            ["Proxy:PublicBnd"] = "127.0.0.1:0",
        }, []);
        Assert.Equal(2, code);
        Assert.Contains("Server:Rol is not a setting: Server has ", output);
        Assert.Contains("Binder:Sessions:IdelTimeout is not a setting: Binder:Sessions has ", output);
        Assert.Contains("Silo:Redis:Connection is not a setting: Silo:Redis has ConnectionString.", output);
        Assert.Contains("Launch:Nomad is not a setting: Launch has Launch:Backend, Launch:Docker, Launch:JupyterHub, Launch:Kubernetes.", output);
        Assert.Contains("Proxy:PublicBnd is not a setting", output);
        // The known keys are still read, so the role's own refusal is among them: one start lists every problem.
        Assert.Contains("Server:Role frontend needs a cluster backend", output);
    }

    [Theory]
    [InlineData("Buildpacks:BaseImage", "debian:bookworm", "Buildpacks:BaseImage was renamed Binder:Buildpacks:BaseImage; set Binder:Buildpacks:BaseImage instead (BINDER_Binder__Buildpacks__BaseImage in the environment).")]
    [InlineData("Docker:BuildNetworkMode", "host", "Docker:BuildNetworkMode was renamed Binder:Docker:BuildNetworkMode;")]
    [InlineData("Launch:Docker:UserId", "0", "Launch:Docker:UserId was renamed Binder:Buildpacks:UserId;")]
    public async Task A_key_under_its_old_name_is_refused_with_a_sentence_naming_the_new_one(string key, string value, string sentence)
    {
        using var data = new TempDirectory("binder-roles-renamed");
        var (code, output) = await RunToExitAsync(new() { ["Server:DataDirectory"] = data.Path, [key] = value }, []);
        Assert.Equal(2, code);
        Assert.Contains(sentence, output);
    }

    [Theory]
    [InlineData("Redis")]
    [InlineData("AzureStorage")]
    public async Task A_front_end_that_finds_no_silo_stops_within_its_connect_timeout_naming_the_setting(string backend)
    {
        var suffix = TestEnvironment.UniqueSuffix();
        var settings = new Dictionary<string, string> { ["Silo:ClientConnectTimeout"] = "00:00:03", ["Server:OperatorUrls"] = "" };
        foreach (var (key, value) in ClusterBackend.Settings(backend, suffix)) settings[key] = value!;
        try
        {
            var (code, output) = await RunToExitAsync(settings, ["--role", "frontend", "--urls", $"http://127.0.0.1:{LoopbackHttpServer.FreePort()}"]);
            Assert.Equal(2, code);
            Assert.Contains("answered on its gateway within 00:00:03 (Silo:ClientConnectTimeout)", output);
            Assert.DoesNotContain(ClusterBackend.ConnectionString(backend), output);
        }
        finally
        {
            await ClusterBackend.RemoveDataAsync(backend, suffix);
        }
    }

    [Fact]
    public async Task A_front_end_whose_backend_is_unreachable_stops_in_seconds_naming_the_connection_string_setting()
    {
        var settings = new Dictionary<string, string>
        {
            ["Silo:Backend"] = "Redis",
            ["Silo:Redis:ConnectionString"] = $"127.0.0.1:{LoopbackHttpServer.FreePort()},password=unused",
            ["Silo:BackendCheckTimeout"] = "00:00:03",
        };
        var (code, output) = await RunToExitAsync(settings, ["--role", "frontend", "--urls", $"http://127.0.0.1:{LoopbackHttpServer.FreePort()}"]);
        Assert.Equal(2, code);
        Assert.Contains("(Silo:Redis:ConnectionString)", output);
        Assert.DoesNotContain("password=unused", output);
    }

    /// <summary>Runs <c>binder serve</c> until it exits on its own (within two minutes), settings in the environment.</summary>
    internal static async Task<(int Code, string Output)> RunToExitAsync(Dictionary<string, string> settings, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "binder.dll"));
        start.ArgumentList.Add("serve");
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (key, value) in settings) start.Environment["BINDER_" + key.Replace(":", "__", StringComparison.Ordinal)] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(Token);
        var stderr = process.StandardError.ReadToEndAsync(Token);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Token);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"binder serve did not exit within two minutes; it printed:\n{await stdout}{await stderr}");
        }
        return (process.ExitCode, await stdout + await stderr);
    }
}
