using Binder.Build.Buildpacks;

namespace Binder.Build.Tests.Buildpacks;

/// <summary>
/// The order of instructions decides which layers a change rebuilds: these tests pin repo2docker's order for every
/// generated buildpack.
/// </summary>
public sealed class DockerfileLayeringTests
{
    internal const string FullCopy = "COPY --chown=1000:1000 [\"src/\", \"/home/jovyan/\"]";

    [Fact]
    public void Python_steps_come_in_repo2dockers_order()
    {
        using var repo = new TempRepository()
            .File("requirements.txt", "numpy\n")
            .File("setup.py", "")
            .File("apt.txt", "vim\n")
            .File("postBuild", "echo hi")
            .File("start", "exec \"$@\"");
        var d = PlanTests.Plan(repo).Dockerfile;

        AssertInOrder(d,
            "FROM ",
            "apt-get install -y --no-install-recommends \\\n        ca-certificates",
            "useradd ",
            "COPY [\"_binder/entrypoint\"",
            "python3 -m venv",
            "        vim && \\",
            "COPY --chown=1000:1000 [\"src/requirements.txt\", \"/home/jovyan/requirements.txt\"]",
            "RUN /srv/venv/bin/python -m pip install --no-cache-dir -r requirements.txt",
            FullCopy,
            "RUN /srv/venv/bin/python -m pip install --no-cache-dir .",
            "LABEL ",
            "\nUSER 1000\nRUN chmod +x start",
            "RUN chmod +x postBuild && \\\n    ./postBuild",
            "ENTRYPOINT ",
            "CMD ");
        Assert.True(d.LastIndexOf("USER root", StringComparison.Ordinal) < d.IndexOf(FullCopy, StringComparison.Ordinal), "nothing runs as root after the repository is copied");
        Assert.Equal(d.LastIndexOf("\nUSER ", StringComparison.Ordinal), d.IndexOf("\nUSER 1000\nRUN chmod +x start", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(JupyterSource.Debian)]
    [InlineData(JupyterSource.PackageIndex)]
    public void Pipfile_R_and_conda_images_share_the_system_package_layer_of_a_plain_python_image(JupyterSource source)
    {
        var options = new BuildpackOptions { JupyterSource = source };
        using var python = new TempRepository().File("requirements.txt", "numpy");
        using var pipfile = new TempRepository().File("Pipfile", "[packages]\n");
        using var r = new TempRepository().File("runtime.txt", "r-2024-01-01");
        static string FirstAptLayer(string d) => d[d.IndexOf("RUN apt-get update", StringComparison.Ordinal)..][..(d[d.IndexOf("RUN apt-get update", StringComparison.Ordinal)..].IndexOf("\n\n", StringComparison.Ordinal))];

        var shared = FirstAptLayer(PlanTests.Plan(python, options).Dockerfile);
        var pipfileDockerfile = PlanTests.Plan(pipfile, options).Dockerfile;
        var rDockerfile = PlanTests.Plan(r, options).Dockerfile;

        Assert.StartsWith(shared + "\n", pipfileDockerfile[pipfileDockerfile.IndexOf("RUN apt-get update", StringComparison.Ordinal)..], StringComparison.Ordinal);
        // Offline, Debian's pipenv comes in a layer of its own.
        Assert.Equal(source == JupyterSource.Debian, pipfileDockerfile.Contains(shared + "\n# Packages of the 'pipfile' buildpack\n", StringComparison.Ordinal));
        Assert.StartsWith(shared + "\n# Packages of the 'r' buildpack\n", rDockerfile[rDockerfile.IndexOf("RUN apt-get update", StringComparison.Ordinal)..], StringComparison.Ordinal);
        Assert.DoesNotContain("r-base", shared, StringComparison.Ordinal);
        Assert.Equal(source == JupyterSource.Debian, shared.Contains("python3-notebook", StringComparison.Ordinal));
    }

    [Fact]
    public void Apt_txt_packages_are_installed_as_root_before_the_repository()
    {
        using var repo = new TempRepository().File("binder/apt.txt", "libgl1\n# comment\ngfortran\n");
        var d = PlanTests.Plan(repo).Dockerfile;

        var aptTxt = d.IndexOf("# Packages from binder/apt.txt, as root\nUSER root\nRUN apt-get update && \\\n    apt-get install -y --no-install-recommends \\\n        libgl1 gfortran && \\\n    rm -rf /var/lib/apt/lists/*", StringComparison.Ordinal);
        Assert.True(aptTxt > 0, d);
        Assert.True(aptTxt < d.IndexOf(FullCopy, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("-e .\n")]
    [InlineData("numpy\n-r other-requirements.txt\n")]
    [InlineData("--requirement base.txt\n")]
    [InlineData("-c constraints.txt\nnumpy\n")]
    [InlineData("./localpkg\n")]
    [InlineData("  --editable ./pkg\n")]
    [InlineData("mypkg @ file:///home/jovyan/pkg\n")]
    public void Requirements_that_refer_to_the_repository_are_installed_after_the_copy(string requirements)
    {
        using var repo = new TempRepository().File("requirements.txt", requirements);
        var d = PlanTests.Plan(repo).Dockerfile;

        Assert.DoesNotContain("[\"src/requirements.txt\"", d, StringComparison.Ordinal);
        AssertInOrder(d, FullCopy, "RUN /srv/venv/bin/python -m pip install --no-cache-dir -r requirements.txt", "LABEL ");
    }

    [Theory]
    [InlineData("numpy==1.26\n# pinned: install with -e . for development\n")]
    [InlineData("requests>=2\nhttps://example.org/pkg.whl\n")]
    public void Ordinary_requirements_are_installed_before_the_copy(string requirements)
    {
        using var repo = new TempRepository().File("binder/requirements.txt", requirements);
        var d = PlanTests.Plan(repo).Dockerfile;

        AssertInOrder(d,
            "COPY --chown=1000:1000 [\"src/binder/requirements.txt\", \"/home/jovyan/binder/requirements.txt\"]",
            "RUN /srv/venv/bin/python -m pip install --no-cache-dir -r binder/requirements.txt",
            FullCopy);
    }

    [Fact]
    public void An_installable_pyproject_is_installed_after_the_copy()
    {
        using var repo = new TempRepository().File("pyproject.toml", "[project]\nname = \"x\"\n[build-system]\nrequires = [\"hatchling\"]\n");
        var d = PlanTests.Plan(repo).Dockerfile;

        AssertInOrder(d, FullCopy, "# The repository as a package (pyproject.toml)\nRUN /srv/venv/bin/python -m pip install --no-cache-dir .", "LABEL ");
    }

    [Fact]
    public void Root_setup_py_and_pyproject_are_ignored_when_a_binder_directory_exists()
    {
        using var repo = new TempRepository()
            .File("binder/requirements.txt", "numpy")
            .File("setup.py", "")
            .File("pyproject.toml", "[project]\nname = \"x\"\n[build-system]\n")
            .File("DESCRIPTION", "Package: x")
            .File("postBuild", "echo root")
            .File("apt.txt", "vim");
        var d = PlanTests.Plan(repo).Dockerfile;

        Assert.DoesNotContain("install --no-cache-dir .", d, StringComparison.Ordinal);
        Assert.DoesNotContain("postBuild", d, StringComparison.Ordinal);
        Assert.DoesNotContain("vim", d, StringComparison.Ordinal);
        Assert.DoesNotContain("remotes::install_local", d, StringComparison.Ordinal);
    }

    [Fact]
    public void A_content_only_change_leaves_the_Dockerfile_unchanged()
    {
        using var repo = new TempRepository().File("requirements.txt", "numpy\n").File("apt.txt", "vim\n").File("postBuild", "echo 1");
        var before = PlanTests.Plan(repo).Dockerfile;

        repo.File("analysis.ipynb", "{}").File("data/big.csv", "1,2,3").File("requirements.txt", "numpy\npandas\n").File("apt.txt", "# editor\nvim\n").File("postBuild", "echo 2");
        var after = PlanTests.Plan(repo).Dockerfile;

        Assert.Equal(before, after);
    }

    [Fact]
    public void R_installs_install_R_before_and_DESCRIPTION_after_the_copy()
    {
        using var repo = new TempRepository()
            .File("runtime.txt", "r-2023-06-01")
            .File("install.R", "install.packages('ggplot2')")
            .File("DESCRIPTION", "Package: demo")
            .File("requirements.txt", "numpy");
        var plan = PlanTests.Plan(repo);
        var d = plan.Dockerfile;

        Assert.Equal("r", plan.Buildpack);
        AssertInOrder(d,
            "r-base",
            "COPY [\"_binder/Rprofile.site\", \"/etc/R/Rprofile.site\"]",
            "chown -R 1000:1000 /usr/local/lib/R/site-library",
            "COPY --chown=1000:1000 [\"src/requirements.txt\"",
            "COPY --chown=1000:1000 [\"src/install.R\", \"/home/jovyan/install.R\"]",
            "RUN R --quiet -f install.R",
            FullCopy,
            "remotes::install_local(getwd(), upgrade = 'never')",
            "LABEL ");
        Assert.Contains("r-cran-irkernel", d, StringComparison.Ordinal);
        Assert.Contains("CRAN = \"https://packagemanager.posit.co/cran/__linux__/bookworm/2023-06-01\"", plan.SupportFiles["_binder/Rprofile.site"], StringComparison.Ordinal);
        Assert.Empty(plan.Warnings);
    }

    [Fact]
    public void R_without_a_snapshot_date_uses_the_latest_snapshot_of_the_configured_mirror()
    {
        using var repo = new TempRepository().File("DESCRIPTION", "Package: demo");
        var plan = PlanTests.Plan(repo, new BuildpackOptions { CranMirror = "http://cran.internal/snapshot/{date}" });

        Assert.Contains("CRAN = \"http://cran.internal/snapshot/latest\"", plan.SupportFiles["_binder/Rprofile.site"], StringComparison.Ordinal);
    }

    [Fact]
    public void R_with_a_version_Debian_does_not_have_says_so()
    {
        using var repo = new TempRepository().File("runtime.txt", "r-3.6-2019-09-24");
        var plan = PlanTests.Plan(repo);

        var warning = Assert.Single(plan.Warnings);
        Assert.Contains("R 3.6", warning, StringComparison.Ordinal);
        Assert.Contains("2019-09-24", plan.SupportFiles["_binder/Rprofile.site"], StringComparison.Ordinal);
    }

    [Fact]
    public void Conda_creates_the_environment_from_its_file_before_the_copy()
    {
        using var repo = new TempRepository().File("binder/environment.yml", "channels: [conda-forge]\ndependencies:\n  - python=3.10\n  - numpy\n");
        var plan = PlanTests.Plan(repo, new BuildpackOptions { CondaChannels = ["https://conda.internal/conda-forge", "bioconda"], MicromambaUrl = "http://files.internal/micromamba" });
        var d = plan.Dockerfile;

        // As repo2docker: the server environment (content-independent, so cached), then the file applied onto it.
        AssertInOrder(d,
            "curl -fsSL --retry 3 'http://files.internal/micromamba' -o /usr/local/bin/micromamba",
            "micromamba create --yes --prefix /srv/conda/envs/notebook --override-channels -c 'https://conda.internal/conda-forge' -c 'bioconda' python=3.10 'jupyterlab=4' 'notebook=7'",
            "/srv/conda/envs/notebook/bin/python -m ipykernel install --prefix /srv/conda/envs/notebook --name python3",
            "COPY --chown=1000:1000 [\"src/binder/environment.yml\", \"/home/jovyan/binder/environment.yml\"]",
            "micromamba env update --yes --prefix /srv/conda/envs/notebook -c 'https://conda.internal/conda-forge' -c 'bioconda' --file binder/environment.yml",
            FullCopy);
        Assert.Contains("ENV PATH=/srv/conda/envs/notebook/bin:", d, StringComparison.Ordinal);
        Assert.DoesNotContain("python3-notebook", d, StringComparison.Ordinal);
        Assert.DoesNotContain("-m venv", d, StringComparison.Ordinal);
        Assert.Equal("3.10", plan.PythonVersion);
    }

    [Fact]
    public void Conda_with_a_pip_section_installing_the_repository_runs_after_the_copy()
    {
        using var repo = new TempRepository().File("environment.yml", "dependencies:\n  - pip\n  - pip:\n    - -e .\n");
        var d = PlanTests.Plan(repo).Dockerfile;

        Assert.DoesNotContain("[\"src/environment.yml\"", d, StringComparison.Ordinal);
        AssertInOrder(d, FullCopy, "--file environment.yml", "LABEL ");
    }

    [Fact]
    public void Pipfile_lock_is_installed_exactly_before_the_copy()
    {
        using var repo = new TempRepository().File("Pipfile", "[packages]\nnumpy = \"*\"\n").File("Pipfile.lock", "{\"_meta\": {}}");
        var d = PlanTests.Plan(repo).Dockerfile;

        AssertInOrder(d,
            "COPY --chown=1000:1000 [\"src/Pipfile\", \"/home/jovyan/Pipfile\"]",
            "COPY --chown=1000:1000 [\"src/Pipfile.lock\", \"/home/jovyan/Pipfile.lock\"]",
            "RUN /srv/venv/bin/python -m pip install --no-cache-dir pipenv",
            "pipenv requirements --dev",
            "/srv/venv/bin/python -m pip install --no-cache-dir -r /tmp/binder-pipenv/requirements.txt",
            FullCopy);
    }

    [Fact]
    public void A_lone_Pipfile_lock_gets_an_empty_Pipfile_for_pipenv()
    {
        using var repo = new TempRepository().File("Pipfile.lock", "{}");
        var d = PlanTests.Plan(repo).Dockerfile;

        Assert.Contains("touch /tmp/binder-pipenv/Pipfile", d, StringComparison.Ordinal);
        Assert.DoesNotContain("[\"src/Pipfile\"", d, StringComparison.Ordinal);
    }

    [Fact]
    public void A_Pipfile_without_lock_is_installed_with_pipenv_into_the_environment()
    {
        using var repo = new TempRepository().File("binder/Pipfile", "[packages]\nnumpy = \"*\"\n");
        var d = PlanTests.Plan(repo, new BuildpackOptions { PythonIndexUrl = "http://127.0.0.1:3141/simple" }).Dockerfile;

        AssertInOrder(d, "[\"src/binder/Pipfile\"", "PIPENV_PIPFILE=/home/jovyan/binder/Pipfile pipenv install --system --skip-lock --dev", FullCopy);
        Assert.Contains("PIPENV_PYPI_MIRROR=\"http://127.0.0.1:3141/simple\"", d, StringComparison.Ordinal);
    }

    [Fact]
    public void A_Pipfile_installing_the_repository_runs_after_the_copy()
    {
        using var repo = new TempRepository().File("Pipfile", "[packages]\nmine = {path = \".\", editable = true}\n");
        var d = PlanTests.Plan(repo).Dockerfile;

        AssertInOrder(d, FullCopy, "pipenv install --system --skip-lock --dev", "LABEL ");
    }

    [Fact]
    public void Julia_instantiates_the_project_before_the_copy()
    {
        using var repo = new TempRepository().File("binder/Project.toml", "[deps]\nExample = \"7876af07-990d-54b4-ab0e-23690620f79a\"\n").File("binder/Manifest.toml", "");
        var plan = PlanTests.Plan(repo, new BuildpackOptions { JuliaVersion = "1.9.4", JuliaDownloadUrlTemplate = "http://files.internal/julia/{minor}/julia-{version}.tar.gz" });
        var d = plan.Dockerfile;

        AssertInOrder(d,
            "curl -fsSL --retry 3 'http://files.internal/julia/1.9/julia-1.9.4.tar.gz' | tar -xz -C /srv/julia --strip-components=1",
            "installkernel(\"Julia\", \"--project=/home/jovyan/binder\")",
            "COPY --chown=1000:1000 [\"src/binder/Project.toml\"",
            "COPY --chown=1000:1000 [\"src/binder/Manifest.toml\"",
            "RUN julia -e 'using Pkg; Pkg.instantiate(); Pkg.precompile()'",
            FullCopy);
        Assert.Contains("JULIA_PROJECT=\"/home/jovyan/binder\"", d, StringComparison.Ordinal);
        Assert.Equal("julia", plan.Buildpack);
    }

    [Fact]
    public void A_Julia_package_is_instantiated_with_its_sources()
    {
        using var repo = new TempRepository().File("Project.toml", "name = \"Demo\"\nuuid = \"7876af07-990d-54b4-ab0e-23690620f79b\"\n");
        var d = PlanTests.Plan(repo).Dockerfile;

        Assert.DoesNotContain("[\"src/Project.toml\"", d, StringComparison.Ordinal);
        AssertInOrder(d, FullCopy, "Pkg.instantiate()", "LABEL ");
    }

    [Fact]
    public void Nix_builds_the_shell_after_the_copy_and_runs_every_command_inside_it()
    {
        using var repo = new TempRepository().File("default.nix", "with import <nixpkgs> {}; mkShell {}").File("start", "exec \"$@\"");
        var plan = PlanTests.Plan(repo);
        var d = plan.Dockerfile;

        AssertInOrder(d, "nix-bin", "chown -R 1000:1000 /nix", "nix-channel --add 'https://nixos.org/channels/nixpkgs-unstable' nixpkgs", FullCopy, "RUN nix-shell default.nix --command true", "LABEL ");
        var entrypoint = plan.SupportFiles["_binder/entrypoint"];
        Assert.Contains("exec nix-shell '/home/jovyan/default.nix' --command", entrypoint, StringComparison.Ordinal);
        Assert.Contains("set -- \"$start\" \"$@\"", entrypoint, StringComparison.Ordinal);
    }

    internal static void AssertInOrder(string dockerfile, params string[] markers)
    {
        var position = -1;
        string? previous = null;
        foreach (var marker in markers)
        {
            var index = dockerfile.IndexOf(marker, position + 1, StringComparison.Ordinal);
            Assert.True(index > position,
                $"Expected '{marker}' after '{previous}' (at {position}), but it was {(index < 0 ? "missing after it" : "at " + index)}:\n{dockerfile}");
            position = index;
            previous = marker;
        }
    }
}
