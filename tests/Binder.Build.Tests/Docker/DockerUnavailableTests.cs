using System.Net;
using System.Net.Sockets;
using Binder.Build.Docker;

namespace Binder.Build.Tests.Docker;

public sealed class DockerUnavailableTests
{
    [Fact]
    public async Task A_missing_socket_names_the_endpoint_and_says_how_to_start_a_daemon()
    {
        var socket = Path.Combine(Path.GetTempPath(), "binder-no-daemon-" + TestEnvironment.UniqueSuffix() + ".sock");
        using var docker = DockerTestSupport.CreateClient("unix://" + socket);

        var error = await Assert.ThrowsAsync<DockerUnavailableException>(() => docker.PingAsync(TestContext.Current.CancellationToken));

        Assert.Equal("unix://" + socket, error.Endpoint);
        Assert.Contains("unix://" + socket, error.Message);
        Assert.Contains($"there is no socket at {socket}", error.Message);
        Assert.Contains("scripts/provision.sh", error.Message);
        Assert.Contains("dockerd", error.Message);
        Assert.Contains("DOCKER_HOST", error.Message);
    }

    [Fact]
    public async Task A_socket_nobody_listens_on_is_refused_and_reported_the_same_way()
    {
        var path = Path.Combine(Path.GetTempPath(), "binder-dead-" + TestEnvironment.UniqueSuffix() + ".sock");
        // A bound socket that does not listen refuses connections: what a daemon that stopped accepting leaves behind.
        // (.NET deletes the file when the socket is disposed, so it stays open for the test.)
        using var bound = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        bound.Bind(new UnixDomainSocketEndPoint(path));
        using var docker = DockerTestSupport.CreateClient("unix://" + path);
        using var context = DockerTestSupport.Tar(("Dockerfile", "FROM scratch\n"));

        var error = await Assert.ThrowsAsync<DockerUnavailableException>(() => docker.BuildImageAsync(
            context, new DockerBuildParameters(), null, TestContext.Current.CancellationToken));

        Assert.Contains("the connection was refused", error.Message);
        Assert.Contains("scripts/provision.sh", error.Message);
    }

    [Fact]
    public async Task A_tcp_port_nobody_listens_on_is_reported_as_unavailable()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        using var docker = DockerTestSupport.CreateClient($"tcp://127.0.0.1:{port}");

        var error = await Assert.ThrowsAsync<DockerUnavailableException>(() => docker.ListContainersAsync(
            new Dictionary<string, string?>(), TestContext.Current.CancellationToken));

        Assert.Contains($"tcp://127.0.0.1:{port}", error.Message);
        Assert.Contains("refused", error.Message);
    }

    [Theory]
    [InlineData("npipe:////./pipe/docker_engine")]
    [InlineData("/var/run/docker.sock")]
    [InlineData("unix://")]
    public void An_endpoint_that_is_not_unix_or_tcp_is_rejected_with_the_forms_that_work(string host)
    {
        var error = Assert.Throws<BinderBuildException>(() => DockerTestSupport.CreateClient(host));

        Assert.Contains(host, error.Message);
        Assert.Contains("unix:///path/to/docker.sock or tcp://host:port", error.Message);
    }

    [Fact]
    public void The_host_defaults_to_docker_host_or_the_standard_socket()
    {
        var expected = Environment.GetEnvironmentVariable("DOCKER_HOST") is { Length: > 0 } set ? set : "unix:///var/run/docker.sock";

        Assert.Equal(expected, new DockerOptions().Host);
        Assert.Equal("1.41", new DockerOptions().ApiVersion);
    }
}
