using Binder.Build.Buildpacks;
using static Binder.Build.Tests.Buildpacks.DockerfileLayeringTests;

namespace Binder.Build.Tests.Buildpacks;

/// <summary>
/// Where Jupyter lives and which Python the kernel runs, per buildpack, in the generated Dockerfile. What the offline
/// (Debian) route does in a real image is checked by <c>Integration.KernelEnvironmentTests</c>.
/// </summary>
public sealed class PythonEnvironmentTests
{
    private static readonly BuildpackOptions Debian = new() { JupyterSource = JupyterSource.Debian };

    [Fact]
    public void By_default_JupyterLab_notebook_7_and_jupyterhub_go_into_the_repositorys_environment_before_its_packages()
    {
        using var repo = new TempRepository().File("requirements.txt", "jupyterlab-git\n").File("postBuild", "jupyter labextension list");
        var plan = PlanTests.Plan(repo);
        var d = plan.Dockerfile;

        AssertInOrder(d,
            "RUN /usr/bin/python3 -m venv /srv/venv && \\\n",
            "/srv/venv/bin/python -m pip install --no-cache-dir 'jupyterlab==4.*' 'notebook==7.*' 'jupyter_server==2.*' 'jupyterhub==5.*' 'ipykernel'",
            "/srv/venv/bin/python -m ipykernel install --prefix /srv/venv --name python3 --display-name 'Python 3 (ipykernel)'",
            "RUN /srv/venv/bin/python -m pip install --no-cache-dir -r requirements.txt",
            FullCopy,
            "./postBuild");
        Assert.DoesNotContain("--system-site-packages", d, StringComparison.Ordinal);
        Assert.DoesNotContain("python3-notebook", d, StringComparison.Ordinal);
        Assert.Contains("ENV PATH=/srv/venv/bin:/home/jovyan/.local/bin:${PATH}", d, StringComparison.Ordinal);
        Assert.Contains("NB_PYTHON_PREFIX=\"/srv/venv\"", d, StringComparison.Ordinal);
        Assert.Contains("KERNEL_PYTHON_PREFIX=\"/srv/venv\"", d, StringComparison.Ordinal);
        Assert.Equal(["python3", "-m", "notebook", "--ip=0.0.0.0", "--port=8888", "--no-browser"], plan.Command);
    }

    [Fact]
    public void The_Debian_route_sees_Debians_Jupyter_and_runs_its_commands_and_kernel_on_the_environments_python()
    {
        using var repo = new TempRepository().File("requirements.txt", "numpy\n");
        var d = PlanTests.Plan(repo, Debian).Dockerfile;

        AssertInOrder(d,
            "python3-notebook python3-ipykernel jupyter-core",
            "jupyter-client jupyter-notebook jupyter-nbconvert jupyterhub",
            "RUN /usr/bin/python3 -m venv --system-site-packages /srv/venv && \\\n",
            "for f in /usr/bin/jupyter*; do if head -n 1 \"$f\" | grep -Eq '^#! ?/usr/bin/python3( |$)'; then sed '1s|.*|#!/srv/venv/bin/python3|' \"$f\" > \"/srv/venv/bin/${f##*/}\"",
            "/srv/venv/bin/python -m ipykernel install --prefix /srv/venv --name python3",
            "RUN /srv/venv/bin/python -m pip install --no-cache-dir -r requirements.txt",
            FullCopy);
        Assert.DoesNotContain("jupyterlab", d, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> EveryBuildpackWithAPythonKernel => new()
    {
        { "requirements.txt=numpy", "/srv/venv" },
        { "setup.py=", "/srv/venv" },
        { "pyproject.toml=[project]\nname = \"x\"\n[build-system]\n", "/srv/venv" },
        { "Pipfile=[packages]\nnumpy = \"*\"\n", "/srv/venv" },
        { "runtime.txt=r-2024-01-01|requirements.txt=numpy", "/srv/venv" },
        { "DESCRIPTION=Package: x", "/srv/venv" },
        { "Project.toml=[deps]\n|requirements.txt=numpy", "/srv/venv" },
        { "runtime.txt=python-3.12|requirements.txt=numpy", "/srv/conda/envs/notebook" },
        { "environment.yml=dependencies:\n  - numpy\n", "/srv/conda/envs/notebook" },
        { "binder/environment.yml=dependencies:\n  - numpy\n|binder/Project.toml=[deps]\n", "/srv/conda/envs/notebook" },
        { "environment.yml=dependencies:\n  - numpy\n|runtime.txt=r-2024-01-01", "/srv/conda/envs/notebook" },
    };

    [Theory]
    [MemberData(nameof(EveryBuildpackWithAPythonKernel))]
    public void Every_buildpack_registers_the_python3_kernel_of_the_repositorys_environment_where_the_server_looks_first(string layout, string prefix)
    {
        using var repo = BuildpackDetectorTests.Lay(layout);
        foreach (var options in new[] { new BuildpackOptions(), Debian })
        {
            var d = PlanTests.Plan(repo, options).Dockerfile;

            Assert.Contains($"{prefix}/bin/python -m ipykernel install --prefix {prefix} --name python3", d, StringComparison.Ordinal);
            Assert.Contains($"ENV PATH={prefix}/bin:", d, StringComparison.Ordinal);
            Assert.Contains($"NB_PYTHON_PREFIX=\"{prefix}\"", d, StringComparison.Ordinal);
            Assert.Contains($"KERNEL_PYTHON_PREFIX=\"{prefix}\"", d, StringComparison.Ordinal);
            // Whatever the repository installs goes into that same environment.
            Assert.DoesNotContain("RUN python3 -m pip", d, StringComparison.Ordinal);
            Assert.DoesNotContain("RUN pip ", d, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_R_kernel_and_IJulia_are_registered_in_the_servers_environment()
    {
        using var r = new TempRepository().File("runtime.txt", "r-2024-01-01");
        using var julia = new TempRepository().File("Project.toml", "[deps]\n");

        Assert.Contains("RUN R --quiet -e \"IRkernel::installspec(prefix = '/srv/venv')\"", PlanTests.Plan(r, Debian).Dockerfile, StringComparison.Ordinal);
        var j = PlanTests.Plan(julia).Dockerfile;
        Assert.Contains("JUPYTER_DATA_DIR=/srv/venv/share/jupyter julia -e 'using Pkg; Pkg.add(\"IJulia\")", j, StringComparison.Ordinal);
        Assert.Contains("JUPYTER=\"/srv/venv/bin/jupyter\"", j, StringComparison.Ordinal);
    }

    [Fact]
    public void A_Pipfile_uses_Debians_pipenv_offline_and_installs_into_the_kernel_environment()
    {
        using var repo = new TempRepository().File("Pipfile", "[packages]\nnumpy = \"*\"\n");

        var offline = PlanTests.Plan(repo, Debian).Dockerfile;
        var online = PlanTests.Plan(repo).Dockerfile;

        Assert.Contains("# Packages of the 'pipfile' buildpack\nRUN apt-get update && \\\n    apt-get install -y --no-install-recommends \\\n        pipenv && \\", offline, StringComparison.Ordinal);
        Assert.DoesNotContain("pip install --no-cache-dir pipenv", offline, StringComparison.Ordinal);
        Assert.Contains("/srv/venv/bin/python -m pip install --no-cache-dir pipenv", online, StringComparison.Ordinal);
        Assert.Contains("PATH=/srv/venv/bin:$PATH VIRTUAL_ENV=/srv/venv PIPENV_PIPFILE=/home/jovyan/Pipfile pipenv install --system --skip-lock --dev", offline, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2.7")]
    [InlineData("3.6")]
    public void A_Pipfile_without_lock_of_an_old_python_installs_with_the_kernel_environments_python_first_on_PATH(string version)
    {
        using var repo = new TempRepository().File("Pipfile", $"[packages]\nnumpy = \"*\"\n\n[requires]\npython_version = \"{version}\"\n");
        var d = PlanTests.Plan(repo).Dockerfile;

        Assert.Contains("PATH=/srv/conda/envs/kernel/bin:$PATH VIRTUAL_ENV=/srv/conda/envs/kernel PIPENV_PIPFILE=/home/jovyan/Pipfile pipenv install --system --skip-lock --dev", d, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("runtime.txt", "python-2.7", "2.7", "python2")]
    [InlineData("runtime.txt", "python-2", "2.7", "python2")]
    [InlineData("runtime.txt", "python-3.6", "3.6", "python3")]
    [InlineData("binder/runtime.txt", "python-3.7", "3.7", "python3")]
    public void A_python_too_old_for_Jupyter_gets_a_kernel_environment_beside_a_python_3_server(string file, string runtime, string version, string kernel)
    {
        using var repo = new TempRepository().File(file, runtime)
            .File(file.Replace("runtime.txt", "requirements.txt", StringComparison.Ordinal), "legacy-package\n")
            .File(file.Replace("runtime.txt", "requirements3.txt", StringComparison.Ordinal), "jupyterlab-git\n");
        var plan = PlanTests.Plan(repo);
        var d = plan.Dockerfile;
        var env = file.StartsWith("binder/", StringComparison.Ordinal) ? "binder/" : "";

        Assert.Equal(version, plan.PythonVersion);
        AssertInOrder(d,
            "/srv/venv/bin/python -m pip install --no-cache-dir 'jupyterlab==4.*'",
            $"micromamba create --yes --prefix /srv/conda/envs/kernel --override-channels -c 'conda-forge' python={version} pip ipykernel",
            $"/srv/conda/envs/kernel/bin/python -m ipykernel install --prefix /srv/venv --name {kernel}",
            $"RUN /srv/conda/envs/kernel/bin/python -m pip install --no-cache-dir -r {env}requirements.txt",
            $"RUN /srv/venv/bin/python -m pip install --no-cache-dir -r {env}requirements3.txt",
            FullCopy);
        // The server's python3 comes first, as repo2docker orders PATH; the old Python's own commands after it.
        Assert.Contains("ENV PATH=/srv/venv/bin:/srv/conda/envs/kernel/bin:", d, StringComparison.Ordinal);
        Assert.Contains("KERNEL_PYTHON_PREFIX=\"/srv/conda/envs/kernel\"", d, StringComparison.Ordinal);
        Assert.Contains("CONDA_PREFIX=\"/srv/conda/envs/kernel\"", d, StringComparison.Ordinal);
        Assert.Equal("python3", plan.Command[0]);
    }

    [Fact]
    public void A_setup_py_of_an_old_python_is_installed_into_its_kernel_environment()
    {
        using var repo = new TempRepository().File("runtime.txt", "python-2.7").File("setup.py", "");

        AssertInOrder(PlanTests.Plan(repo).Dockerfile, FullCopy, "RUN /srv/conda/envs/kernel/bin/python -m pip install --no-cache-dir .");
    }

    [Fact]
    public void A_conda_python_2_environment_becomes_the_kernel_beside_a_python_3_server()
    {
        using var repo = new TempRepository().File("environment.yml", "dependencies:\n  - python=2\n  - numpy\n");
        var plan = PlanTests.Plan(repo);
        var d = plan.Dockerfile;

        Assert.Equal("2.7", plan.PythonVersion);
        AssertInOrder(d,
            "micromamba create --yes --prefix /srv/conda/envs/notebook --override-channels -c 'conda-forge' python=3.11 'jupyterlab=4'",
            "COPY --chown=1000:1000 [\"src/environment.yml\"",
            "micromamba create --yes --prefix /srv/conda/envs/kernel -c 'conda-forge' --file environment.yml",
            "micromamba install --yes --prefix /srv/conda/envs/kernel -c 'conda-forge' pip ipykernel",
            "/srv/conda/envs/kernel/bin/python -m ipykernel install --prefix /srv/conda/envs/notebook --name python2",
            FullCopy);
        Assert.DoesNotContain("--file environment.yml && \\\n    micromamba install --yes --prefix /srv/conda/envs/notebook", d, StringComparison.Ordinal);
        Assert.Contains("ENV PATH=/srv/conda/envs/notebook/bin:/srv/conda/envs/kernel/bin:", d, StringComparison.Ordinal);
        Assert.Contains("CONDA_PREFIX=\"/srv/conda/envs/kernel\"", d, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("runtime.txt", "python-2.6", "Python 2.6")]
    [InlineData("runtime.txt", "python-3.4", "Python 3.4")]
    [InlineData("runtime.txt", "python-4.0", "Python 4.0")]
    [InlineData("environment.yml", "dependencies:\n  - python=3.3\n", "Python 3.3")]
    [InlineData("Pipfile", "[requires]\npython_version = \"2.6\"\n", "Python 2.6")]
    public void A_python_no_environment_can_hold_is_refused_with_a_sentence_naming_the_file(string file, string content, string named)
    {
        using var repo = new TempRepository().File(file, content);

        var error = Assert.Throws<RepositoryLayoutException>(() => PlanTests.Plan(repo));

        Assert.StartsWith($"{file} asks for {named}, which this builder cannot provide", error.Message, StringComparison.Ordinal);
        Assert.Contains("2.7 and 3.5 or newer", error.Message, StringComparison.Ordinal);
        Assert.Contains("python-3.11", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Conda_with_R_packages_gets_IRkernel_the_kernelspec_RStudio_and_CONDA_PREFIX()
    {
        using var repo = new TempRepository().File("environment.yml", "channels: [conda-forge]\ndependencies:\n  - r-base=4.3\n  - r-ggplot2\n");
        var d = PlanTests.Plan(repo).Dockerfile;

        AssertInOrder(d,
            "micromamba create --yes --prefix /srv/conda/envs/notebook",
            "curl -fsSL --retry 3 'https://download2.rstudio.org/server/jammy/amd64/rstudio-server-",
            "echo '168bc577ef2f68abab1ad2ed684e830da1d244618b25b69fd20448e60716c5ba  /tmp/rstudio-server.deb' | sha256sum -c -",
            "apt-get install -y --no-install-recommends /tmp/rstudio-server.deb",
            "'rsession-which-r=/srv/conda/envs/notebook/bin/R'",
            "micromamba install --yes --prefix /srv/conda/envs/notebook -c 'conda-forge' 'jupyter-rsession-proxy=2'",
            "micromamba env update --yes --prefix /srv/conda/envs/notebook -c 'conda-forge' --file environment.yml",
            "micromamba install --yes --prefix /srv/conda/envs/notebook -c 'conda-forge' r-irkernel",
            "/srv/conda/envs/notebook/bin/R --quiet -e \"IRkernel::installspec(prefix = '/srv/conda/envs/notebook')\"",
            FullCopy);
        Assert.Contains("CONDA_PREFIX=\"/srv/conda/envs/notebook\"", d, StringComparison.Ordinal);
        Assert.Contains("CONDA_DEFAULT_ENV=\"/srv/conda/envs/notebook\"", d, StringComparison.Ordinal);
    }

    [Fact]
    public void Conda_without_R_packages_gets_no_R_kernel_and_no_RStudio()
    {
        using var repo = new TempRepository().File("environment.yml", "dependencies:\n  - numpy\n  - pip:\n    - rpy2\n");
        var d = PlanTests.Plan(repo).Dockerfile;

        Assert.DoesNotContain("irkernel", d, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("rstudio", d, StringComparison.Ordinal);
    }

    [Fact]
    public void RStudio_is_left_out_when_no_package_is_configured_and_for_Debians_R_without_a_package_index()
    {
        using var conda = new TempRepository().File("environment.yml", "dependencies:\n  - r-base\n");
        using var r = new TempRepository().File("runtime.txt", "r-2024-01-01");

        Assert.DoesNotContain("rstudio", PlanTests.Plan(conda, new BuildpackOptions { RStudioServerUrl = "" }).Dockerfile, StringComparison.Ordinal);
        Assert.DoesNotContain("rstudio", PlanTests.Plan(r, Debian).Dockerfile, StringComparison.Ordinal);
        var online = PlanTests.Plan(r).Dockerfile;
        AssertInOrder(online, "'rsession-which-r=/usr/bin/R'", "/srv/venv/bin/python -m pip install --no-cache-dir 'jupyter-rsession-proxy>=2,<3'", FullCopy);
    }

    [Theory]
    [InlineData("binder/runtime.txt=r-2024-01-01|binder/environment.yml=dependencies:\n  - numpy\n|binder/requirements.txt=pandas", "r")]
    [InlineData("Project.toml=[deps]\n|environment.yaml=dependencies:\n  - numpy\n|requirements.txt=pandas", "julia")]
    public void An_environment_file_under_R_and_Julia_makes_their_python_side(string layout, string buildpack)
    {
        using var repo = BuildpackDetectorTests.Lay(layout);
        var plan = PlanTests.Plan(repo);
        var d = plan.Dockerfile;
        var env = layout.StartsWith("binder/", StringComparison.Ordinal) ? "binder/" : "";
        var file = buildpack == "r" ? "environment.yml" : "environment.yaml";

        Assert.Equal(buildpack, plan.Buildpack);
        AssertInOrder(d,
            "micromamba create --yes --prefix /srv/conda/envs/notebook",
            $"micromamba env update --yes --prefix /srv/conda/envs/notebook -c 'conda-forge' --file {env}{file}",
            $"RUN /srv/conda/envs/notebook/bin/python -m pip install --no-cache-dir -r {env}requirements.txt",
            FullCopy);
        Assert.DoesNotContain("-m venv", d, StringComparison.Ordinal);
    }
}
