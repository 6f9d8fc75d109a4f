using Binder.Build.Run;

namespace Binder.Build.Tests.Run;

public sealed class JupyterRunnerTests
{
    [Fact]
    public void Added_flags_replace_the_commands_own_values()
    {
        var command = JupyterRunner.WithArguments(
            ["python3", "-m", "notebook", "--ip=0.0.0.0", "--port", "8888", "--no-browser"],
            ["--ip=127.0.0.1", "--port=9000", "--NotebookApp.token=t"]);
        Assert.Equal(["python3", "-m", "notebook", "--no-browser", "--ip=127.0.0.1", "--port=9000", "--NotebookApp.token=t"], command);
    }

    [Fact]
    public void A_positional_argument_after_a_replaced_boolean_flag_is_kept()
    {
        var command = JupyterRunner.WithArguments(["jupyter", "notebook", "--no-browser", "index.ipynb"], ["--no-browser", "--port=1"]);

        Assert.Equal(["jupyter", "notebook", "index.ipynb", "--no-browser", "--port=1"], command);
    }

    [Theory]
    [InlineData("--NotebookApp.token=")]
    [InlineData("--ServerApp.token=")]
    [InlineData("--IdentityProvider.token=")]
    [InlineData("--NotebookApp.password=")]
    [InlineData("--ServerApp.password=sha1:abc")]
    [InlineData("--ServerApp.allow_unauthenticated_access=True")]
    public void The_images_own_token_and_password_flags_are_removed(string flag)
    {
        var command = JupyterRunner.WithArguments(["jupyter", "notebook", flag, "--debug"], ["--port=1"]);

        Assert.Equal(["jupyter", "notebook", "--debug", "--port=1"], command);
    }

    [Fact]
    public void A_token_flag_in_two_word_form_loses_its_value_too()
    {
        var command = JupyterRunner.WithArguments(["jupyter", "notebook", "--NotebookApp.token", "", "index.ipynb"], ["--port=1"]);

        Assert.Equal(["jupyter", "notebook", "index.ipynb", "--port=1"], command);
    }

    [Fact]
    public void Run_arguments_replace_the_defaults_and_none_means_the_defaults()
    {
        Assert.Equal(["--port={port}"], new RunOptions { JupyterArguments = ["--port={port}"] }.EffectiveJupyterArguments);
        Assert.Equal(RunOptions.DefaultJupyterArguments, new RunOptions().EffectiveJupyterArguments);
    }

    [Fact]
    public void A_confined_notebook_runs_as_the_given_uid_without_capabilities_privilege_gain_or_extra_swap()
    {
        var confined = JupyterStartup.Confined(new Binder.Build.Docker.DockerContainerParameters { Image = "x", User = "root", MemoryLimitBytes = 1 << 30 }, 1234, 512);

        Assert.Equal("1234", confined.User);
        Assert.Equal(["ALL"], confined.CapDrop);
        Assert.Equal(["no-new-privileges"], confined.SecurityOpt);
        Assert.Equal(512, confined.PidsLimit);
        Assert.Equal(1 << 30, confined.MemorySwapBytes);
        Assert.Null(JupyterStartup.Confined(new Binder.Build.Docker.DockerContainerParameters { Image = "x" }, 1000, 0).PidsLimit);
        Assert.Throws<ArgumentOutOfRangeException>(() => JupyterStartup.Confined(new Binder.Build.Docker.DockerContainerParameters { Image = "x" }, 0, 512));
    }

    [Fact]
    public void A_command_without_those_flags_only_gains_them()
    {
        Assert.Equal(["jupyter", "lab", "--port=1"], JupyterRunner.WithArguments(["jupyter", "lab"], ["--port=1"]));
    }
}
