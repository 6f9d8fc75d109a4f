using Binder.Build.Buildpacks;
using Binder.Build.Context;
using Binder.Build.Docker;
using Binder.Build.Failures;
using Binder.Build.Tests.Buildpacks;

namespace Binder.Build.Tests.Failures;

/// <summary>
/// Whose problem a failed build is, decided from the failing step, its output and the daemon's error as pip, apt,
/// curl, micromamba, R and BuildKit word them (lines as they appear in real build logs).
/// </summary>
public sealed class BuildFailureClassifierTests : IDisposable
{
    private const string PipStep = "[ 9/10] RUN python3 -m pip install --no-cache-dir -r requirements.txt";
    private const string AptStep = "[ 2/10] RUN apt-get update &&     apt-get install -y --no-install-recommends         ca-certificates python3 python3-venv python3-notebook &&     rm -rf /var/lib/apt/lists/*";
    private const string ExitOne = "executor failed running [/bin/sh -c ...]: exit code: 1";

    private readonly TempRepository repo = new();

    private static BuildpackOptions Options { get; } = new() { PythonIndexUrl = "http://127.0.0.1:9/simple/", BaseImage = "docker.io/library/buildpack-deps:bookworm" };

    private DockerBuildFailedException Classify(string step, string daemonError, string[] output, BuildContext? context = null)
    {
        var plan = new BuildPlanner(Options).Plan(repo.Root, PlanTests.Request);
        return BuildFailureClassifier.Classify(new DockerBuildFailedException(daemonError, step, output, output), plan, Options, context);
    }

    [Fact]
    public void An_unreachable_package_index_is_not_the_repositorys_problem_and_names_the_index_and_its_setting()
    {
        repo.File("requirements.txt", "somepkg==1.0\n");
        var failure = Classify(PipStep, ExitOne,
        [
            "Looking in indexes: http://127.0.0.1:9/simple/",
            "WARNING: Retrying (Retry(total=0, connect=None, read=None, redirect=None, status=None)) after connection broken by 'NewConnectionError('<pip._vendor.urllib3.connection.HTTPConnection object at 0x7fa7d3f0fa50>: Failed to establish a new connection: [Errno 111] Connection refused')': /simple/somepkg/",
            "ERROR: Could not find a version that satisfies the requirement somepkg==1.0 (from versions: none)",
            "ERROR: No matching distribution found for somepkg==1.0",
        ]);

        Assert.Equal(BuildFailureKind.Unavailable, failure.Kind);
        Assert.Equal(ExitCodes.BuildFailed, failure.ExitCode);
        Assert.EndsWith(
            "This is not a problem in the repository: the Python package index at http://127.0.0.1:9/simple/ (set by Buildpacks:PythonIndexUrl) could not be reached " +
            "(the connection was refused). Build again later; if it keeps failing, the operator should check that it is up and reachable from the build network, " +
            "or change Buildpacks:PythonIndexUrl.", failure.Message);
        Assert.DoesNotContain("Fix the failing step", failure.Message);
    }

    [Fact]
    public void The_service_names_settings_with_its_own_section_before_the_key()
    {
        repo.File("requirements.txt", "somepkg==1.0\n");
        var plan = new BuildPlanner(Options).Plan(repo.Root, PlanTests.Request);
        var failure = new DockerBuildFailedException(ExitOne, PipStep, [], ["Failed to establish a new connection: [Errno 111] Connection refused"]);

        var classified = BuildFailureClassifier.Classify(failure, plan, Options, null, "Binder:");

        Assert.Contains("(set by Binder:Buildpacks:PythonIndexUrl)", classified.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_package_index_that_answers_without_the_package_is_the_repositorys_problem()
    {
        repo.File("requirements.txt", "nosuchpkg\n");
        var failure = Classify(PipStep, ExitOne,
        [
            "Looking in indexes: http://127.0.0.1:9/simple/",
            "ERROR: Could not find a version that satisfies the requirement nosuchpkg (from versions: none)",
            "ERROR: No matching distribution found for nosuchpkg",
        ]);

        Assert.Equal(BuildFailureKind.Repository, failure.Kind);
        Assert.EndsWith("This is a problem in the repository: pip found no version of 'nosuchpkg' on the Python package index at http://127.0.0.1:9/simple/. " +
            "Check the package name and version in the repository's requirements and build again.", failure.Message);
    }

    [Fact]
    public void An_unresolvable_Debian_mirror_names_the_mirror_even_though_apt_then_reports_unknown_packages()
    {
        repo.File("requirements.txt", "");
        var failure = Classify(AptStep, "executor failed running [/bin/sh -c apt-get update && ...]: exit code: 100",
        [
            "Err:1 http://deb.debian.org/debian bookworm InRelease",
            "  Temporary failure resolving 'deb.debian.org'",
            "W: Failed to fetch http://deb.debian.org/debian/dists/bookworm/InRelease  Temporary failure resolving 'deb.debian.org'",
            "W: Some index files failed to download. They have been ignored, or old ones used instead.",
            "E: Unable to locate package python3-notebook",
        ]);

        Assert.Equal(BuildFailureKind.Unavailable, failure.Kind);
        Assert.Contains("This is not a problem in the repository: the Debian package mirror deb.debian.org (set by the apt sources of the base image (Buildpacks:BaseImage)) " +
            "could not be reached (the host name could not be resolved: \"Temporary failure resolving 'deb.debian.org'\").", failure.Message);
    }

    [Fact]
    public void A_package_apt_txt_names_that_Debian_does_not_have_is_the_repositorys_problem_naming_the_package()
    {
        repo.File("binder/apt.txt", "jq\nno-such-package\n");
        var failure = Classify("[8/9] RUN apt-get update &&     apt-get install -y --no-install-recommends         jq no-such-package &&     rm -rf /var/lib/apt/lists/*",
            "executor failed running [/bin/sh -c apt-get update && ...]: exit code: 100",
            ["Reading package lists...", "Building dependency tree...", "Reading state information...", "E: Unable to locate package no-such-package"]);

        Assert.Equal(BuildFailureKind.Repository, failure.Kind);
        Assert.EndsWith("This is a problem in the repository: the Debian archive has no package 'no-such-package'. " +
            "Check the name in binder/apt.txt (packages.debian.org lists the packages of Debian bookworm) and build again.", failure.Message);
    }

    [Fact]
    public void A_failing_postBuild_is_the_repositorys_problem_naming_the_script_and_its_exit_code()
    {
        repo.File("binder/postBuild", "#!/bin/bash\nexit 3\n").File("binder/requirements.txt", "");
        var failure = Classify("[9/9] RUN chmod +x binder/postBuild &&     ./binder/postBuild",
            "executor failed running [/bin/sh -c chmod +x binder/postBuild &&     ./binder/postBuild]: exit code: 3", ["about to fail"]);

        Assert.Equal(BuildFailureKind.Repository, failure.Kind);
        Assert.EndsWith("This is a problem in the repository: binder/postBuild failed with exit code 3. Fix it (its output is above) and build again.", failure.Message);
    }

    [Fact]
    public void A_postBuild_that_cannot_reach_its_own_server_is_not_blamed_on_the_repository()
    {
        repo.File("postBuild", "#!/bin/bash\ncurl -fsSO https://data.example.org/set.csv\n");
        var failure = Classify("[9/9] RUN chmod +x postBuild &&     ./postBuild", "executor failed running [...]: exit code: 6",
            ["curl: (6) Could not resolve host: data.example.org"]);

        Assert.Equal(BuildFailureKind.Unavailable, failure.Kind);
        Assert.Contains("the server data.example.org could not be reached (the host name could not be resolved", failure.Message);
        Assert.Contains("check that the build network reaches the internet", failure.Message);
    }

    [Fact]
    public void Conda_CRAN_and_download_failures_name_their_own_settings()
    {
        repo.File("environment.yml", "dependencies: [numpy]\n");
        var conda = Classify("[ 9/12] RUN micromamba install --yes --prefix /srv/conda/envs/notebook --override-channels -c conda-forge --file environment.yml", ExitOne,
            ["critical libmamba Download error (6) Couldn't resolve host name [https://conda.anaconda.org/conda-forge/linux-64/repodata.json]"]);
        Assert.Equal(BuildFailureKind.Unavailable, conda.Kind);
        Assert.Contains("the conda channels (conda-forge) (set by Buildpacks:CondaChannels)", conda.Message);

        var download = Classify(
            "[ 6/12] RUN curl -fsSL --retry 3 https://github.com/mamba-org/micromamba-releases/releases/latest/download/micromamba-linux-64 -o /usr/local/bin/micromamba",
            "executor failed running [...]: exit code: 6", ["curl: (6) Could not resolve host: github.com"]);
        Assert.Contains("(set by Buildpacks:MicromambaUrl)", download.Message);

        var cran = Classify("[10/12] RUN R --quiet -f install.R", ExitOne,
        [
            "Warning: unable to access index for repository https://packagemanager.posit.co/cran/__linux__/bookworm/latest/src/contrib:",
            "Error in library(ggplot2) : there is no package called 'ggplot2'",
        ]);
        Assert.Equal(BuildFailureKind.Unavailable, cran.Kind);
        Assert.Contains("(set by Buildpacks:CranMirror)", cran.Message);
    }

    [Fact]
    public void An_R_download_the_server_answers_with_404_is_the_repositorys_problem_not_the_network()
    {
        repo.File("install.R", "install.packages('https://cran.r-project.org/src/contrib/Archive/ggplot2/ggplot2_9.9.9.tar.gz', repos = NULL)\n");
        // As R 4.2 prints install.packages of an Archive tarball whose version does not exist.
        var failure = Classify("[10/12] RUN R --quiet -f install.R", ExitOne,
        [
            "> install.packages('https://cran.r-project.org/src/contrib/Archive/ggplot2/ggplot2_9.9.9.tar.gz', repos = NULL)",
            "trying URL 'https://cran.r-project.org/src/contrib/Archive/ggplot2/ggplot2_9.9.9.tar.gz'",
            "Warning in download.file(p, destfile, method, mode = \"wb\", ...) :",
            "  cannot open URL 'https://cran.r-project.org/src/contrib/Archive/ggplot2/ggplot2_9.9.9.tar.gz': HTTP status was '404 Not Found'",
            "Error in download.file(p, destfile, method, mode = \"wb\", ...) :",
            "  cannot open URL 'https://cran.r-project.org/src/contrib/Archive/ggplot2/ggplot2_9.9.9.tar.gz'",
            "Execution halted",
        ]);

        Assert.Equal(BuildFailureKind.Repository, failure.Kind);
        Assert.Null(NetworkErrors.Find(["Warning: unable to access index for repository https://cran.internal/src/contrib:", "  cannot open URL 'https://cran.internal/src/contrib/PACKAGES': HTTP status was '403 Forbidden'"]));
        Assert.NotNull(NetworkErrors.Find(["Warning: unable to access index for repository https://cran.internal/src/contrib:", "  cannot open URL 'https://cran.internal/src/contrib/PACKAGES'"]));
    }

    [Fact]
    public void An_unclassified_build_failure_blames_the_service_and_the_classifier_names_the_repository_when_it_is_at_fault()
    {
        repo.File("postBuild", "exit 3\n");
        var raw = new DockerBuildFailedException(ExitOne, "[11/12] RUN ./postBuild", ["exit 3"], ["exit 3"]);

        Assert.Equal(BuildFailureKind.Service, raw.Kind);
        Assert.Equal(BuildFailureKind.Repository, Classify("[11/12] RUN ./postBuild", "executor failed running [/bin/sh -c ./postBuild]: exit code: 3", []).Kind);
    }

    [Fact]
    public void A_base_image_the_registry_does_not_answer_for_is_unavailable_and_one_that_does_not_exist_is_the_operators()
    {
        repo.File("requirements.txt", "");
        var unreachable = Classify("[internal] load metadata for docker.io/library/buildpack-deps:bookworm",
            "failed to solve with frontend dockerfile.v0: failed to create LLB definition: failed to do request: Head \"https://registry-1.docker.io/v2/library/buildpack-deps/manifests/bookworm\": dial tcp: lookup registry-1.docker.io on 10.255.255.53:53: no such host", []);
        Assert.Equal(BuildFailureKind.Unavailable, unreachable.Kind);
        Assert.Contains("the registry docker.io of the base image docker.io/library/buildpack-deps:bookworm (set by Buildpacks:BaseImage)", unreachable.Message);

        var missing = Classify("[internal] load metadata for docker.io/library/buildpack-deps:bookworm",
            "failed to solve with frontend dockerfile.v0: failed to create LLB definition: docker.io/library/buildpack-deps:bookworm: not found", []);
        Assert.Equal(BuildFailureKind.Service, missing.Kind);
        Assert.Contains("The operator must point Buildpacks:BaseImage at an image the Docker daemon has or can pull.", missing.Message);
    }

    [Fact]
    public void A_repository_Dockerfile_whose_base_image_does_not_exist_is_the_repositorys_problem()
    {
        repo.File("Dockerfile", "FROM 127.0.0.1:5000/nope:x\n");
        var failure = Classify("[internal] load metadata for 127.0.0.1:5000/nope:x",
            "failed to solve with frontend dockerfile.v0: failed to create LLB definition: 127.0.0.1:5000/nope:x: not found", []);

        Assert.Equal(BuildFailureKind.Repository, failure.Kind);
        Assert.Contains("the image Dockerfile starts FROM does not exist or cannot be pulled", failure.Message);
    }

    [Fact]
    public void A_copied_file_that_an_ignore_line_left_out_is_explained_by_that_line_without_daemon_paths()
    {
        repo.File("Dockerfile", "FROM scratch\nCOPY data.csv /data.csv\n").File(".dockerignore", "# big files\ndata.csv\n").File("data.csv", "1,2\n");
        var plan = new BuildPlanner(Options).Plan(repo.Root, PlanTests.Request);
        var context = BuildContext.Create(repo.Root, plan.RepositoryContextPath, new Dictionary<string, string>(), new BuildContextOptions(), plan.ContextSelection);

        var failure = Classify("[2/2] COPY data.csv /data.csv", "failed to compute cache key: \"/data.csv\" not found: not found", [], context);

        Assert.Equal(BuildFailureKind.Repository, failure.Kind);
        Assert.EndsWith("This is a problem in the repository: the Dockerfile copies data.csv, but line 2 of .dockerignore ('data.csv') excludes it. " +
            "Add the file, or change the ignore line that leaves it out, and build again.", failure.Message);
    }

    [Fact]
    public void Paths_inside_the_daemons_temporary_directories_are_left_out_of_the_message()
    {
        var failure = new DockerBuildFailedException(
            "failed to solve with frontend dockerfile.v0: failed to read dockerfile: open /var/lib/docker/tmp/buildkit-mount209099888/binder/Dockerfile: no such file or directory",
            null, ["copy /context /"]);

        Assert.Contains("failed to read dockerfile: open binder/Dockerfile: no such file or directory.", failure.Message);
        Assert.DoesNotContain("buildkit-mount", failure.Message);
    }

    [Fact]
    public void A_full_disk_is_the_services_problem()
    {
        repo.File("requirements.txt", "");
        var failure = Classify(PipStep, "failed to copy files: write /var/lib/docker/overlay2/x/diff/y: no space left on device", []);

        Assert.Equal(BuildFailureKind.Service, failure.Kind);
        Assert.Contains("the Docker daemon ran out of disk space", failure.Message);
    }

    [Fact]
    public void A_step_that_fails_without_any_sign_of_the_network_keeps_the_generic_advice_and_says_so()
    {
        repo.File("requirements.txt", "");
        var failure = Classify("[3/5] RUN something-odd", "executor failed running [/bin/sh -c something-odd]: exit code: 2", ["odd: not found"]);

        Assert.Equal(BuildFailureKind.Repository, failure.Kind);
        Assert.EndsWith("the step failed with exit code 2, and nothing in its output points at a network problem. Fix the failing step (its output is above) and build again.", failure.Message);
    }

    [Theory]
    [InlineData("W: Failed to fetch http://deb.debian.org/debian/dists/bookworm/InRelease  Temporary failure resolving 'deb.debian.org'", "deb.debian.org")]
    [InlineData("curl: (7) Failed to connect to 127.0.0.1 port 9 after 0 ms: Couldn't connect to server", "")]
    [InlineData("dial tcp 127.0.0.1:1: connect: connection refused", "127.0.0.1:1")]
    [InlineData("HTTPConnectionPool(host='127.0.0.1', port=9): Max retries exceeded with url: /simple/x/", "127.0.0.1:9")]
    [InlineData("fatal: unable to access 'https://gitlab.example.org/a/b.git/': Could not resolve host: gitlab.example.org", "gitlab.example.org")]
    public void Network_error_lines_are_recognised_with_the_host_they_name(string line, string host)
    {
        Assert.NotNull(NetworkErrors.Describe(line));
        if (host.Length > 0) Assert.Contains(host, NetworkErrors.Hosts(line));
    }

    [Theory]
    [InlineData("ERROR: No matching distribution found for nosuchpkg")]
    [InlineData("E: Unable to locate package no-such-package")]
    [InlineData("ModuleNotFoundError: No module named 'connection'")]
    public void Ordinary_failures_are_not_taken_for_network_errors(string line) => Assert.Null(NetworkErrors.Describe(line));

    /// <summary>The name BuildKit gives a generated step: its number, then RUN and the command with continuations folded.</summary>
    private static string StepName(BuilderStep step) => "[ 4/12] RUN " + step.Command.Replace("\\\n", "", StringComparison.Ordinal);

    private static BuilderStep BuilderStepOf(BuildPlan plan, string commentStart) =>
        Assert.Single(plan.BuilderSteps, s => s.Description.StartsWith(commentStart, StringComparison.Ordinal));

    [Fact]
    public void A_system_package_the_operators_setting_adds_that_Debian_does_not_have_is_the_services_problem_naming_the_setting()
    {
        repo.File("requirements.txt", "");
        var options = Options with { ExtraAptPackages = ["binder-no-such-tool"] };
        var plan = new BuildPlanner(options).Plan(repo.Root, PlanTests.Request);
        var step = StepName(BuilderStepOf(plan, "System packages"));
        Assert.Contains("binder-no-such-tool", step);

        var failure = BuildFailureClassifier.Classify(new DockerBuildFailedException("executor failed running [/bin/sh -c apt-get update && ...]: exit code: 100", step,
            ["E: Unable to locate package binder-no-such-tool"], ["Reading package lists...", "E: Unable to locate package binder-no-such-tool"]), plan, options, null, "Binder:");

        Assert.Equal(BuildFailureKind.Service, failure.Kind);
        Assert.EndsWith("This is a problem of the build service, not of the repository: the step \"System packages, as root, before anything of the repository\", " +
            "which the builder adds, failed with exit code 100: the Debian archive has no package 'binder-no-such-tool'. No change to the repository can fix it; " +
            "the operator should check the settings Binder:Buildpacks:SystemAptPackages, Binder:Buildpacks:ExtraAptPackages, Binder:Buildpacks:BaseImage " +
            "(the step's output is above), then build again.", failure.Message);
        Assert.DoesNotContain("apt.txt", failure.Message);
    }

    [Fact]
    public void Jupyter_missing_from_the_package_index_is_the_services_problem_naming_the_jupyter_packages_and_the_index()
    {
        repo.File("requirements.txt", "numpy\n");
        var plan = new BuildPlanner(Options).Plan(repo.Root, PlanTests.Request);
        var step = StepName(BuilderStepOf(plan, "Python 3.11: a virtual environment with Jupyter"));

        var failure = Classify(step, ExitOne,
        [
            "Looking in indexes: http://127.0.0.1:9/simple/",
            "ERROR: Could not find a version that satisfies the requirement jupyterlab==4.* (from versions: none)",
            "ERROR: No matching distribution found for jupyterlab==4.*",
        ]);

        Assert.Equal(BuildFailureKind.Service, failure.Kind);
        Assert.Contains("the step \"Python 3.11: a virtual environment with Jupyter from the package index\", which the builder adds, failed with exit code 1: " +
            "pip found no version of 'jupyterlab==4.*' on the Python package index at http://127.0.0.1:9/simple/.", failure.Message);
        Assert.Contains("Buildpacks:JupyterPipPackages, Buildpacks:PythonIndexUrl", failure.Message);
        Assert.DoesNotContain("requirements", failure.Message);
    }

    [Fact]
    public void The_same_output_from_the_repositorys_own_requirements_step_stays_the_repositorys_problem()
    {
        repo.File("requirements.txt", "jupyterlab==4.*\n");
        var failure = Classify(PipStep, ExitOne, ["ERROR: No matching distribution found for jupyterlab==4.*"]);

        Assert.Equal(BuildFailureKind.Repository, failure.Kind);
    }

    [Fact]
    public void An_apt_txt_with_exactly_the_system_packages_is_not_claimed_as_the_builders_step()
    {
        repo.File("apt.txt", string.Join("\n", Options.SystemAptPackages) + "\n");
        var plan = new BuildPlanner(Options).Plan(repo.Root, PlanTests.Request);

        Assert.DoesNotContain(plan.BuilderSteps, s => s.Description.StartsWith("System packages", StringComparison.Ordinal));
        Assert.Contains(plan.BuilderSteps, s => s.Description.StartsWith("The non-root user", StringComparison.Ordinal));
    }

    [Fact]
    public void Only_set_up_steps_are_the_builders_never_the_repositorys_files_or_postBuild()
    {
        repo.File("binder/requirements.txt", "numpy\n").File("binder/apt.txt", "jq\n").File("binder/postBuild", "#!/bin/bash\n");
        var plan = new BuildPlanner(Options).Plan(repo.Root, PlanTests.Request);

        Assert.NotEmpty(plan.BuilderSteps);
        Assert.All(plan.BuilderSteps, s =>
        {
            Assert.DoesNotContain("requirements.txt", s.Command);
            Assert.DoesNotContain("postBuild", s.Command);
            Assert.DoesNotContain(" jq", s.Command);
            Assert.Contains("RUN " + s.Command, plan.Dockerfile);
        });
    }

    [Theory]
    [InlineData("[ 3/9] RUN groupadd --gid 1000 jovyan &&     useradd x", true)]
    [InlineData("RUN groupadd --gid 1000 jovyan && useradd x", true)]
    [InlineData("[ 3/9] RUN groupadd --gid 1000 jovyan &&     useradd y", false)]
    [InlineData("[ 3/9] COPY groupadd --gid 1000 jovyan && useradd x", false)]
    public void A_builder_step_is_recognised_by_its_command_as_BuildKit_names_it(string step, bool expected) =>
        Assert.Equal(expected, new BuilderStep("groupadd --gid 1000 jovyan && \\\n    useradd x", "The user", []).Is(step));

    public void Dispose() => repo.Dispose();
}
