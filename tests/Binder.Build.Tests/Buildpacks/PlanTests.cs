using Binder.Build.Buildpacks;

namespace Binder.Build.Tests.Buildpacks;

/// <summary>The shape of a <see cref="BuildPlan"/> for each buildpack.</summary>
public sealed class PlanTests
{
    internal static BuildPlanRequest Request { get; } = new() { RepoUrl = "https://github.com/org/repo", Ref = "0123abcd", Version = "0.1.0" };

    internal static BuildPlan Plan(TempRepository repo, BuildpackOptions? options = null, BuildPlanRequest? request = null) =>
        new BuildPlanner(options ?? new BuildpackOptions()).Plan(repo.Root, request ?? Request);

    [Fact]
    public void A_Dockerfile_repository_builds_its_own_Dockerfile_from_the_repository_root()
    {
        using var repo = new TempRepository().File("binder/Dockerfile", "FROM busybox\nCMD [\"sh\"]\n").File("requirements.txt", "x");

        var plan = Plan(repo);

        Assert.Equal(BuildpackNames.Dockerfile, plan.Buildpack);
        Assert.Equal("binder/Dockerfile", plan.RepositoryDockerfilePath);
        Assert.Equal("FROM busybox\nCMD [\"sh\"]\n", plan.Dockerfile);
        Assert.Equal("", plan.RepositoryContextPath);
        Assert.Empty(plan.SupportFiles);
        Assert.Empty(plan.Command);
        Assert.Equal("https://github.com/org/repo", plan.Labels["repo2docker.repo"]);
        Assert.Equal("0123abcd", plan.Labels["repo2docker.ref"]);
        Assert.Equal("0.1.0", plan.Labels["repo2docker.version"]);
    }

    [Fact]
    public void A_generated_plan_puts_the_repository_under_src_and_its_own_files_under_binder()
    {
        using var repo = new TempRepository().File("requirements.txt", "numpy\n");

        var plan = Plan(repo);

        Assert.Equal("src/", plan.RepositoryContextPath);
        Assert.Null(plan.RepositoryDockerfilePath);
        Assert.All(plan.SupportFiles.Keys, k => Assert.StartsWith("_binder/", k, StringComparison.Ordinal));
        Assert.Contains("_binder/entrypoint", plan.SupportFiles.Keys);
        Assert.Contains("COPY [\"_binder/entrypoint\", \"/usr/local/bin/binder-entrypoint\"]", plan.Dockerfile, StringComparison.Ordinal);
        Assert.Contains("COPY --chown=1000:1000 [\"src/\", \"/home/jovyan/\"]", plan.Dockerfile, StringComparison.Ordinal);
        Assert.Equal(["python3", "-m", "notebook", "--ip=0.0.0.0", "--port=8888", "--no-browser"], plan.Command);
        Assert.Equal("jovyan", plan.UserName);
        Assert.Equal(1000, plan.UserId);
        Assert.Equal("/home/jovyan", plan.RepoDir);
        Assert.Equal(new Dictionary<string, string> { ["NB_USER"] = "jovyan", ["NB_UID"] = "1000" }, plan.BuildArgs);
    }

    [Fact]
    public void Labels_are_in_the_Dockerfile_and_in_the_plan()
    {
        using var repo = new TempRepository();

        var plan = Plan(repo);

        Assert.Contains("LABEL \"repo2docker.repo\"=\"https://github.com/org/repo\" \\\n      \"repo2docker.ref\"=\"0123abcd\" \\\n      \"repo2docker.version\"=\"0.1.0\"\n",
            plan.Dockerfile, StringComparison.Ordinal);
        Assert.Equal(3, plan.Labels.Count);
    }

    [Fact]
    public void The_image_runs_Jupyter_on_port_8888_behind_the_entrypoint()
    {
        using var repo = new TempRepository();

        var lines = Plan(repo).Dockerfile.TrimEnd().Split('\n');

        Assert.Equal("CMD [\"python3\", \"-m\", \"notebook\", \"--ip=0.0.0.0\", \"--port=8888\", \"--no-browser\"]", lines[^1]);
        Assert.Equal("ENTRYPOINT [\"/usr/local/bin/binder-entrypoint\"]", lines[^2]);
        Assert.Contains("EXPOSE 8888", lines);
    }

    [Fact]
    public void The_Jupyter_command_is_configurable()
    {
        using var repo = new TempRepository();

        var plan = Plan(repo, new BuildpackOptions { JupyterCommand = ["jupyter", "lab", "--ip=0.0.0.0"] });

        Assert.EndsWith("CMD [\"jupyter\", \"lab\", \"--ip=0.0.0.0\"]\n", plan.Dockerfile, StringComparison.Ordinal);
        Assert.Equal(["jupyter", "lab", "--ip=0.0.0.0"], plan.Command);
    }

    [Fact]
    public void The_entrypoint_runs_start_from_the_environment_directory_with_the_command_as_arguments()
    {
        using var repo = new TempRepository().File(".binder/start", "#!/bin/sh\nexec \"$@\"\n");

        var plan = Plan(repo);
        var script = plan.SupportFiles["_binder/entrypoint"];

        Assert.StartsWith("#!/bin/sh\n", script, StringComparison.Ordinal);
        Assert.Contains("start='/home/jovyan/.binder/start'", script, StringComparison.Ordinal);
        Assert.Contains("exec \"$start\" \"$@\"", script, StringComparison.Ordinal);
        Assert.EndsWith("exec \"$@\"\n", script, StringComparison.Ordinal);
        Assert.Contains("RUN chmod +x .binder/start\n", plan.Dockerfile, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_start_or_postBuild_no_step_refers_to_them()
    {
        using var repo = new TempRepository().File("requirements.txt", "");

        var plan = Plan(repo);

        Assert.DoesNotContain("postBuild", plan.Dockerfile, StringComparison.Ordinal);
        Assert.DoesNotContain("chmod +x start", plan.Dockerfile, StringComparison.Ordinal);
    }

    [Fact]
    public void The_user_name_and_id_are_configurable_and_overridable_per_build()
    {
        using var repo = new TempRepository().File("requirements.txt", "");
        var options = new BuildpackOptions { UserName = "binder", UserId = 1234 };

        var configured = Plan(repo, options);
        var overridden = Plan(repo, options, PlanTests.Request with { UserName = "alice", UserId = 4321 });

        Assert.Contains("useradd --no-log-init --create-home --home-dir /home/binder --shell /bin/bash --uid 1234 --gid 1234 binder", configured.Dockerfile, StringComparison.Ordinal);
        Assert.Contains("USER 1234\n", configured.Dockerfile, StringComparison.Ordinal);
        Assert.Contains("useradd --no-log-init --create-home --home-dir /home/alice --shell /bin/bash --uid 4321 --gid 4321 alice", overridden.Dockerfile, StringComparison.Ordinal);
        Assert.Contains("COPY --chown=4321:4321 [\"src/\", \"/home/alice/\"]", overridden.Dockerfile, StringComparison.Ordinal);
        Assert.Contains("ENV PATH=/srv/venv/bin:/home/alice/.local/bin:${PATH}", overridden.Dockerfile, StringComparison.Ordinal);
        Assert.DoesNotContain("1000", overridden.Dockerfile, StringComparison.Ordinal);
        Assert.Equal(("alice", 4321, "/home/alice"), (overridden.UserName, overridden.UserId, overridden.RepoDir));
    }

    public static TheoryData<string> EveryBuildpack => new()
    {
        "Dockerfile=FROM busybox\nARG NB_USER\nARG NB_UID\n",
        "Project.toml=",
        "default.nix=",
        "runtime.txt=r-2023-06-01",
        "environment.yml=dependencies:\n  - numpy\n",
        "Pipfile=",
        "requirements.txt=numpy",
        "",
    };

    [Theory]
    [MemberData(nameof(EveryBuildpack))]
    public void Every_buildpack_passes_the_user_as_NB_USER_and_NB_UID_build_args_like_repo2docker(string layout)
    {
        using var repo = BuildpackDetectorTests.Lay(layout);
        var options = new BuildpackOptions { UserName = "binder", UserId = 1234 };

        var configured = Plan(repo, options);
        var overridden = Plan(repo, options, Request with { UserName = "alice", UserId = 4321 });

        Assert.Equal(new Dictionary<string, string> { ["NB_USER"] = "binder", ["NB_UID"] = "1234" }, configured.BuildArgs);
        Assert.Equal(("binder", 1234), (configured.UserName, configured.UserId));
        Assert.Equal(new Dictionary<string, string> { ["NB_USER"] = "alice", ["NB_UID"] = "4321" }, overridden.BuildArgs);
        Assert.Equal(("alice", 4321), (overridden.UserName, overridden.UserId));
    }

    [Theory]
    [MemberData(nameof(EveryBuildpack))]
    public void A_configured_repository_directory_is_passed_as_the_REPO_DIR_build_arg(string layout)
    {
        using var repo = BuildpackDetectorTests.Lay(layout);

        var plan = Plan(repo, new BuildpackOptions { RepoDir = "/srv/repo" });

        Assert.Equal("/srv/repo", plan.BuildArgs["REPO_DIR"]);
        Assert.Equal("jovyan", plan.BuildArgs["NB_USER"]);
    }

    [Fact]
    public void A_repository_directory_other_than_home_is_created_for_the_user()
    {
        using var repo = new TempRepository().File("requirements.txt", "");

        var plan = Plan(repo, new BuildpackOptions { RepoDir = "/srv/repo" });

        Assert.Contains("install -d -o 1000 -g 1000 /srv/repo", plan.Dockerfile, StringComparison.Ordinal);
        Assert.Contains("WORKDIR /srv/repo\n", plan.Dockerfile, StringComparison.Ordinal);
        Assert.Contains("COPY --chown=1000:1000 [\"src/requirements.txt\", \"/srv/repo/requirements.txt\"]", plan.Dockerfile, StringComparison.Ordinal);
        Assert.Contains("COPY --chown=1000:1000 [\"src/\", \"/srv/repo/\"]", plan.Dockerfile, StringComparison.Ordinal);
        Assert.Contains("HOME=\"/home/jovyan\"", plan.Dockerfile, StringComparison.Ordinal);
        Assert.Equal("/srv/repo", plan.RepoDir);
    }

    [Fact]
    public void The_base_image_and_pip_index_come_from_the_options()
    {
        using var repo = new TempRepository().File("requirements.txt", "numpy");
        var options = new BuildpackOptions
        {
            BaseImage = "127.0.0.1:5000/mirror/debian:bookworm",
            PythonIndexUrl = "http://pypi.internal:8080/simple",
            ExtraPythonIndexUrls = ["https://extra.example/simple"],
        };

        var plan = Plan(repo, options);

        Assert.Contains("\nFROM 127.0.0.1:5000/mirror/debian:bookworm\n", plan.Dockerfile, StringComparison.Ordinal);
        Assert.Contains("PIP_INDEX_URL=\"http://pypi.internal:8080/simple\"", plan.Dockerfile, StringComparison.Ordinal);
        Assert.Contains("PIP_EXTRA_INDEX_URL=\"https://extra.example/simple\"", plan.Dockerfile, StringComparison.Ordinal);
        Assert.Contains("PIP_TRUSTED_HOST=\"pypi.internal:8080\"", plan.Dockerfile, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("requirements.txt=numpy")]
    [InlineData("Pipfile=")]
    [InlineData("environment.yml=dependencies:\n  - pip\n  - pip:\n    - numpy\n")]
    [InlineData("binder/environment.yml=dependencies:\n  - pip:\n    - -e .\n")]
    public void Every_pip_install_gets_the_same_index_settings(string layout)
    {
        using var repo = BuildpackDetectorTests.Lay(layout);
        var options = new BuildpackOptions
        {
            PythonIndexUrl = "http://pypi.internal:8080/simple",
            ExtraPythonIndexUrls = ["https://extra.example/simple", "http://wheels.internal/simple"],
        };

        var plan = Plan(repo, options);

        Assert.Contains("PIP_INDEX_URL=\"http://pypi.internal:8080/simple\"", plan.Dockerfile, StringComparison.Ordinal);
        Assert.Contains("PIP_EXTRA_INDEX_URL=\"https://extra.example/simple http://wheels.internal/simple\"", plan.Dockerfile, StringComparison.Ordinal);
        Assert.Contains("PIP_TRUSTED_HOST=\"pypi.internal:8080 wheels.internal\"", plan.Dockerfile, StringComparison.Ordinal);
        Assert.Contains("PIP_DISABLE_PIP_VERSION_CHECK=\"1\"", plan.Dockerfile, StringComparison.Ordinal);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(plan.Dockerfile, "PIP_INDEX_URL="));
    }

    [Fact]
    public void A_loopback_index_needs_no_trusted_host()
    {
        using var repo = new TempRepository().File("requirements.txt", "numpy");

        var plan = Plan(repo, new BuildpackOptions { PythonIndexUrl = "http://127.0.0.1:3141/simple" });

        Assert.DoesNotContain("PIP_TRUSTED_HOST", plan.Dockerfile, StringComparison.Ordinal);
    }

    [Fact]
    public void System_packages_include_what_the_Dockerfile_needs_and_the_configured_extras()
    {
        using var repo = new TempRepository();

        var plan = Plan(repo, new BuildpackOptions { ExtraAptPackages = ["git", "tini"], JupyterSource = JupyterSource.Debian });
        var install = plan.Dockerfile[plan.Dockerfile.IndexOf("apt-get install", StringComparison.Ordinal)..];
        install = install[..install.IndexOf("rm -rf", StringComparison.Ordinal)];

        foreach (var package in new[] { "ca-certificates", "python3", "python3-venv", "python3-notebook", "jupyter-core", "jupyterhub", "git", "tini" })
        {
            Assert.Contains(" " + package + " ", install.Replace("\n", " ", StringComparison.Ordinal).Replace("\\", " ", StringComparison.Ordinal) + " ", StringComparison.Ordinal);
        }
        Assert.Contains("apt-get update && \\\n    apt-get install -y --no-install-recommends", plan.Dockerfile, StringComparison.Ordinal);
        Assert.Contains("rm -rf /var/lib/apt/lists/*", plan.Dockerfile, StringComparison.Ordinal);
        Assert.DoesNotContain("curl", plan.Dockerfile, StringComparison.Ordinal);
    }

    [Fact]
    public void The_python_environment_is_a_venv_over_the_system_python_with_its_own_Jupyter()
    {
        using var repo = new TempRepository();

        var plan = Plan(repo);

        Assert.Contains("/usr/bin/python3 -m venv /srv/venv &&", plan.Dockerfile, StringComparison.Ordinal);
        Assert.DoesNotContain("--system-site-packages", plan.Dockerfile, StringComparison.Ordinal);
        Assert.Contains("ENV PATH=/srv/venv/bin:", plan.Dockerfile, StringComparison.Ordinal);
        Assert.Equal("3.11", plan.PythonVersion);
    }

    [Fact]
    public void Appendix_lines_come_after_postBuild_and_the_user_is_restored()
    {
        using var repo = new TempRepository().File("postBuild", "echo hi");

        var plan = Plan(repo, new BuildpackOptions { AppendixLines = ["USER root", "RUN echo appendix"] });
        var d = plan.Dockerfile;

        var postBuild = d.IndexOf("./postBuild", StringComparison.Ordinal);
        var appendix = d.IndexOf("RUN echo appendix", StringComparison.Ordinal);
        Assert.True(postBuild < appendix, d);
        Assert.StartsWith("\nUSER 1000\n", d[(appendix + "RUN echo appendix".Length)..], StringComparison.Ordinal);
    }

    [Fact]
    public void Warnings_are_empty_for_an_ordinary_repository()
    {
        using var repo = new TempRepository().File("requirements.txt", "numpy");

        Assert.Empty(Plan(repo).Warnings);
    }
}
