using System.Net;
using Binder.Build.Docker;

namespace Binder.Build.Tests.Docker;

/// <summary>Networks, container addresses, published ports and exec through the hand-written client, on the real daemon.</summary>
[Collection(DockerDaemonCollection.Name)]
public sealed class DockerNetworkTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_network_is_created_with_its_options_and_labels_refused_twice_and_removed()
    {
        using var docker = DockerTestSupport.CreateClient();
        var name = "binder-test-net-" + TestEnvironment.UniqueSuffix();
        try
        {
            var id = await docker.CreateNetworkAsync(new DockerNetworkParameters
            {
                Name = name,
                Options = new Dictionary<string, string> { ["com.docker.network.bridge.enable_icc"] = "false" },
                Labels = new Dictionary<string, string> { ["org.binder.test"] = "yes" },
            }, Token);

            var network = await docker.InspectNetworkAsync(name, Token);
            Assert.NotNull(network);
            Assert.Equal(id, network.Id);
            Assert.Equal("bridge", network.Driver);
            Assert.Equal("false", network.Options["com.docker.network.bridge.enable_icc"]);
            Assert.Equal("yes", network.Labels["org.binder.test"]);
            Assert.Single(network.Subnets);
            Assert.Equal(0, network.ContainerCount);
            var twice = await Assert.ThrowsAsync<DockerApiException>(() => docker.CreateNetworkAsync(new DockerNetworkParameters { Name = name }, Token));
            Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);
        }
        finally
        {
            Assert.True(await docker.RemoveNetworkAsync(name, CancellationToken.None));
        }
        Assert.False(await docker.RemoveNetworkAsync(name, Token));
        Assert.Null(await docker.InspectNetworkAsync(name, Token));
    }

    [Fact]
    public async Task A_container_on_a_network_has_an_address_there_its_published_port_and_runs_commands_as_a_given_user()
    {
        using var docker = DockerTestSupport.CreateClient();
        var name = "binder-test-net-" + TestEnvironment.UniqueSuffix();
        await docker.CreateNetworkAsync(new DockerNetworkParameters { Name = name }, Token);
        string? id = null;
        try
        {
            id = await docker.CreateContainerAsync(new DockerContainerParameters
            {
                Image = TestEnvironment.BaseImage,
                Cmd = ["sleep", "300"],
                NetworkMode = name,
                PublishedPorts = [new DockerPortPublication(7000, "127.0.0.1")],
                Labels = new Dictionary<string, string> { ["org.binder.test"] = name },
            }, Token);
            await docker.StartContainerAsync(id, Token);

            var network = (await docker.InspectNetworkAsync(name, Token))!;
            var container = (await docker.InspectContainerAsync(id, Token))!;
            var endpoint = Assert.Single(container.Networks).Value;
            Assert.True(IPNetwork.Parse(network.Subnets[0]).Contains(IPAddress.Parse(endpoint.IPAddress)), $"{endpoint.IPAddress} is outside {network.Subnets[0]}");
            Assert.Equal(network.Gateways[0], endpoint.Gateway);
            var published = Assert.Single(container.PublishedPorts);
            Assert.Equal(7000, published.ContainerPort);
            Assert.Equal("127.0.0.1", published.HostIp);
            Assert.InRange(published.HostPort, 1, 65535);
            var listed = Assert.Single(await docker.ListContainersAsync(new Dictionary<string, string?> { ["org.binder.test"] = name }, Token));
            Assert.Equal(endpoint.IPAddress, listed.Networks[name].IPAddress);
            Assert.Equal(published.HostPort, Assert.Single(listed.PublishedPorts).HostPort);
            Assert.StartsWith("sha256:", listed.ImageId, StringComparison.Ordinal);

            var asUser = await docker.ExecAsync(id, ["sh", "-c", "id -u; echo oops >&2; exit 3"], "4321", Token);
            Assert.Equal(3, asUser.ExitCode);
            Assert.Equal("4321\n", asUser.Stdout);
            Assert.Equal("oops\n", asUser.Stderr);
            Assert.Equal("0\n", (await docker.ExecAsync(id, ["id", "-u"], cancellationToken: Token)).Stdout);
        }
        finally
        {
            if (id is not null) await docker.RemoveContainerAsync(id, force: true, CancellationToken.None);
            await docker.RemoveNetworkAsync(name, CancellationToken.None);
        }
    }

    [Fact]
    public async Task The_daemon_reports_its_memory_and_data_directory_and_image_sizes()
    {
        using var docker = DockerTestSupport.CreateClient();

        var info = await docker.GetSystemInfoAsync(Token);
        var images = await docker.GetImageDiskUsageAsync(Token);

        Assert.True(info.MemoryBytes > 256L * 1024 * 1024, $"MemTotal {info.MemoryBytes}");
        Assert.True(Path.IsPathFullyQualified(info.RootDirectory), info.RootDirectory);
        var baseImage = Assert.Single(images, i => i.RepoTags.Contains(TestEnvironment.BaseImage));
        Assert.True(baseImage.Size > 0);
        Assert.InRange(baseImage.UniqueSize, 0, baseImage.Size);
    }
}
