using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Binder.Hub.Launch;
using Microsoft.Extensions.Logging.Abstractions;

namespace Binder.Hub.Tests.Launch;

/// <summary>Sessions on the real Docker daemon, reached through a real configurable-http-proxy.</summary>
[Collection(LaunchDaemonCollection.Name)]
public sealed class DockerLaunchBackendTests(SessionImageFixture fixture)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    internal static SessionStart NewStart(string image)
    {
        var id = "s" + TestEnvironment.UniqueSuffix();
        return new SessionStart(id, image, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)), $"/user/{id}/", "git/test-launch@0123abc");
    }

    internal static ProxyOptions OwnedProxy(Uri? defaultTarget = null) => new()
    {
        Command = TestEnvironment.ProxyCommand,
        PublicBind = "127.0.0.1:0",
        ApiBind = "127.0.0.1:0",
        DefaultTarget = defaultTarget,
    };

    /// <summary>A GET with <c>Authorization: token ...</c> (none when <paramref name="token"/> is null).</summary>
    internal static async Task<HttpResponseMessage> GetAsync(HttpClient http, Uri url, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("token", token);
        }
        return await http.SendAsync(request, Token);
    }

    private static List<string> CommandLines() => HostProcesses.All().Select(p => p.CommandLine).ToList();

    [Fact]
    public async Task A_session_runs_with_the_configured_memory_without_extra_swap_and_cpu_and_process_limits()
    {
        using var backend = fixture.CreateBackend(fixture.Options() with { MemoryLimitBytes = 512L * 1024 * 1024, CpuLimit = 0.5, PidsLimit = 300 });
        var start = NewStart(fixture.SessionImage);
        await backend.StartAsync(start, Token);
        try
        {
            var (pid, _) = Assert.Single(HostProcesses.All(), p => p.CommandLine.Contains($"--NotebookApp.base_url={start.BaseUrl}", StringComparison.Ordinal));

            var memory = HostProcesses.CgroupFile(pid, "memory", "memory.limit_in_bytes", "memory.max");
            Assert.Equal((512L * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture), memory);
            // Memory plus swap equals memory: no swap on top (cgroup v2 lists the swap alone, which is then 0).
            var swap = HostProcesses.CgroupFile(pid, "memory", "memory.memsw.limit_in_bytes", "memory.swap.max");
            Assert.Equal(File.Exists("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes") ? memory : "0", swap);
            Assert.Equal("300", HostProcesses.CgroupFile(pid, "pids", "pids.max", "pids.max"));
            var cpu = File.Exists($"/sys/fs/cgroup/cpu/cpu.cfs_quota_us")
                ? HostProcesses.CgroupFile(pid, "cpu", "cpu.cfs_quota_us", "cpu.max") + " " + HostProcesses.CgroupFile(pid, "cpu", "cpu.cfs_period_us", "cpu.max")
                : HostProcesses.CgroupFile(pid, "cpu", "", "cpu.max");
            var parts = cpu.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(double.Parse).ToArray();
            Assert.Equal(0.5, parts[0] / parts[1], precision: 3);
        }
        finally
        {
            await backend.StopAsync(start.SessionId, CancellationToken.None);
        }
    }

    [Theory]
    [InlineData("../etc")]
    [InlineData("a/b")]
    [InlineData("")]
    [InlineData("-leading-dash")]
    [InlineData("has space")]
    public async Task A_session_id_that_is_not_a_plain_name_is_refused_before_anything_runs(string sessionId)
    {
        using var backend = fixture.CreateBackend();
        var start = NewStart(fixture.SessionImage) with { SessionId = sessionId, BaseUrl = "/user/x/" };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => backend.StartAsync(start, Token));

        Assert.Contains("must be 1 to 64 letters", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(() => backend.StopAsync(sessionId, Token));
    }

    [Fact]
    public async Task A_session_answers_through_the_proxy_with_its_token_and_only_with_it()
    {
        using var backend = fixture.CreateBackend();
        await using var proxy = await SessionProxy.StartAsync(OwnedProxy(), TimeProvider.System, NullLoggerFactory.Instance, Token);
        var start = NewStart(fixture.SessionImage);

        var session = await backend.StartAsync(start, Token);
        try
        {
            Assert.Equal(start.SessionId, session.SessionId);
            Assert.True(session.Running);
            // The proxy reaches Jupyter at the container's address on the session network, on Jupyter's own port.
            var network = (await fixture.Docker.InspectNetworkAsync(backend.NetworkName, Token))!;
            var target = new Uri(session.Target);
            Assert.True(IPNetwork.Parse(network.Subnets[0]).Contains(IPAddress.Parse(target.Host)), $"{session.Target} is not on {network.Subnets[0]}");
            Assert.Equal(8888, target.Port);
            await proxy.Client.AddRouteAsync(start.BaseUrl, session.Target, new Dictionary<string, string> { ["session"] = start.SessionId }, Token);

            // No cookie jar: the login cookie from the request with the token would let the later ones in.
            using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });
            var status = new Uri(proxy.Client.PublicUrl, start.BaseUrl + "api/status");
            using (var answer = await GetAsync(http, status, start.Token))
            {
                Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
                Assert.Contains("last_activity", await answer.Content.ReadAsStringAsync(Token), StringComparison.Ordinal);
            }
            using (var anonymous = await GetAsync(http, status, null))
            {
                Assert.Equal(HttpStatusCode.Forbidden, anonymous.StatusCode);
            }
            using (var wrong = await GetAsync(http, status, "not-the-token"))
            {
                Assert.Equal(HttpStatusCode.Forbidden, wrong.StatusCode);
            }
            // A person without the token is sent to the login page, not into the notebook.
            using (var tree = await GetAsync(http, new Uri(proxy.Client.PublicUrl, start.BaseUrl + "tree"), null))
            {
                Assert.Equal(HttpStatusCode.Found, tree.StatusCode);
                Assert.Contains($"{start.BaseUrl}login", tree.Headers.Location!.ToString(), StringComparison.Ordinal);
            }

            // The container's processes are the host's too: the Jupyter server is found by its base URL, and its
            // command line (what ps and docker inspect show) holds no token.
            var jupyter = Assert.Single(CommandLines(), c => c.Contains($"--NotebookApp.base_url={start.BaseUrl}", StringComparison.Ordinal));
            Assert.Contains("--ip=0.0.0.0", jupyter, StringComparison.Ordinal);
            Assert.DoesNotContain(start.Token, jupyter, StringComparison.Ordinal);

            var route = Assert.Single(await proxy.Client.GetRoutesAsync(Token), r => r.Data.GetValueOrDefault("session") == start.SessionId);
            Assert.Equal(start.BaseUrl, route.Path);
            Assert.Equal(session.Target, route.Target);
            Assert.NotNull(route.LastActivity);
            Assert.InRange(route.LastActivity.Value, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));

            await proxy.Client.DeleteRouteAsync(start.BaseUrl, Token);
            Assert.DoesNotContain(await proxy.Client.GetRoutesAsync(Token), r => r.Data.GetValueOrDefault("session") == start.SessionId);
            await proxy.Client.DeleteRouteAsync(start.BaseUrl, Token);
        }
        finally
        {
            await backend.StopAsync(start.SessionId, CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_kernel_runs_code_over_its_websocket_through_the_proxy()
    {
        using var backend = fixture.CreateBackend();
        await using var proxy = await SessionProxy.StartAsync(OwnedProxy(), TimeProvider.System, NullLoggerFactory.Instance, Token);
        var start = NewStart(fixture.SessionImage);
        var session = await backend.StartAsync(start, Token);
        try
        {
            await proxy.Client.AddRouteAsync(start.BaseUrl, session.Target, new Dictionary<string, string> { ["session"] = start.SessionId }, Token);

            await using var kernel = await JupyterKernelClient.StartAsync(new Uri(proxy.Client.PublicUrl, start.BaseUrl), start.Token, Token);
            Assert.Equal("42", await kernel.ExecuteAsync("6 * 7", Token));
            Assert.Equal("hello from the kernel\n", await kernel.ExecuteAsync("print('hello from the kernel')", Token));
        }
        finally
        {
            await proxy.Client.DeleteRouteAsync(start.BaseUrl, CancellationToken.None);
            await backend.StopAsync(start.SessionId, CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_session_start_records_the_use_of_its_image_for_the_image_cleaner()
    {
        using var backend = fixture.CreateBackend();
        var before = (await fixture.Docker.InspectImageAsync(fixture.SessionImage, Token))!;
        var start = NewStart(fixture.SessionImage);
        await backend.StartAsync(start, Token);
        try
        {
            var after = (await fixture.Docker.InspectImageAsync(fixture.SessionImage, Token))!;
            Assert.Equal(before.Id, after.Id);
            Assert.Equal(before.RepoTags, after.RepoTags);
            Assert.True(after.LastTagTime > before.LastTagTime, $"LastTagTime {before.LastTagTime:O} did not move ({after.LastTagTime:O})");
        }
        finally
        {
            await backend.StopAsync(start.SessionId, CancellationToken.None);
        }
    }

    [Fact]
    public async Task Stop_removes_the_container_and_a_second_stop_does_nothing()
    {
        using var backend = fixture.CreateBackend();
        var start = NewStart(fixture.SessionImage);
        var session = await backend.StartAsync(start, Token);
        var container = Assert.Single(await fixture.ContainersAsync(start.SessionId));
        Assert.Equal(session.ContainerId, container.Id);
        Assert.Equal(backend.ContainerName(start.SessionId), container.Name);
        Assert.Equal(start.RepoKey, container.Labels[SessionLabels.Repo]);

        await backend.StopAsync(start.SessionId, Token);

        Assert.Empty(await fixture.ContainersAsync(start.SessionId));
        await backend.StopAsync(start.SessionId, Token);
        Assert.Empty(await fixture.ContainersAsync(start.SessionId));
    }

    [Fact]
    public async Task Two_concurrent_stops_both_succeed_and_remove_the_container()
    {
        using var backend = fixture.CreateBackend();
        var start = NewStart(fixture.SessionImage);
        await backend.StartAsync(start, Token);

        await Task.WhenAll(backend.StopAsync(start.SessionId, Token), backend.StopAsync(start.SessionId, Token), backend.StopAsync(start.SessionId, Token));

        Assert.Empty(await fixture.ContainersAsync(start.SessionId));
    }

    [Fact]
    public async Task An_image_whose_command_switches_the_token_off_still_needs_the_session_token()
    {
        using var backend = fixture.CreateBackend();
        var start = NewStart(fixture.TokenOffCommandImage);
        var session = await backend.StartAsync(start, Token);
        try
        {
            using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });
            var status = new Uri($"{session.Target}{start.BaseUrl}api/status");
            using var anonymous = await GetAsync(http, status, null);
            using var withToken = await GetAsync(http, status, start.Token);

            Assert.Equal(HttpStatusCode.Forbidden, anonymous.StatusCode);
            Assert.Equal(HttpStatusCode.OK, withToken.StatusCode);
            var ours = CommandLines().Where(line => line.Contains(start.BaseUrl, StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(ours);
            Assert.DoesNotContain(ours, line => line.Contains("--NotebookApp.token", StringComparison.Ordinal));
        }
        finally
        {
            await backend.StopAsync(start.SessionId, CancellationToken.None);
        }
    }

    [Fact]
    public async Task An_image_whose_config_switches_the_token_off_does_not_start_and_leaves_no_container()
    {
        using var backend = fixture.CreateBackend();
        var start = NewStart(fixture.TokenOffConfigImage);

        var error = await Assert.ThrowsAsync<SessionStartException>(() => backend.StartAsync(start, Token));

        Assert.Contains("answered without the session's token", error.Message, StringComparison.Ordinal);
        Assert.Empty(await fixture.ContainersAsync(start.SessionId));
    }

    [Fact]
    public async Task A_fresh_backend_finds_running_sessions_and_another_instance_does_not_touch_them()
    {
        using var first = fixture.CreateBackend();
        var start = NewStart(fixture.SessionImage);
        var session = await first.StartAsync(start, Token);
        try
        {
            using var restarted = fixture.CreateBackend();
            var found = Assert.Single(await restarted.ListAsync(Token), c => c.SessionId == start.SessionId);
            Assert.Equal(session.ContainerId, found.ContainerId);
            Assert.Equal(session.Target, found.Target);
            Assert.Equal(start.BaseUrl, found.BaseUrl);
            Assert.True(found.Running);
            Assert.NotNull(await restarted.GetJupyterActivityAsync(found, start.Token, Token));

            using var other = fixture.CreateBackend(fixture.Options() with { InstanceName = "other-" + TestEnvironment.UniqueSuffix() });
            Assert.DoesNotContain(await other.ListAsync(Token), c => c.SessionId == start.SessionId);
            await other.StopAsync(start.SessionId, Token);
            Assert.Single(await fixture.ContainersAsync(start.SessionId));
        }
        finally
        {
            await first.StopAsync(start.SessionId, CancellationToken.None);
        }
    }

    [Fact]
    public async Task Jupyter_activity_comes_from_api_status_and_needs_the_token()
    {
        using var backend = fixture.CreateBackend();
        var start = NewStart(fixture.SessionImage);
        var session = await backend.StartAsync(start, Token);
        try
        {
            var activity = await backend.GetJupyterActivityAsync(session, start.Token, Token);
            Assert.NotNull(activity);
            Assert.InRange(activity.Value, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));
            Assert.Null(await backend.GetJupyterActivityAsync(session, "wrong-token", Token));
        }
        finally
        {
            await backend.StopAsync(start.SessionId, CancellationToken.None);
        }
        Assert.Null(await backend.GetJupyterActivityAsync(session, start.Token, Token));
    }

    [Fact]
    public async Task A_server_that_never_answers_times_out_and_its_container_is_removed()
    {
        using var backend = fixture.CreateBackend(fixture.Options() with { StartTimeout = TimeSpan.FromSeconds(3) });
        var start = NewStart(fixture.SilentImage);

        var error = await Assert.ThrowsAsync<SessionStartException>(() => backend.StartAsync(start, Token));

        Assert.Contains("did not answer within 3 s", error.Message, StringComparison.Ordinal);
        Assert.Contains(SessionImageFixture.SilentMarker, error.Message, StringComparison.Ordinal);
        Assert.Contains($"--NotebookApp.base_url={start.BaseUrl}", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(start.Token, error.Message, StringComparison.Ordinal);
        Assert.Empty(await fixture.ContainersAsync(start.SessionId));
    }

    [Fact]
    public async Task A_server_that_exits_fails_with_its_output_and_its_container_is_removed()
    {
        using var backend = fixture.CreateBackend(fixture.Options() with { ExtraEnv = new Dictionary<string, string> { ["SILENT_EXIT"] = "1" } });
        var start = NewStart(fixture.SilentImage);

        var error = await Assert.ThrowsAsync<SessionStartException>(() => backend.StartAsync(start, Token));

        Assert.Contains("exited before it answered", error.Message, StringComparison.Ordinal);
        Assert.Contains("exiting-now", error.Message, StringComparison.Ordinal);
        // The output printed the session's token (as Jupyter does); the message goes to the user and to the log.
        Assert.Contains("lab?token=***", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(start.Token, error.Message, StringComparison.Ordinal);
        Assert.Empty(await fixture.ContainersAsync(start.SessionId));
    }

    [Fact]
    public async Task Cancelling_a_start_leaves_no_container()
    {
        using var backend = fixture.CreateBackend();
        var start = NewStart(fixture.SilentImage);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Token);

        var starting = backend.StartAsync(start, cancel.Token);
        // Cancel once the container exists: the start is then waiting for a Jupyter that never comes.
        while ((await fixture.ContainersAsync(start.SessionId)).Count == 0 && !starting.IsCompleted)
        {
            await Task.Delay(50, Token);
        }
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => starting);
        Assert.Empty(await fixture.ContainersAsync(start.SessionId));
    }

    [Fact]
    public async Task An_image_that_is_not_there_fails_with_a_sentence()
    {
        using var backend = fixture.CreateBackend();
        var start = NewStart("binder-launch-tests/missing:" + TestEnvironment.UniqueSuffix());

        var error = await Assert.ThrowsAsync<SessionStartException>(() => backend.StartAsync(start, Token));

        Assert.Contains("is not in the Docker daemon", error.Message, StringComparison.Ordinal);
        Assert.Empty(await fixture.ContainersAsync(start.SessionId));
    }

    [Fact]
    public async Task An_image_missing_from_the_daemon_but_in_its_registry_is_pulled_at_launch()
    {
        using var backend = fixture.CreateBackend(fixture.Options() with { StartTimeout = TimeSpan.FromSeconds(3) });
        var pushed = $"{TestEnvironment.Registry}/binder-launch-tests/pulled:{TestEnvironment.UniqueSuffix()}";
        await fixture.Docker.TagImageAsync(fixture.SilentImage, pushed, Token);
        await fixture.Docker.PushImageAsync(pushed, null, null, Token);
        await fixture.Docker.RemoveImageAsync(pushed, cancellationToken: Token);
        Assert.Null(await fixture.Docker.InspectImageAsync(pushed, Token));
        var start = NewStart(pushed);
        try
        {
            // The silent image never serves Jupyter: a start that times out got past the image, which came from the registry.
            var error = await Assert.ThrowsAsync<SessionStartException>(() => backend.StartAsync(start, Token));

            Assert.Contains("did not answer within 3 s", error.Message, StringComparison.Ordinal);
            Assert.NotNull(await fixture.Docker.InspectImageAsync(pushed, Token));
            Assert.Empty(await fixture.ContainersAsync(start.SessionId));
        }
        finally
        {
            try { await fixture.Docker.RemoveImageAsync(pushed, cancellationToken: CancellationToken.None); } catch (Binder.Build.BinderBuildException) { }
        }
    }

    [Fact]
    public async Task The_daemon_check_reports_a_daemon_that_answers_and_one_that_does_not()
    {
        using var backend = fixture.CreateBackend();
        var (ok, _) = await backend.CheckAsync(Token);
        Assert.True(ok);

        using var nowhere = new Binder.Build.Docker.DockerClient(
            new Binder.Build.Docker.DockerOptions { Host = "unix:///nonexistent/docker.sock" }, NullLogger<Binder.Build.Docker.DockerClient>.Instance);
        using var broken = new DockerLaunchBackend(nowhere, fixture.Options(), TimeProvider.System, NullLogger<DockerLaunchBackend>.Instance);
        var (brokenOk, message) = await broken.CheckAsync(Token);
        Assert.False(brokenOk);
        Assert.Contains("/nonexistent/docker.sock", message, StringComparison.Ordinal);
    }
}
