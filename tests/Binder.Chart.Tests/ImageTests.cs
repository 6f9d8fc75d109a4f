using System.Net;
using System.Net.Sockets;

namespace Binder.Chart.Tests;

/// <summary>
/// The image the chart deploys (docker/binder/Dockerfile), built with the provisioned Docker daemon from the local
/// Debian base image and run as a silo beside that daemon: it answers /health as a non-root user with git inside.
/// </summary>
public sealed class ImageTests
{
    [Fact]
    public async Task The_image_builds_here_and_serves_health_as_a_non_root_silo_beside_the_docker_socket()
    {
        var suffix = TestEnvironment.UniqueSuffix();
        var image = $"binder-image-test:{suffix}";
        var socket = new Uri(TestEnvironment.DockerHost).AbsolutePath;
        var group = (await Run("stat", "-c", "%g", socket)).Stdout.Trim();
        var token = Guid.NewGuid().ToString("N");
        var (proxyPort, proxyApiPort, httpPort, siloPort, gatewayPort) = (FreePort(), FreePort(), FreePort(), FreePort(), FreePort());
        var containers = new List<string>();
        using var proxy = StartProxy(proxyPort, proxyApiPort, token);
        try
        {
            var build = await ProcessRun.RunAsync(Path.Combine(Repository.Root, "docker", "binder", "build.sh"),
                ["--tag", image, "--base", TestEnvironment.BaseImage], timeout: TimeSpan.FromMinutes(20));
            Assert.True(build.ExitCode == 0, $"The image did not build: {build}");

            string[] silo(string name) =>
            [
                "run", "-d", "--name", name, "--network", "host", "-v", $"{socket}:/var/run/docker.sock",
                "-e", $"BINDER_Server__Urls=http://127.0.0.1:{httpPort}", "-e", $"BINDER_HEALTH_URL=http://127.0.0.1:{httpPort}/health",
                "-e", "BINDER_Silo__Backend=Redis", "-e", "BINDER_Silo__Redis__ConnectionString",
                "-e", $"BINDER_Silo__ClusterId=image-{suffix}", "-e", $"BINDER_Silo__ServiceId=image-{suffix}",
                "-e", $"BINDER_Silo__Port={siloPort}", "-e", $"BINDER_Silo__GatewayPort={gatewayPort}", "-e", $"BINDER_Silo__NodeName=image-{suffix}",
                "-e", $"BINDER_Proxy__ApiUrl=http://127.0.0.1:{proxyApiPort}/", "-e", $"BINDER_Proxy__PublicUrl=http://127.0.0.1:{proxyPort}/",
                "-e", "BINDER_Proxy__AuthToken", "-e", $"BINDER_Launch__Docker__InstanceName=image-{suffix}",
                "-e", "BINDER_Binder__ImageCleaner__Enabled=false",
            ];
            var secrets = new Dictionary<string, string> { ["BINDER_Silo__Redis__ConnectionString"] = TestEnvironment.Redis, ["BINDER_Proxy__AuthToken"] = token };

            // With the socket's group (as the chart's supplementalGroups give it): every check passes.
            var name = $"binder-image-test-{suffix}";
            containers.Add(name);
            var run = await ProcessRun.RunAsync("docker", [.. silo(name), "--group-add", group, image], secrets);
            Assert.True(run.ExitCode == 0, $"docker run failed: {run}");
            var health = await HealthAsync(httpPort, name, HttpStatusCode.OK);
            Assert.Equal(HttpStatusCode.OK, health.Status);
            var checks = JsonNode.Parse(health.Body)!["checks"]!.AsArray().ToDictionary(c => c!["service"]!.GetValue<string>(), c => c!["ok"]!.GetValue<bool>());
            Assert.True(checks["Docker"] && checks["Proxy"], health.Body);

            Assert.Equal("1000", (await Run("docker", "exec", name, "id", "-u")).Stdout.Trim());
            Assert.StartsWith("git version", (await Run("docker", "exec", name, "git", "--version")).Stdout, StringComparison.Ordinal);
            var config = JsonNode.Parse((await Run("docker", "image", "inspect", image)).Stdout)![0]!["Config"]!;
            Assert.Equal("1000:1000", config["User"]!.GetValue<string>());
            Assert.NotNull(config["ExposedPorts"]!["8585/tcp"]);
            Assert.Equal(["serve", "--role", "silo"], config["Cmd"]!.AsArray().Select(a => a!.GetValue<string>()));
            Assert.Equal("healthy", await HealthStatusAsync(name, until: "healthy"));
            await Run("docker", "rm", "-f", name);

            // Without the socket's group the non-root service cannot use the socket: it stops at start saying so.
            var refused = $"binder-image-test-nogroup-{suffix}";
            containers.Add(refused);
            run = await ProcessRun.RunAsync("docker", [.. silo(refused), image], secrets);
            Assert.True(run.ExitCode == 0, $"docker run failed: {run}");
            var exit = await ProcessRun.RunAsync("docker", ["wait", refused], timeout: TimeSpan.FromMinutes(2));
            Assert.NotEqual("0", exit.Stdout.Trim());
            var logs = await Run("docker", "logs", refused);
            Assert.Contains("permission denied on the socket", logs.Stdout + logs.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var container in containers) await ProcessRun.RunAsync("docker", ["rm", "-f", container]);
            await ProcessRun.RunAsync("docker", ["network", "rm", $"image-{suffix}-sessions"]);
            await ProcessRun.RunAsync("docker", ["image", "rm", "-f", image]);
        }
    }

    [Fact]
    public async Task The_build_script_refuses_a_base_image_the_daemon_does_not_have()
    {
        var result = await ProcessRun.RunAsync(Path.Combine(Repository.Root, "docker", "binder", "build.sh"),
            ["--tag", "binder-image-test:never", "--base", $"binder-no-such-base:{TestEnvironment.UniqueSuffix()}"]);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("is not in the Docker daemon; run scripts/provision.sh base, or give --base", result.Stderr, StringComparison.Ordinal);
    }

    /// <summary>
    /// /health's answer once the service listens, asked again while it is not the awaited one (a starting service may
    /// answer 503 for a moment); bounded: a service that never gets there fails with its log.
    /// </summary>
    private static async Task<(HttpStatusCode Status, string Body)> HealthAsync(int port, string container, HttpStatusCode awaited)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddMinutes(2);
        (HttpStatusCode Status, string Body)? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/health"));
                last = (response.StatusCode, await response.Content.ReadAsStringAsync());
                if (last.Value.Status == awaited) return last.Value;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }
            await Task.Delay(500);
        }
        var logs = await ProcessRun.RunAsync("docker", ["logs", container]);
        throw new Xunit.Sdk.XunitException($"/health never answered {awaited} (last: {last?.Status} {last?.Body})\n{logs.Stdout}{logs.Stderr}");
    }

    /// <summary>Docker's view of the image's HEALTHCHECK, polled until it reaches the wanted state (at most 3 minutes).</summary>
    private static async Task<string> HealthStatusAsync(string container, string until)
    {
        var status = "";
        for (var deadline = DateTime.UtcNow.AddMinutes(3); DateTime.UtcNow < deadline && status != until; await Task.Delay(1000))
        {
            status = (await Run("docker", "inspect", "-f", "{{.State.Health.Status}}", container)).Stdout.Trim();
        }
        return status;
    }

    private static async Task<ProcessResult> Run(string file, params string[] args)
    {
        var result = await ProcessRun.RunAsync(file, args);
        Assert.True(result.ExitCode == 0, $"{file} {string.Join(' ', args)}: {result}");
        return result;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static ProxyProcess StartProxy(int port, int apiPort, string token) => new(port, apiPort, token);

    /// <summary>configurable-http-proxy on loopback, standing in for the chart's proxy Deployment.</summary>
    private sealed class ProxyProcess : IDisposable
    {
        private readonly System.Diagnostics.Process _process;

        public ProxyProcess(int port, int apiPort, string token)
        {
            var info = new System.Diagnostics.ProcessStartInfo(TestEnvironment.ProxyCommand)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var arg in new[] { "--ip", "127.0.0.1", "--port", $"{port}", "--api-ip", "127.0.0.1", "--api-port", $"{apiPort}" }) info.ArgumentList.Add(arg);
            info.Environment["CONFIGPROXY_AUTH_TOKEN"] = token;
            _process = System.Diagnostics.Process.Start(info)!;
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public void Dispose()
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
            _process.Dispose();
        }
    }
}
