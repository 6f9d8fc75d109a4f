using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Binder.Hub.Launch;
using Microsoft.Extensions.Logging.Abstractions;

namespace Binder.Hub.Tests.Launch;

/// <summary>The owned configurable-http-proxy process and the REST client, against the real proxy (no Docker needed).</summary>
public sealed class ProxyProcessTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static string TryRead(string path)
    {
        try { return File.ReadAllText(path); } catch (IOException) { return ""; } catch (UnauthorizedAccessException) { return ""; }
    }

    private static bool IsAlive(int pid) => Directory.Exists($"/proc/{pid}");

    private static LoopbackHttpServer Backend(string answer) => new(async context =>
    {
        var bytes = Encoding.UTF8.GetBytes(answer + " " + context.Request.Url!.AbsolutePath);
        context.Response.StatusCode = 200;
        await context.Response.OutputStream.WriteAsync(bytes, Token);
        context.Response.Close();
    }, concurrent: true);

    [Fact]
    public async Task An_owned_proxy_starts_answers_and_leaves_no_process_when_disposed()
    {
        var proxy = await SessionProxy.StartAsync(DockerLaunchBackendTests.OwnedProxy(), TimeProvider.System, NullLoggerFactory.Instance, Token);
        var pid = proxy.Process!.ProcessId;
        Assert.True(IsAlive(pid));
        var (ok, message) = await proxy.Client.CheckAsync(Token);
        Assert.True(ok, message);

        await proxy.DisposeAsync();

        Assert.False(IsAlive(pid), $"the proxy process {pid} still runs");
        Assert.True(proxy.Process.HasExited);
    }

    [Fact]
    public async Task Routes_are_added_listed_with_activity_and_removed()
    {
        await using var backend = Backend("from-session");
        await using var proxy = await SessionProxy.StartAsync(DockerLaunchBackendTests.OwnedProxy(), TimeProvider.System, NullLoggerFactory.Instance, Token);
        var target = $"http://127.0.0.1:{backend.Port}";

        await proxy.Client.AddRouteAsync("/user/abc/", target, new Dictionary<string, string> { ["session"] = "abc", ["target"] = "must-not-win" }, Token);

        var route = Assert.Single(await proxy.Client.GetRoutesAsync(Token));
        Assert.Equal("/user/abc/", route.Path);
        Assert.Equal(target, route.Target);
        Assert.Equal("abc", route.Data["session"]);
        Assert.False(route.Data.ContainsKey("last_activity"));
        Assert.NotNull(route.LastActivity);

        using var http = new HttpClient();
        Assert.Equal("from-session /user/abc/notebooks/x.ipynb", await http.GetStringAsync(new Uri(proxy.Client.PublicUrl, "/user/abc/notebooks/x.ipynb"), Token));
        var afterTraffic = Assert.Single(await proxy.Client.GetRoutesAsync(Token));
        Assert.True(afterTraffic.LastActivity >= route.LastActivity);

        await proxy.Client.DeleteRouteAsync("/user/abc/", Token);
        Assert.Empty(await proxy.Client.GetRoutesAsync(Token));
        await proxy.Client.DeleteRouteAsync("/user/abc/", Token);
        using var gone = await http.GetAsync(new Uri(proxy.Client.PublicUrl, "/user/abc/"), Token);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task Unrouted_paths_go_to_the_default_target()
    {
        await using var frontEnd = Backend("binder-front-end");
        await using var proxy = await SessionProxy.StartAsync(
            DockerLaunchBackendTests.OwnedProxy(new Uri($"http://127.0.0.1:{frontEnd.Port}")), TimeProvider.System, NullLoggerFactory.Instance, Token);

        using var http = new HttpClient();
        Assert.Equal("binder-front-end /v2/gh/org/repo/main", await http.GetStringAsync(new Uri(proxy.Client.PublicUrl, "/v2/gh/org/repo/main"), Token));
        // The default route is the proxy's own, not a session's: it is listed, without session data.
        Assert.Contains(await proxy.Client.GetRoutesAsync(Token), r => r.Path == "/" && r.Data.Count == 0);
    }

    [Fact]
    public async Task A_wrong_token_is_refused_with_a_sentence_that_holds_no_token()
    {
        await using var proxy = await SessionProxy.StartAsync(DockerLaunchBackendTests.OwnedProxy(), TimeProvider.System, NullLoggerFactory.Instance, Token);
        var api = proxy.Process!.ApiUrl;
        const string wrongToken = "wrong-token-7f3a9c";
        using var client = new ConfigurableHttpProxyClient(api, proxy.Client.PublicUrl, wrongToken, TimeSpan.FromSeconds(10), NullLogger<ConfigurableHttpProxyClient>.Instance);

        var error = await Assert.ThrowsAsync<ProxyException>(() => client.AddRouteAsync("/user/x/", "http://127.0.0.1:1", new Dictionary<string, string>(), Token));
        var (ok, message) = await client.CheckAsync(Token);

        Assert.Contains("token does not match", error.Message, StringComparison.Ordinal);
        Assert.False(ok);
        foreach (var text in new[] { error.ToString(), message })
        {
            Assert.DoesNotContain(wrongToken, text, StringComparison.Ordinal);
            Assert.DoesNotContain(proxy.Process.AuthToken, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_proxy_that_dies_is_started_again_on_its_ports_reported_degraded_until_its_routes_are_back()
    {
        await using var backend = Backend("from-session");
        using var state = new TempDirectory("binder-proxy-state");
        await using var proxy = await SessionProxy.StartAsync(DockerLaunchBackendTests.OwnedProxy() with { StateDirectory = state.Path }, TimeProvider.System, NullLoggerFactory.Instance, Token);
        var first = proxy.Process!;
        var target = $"http://127.0.0.1:{backend.Port}";
        await proxy.Client.AddRouteAsync("/user/abc/", target, new Dictionary<string, string> { ["session"] = "abc" }, Token);
        var restoring = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        proxy.RestoreRoutes = async ct =>
        {
            restoring.TrySetResult();
            await release.Task.WaitAsync(ct);
            await proxy.Client.AddRouteAsync("/user/abc/", target, new Dictionary<string, string> { ["session"] = "abc" }, ct);
        };

        using (var process = Process.GetProcessById(first.ProcessId)) process.Kill();
        await restoring.Task.WaitAsync(TimeSpan.FromSeconds(60), Token);
        var (okWhileRestoring, degraded) = await proxy.Client.CheckAsync(Token);
        release.SetResult();
        using var http = new HttpClient();
        var answer = await EventuallyAsync(() => http.GetStringAsync(new Uri(proxy.Client.PublicUrl, "/user/abc/tree"), Token));
        var (okAfter, message) = await proxy.Client.CheckAsync(Token);

        Assert.False(okWhileRestoring);
        Assert.Equal(SessionProxy.Restarting, degraded);
        Assert.Equal("from-session /user/abc/tree", answer);
        Assert.True(okAfter, message);
        Assert.NotEqual(first.ProcessId, proxy.Process!.ProcessId);
        Assert.Equal(first.ListenUrl, proxy.Process.ListenUrl);
        Assert.Equal(1, proxy.Restarts);
        Assert.DoesNotContain(first.AuthToken, degraded + message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_restart_that_fails_on_a_file_error_is_retried_until_it_works()
    {
        using var state = new TempDirectory("binder-proxy-state");
        await using var proxy = await SessionProxy.StartAsync(DockerLaunchBackendTests.OwnedProxy() with { StateDirectory = state.Path }, TimeProvider.System, NullLoggerFactory.Instance, Token);
        var first = proxy.Process!;
        // A directory where the new proxy's log must go: the restart fails with an I/O error, not a proxy error.
        var log = Path.Combine(state.Path, "proxy.log");
        File.Delete(log);
        Directory.CreateDirectory(log);

        using (var process = Process.GetProcessById(first.ProcessId)) process.Kill();
        await Task.Delay(TimeSpan.FromSeconds(3), Token);
        var restartsWhileBroken = proxy.Restarts;
        var (okWhileBroken, _) = await proxy.Client.CheckAsync(Token);
        Directory.Delete(log);
        for (var i = 0; i < 300 && proxy.Restarts == 0; i++) await Task.Delay(100, Token);

        Assert.Equal(0, restartsWhileBroken);
        Assert.False(okWhileBroken);
        Assert.Equal(1, proxy.Restarts);
        Assert.True((await proxy.Client.CheckAsync(Token)).Ok);
        Assert.Equal(first.ListenUrl, proxy.Process!.ListenUrl);
    }

    [Fact]
    public async Task While_the_proxy_cannot_be_started_again_its_health_is_a_fixed_sentence_without_the_reason()
    {
        using var state = new TempDirectory("binder-proxy-state");
        // The command as a script that can be broken after the first start.
        var command = Path.Combine(state.Path, "configurable-http-proxy");
        File.WriteAllText(command, $"#!/bin/sh\nexec '{TestEnvironment.ProxyCommand}' \"$@\"\n");
        File.SetUnixFileMode(command, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        await using var proxy = await SessionProxy.StartAsync(
            DockerLaunchBackendTests.OwnedProxy() with { StateDirectory = state.Path, Command = command }, TimeProvider.System, NullLoggerFactory.Instance, Token);
        // From now on it fails, printing what a failed proxy's output or another program's arguments could hold.
        File.WriteAllText(command, "#!/bin/sh\necho 'secret-output-marker-4d2' >&2\nexit 3\n");

        using (var process = Process.GetProcessById(proxy.Process!.ProcessId)) process.Kill();
        // Long enough for several failed restarts (backoff 0, 0.5, 1, 2 s).
        var messages = new List<string>();
        for (var i = 0; i < 40; i++)
        {
            var (ok, message) = await proxy.Client.CheckAsync(Token);
            if (!ok) messages.Add(message);
            await Task.Delay(100, Token);
        }
        var failure = await Assert.ThrowsAsync<ProxyException>(() => proxy.Client.AddRouteAsync("/user/x/", "http://127.0.0.1:1", new Dictionary<string, string>(), Token));

        // Right after the kill, before the exit is noticed, the API itself is asked and does not answer.
        Assert.Contains(SessionProxy.Restarting, messages);
        Assert.All(messages, m => Assert.Contains(m, new[] { SessionProxy.Restarting, ConfigurableHttpProxyClient.NotAnswering }));
        Assert.Contains(SessionProxy.Restarting.TrimEnd('.'), failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-output-marker", failure.Message, StringComparison.Ordinal);
        Assert.Equal(0, proxy.Restarts);
    }

    [Fact]
    public async Task A_session_token_in_a_request_the_proxy_cannot_serve_does_not_reach_its_log()
    {
        using var state = new TempDirectory("binder-proxy-state");
        // An error target that is not there: the proxy logs the error page's address (at debug) before asking it.
        var options = DockerLaunchBackendTests.OwnedProxy() with
        {
            StateDirectory = state.Path, LogLevel = "debug", FrontEndSocket = Path.Combine(state.Path, "absent.sock"),
        };
        await using var proxy = await SessionProxy.StartAsync(options, TimeProvider.System, NullLoggerFactory.Instance, Token);
        using var http = new HttpClient();

        using var response = await http.GetAsync(new Uri(proxy.Process!.ListenUrl, "/user/nothing/tree?token=secret-token-marker-77"), Token);
        var log = "";
        for (var i = 0; i < 50 && !log.Contains("Requesting custom error page", StringComparison.Ordinal); i++)
        {
            await Task.Delay(100, Token);
            log = TryRead(Path.Combine(state.Path, "proxy.log"));
        }

        Assert.Contains("Requesting custom error page", log, StringComparison.Ordinal);
        Assert.Contains("%2Fuser%2Fnothing%2Ftree", log, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-token-marker", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_program_holding_a_configured_port_is_named_by_its_command_name_not_its_arguments()
    {
        var port = LoopbackPorts.Free(IPAddress.Loopback);
        using var holder = Process.Start(new ProcessStartInfo("node", ["-e", $"/* --password=secret-argv-marker-9b1 */ require('net').createServer().listen({port}, '127.0.0.1')"])
        {
            UseShellExecute = false,
        })!;
        try
        {
            await EventuallyAsync(async () =>
            {
                using var probe = new System.Net.Sockets.TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port, Token);
                return true;
            });

            var error = await Assert.ThrowsAsync<ProxyException>(() => SessionProxy.StartAsync(
                DockerLaunchBackendTests.OwnedProxy() with { PublicBind = $"127.0.0.1:{port}" }, TimeProvider.System, NullLoggerFactory.Instance, Token));

            Assert.Contains($"already in use by another program (pid {holder.Id}, node)", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("secret-argv-marker", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            holder.Kill();
        }
    }

    [Fact]
    public async Task A_proxy_a_crashed_run_left_is_adopted_with_its_routes_when_its_pid_command_and_token_match()
    {
        await using var backend = Backend("from-session");
        using var state = new TempDirectory("binder-proxy-state");
        var options = DockerLaunchBackendTests.OwnedProxy() with { StateDirectory = state.Path };
        using var left = await LeftBehindProxyAsync(options, state.Path);
        using (var client = new ConfigurableHttpProxyClient(left.Api, left.Public, left.Token, TimeSpan.FromSeconds(10), NullLogger<ConfigurableHttpProxyClient>.Instance))
        {
            await client.AddRouteAsync("/user/abc/", $"http://127.0.0.1:{backend.Port}", new Dictionary<string, string> { ["session"] = "abc" }, Token);
        }

        await using var proxy = await SessionProxy.StartAsync(options, TimeProvider.System, NullLoggerFactory.Instance, Token);
        using var http = new HttpClient();

        Assert.True(proxy.Process!.Adopted);
        Assert.Equal(left.Process.Id, proxy.Process.ProcessId);
        Assert.Contains(await proxy.Client.GetRoutesAsync(Token), r => r.Path == "/user/abc/");
        Assert.Equal("from-session /user/abc/x", await http.GetStringAsync(new Uri(proxy.Client.PublicUrl, "/user/abc/x"), Token));
        await proxy.DisposeAsync();
        Assert.True(left.Process.WaitForExit(TimeSpan.FromSeconds(30)), "the adopted proxy was not stopped with the service");
        Assert.False(File.Exists(Path.Combine(state.Path, "proxy.json")));
    }

    [Fact]
    public async Task A_proxy_of_ours_that_answers_slower_than_one_probe_is_still_adopted()
    {
        using var state = new TempDirectory("binder-proxy-state");
        var options = DockerLaunchBackendTests.OwnedProxy() with { StateDirectory = state.Path, StartTimeout = TimeSpan.FromSeconds(60) };
        using var left = await LeftBehindProxyAsync(options, state.Path);
        // Frozen for longer than one API probe may take (5 s), as a proxy on a machine under load answers late.
        await Signal("STOP", left.Process.Id);
        var thaw = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(8), Token);
            await Signal("CONT", left.Process.Id);
        }, Token);

        await using var proxy = await SessionProxy.StartAsync(options, TimeProvider.System, NullLoggerFactory.Instance, Token);
        await thaw;

        Assert.True(proxy.Process!.Adopted, "a slow proxy of ours was taken for another program's");
        Assert.Equal(left.Process.Id, proxy.Process.ProcessId);
        Assert.True((await proxy.Client.CheckAsync(Token)).Ok);
    }

    [Fact]
    public async Task A_proxy_of_ours_that_never_answers_is_stopped_after_the_start_timeout_and_replaced()
    {
        using var state = new TempDirectory("binder-proxy-state");
        var options = DockerLaunchBackendTests.OwnedProxy() with { StateDirectory = state.Path, StartTimeout = TimeSpan.FromSeconds(3) };
        using var left = await LeftBehindProxyAsync(options, state.Path);
        await Signal("STOP", left.Process.Id);

        await using var proxy = await SessionProxy.StartAsync(options, TimeProvider.System, NullLoggerFactory.Instance, Token);

        Assert.False(proxy.Process!.Adopted);
        Assert.True(left.Process.WaitForExit(TimeSpan.FromSeconds(30)), "the unresponsive proxy of ours was left running");
        Assert.Equal(proxy.Process.ProcessId, ProxyStateFile.Read(state.Path)!.Pid);
        Assert.True((await proxy.Client.CheckAsync(Token)).Ok);
    }

    [Fact]
    public async Task A_real_proxy_that_refuses_the_recorded_token_is_neither_adopted_nor_signalled()
    {
        using var state = new TempDirectory("binder-proxy-state");
        var options = DockerLaunchBackendTests.OwnedProxy() with { StateDirectory = state.Path };
        using var left = await LeftBehindProxyAsync(options, state.Path);
        // The record names that proxy (pid, start time, command line, ports) with a token it does not take.
        (ProxyStateFile.Read(state.Path)! with { Token = "another-token-0c7e" }).Write(state.Path);

        await using var proxy = await SessionProxy.StartAsync(options, TimeProvider.System, NullLoggerFactory.Instance, Token);

        Assert.False(proxy.Process!.Adopted);
        Assert.NotEqual(left.Process.Id, proxy.Process.ProcessId);
        Assert.False(left.Process.WaitForExit(TimeSpan.FromSeconds(6)), "a proxy that is not ours was stopped");
        using var client = new ConfigurableHttpProxyClient(left.Api, left.Public, left.Token, TimeSpan.FromSeconds(10), NullLogger<ConfigurableHttpProxyClient>.Instance);
        Assert.NotNull(await client.GetRoutesAsync(Token));
    }

    [Fact]
    public async Task A_proxy_whose_recorded_service_still_runs_is_not_taken_over()
    {
        using var state = new TempDirectory("binder-proxy-state");
        var options = DockerLaunchBackendTests.OwnedProxy() with { StateDirectory = state.Path };
        using var left = await LeftBehindProxyAsync(options, state.Path);
        // Another live process (this test's sleep) stands for the service that owns the proxy.
        using var service = Process.Start(new ProcessStartInfo("sleep", "300") { UseShellExecute = false })!;
        try
        {
            (ProxyStateFile.Read(state.Path)! with { ServicePid = service.Id, ServiceStartTicks = ProcFs.StartTicks(service.Id)!.Value }).Write(state.Path);

            var error = await Assert.ThrowsAsync<ProxyException>(() => SessionProxy.StartAsync(options, TimeProvider.System, NullLoggerFactory.Instance, Token));

            Assert.Contains($"belongs to another running service (pid {service.Id})", error.Message, StringComparison.Ordinal);
            Assert.False(left.Process.HasExited, "the live service's proxy was stopped");
            Assert.Equal(left.Process.Id, ProxyStateFile.Read(state.Path)!.Pid);
        }
        finally
        {
            service.Kill();
        }
    }

    private static async Task Signal(string signal, int pid)
    {
        using var kill = Process.Start("kill", [$"-{signal}", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        await kill.WaitForExitAsync(Token);
    }

    [Fact]
    public async Task A_recorded_pid_that_is_dead_or_another_program_is_not_adopted_and_not_touched()
    {
        using var state = new TempDirectory("binder-proxy-state");
        var options = DockerLaunchBackendTests.OwnedProxy() with { StateDirectory = state.Path };
        using var foreign = Process.Start(new ProcessStartInfo("sleep", "300") { UseShellExecute = false })!;
        try
        {
            foreach (var pid in new[] { DeadPid(), foreign.Id })
            {
                new ProxyStateFile
                {
                    Pid = pid, StartTicks = ProcFs.StartTicks(pid) ?? 1, PublicIp = "127.0.0.1", PublicPort = 1, ApiIp = "127.0.0.1", ApiPort = 2, Token = "recorded-token-5e1f",
                }.Write(state.Path);

                await using var proxy = await SessionProxy.StartAsync(options, TimeProvider.System, NullLoggerFactory.Instance, Token);

                Assert.False(proxy.Process!.Adopted);
                Assert.NotEqual(pid, proxy.Process.ProcessId);
                Assert.True((await proxy.Client.CheckAsync(Token)).Ok);
            }
            Assert.False(foreign.HasExited, "a process that is not the proxy was stopped");
        }
        finally
        {
            foreign.Kill();
        }
    }

    [Fact]
    public async Task A_proxy_of_ours_started_with_other_settings_is_stopped_and_replaced()
    {
        using var state = new TempDirectory("binder-proxy-state");
        var options = DockerLaunchBackendTests.OwnedProxy() with { StateDirectory = state.Path };
        using var left = await LeftBehindProxyAsync(options with { LogLevel = "warn", DefaultTarget = new Uri("http://127.0.0.1:9/") }, state.Path);

        await using var proxy = await SessionProxy.StartAsync(options, TimeProvider.System, NullLoggerFactory.Instance, Token);

        Assert.False(proxy.Process!.Adopted);
        Assert.True(left.Process.WaitForExit(TimeSpan.FromSeconds(30)), "the old proxy with other settings still runs");
    }

    private static int DeadPid()
    {
        using var process = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        process.WaitForExit();
        return process.Id;
    }

    private static async Task<T> EventuallyAsync<T>(Func<Task<T>> attempt)
    {
        for (var i = 0; ; i++)
        {
            try
            {
                return await attempt();
            }
            catch (Exception e) when (e is HttpRequestException or ProxyException or System.Net.Sockets.SocketException && i < 300)
            {
                await Task.Delay(100, Token);
            }
        }
    }

    /// <summary>A configurable-http-proxy started as the service starts it, recorded in the state directory, and then left (as by a crash).</summary>
    private static async Task<LeftProxy> LeftBehindProxyAsync(ProxyOptions options, string stateDirectory)
    {
        var (publicPort, apiPort) = LoopbackPorts.FreePair(IPAddress.Loopback, IPAddress.Loopback);
        var token = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        var start = new ProcessStartInfo(TestEnvironment.ProxyCommand) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "--ip", "127.0.0.1", "--port", $"{publicPort}", "--api-ip", "127.0.0.1", "--api-port", $"{apiPort}", "--log-level", options.LogLevel })
        {
            start.ArgumentList.Add(argument);
        }
        if (options.DefaultTarget is { } target)
        {
            start.ArgumentList.Add("--default-target");
            start.ArgumentList.Add(target.ToString());
        }
        start.Environment["CONFIGPROXY_AUTH_TOKEN"] = token;
        var process = Process.Start(start)!;
        var left = new LeftProxy(process, new Uri($"http://127.0.0.1:{apiPort}"), new Uri($"http://127.0.0.1:{publicPort}"), token);
        using var client = new ConfigurableHttpProxyClient(left.Api, left.Public, token, TimeSpan.FromSeconds(5), NullLogger<ConfigurableHttpProxyClient>.Instance);
        await EventuallyAsync(async () => await client.GetRoutesAsync(Token)).ConfigureAwait(false);
        new ProxyStateFile
        {
            Pid = process.Id, StartTicks = ProcFs.StartTicks(process.Id)!.Value, PublicIp = "127.0.0.1", PublicPort = publicPort, ApiIp = "127.0.0.1", ApiPort = apiPort, Token = token,
        }.Write(stateDirectory);
        return left;
    }

    private sealed record LeftProxy(Process Process, Uri Api, Uri Public, string Token) : IDisposable
    {
        public void Dispose()
        {
            if (!Process.HasExited) Process.Kill();
            Process.Dispose();
        }
    }

    [Fact]
    public async Task A_stream_whose_target_dies_mid_response_is_closed_for_the_client_instead_of_hanging()
    {
        var cut = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var frontEnd = new LoopbackHttpServer(async context =>
        {
            context.Response.ContentType = "text/event-stream";
            context.Response.SendChunked = true;
            await context.Response.OutputStream.WriteAsync(Encoding.UTF8.GetBytes("data: {}\n\n"), Token);
            await context.Response.OutputStream.FlushAsync(Token);
            await cut.Task;
            // The target dies: its connection goes without the end of the chunked body.
            context.Response.Abort();
        }, concurrent: true);
        await using var proxy = await SessionProxy.StartAsync(
            DockerLaunchBackendTests.OwnedProxy(new Uri($"http://127.0.0.1:{frontEnd.Port}")), TimeProvider.System, NullLoggerFactory.Instance, Token);
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        using var response = await http.GetAsync(new Uri(proxy.Client.PublicUrl, "/build/gh/x/y/z"), HttpCompletionOption.ResponseHeadersRead, Token);
        var body = await response.Content.ReadAsStreamAsync(Token);
        var buffer = new byte[256];
        Assert.True(await body.ReadAsync(buffer, Token) > 0);

        cut.SetResult();
        // Read until the stream ends (cleanly or with an error): what matters is that it ends, not hangs.
        var ended = Task.Run(async () =>
        {
            try
            {
                while (await body.ReadAsync(buffer, Token) > 0) { }
            }
            catch (Exception e) when (e is IOException or HttpRequestException)
            {
                // Cut: the client sees the stream close and can retry.
            }
        }, Token);

        Assert.Same(ended, await Task.WhenAny(ended, Task.Delay(TimeSpan.FromSeconds(30), Token)));
    }

    [Fact]
    public async Task A_missing_proxy_command_fails_with_what_to_do()
    {
        var options = DockerLaunchBackendTests.OwnedProxy() with { Command = "/nonexistent/configurable-http-proxy" };

        var error = await Assert.ThrowsAsync<ProxyException>(() => SessionProxy.StartAsync(options, TimeProvider.System, NullLoggerFactory.Instance, Token));

        Assert.Contains("/nonexistent/configurable-http-proxy", error.Message, StringComparison.Ordinal);
        Assert.Contains("Proxy:Command", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_picked_port_taken_before_the_proxy_binds_it_is_picked_again()
    {
        // The first pick is a port another program took meanwhile (the race between picking and binding).
        using var taken = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var takenPort = ((IPEndPoint)taken.LocalEndpoint).Port;
        var picks = 0;
        (int, int) Pick() => Interlocked.Increment(ref picks) == 1
            ? (takenPort, LoopbackPorts.Free(IPAddress.Loopback))
            : LoopbackPorts.FreePair(IPAddress.Loopback, IPAddress.Loopback);

        await using var proxy = await ProxyProcess.StartAsync(DockerLaunchBackendTests.OwnedProxy(), TimeProvider.System, NullLogger<ProxyProcess>.Instance, Pick, Token);

        Assert.Equal(2, picks);
        Assert.NotEqual(takenPort, proxy.PublicUrl.Port);
        Assert.False(proxy.HasExited);
    }

    [Fact]
    public void A_pair_of_free_ports_is_two_different_ports()
    {
        for (var i = 0; i < 50; i++)
        {
            var (first, second) = LoopbackPorts.FreePair(IPAddress.Loopback, IPAddress.Loopback);
            Assert.NotEqual(first, second);
        }
    }

    [Fact]
    public async Task A_configured_port_held_by_another_program_is_named_in_a_sentence_without_EADDRINUSE_and_leaves_no_process()
    {
        using var taken = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var options = DockerLaunchBackendTests.OwnedProxy() with { ApiBind = $"127.0.0.1:{port}", AuthToken = "given-secret-token-1234" };

        var error = await Assert.ThrowsAsync<ProxyException>(() => SessionProxy.StartAsync(options, TimeProvider.System, NullLoggerFactory.Instance, Token));

        Assert.Contains($"port {port} on 127.0.0.1 (Proxy:ApiBind) is already in use by another program (pid {Environment.ProcessId}", error.Message, StringComparison.Ordinal);
        Assert.Contains("not a proxy this service started", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("EADDRINUSE", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("given-secret-token-1234", error.ToString(), StringComparison.Ordinal);
        // No proxy with our token is left running.
        Assert.DoesNotContain(Directory.EnumerateDirectories("/proc").Select(d => Path.GetFileName(d)).Where(n => n.All(char.IsAsciiDigit)),
            pid => File.Exists($"/proc/{pid}/environ") && TryRead($"/proc/{pid}/environ").Contains("given-secret-token-1234", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_external_proxy_is_used_as_configured()
    {
        await using var owned = await SessionProxy.StartAsync(DockerLaunchBackendTests.OwnedProxy(), TimeProvider.System, NullLoggerFactory.Instance, Token);
        var external = new ProxyOptions
        {
            ApiUrl = owned.Process!.ApiUrl,
            PublicUrl = new Uri("https://binder.example.org/"),
            AuthToken = owned.Process.AuthToken,
        };

        await using var proxy = await SessionProxy.StartAsync(external, TimeProvider.System, NullLoggerFactory.Instance, Token);
        await proxy.Client.AddRouteAsync("/user/ext/", "http://127.0.0.1:1", new Dictionary<string, string>(), Token);

        Assert.Null(proxy.Process);
        Assert.Equal(new Uri("https://binder.example.org/"), proxy.Client.PublicUrl);
        Assert.Contains(await owned.Client.GetRoutesAsync(Token), r => r.Path == "/user/ext/");
    }
}
