using System.Globalization;
using System.Net;
using Binder.Build.Docker;
using Binder.Hub.Events;
using Binder.Hub.Launch;
using Binder.Hub.Tests.Launch;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Binder.Server.Tests.EndToEnd;

/// <summary>
/// The whole service with a session launched through <c>/build</c>, probed from inside the session's container as its
/// own user: it reaches nothing of the service or the host, and a fork loop in it leaves the service answering.
/// </summary>
public sealed class SessionIsolationTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static DockerClient Docker() => new(new DockerOptions { Host = TestEnvironment.DockerHost }, NullLogger<DockerClient>.Instance);

    [Fact]
    public async Task A_launched_session_reaches_neither_the_front_end_nor_the_proxy_api_registry_cluster_backends_or_docker_socket_and_its_fork_loop_leaves_the_service_answering()
    {
        await using var counter = new BuildCounter();
        using var repository = new LaunchableRepository(counter);
        var proxyApiPort = LoopbackHttpServer.FreePort();
        await using var app = await BinderTestApp.StartAsync(new Dictionary<string, string?>
        {
            ["Proxy:ApiBind"] = $"127.0.0.1:{proxyApiPort}",
            ["Launch:Docker:PidsLimit"] = "64",
        });
        using var docker = Docker();
        string? image = null;
        try
        {
            var ready = (await app.ReadEventsAsync("build/" + repository.Spec, Token)).Where(f => !f.IsComment).Select(f => f.Event).Last();
            Assert.True(ready.Phase == BinderPhases.Ready, $"ended with {ready.Phase}: {ready.Message}");
            image = ready.Image;
            var sessionId = LaunchTests.SessionIdOf(ready.Url!);
            var container = Assert.Single(await docker.ListContainersAsync(
                new Dictionary<string, string?> { [SessionLabels.Instance] = app.InstanceName, [SessionLabels.Session] = sessionId }, Token));
            var gateway = container.Networks[app.NetworkName].Gateway;
            Assert.Equal("1000", (await docker.InspectContainerAsync(container.Id, Token))!.User);
            Assert.Equal("1000\n", (await docker.ExecAsync(container.Id, ["id", "-u"], cancellationToken: Token)).Stdout);
            var hostPorts = new Dictionary<string, int>
            {
                ["the front end"] = app.Port,
                ["the proxy's API"] = proxyApiPort,
                ["the registry"] = int.Parse(TestEnvironment.Registry.Split(':')[1], CultureInfo.InvariantCulture),
            };
            foreach (var (what, port) in TestEnvironment.BackendPorts()) hostPorts[what] = port;

            var reached = await SessionProbe.TcpAsync(docker, container.Id,
                hostPorts.Values.SelectMany(port => new[] { ("127.0.0.1", port), (gateway, port) }).Append(("127.0.0.1", 8888)), Token);

            Assert.True(reached["127.0.0.1:8888"], "the probe could not even reach the session's own Jupyter");
            foreach (var (what, port) in hostPorts)
            {
                Assert.False(reached[$"127.0.0.1:{port}"], $"the session reached {what} at 127.0.0.1:{port}");
                Assert.False(reached[$"{gateway}:{port}"], $"the session reached {what} at the gateway {gateway}:{port}");
            }
            Assert.False(await SessionProbe.UnixSocketAsync(docker, container.Id, new Uri(TestEnvironment.DockerHost).AbsolutePath, Token), "the session reached the Docker socket");

            // A fork loop: stopped by the PID limit; the front end and the session's Jupyter (through the proxy) keep
            // answering. (A new kernel would need a process, so none is started while the loop's children live.)
            var loop = await docker.ExecAsync(container.Id, ["python3", "-c",
                "import os, time\nn = 0\ntry:\n    while n < 10000:\n        if os.fork() == 0:\n            time.sleep(20)\n            os._exit(0)\n        n += 1\n    print('unbounded', n)\nexcept OSError as e:\n    print('stopped', n)\n"], cancellationToken: Token);
            Assert.StartsWith("stopped ", loop.Stdout, StringComparison.Ordinal);
            using (var versions = await app.Http.GetAsync("versions", Token))
            {
                Assert.Equal(HttpStatusCode.OK, versions.StatusCode);
            }
            using var jupyter = new HttpClient(new SocketsHttpHandler { UseCookies = false });
            using var status = new HttpRequestMessage(HttpMethod.Get, ready.Url + "api/status");
            status.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("token", ready.Token);
            using (var answer = await jupyter.SendAsync(status, Token))
            {
                Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            }
        }
        finally
        {
            await app.DisposeAsync();
            if (image is not null) await BinderTestApp.RemoveImageAsync(image);
        }
    }

    [Fact]
    public async Task The_session_network_is_made_at_start_once_and_a_restarted_service_keeps_using_it()
    {
        using var docker = Docker();
        var first = await BinderTestApp.StartAsync();
        string networkId;
        try
        {
            var network = await docker.InspectNetworkAsync(first.NetworkName, Token);
            Assert.NotNull(network);
            Assert.Equal("false", network.Options["com.docker.network.bridge.enable_icc"]);
            networkId = network.Id;
            first.KeepSessionsOnDispose = true;
        }
        finally
        {
            await first.DisposeAsync();
        }
        Assert.Equal(networkId, (await docker.InspectNetworkAsync(first.NetworkName, Token))?.Id);

        await using var second = await BinderTestApp.StartAsync(suffix: first.Suffix);
        Assert.Equal(networkId, (await docker.InspectNetworkAsync(second.NetworkName, Token))?.Id);
        Assert.Contains($"Sessions join the network {second.NetworkName}", second.Log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_subnet_the_daemon_refuses_stops_the_start_with_a_sentence_naming_the_setting()
    {
        using var docker = Docker();
        var taken = await TestSubnets.FreeAsync(docker, Token);
        var blocker = "binder-test-blocker-" + TestEnvironment.UniqueSuffix();
        await docker.CreateNetworkAsync(new DockerNetworkParameters { Name = blocker, Subnet = taken }, Token);
        try
        {
            var error = await Assert.ThrowsAsync<SessionNetworkException>(() => BinderTestApp.StartAsync(new Dictionary<string, string?> { ["Launch:Docker:Network:Subnet"] = taken }));

            Assert.Contains($"with subnet {taken} (Launch:Docker:Network:Subnet)", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            await docker.RemoveNetworkAsync(blocker, CancellationToken.None);
        }
    }

    [Fact]
    public async Task Sessions_run_as_the_uid_images_are_built_for()
    {
        await using var app = await BinderTestApp.StartAsync(new Dictionary<string, string?> { ["Binder:Buildpacks:UserId"] = "1234" });

        var backend = Assert.IsType<DockerLaunchBackend>(app.App.Services.GetRequiredService<ILaunchBackend>());

        Assert.Equal(1234, backend.Options.UserId);
    }

    [Fact]
    public async Task A_session_uid_under_Launch_Docker_is_refused_at_start_pointing_at_the_one_setting()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => BinderTestApp.StartAsync(new Dictionary<string, string?> { ["Launch:Docker:UserId"] = "0" }));

        Assert.Contains("Launch:Docker:UserId was renamed Binder:Buildpacks:UserId", error.Message, StringComparison.Ordinal);
        Assert.Contains("Binder:Buildpacks:UserId", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_subnet_stops_the_start_naming_the_key()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => BinderTestApp.StartAsync(new Dictionary<string, string?> { ["Launch:Docker:Network:Subnet"] = "10.0.0.1/8" }));

        Assert.Contains("Network:Subnet '10.0.0.1/8'", error.Message, StringComparison.Ordinal);
    }
}
