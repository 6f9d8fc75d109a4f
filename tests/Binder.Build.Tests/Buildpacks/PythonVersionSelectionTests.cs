using Binder.Build.Buildpacks;

namespace Binder.Build.Tests.Buildpacks;

public sealed class PythonVersionSelectionTests
{
    [Theory]
    [InlineData("", "3.11", true)]
    [InlineData("runtime.txt=python-3.11", "3.11", true)]
    [InlineData("runtime.txt=python-3.11.4", "3.11", true)]
    [InlineData("runtime.txt=python-3", "3.11", true)]
    [InlineData("runtime.txt=python-3.10", "3.10", false)]
    [InlineData("runtime.txt=python-3.12.1\n", "3.12", false)]
    [InlineData("binder/runtime.txt=python-3.9|binder/requirements.txt=", "3.9", false)]
    [InlineData("pyproject.toml=[project]\nrequires-python = \">=3.8\"\n", "3.11", true)]
    [InlineData("pyproject.toml=[project]\nrequires-python = \">=3.12\"\n[build-system]\n", "3.13", false)]
    [InlineData("pyproject.toml=[project]\nrequires-python = \"<3.11\"\n", "3.10", false)]
    [InlineData("pyproject.toml=[project]\nrequires-python = \"==3.9.*\"\n", "3.9", false)]
    [InlineData("pyproject.toml=[project]\nrequires-python = \"~=3.10\"\n", "3.11", true)]
    [InlineData("pyproject.toml=[project]\nrequires-python = '>=3.8, !=3.11.*'\n", "3.13", false)]
    [InlineData("pyproject.toml=[project]\nrequires-python = \">=3.10.4,<3.12\"\n", "3.11", true)]
    [InlineData("runtime.txt=python-3.10|pyproject.toml=[project]\nrequires-python = \">=3.11\"\n", "3.10", false)]
    [InlineData("Pipfile=[requires]\npython_version = \"3.9\"\n", "3.9", false)]
    [InlineData("Pipfile=[requires]\npython_version = \"3.11\"\n", "3.11", true)]
    [InlineData("Pipfile.lock={\"_meta\": {\"requires\": {\"python_version\": \"3.8\"}}}", "3.8", false)]
    [InlineData("Pipfile=[requires]\npython_version = \"3.9\"\n|runtime.txt=python-3.11", "3.11", true)]
    [InlineData("runtime.txt=r-2023-01-01|requirements.txt=numpy", "3.11", true)]
    public void Chooses_the_version_the_repository_asks_for(string layout, string version, bool system)
    {
        using var repo = BuildpackDetectorTests.Lay(layout);

        var plan = PlanTests.Plan(repo);

        Assert.Equal(version, plan.PythonVersion);
        if (system)
        {
            Assert.Contains("/usr/bin/python3 -m venv /srv/venv", plan.Dockerfile, StringComparison.Ordinal);
            Assert.Contains("/srv/venv/bin/python -m pip install --no-cache-dir 'jupyterlab==4.*'", plan.Dockerfile, StringComparison.Ordinal);
            Assert.DoesNotContain("micromamba", plan.Dockerfile, StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains($"micromamba create --yes --prefix /srv/conda/envs/notebook --override-channels -c 'conda-forge' python={version} 'jupyterlab=4' 'notebook=7'", plan.Dockerfile, StringComparison.Ordinal);
            Assert.Contains("curl", plan.Dockerfile, StringComparison.Ordinal);
            Assert.Contains("ENV PATH=/srv/conda/envs/notebook/bin:", plan.Dockerfile, StringComparison.Ordinal);
            Assert.DoesNotContain("-m venv", plan.Dockerfile, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("julia-1.9")]
    [InlineData("node-18-2023-01-01")]
    public void A_runtime_txt_for_another_runtime_is_ignored_with_a_warning(string content)
    {
        using var repo = new TempRepository().File("runtime.txt", content).File("requirements.txt", "numpy");

        var plan = PlanTests.Plan(repo);

        Assert.Equal("3.11", plan.PythonVersion);
        var warning = Assert.Single(plan.Warnings);
        Assert.Contains("runtime.txt", warning, StringComparison.Ordinal);
        Assert.Contains("'" + content + "'", warning, StringComparison.Ordinal);
        Assert.Contains("ignored", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_runtime_txt_is_no_runtime_txt()
    {
        using var repo = new TempRepository().File("runtime.txt", "\n").File("requirements.txt", "numpy");

        var plan = PlanTests.Plan(repo);

        Assert.Equal("3.11", plan.PythonVersion);
        Assert.Empty(plan.Warnings);
    }

    [Fact]
    public void The_system_version_is_configurable()
    {
        using var repo = new TempRepository().File("runtime.txt", "python-3.12");

        var plan = PlanTests.Plan(repo, new BuildpackOptions { DefaultPythonVersion = "3.12" });

        Assert.Equal("3.12", plan.PythonVersion);
        Assert.Contains("/usr/bin/python3 -m venv /srv/venv", plan.Dockerfile, StringComparison.Ordinal);
    }

    [Fact]
    public void A_requires_python_no_version_satisfies_is_refused()
    {
        using var repo = new TempRepository().File("pyproject.toml", "[project]\nrequires-python = \">=4\"\n");

        var error = Assert.Throws<RepositoryLayoutException>(() => PlanTests.Plan(repo));

        Assert.Contains("requires-python '>=4'", error.Message, StringComparison.Ordinal);
        Assert.Contains("runtime.txt", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unreadable_requires_python_falls_back_to_the_system_version_with_a_warning()
    {
        using var repo = new TempRepository().File("pyproject.toml", "[project]\nrequires-python = \"python three\"\n");

        var plan = PlanTests.Plan(repo);

        Assert.Equal("3.11", plan.PythonVersion);
        Assert.Contains("python three", Assert.Single(plan.Warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void Requires_python_of_a_root_pyproject_is_ignored_when_a_binder_directory_exists()
    {
        using var repo = new TempRepository().File("pyproject.toml", "[project]\nrequires-python = \"<3.10\"\n").File("binder/requirements.txt", "");

        Assert.Equal("3.11", PlanTests.Plan(repo).PythonVersion);
    }

    [Fact]
    public void A_conda_environment_without_a_pinned_python_leaves_the_version_to_conda()
    {
        using var repo = new TempRepository().File("environment.yml", "dependencies:\n  - numpy\n  - python-dateutil\n");

        Assert.Null(PlanTests.Plan(repo).PythonVersion);
    }

    [Theory]
    [InlineData("  - python=3.9\n", "3.9")]
    [InlineData("  - python==3.12.*\n", "3.12")]
    [InlineData("  - \"python=3.8.10\"\n", "3.8")]
    [InlineData("  - conda-forge::python=3.10\n", "3.10")]
    public void A_conda_environment_reports_its_pinned_python(string dependency, string version)
    {
        using var repo = new TempRepository().File("environment.yml", "dependencies:\n  - numpy\n" + dependency);

        Assert.Equal(version, PlanTests.Plan(repo).PythonVersion);
    }

    [Fact]
    public void A_broken_Pipfile_lock_is_refused_with_how_to_fix_it()
    {
        using var repo = new TempRepository().File("Pipfile.lock", "{not json");

        var error = Assert.Throws<RepositoryLayoutException>(() => PlanTests.Plan(repo));

        Assert.Contains("pipenv lock", error.Message, StringComparison.Ordinal);
    }
}
