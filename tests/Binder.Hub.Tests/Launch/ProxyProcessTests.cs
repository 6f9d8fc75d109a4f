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
    public async Task A_proxy_that_dies_is_reported_by_the_health_check_without_its_token()
    {
        await using var proxy = await SessionProxy.StartAsync(DockerLaunchBackendTests.OwnedProxy(), TimeProvider.System, NullLoggerFactory.Instance, Token);
        using (var process = Process.GetProcessById(proxy.Process!.ProcessId))
        {
            process.Kill();
        }
        await proxy.Process.Exited.WaitAsync(TimeSpan.FromSeconds(30), Token);

        var (ok, message) = await proxy.Client.CheckAsync(Token);
        var error = await Assert.ThrowsAsync<ProxyException>(() => proxy.Client.GetRoutesAsync(Token));

        Assert.False(ok);
        Assert.Contains("exited", message, StringComparison.Ordinal);
        Assert.Contains("exited", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(proxy.Process.AuthToken, message + error, StringComparison.Ordinal);
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
    public async Task A_proxy_that_cannot_listen_fails_with_its_output_and_leaves_no_process()
    {
        // The API port is taken, so the proxy exits at start.
        using var taken = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var options = DockerLaunchBackendTests.OwnedProxy() with { ApiBind = $"127.0.0.1:{port}", AuthToken = "given-secret-token-1234" };

        var error = await Assert.ThrowsAsync<ProxyException>(() => SessionProxy.StartAsync(options, TimeProvider.System, NullLoggerFactory.Instance, Token));

        Assert.Contains("could not listen", error.Message, StringComparison.Ordinal);
        Assert.Contains($"EADDRINUSE: address already in use 127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
        Assert.Contains("Proxy:ApiBind", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("given-secret-token-1234", error.ToString(), StringComparison.Ordinal);
        // The process was stopped: no proxy with our token is left running.
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
