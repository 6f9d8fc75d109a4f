using Binder.Build.Docker;

namespace Binder.Build.Tests.Docker;

/// <summary>
/// Which network a build's <c>RUN</c> steps get: untrusted steps must not reach the host's loopback services (here the
/// registry on 127.0.0.1) unless the operator or the caller chose the host network.
/// </summary>
[Collection(DockerDaemonCollection.Name)]
public sealed class DockerBuildNetworkTests
{
    // "default" itself cannot be built with here: the provisioned daemon has no bridge ("network bridge not found").
    [Fact]
    public void Builds_default_to_the_daemons_network_not_the_host()
    {
        Assert.Equal("default", new DockerOptions().BuildNetworkMode);
        Assert.Null(new DockerBuildParameters().NetworkMode);
    }

    [Theory]
    [InlineData("none", null, "UNREACHABLE")]
    [InlineData("host", null, "REACHED")]
    [InlineData("host", "none", "UNREACHABLE")]
    [InlineData("none", "host", "REACHED")]
    public async Task Run_steps_use_the_options_network_unless_the_build_names_one(string optionsMode, string? buildMode, string expected)
    {
        using var docker = DockerTestSupport.CreateClient(buildNetworkMode: optionsMode);
        var (host, port) = SplitHostPort(TestEnvironment.Registry);
        var marker = TestEnvironment.UniqueSuffix();
        // bash (not the /bin/sh RUN uses) opens a TCP connection with nothing installed beyond the minbase image.
        using var context = DockerTestSupport.Tar(("Dockerfile",
            $"FROM {TestEnvironment.BaseImage}\nRUN bash -c 'if (echo > /dev/tcp/{host}/{port}) 2>/dev/null; then echo REACHED-{marker}; else echo UNREACHABLE-{marker}; fi'\n"));
        var logs = new List<DockerBuildLog>();

        var imageId = await docker.BuildImageAsync(context, new DockerBuildParameters { NetworkMode = buildMode, NoCache = true },
            logs.Add, TestContext.Current.CancellationToken);
        try
        {
            Assert.Contains(logs, l => l.Kind == DockerBuildLogKind.Output && l.Message == $"{expected}-{marker}");
        }
        finally
        {
            await docker.RemoveImageAsync(imageId, force: true, TestContext.Current.CancellationToken);
        }
    }

    private static (string Host, string Port) SplitHostPort(string registry)
    {
        var colon = registry.LastIndexOf(':');
        return colon < 0 ? (registry, "80") : (registry[..colon], registry[(colon + 1)..]);
    }
}
