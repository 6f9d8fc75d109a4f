using System.Text.Json;

namespace Binder.Build.Tests.Integration;

/// <summary>
/// The notebook kernel sees what the repository installed, for every buildpack that builds on these machines, and
/// the offline (Debian) Jupyter has the commands mybinder users call: real images, real kernels started through
/// jupyter_client the way the server starts them.
/// </summary>
[Collection(Docker.DockerDaemonCollection.Name)]
public sealed class KernelEnvironmentTests(BuilderFixture fixture, KernelImages images) : IClassFixture<KernelImages>
{
    private Task<(long ExitCode, string Output)> RunKernelAsync(string image, string kernel, string code) =>
        fixture.RunInImageAsync(image, "python3", "-c", KernelImages.KernelProbe, kernel, code);

    [Fact]
    public async Task The_python3_kernel_runs_the_virtual_environment_and_imports_what_requirements_txt_and_setup_py_installed()
    {
        var image = await images.PythonAsync(fixture);

        var (exit, output) = await RunKernelAsync(image, "python3",
            "import sys, binder_test_pkg, binder_setup_pkg; print(sys.executable, '|', binder_test_pkg.VALUE, '|', binder_setup_pkg.VALUE)");

        Assert.True(exit == 0, output);
        Assert.Contains("kernel argv0: /srv/venv/bin/python\n", output, StringComparison.Ordinal);
        Assert.Contains("/srv/venv/bin/python | from the local index | from setup.py", output, StringComparison.Ordinal);
        Assert.Contains("status: ok", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_image_s_own_Jupyter_server_offers_the_python3_kernel_of_the_virtual_environment()
    {
        var image = await images.PythonAsync(fixture);
        var runner = fixture.CreateRunner();
        var notebook = await runner.StartAsync(image, 1000, TestContext.Current.CancellationToken);
        try
        {
            using var http = new HttpClient(new SocketsHttpHandler { UseCookies = false });
            var json = await http.GetStringAsync($"http://127.0.0.1:{notebook.Port}/api/kernelspecs?token={notebook.Token}", TestContext.Current.CancellationToken);
            using var specs = JsonDocument.Parse(json);

            Assert.Equal("python3", specs.RootElement.GetProperty("default").GetString());
            var python3 = specs.RootElement.GetProperty("kernelspecs").GetProperty("python3").GetProperty("spec");
            Assert.Equal("/srv/venv/bin/python", python3.GetProperty("argv")[0].GetString());
        }
        finally
        {
            await runner.StopAsync(notebook);
        }
    }

    [Fact]
    public async Task A_postBuild_calls_the_jupyter_command_and_jupyterhub_singleuser_runs()
    {
        var image = await images.PythonAsync(fixture);

        var (exit, output) = await fixture.RunInImageAsync(image, "bash", "-c",
            "set -e; cat ~/postbuild-jupyter-version.txt ~/postbuild-kernelspecs.txt; command -v jupyter jupyterhub-singleuser; jupyterhub-singleuser --help | head -n 1");

        Assert.True(exit == 0, output);
        Assert.Contains("jupyter_core", output, StringComparison.Ordinal);
        Assert.Contains("notebook", output, StringComparison.Ordinal);
        Assert.Matches(@"python3\s+/srv/venv/share/jupyter/kernels/python3\n", output);
        Assert.Contains("/srv/venv/bin/jupyter\n/srv/venv/bin/jupyterhub-singleuser\n", output, StringComparison.Ordinal);
        Assert.Contains("Single-user server for JupyterHub", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_python3_kernel_imports_a_pyproject_toml_package()
    {
        var image = await images.PyprojectAsync(fixture);

        var (exit, output) = await RunKernelAsync(image, "python3", "import binder_pyproject_pkg; print(binder_pyproject_pkg.VALUE)");

        Assert.True(exit == 0, output);
        Assert.Contains("from pyproject.toml", output, StringComparison.Ordinal);
        Assert.Contains("status: ok", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_python3_kernel_imports_what_a_Pipfile_installed_with_Debians_pipenv()
    {
        var image = await images.PipfileAsync(fixture);

        var (exit, output) = await RunKernelAsync(image, "python3", "import sys, binder_other_pkg; print(sys.executable, binder_other_pkg.VALUE)");

        Assert.True(exit == 0, output);
        Assert.Contains("/srv/venv/bin/python 2", output, StringComparison.Ordinal);
        Assert.Contains("status: ok", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_R_image_runs_the_IR_kernel_and_its_python3_kernel_imports_requirements_txt()
    {
        var image = await images.RAsync(fixture);

        var (pythonExit, python) = await RunKernelAsync(image, "python3", "import binder_test_pkg; print(binder_test_pkg.VALUE)");
        var (rExit, r) = await RunKernelAsync(image, "ir", "cat('R major version', R.version$major, '\\n')");

        Assert.True(pythonExit == 0, python);
        Assert.Contains("from the local index", python, StringComparison.Ordinal);
        Assert.True(rExit == 0, r);
        Assert.Contains("R major version 4", r, StringComparison.Ordinal);
    }
}
