using Binder.Build.Tests.Support;

namespace Binder.Build.Tests.Integration;

/// <summary>
/// Real images of small repositories, one per buildpack that builds on these machines, each built once and shared by
/// the tests that look inside it (apt installs make every build slow). Built with the offline Debian route, the one
/// these machines can run; the images go when the <see cref="BuilderFixture"/> does.
/// </summary>
public sealed class KernelImages : IDisposable
{
    private readonly Dictionary<string, Task<RepoBuildResult>> builds = new(StringComparer.Ordinal);
    private readonly List<TempDirectory> directories = [];

    /// <summary>
    /// Starts a kernel through jupyter_client exactly as the server would find it (the kernelspec search of the
    /// Python running this script, which is the server's), runs code in it and prints the kernelspec's interpreter,
    /// the code's output and the reply's status. Exits 0 only when the code ran without error.
    /// </summary>
    public const string KernelProbe = """
        import os, sys
        from jupyter_client.kernelspec import KernelSpecManager
        from jupyter_client.manager import start_new_kernel
        name, code = sys.argv[1], sys.argv[2]
        print("kernel argv0:", KernelSpecManager().get_kernel_spec(name).argv[0], flush=True)
        km, kc = start_new_kernel(kernel_name=name, startup_timeout=120)
        try:
            status = kc.execute_interactive(code, timeout=120)["content"]["status"]
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)
        print("status:", status, flush=True)
        # Skip interpreter teardown, where jupyter_client's finalizers log noise.
        os._exit(0 if status == "ok" else 1)
        """;

    /// <summary>Requirements from the loopback index, a setup.py package, and a postBuild using the jupyter command.</summary>
    public async Task<string> PythonAsync(BuilderFixture fixture) => (await PythonResultAsync(fixture)).ImageName;

    /// <summary>The build result of <see cref="PythonAsync"/>'s image.</summary>
    public Task<RepoBuildResult> PythonResultAsync(BuilderFixture fixture) => Image(fixture, "kernel-python", repo =>
    {
        repo.Write("requirements.txt", "binder-test-pkg==1.0\n");
        repo.Write("setup.py", "from setuptools import setup\nsetup(name='binder-setup-pkg', version='1.0', packages=['binder_setup_pkg'])\n");
        repo.Write("binder_setup_pkg/__init__.py", "VALUE = 'from setup.py'\n");
        // The pip install shows that the environment manifest, written after postBuild, lists what postBuild installed.
        repo.Write("postBuild", "#!/bin/bash\nset -e\njupyter --version > ~/postbuild-jupyter-version.txt\njupyter kernelspec list > ~/postbuild-kernelspecs.txt\n"
            + "python3 -m pip install --quiet binder-other-pkg==2.0\n");
    });

    /// <summary>A pyproject.toml package whose build backend lives in the repository (no download needed).</summary>
    public async Task<string> PyprojectAsync(BuilderFixture fixture) => (await PyprojectResultAsync(fixture)).ImageName;

    /// <summary>The build result of <see cref="PyprojectAsync"/>'s image.</summary>
    public Task<RepoBuildResult> PyprojectResultAsync(BuilderFixture fixture) => Image(fixture, "kernel-pyproject", repo =>
    {
        repo.Write("pyproject.toml", """
            [build-system]
            requires = []
            build-backend = "backend"
            backend-path = ["_build"]

            [project]
            name = "binder-pyproject-pkg"
            version = "1.0"
            """);
        repo.Write("src/binder_pyproject_pkg/__init__.py", "VALUE = 'from pyproject.toml'\n");
        repo.Write("_build/backend.py", """
            # A PEP 517 backend writing a pure-Python wheel of src/, so the build needs nothing from an index.
            import base64, hashlib, os, zipfile

            DIST = "binder_pyproject_pkg-1.0"

            def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
                files = {
                    "binder_pyproject_pkg/__init__.py": open("src/binder_pyproject_pkg/__init__.py", "rb").read(),
                    DIST + ".dist-info/METADATA": b"Metadata-Version: 2.1\nName: binder-pyproject-pkg\nVersion: 1.0\n",
                    DIST + ".dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: binder-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
                }
                record = []
                for path, data in files.items():
                    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
                    record.append("%s,sha256=%s,%d" % (path, digest, len(data)))
                record.append(DIST + ".dist-info/RECORD,,")
                name = DIST + "-py3-none-any.whl"
                with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as wheel:
                    for path, data in files.items():
                        wheel.writestr(path, data)
                    wheel.writestr(DIST + ".dist-info/RECORD", "\n".join(record) + "\n")
                return name
            """);
    });

    /// <summary>A Pipfile (no lock) naming a package of the loopback index, installed with Debian's pipenv.</summary>
    public async Task<string> PipfileAsync(BuilderFixture fixture) => (await PipfileResultAsync(fixture)).ImageName;

    /// <summary>The build result of <see cref="PipfileAsync"/>'s image.</summary>
    public Task<RepoBuildResult> PipfileResultAsync(BuilderFixture fixture) => Image(fixture, "kernel-pipfile", repo =>
    {
        repo.Write("Pipfile", """
            [[source]]
            url = "https://pypi.org/simple"
            verify_ssl = true
            name = "pypi"

            [packages]
            binder-other-pkg = "*"

            [requires]
            python_version = "3.11"
            """);
    });

    /// <summary>Debian's R with a CRAN snapshot date, and a requirements.txt for its Python side.</summary>
    public async Task<string> RAsync(BuilderFixture fixture) => (await RResultAsync(fixture)).ImageName;

    /// <summary>The build result of <see cref="RAsync"/>'s image.</summary>
    public Task<RepoBuildResult> RResultAsync(BuilderFixture fixture) => Image(fixture, "kernel-r", repo =>
    {
        repo.Write("runtime.txt", "r-2024-01-01\n");
        repo.Write("requirements.txt", "binder-test-pkg==1.0\n");
    });

    private Task<RepoBuildResult> Image(BuilderFixture fixture, string purpose, Action<TempDirectory> lay)
    {
        lock (builds)
        {
            if (!builds.TryGetValue(purpose, out var build))
            {
                var directory = new TempDirectory("binder-" + purpose);
                directories.Add(directory);
                lay(directory);
                build = BuildAsync(fixture, purpose, directory.Path);
                builds[purpose] = build;
            }
            return build;
        }
    }

    private static async Task<RepoBuildResult> BuildAsync(BuilderFixture fixture, string purpose, string path)
    {
        var image = fixture.ImageName(purpose);
        var events = new List<BuildEvent>();
        var builder = fixture.CreateBuilder();
        // Not the test's token: the image outlives the test that happened to build it first.
        return await builder.BuildAsync(new RepoBuildRequest { Source = path, ImageName = image }, e => { lock (events) events.Add(e); }, CancellationToken.None);
    }

    public void Dispose()
    {
        foreach (var directory in directories)
        {
            directory.Dispose();
        }
    }
}
