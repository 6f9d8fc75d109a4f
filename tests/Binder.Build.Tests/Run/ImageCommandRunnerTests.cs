using Binder.Build.Docker;
using Binder.Build.Run;

namespace Binder.Build.Tests.Run;

/// <summary>The container <c>binder build DIR -- CMD</c> runs the repository's command in.</summary>
public sealed class ImageCommandRunnerTests
{
    private static readonly ImageCommand Command = new() { Image = "binder-test:cmd", Command = ["./verify"], User = "1000", WorkingDir = "/home/jovyan" };

    [Theory]
    [InlineData("default")]
    [InlineData("binder-builds")]
    [InlineData("host")]
    public void The_command_runs_on_the_network_the_build_used_not_on_the_hosts(string buildNetwork)
    {
        var parameters = ImageCommandRunner.ContainerParameters(Command, "binder-cmd-0123456789abcdef", new DockerOptions { BuildNetworkMode = buildNetwork });

        Assert.Equal(buildNetwork, parameters.NetworkMode);
        Assert.Same(Command.Command, parameters.Cmd);
        Assert.Equal("1000", parameters.User);
        Assert.Equal("/home/jovyan", parameters.WorkingDir);
        Assert.Equal("binder-cmd-0123456789abcdef", parameters.Name);
    }

    [Fact]
    public void By_default_the_command_is_kept_off_the_hosts_network()
    {
        Assert.NotEqual("host", ImageCommandRunner.ContainerParameters(Command, "binder-cmd-0", new DockerOptions()).NetworkMode);
    }
}
