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
    public void A_command_without_those_flags_only_gains_them()
    {
        Assert.Equal(["jupyter", "lab", "--port=1"], JupyterRunner.WithArguments(["jupyter", "lab"], ["--port=1"]));
    }
}
