using System.Net;
using Binder.Build.Docker;
using Binder.Build.Tests.Docker;
using Binder.Hub.Launch;
using Microsoft.Extensions.Logging.Abstractions;

namespace Binder.Hub.Tests.Launch;

/// <summary>The service's own session network on the real daemon: made once, reused, made again, refused when not Binder's.</summary>
[Collection(LaunchDaemonCollection.Name)]
public sealed class SessionNetworkTests(SessionImageFixture fixture)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>Options with a network of the test's own, removed by <see cref="RemoveAsync"/>.</summary>
    private DockerLaunchOptions WithNetwork(string? subnet = null) => fixture.Options() with
    {
        Network = new SessionNetworkOptions { Name = "binder-test-sessions-" + TestEnvironment.UniqueSuffix(), Subnet = subnet },
    };

    private async Task RemoveAsync(DockerLaunchBackend backend, params string[] sessions)
    {
        foreach (var session in sessions) await backend.StopAsync(session, CancellationToken.None);
        await fixture.Docker.RemoveNetworkAsync(backend.NetworkName, CancellationToken.None);
    }

    [Fact]
    public async Task The_network_is_created_at_start_with_its_subnet_and_labels_and_a_restarted_backend_reuses_it()
    {
        var options = WithNetwork(await FreeSubnetAsync());
        using var first = fixture.CreateBackend(options);
        using var restarted = fixture.CreateBackend(options);
        var start = DockerLaunchBackendTests.NewStart(fixture.SessionImage);
        try
        {
            await first.PrepareAsync(Token);
            var created = await fixture.Docker.InspectNetworkAsync(options.NetworkName, Token);
            Assert.NotNull(created);
            Assert.Equal("bridge", created.Driver);
            Assert.Equal([options.Network.Subnet!], created.Subnets);
            Assert.Equal("false", created.Options[SessionNetwork.IccOption]);
            Assert.Equal(SessionNetwork.LabelValue, created.Labels[SessionNetwork.Label]);
            Assert.Equal(fixture.InstanceName, created.Labels[SessionLabels.Instance]);
            await first.PrepareAsync(Token);

            await restarted.PrepareAsync(Token);
            var session = await restarted.StartAsync(start, Token);

            Assert.Equal(created.Id, (await fixture.Docker.InspectNetworkAsync(options.NetworkName, Token))!.Id);
            Assert.True(IPNetwork.Parse(options.Network.Subnet!).Contains(IPAddress.Parse(new Uri(session.Target).Host)), session.Target);
            // The first backend, which did not start it, finds the session with the same target (re-adoption after a restart).
            Assert.Equal(session.Target, Assert.Single(await first.ListAsync(Token), c => c.SessionId == start.SessionId).Target);
        }
        finally
        {
            await RemoveAsync(first, start.SessionId);
        }
    }

    [Fact]
    public async Task A_network_removed_by_hand_is_made_again_at_the_next_launch()
    {
        var options = WithNetwork();
        using var backend = fixture.CreateBackend(options);
        var start = DockerLaunchBackendTests.NewStart(fixture.SessionImage);
        try
        {
            await backend.PrepareAsync(Token);
            Assert.True(await fixture.Docker.RemoveNetworkAsync(options.NetworkName, Token));

            var session = await backend.StartAsync(start, Token);

            Assert.NotNull(await fixture.Docker.InspectNetworkAsync(options.NetworkName, Token));
            Assert.True(session.Running);
            Assert.NotEqual(0, (await fixture.Docker.InspectNetworkAsync(options.NetworkName, Token))!.ContainerCount);
        }
        finally
        {
            await RemoveAsync(backend, start.SessionId);
        }
    }

    [Fact]
    public async Task A_network_of_that_name_that_Binder_did_not_make_is_refused_with_a_sentence_and_left_alone()
    {
        var options = WithNetwork();
        using var backend = fixture.CreateBackend(options);
        var foreign = await fixture.Docker.CreateNetworkAsync(new DockerNetworkParameters { Name = options.NetworkName }, Token);
        try
        {
            var error = await Assert.ThrowsAsync<SessionNetworkException>(() => backend.PrepareAsync(Token));

            Assert.Contains($"The Docker network {options.NetworkName} cannot be used for sessions", error.Message, StringComparison.Ordinal);
            Assert.Contains("was not created by Binder", error.Message, StringComparison.Ordinal);
            Assert.Contains("enable_icc", error.Message, StringComparison.Ordinal);
            Assert.Contains($"docker network rm {options.NetworkName}", error.Message, StringComparison.Ordinal);
            var launch = await Assert.ThrowsAsync<SessionStartException>(() => backend.StartAsync(DockerLaunchBackendTests.NewStart(fixture.SessionImage), Token));
            Assert.Contains("was not created by Binder", launch.Message, StringComparison.Ordinal);
            Assert.Equal(foreign, (await fixture.Docker.InspectNetworkAsync(options.NetworkName, Token))!.Id);
        }
        finally
        {
            await fixture.Docker.RemoveNetworkAsync(foreign, CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_subnet_the_daemon_refuses_fails_the_start_with_a_sentence_naming_the_setting_and_makes_nothing()
    {
        var taken = await FreeSubnetAsync();
        var blocker = "binder-test-blocker-" + TestEnvironment.UniqueSuffix();
        await fixture.Docker.CreateNetworkAsync(new DockerNetworkParameters { Name = blocker, Subnet = taken }, Token);
        var options = WithNetwork(taken);
        using var backend = fixture.CreateBackend(options);
        try
        {
            var error = await Assert.ThrowsAsync<SessionNetworkException>(() => backend.PrepareAsync(Token));

            Assert.Contains($"could not be created with subnet {taken} (Launch:Docker:Network:Subnet)", error.Message, StringComparison.Ordinal);
            Assert.Contains("Choose a range no other Docker network", error.Message, StringComparison.Ordinal);
            Assert.Null(await fixture.Docker.InspectNetworkAsync(options.NetworkName, Token));
        }
        finally
        {
            await fixture.Docker.RemoveNetworkAsync(blocker, CancellationToken.None);
            await fixture.Docker.RemoveNetworkAsync(options.NetworkName, CancellationToken.None);
        }
    }

    [Fact]
    public async Task With_a_publish_address_the_proxy_reaches_the_session_at_a_port_published_there()
    {
        var isolated = WithNetwork();
        var options = isolated with { Network = isolated.Network with { PublishAddress = "127.0.0.1" } };
        using var backend = fixture.CreateBackend(options);
        using var restarted = fixture.CreateBackend(options);
        await using var proxy = await SessionProxy.StartAsync(DockerLaunchBackendTests.OwnedProxy(), TimeProvider.System, NullLoggerFactory.Instance, Token);
        var start = DockerLaunchBackendTests.NewStart(fixture.SessionImage);
        try
        {
            var session = await backend.StartAsync(start, Token);

            var published = Assert.Single((await fixture.Docker.InspectContainerAsync(session.ContainerId, Token))!.PublishedPorts);
            Assert.Equal(options.JupyterPort, published.ContainerPort);
            Assert.Equal($"http://127.0.0.1:{published.HostPort}", session.Target);
            Assert.Equal(session.Target, Assert.Single(await restarted.ListAsync(Token), c => c.SessionId == start.SessionId).Target);
            await proxy.Client.AddRouteAsync(start.BaseUrl, session.Target, new Dictionary<string, string> { ["session"] = start.SessionId }, Token);
            using var http = new HttpClient(new SocketsHttpHandler { UseCookies = false });
            using var answer = await DockerLaunchBackendTests.GetAsync(http, new Uri(proxy.Client.PublicUrl, start.BaseUrl + "api/status"), start.Token);
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        }
        finally
        {
            await RemoveAsync(backend, start.SessionId);
        }
    }

    [Fact]
    public async Task Host_networking_is_used_only_when_configured_and_the_start_warns_about_it()
    {
        // A network name of its own: other tests of this fixture make the instance's default session network, whose
        // presence says nothing about what a host-mode backend does.
        var unused = $"host-mode-{Guid.NewGuid():N}"[..24];
        var options = fixture.Options() with { Network = new SessionNetworkOptions { Mode = SessionNetworkMode.Host, Name = unused } };
        var log = new RecordingLogger<DockerLaunchBackend>();
        using var backend = new DockerLaunchBackend(fixture.Docker, options, TimeProvider.System, log);
        var start = DockerLaunchBackendTests.NewStart(fixture.SessionImage);
        try
        {
            await backend.PrepareAsync(Token);
            await backend.PrepareAsync(Token);
            var session = await backend.StartAsync(start, Token);

            Assert.Single(log.Messages, m => m.StartsWith("Sessions use the host's network (Launch:Docker:Network:Mode = Host)", StringComparison.Ordinal));
            Assert.StartsWith("http://127.0.0.1:", session.Target, StringComparison.Ordinal);
            Assert.Equal("host", backend.NetworkName);
            Assert.Null(await fixture.Docker.InspectNetworkAsync(options.NetworkName, Token));
            // Still confined: the notebook user, no capabilities.
            var status = await fixture.Docker.ExecAsync(session.ContainerId, ["grep", "-E", "^(Uid|CapEff):", "/proc/1/status"], cancellationToken: Token);
            Assert.Contains("CapEff:\t0000000000000000", status.Stdout, StringComparison.Ordinal);
            Assert.Contains("Uid:\t1000\t", status.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            await backend.StopAsync(start.SessionId, CancellationToken.None);
        }
    }

    private Task<string> FreeSubnetAsync() => TestSubnets.FreeAsync(fixture.Docker, Token);
}
