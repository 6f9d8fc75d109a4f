using System.Text.RegularExpressions;
using Binder.Build.Buildpacks;

namespace Binder.Cli.Tests.Conformance;

/// <summary>
/// repo2docker's published repository conventions, run the way its own test suite runs them: a small repository per
/// buildpack and feature (written here from the documented conventions, in <c>Repositories/</c>), each with a
/// <c>verify</c> script that <c>binder build DIR -- ./verify</c> runs inside the built image, as
/// <c>repo2docker DIR ./verify</c> does. What can install on these machines (Debian's archive, a loopback package
/// index) builds for real; conda, Julia and the online Jupyter route cannot, so their generated Dockerfiles are checked.
/// </summary>
[Collection("conformance")]
public sealed class ConformanceTests(ConformanceFixture fixture) : IClassFixture<ConformanceFixture>
{
    [Fact]
    public Task Requirements_txt_packages_import_from_the_python_on_PATH_and_a_root_dockerignore_applies() => VerifyAsync("requirements");

    [Fact]
    public Task A_binder_directory_takes_precedence_over_every_root_file_including_a_Dockerfile() => VerifyAsync("binder-dir");

    [Fact]
    public Task A_dot_binder_directory_works_as_binder_does() => VerifyAsync("dot-binder");

    [Fact]
    public Task Start_sets_up_the_environment_of_the_command_the_container_runs() => VerifyAsync("start");

    [Fact]
    public Task PostBuild_runs_as_the_user_in_the_repository_and_its_files_stay_in_the_image() => VerifyAsync("postBuild");

    [Fact]
    public Task Apt_txt_packages_are_installed() => VerifyAsync("apt");

    [Fact]
    public Task Runtime_txt_picks_the_python_on_PATH() => VerifyAsync("runtime-python");

    [Fact]
    public Task A_root_setup_py_installs_the_repository_as_a_package() => VerifyAsync("setup-py");

    [Fact]
    public Task A_root_pyproject_toml_installs_the_repository_as_a_package() => VerifyAsync("pyproject");

    [Fact]
    public Task A_Pipfile_installs_its_packages_with_Debians_pipenv() => VerifyAsync("pipfile");

    [Fact]
    public Task Install_R_runs_with_Debians_R_and_IRkernel() => VerifyAsync("r-install");

    [Fact]
    public Task A_root_DESCRIPTION_installs_the_repository_as_an_R_package() => VerifyAsync("r-description");

    [Fact]
    public Task A_Dockerfile_in_binder_is_built_with_NB_USER_and_NB_UID_and_the_root_one_is_ignored() =>
        VerifyAsync("dockerfile-binder", "--build-arg", $"BASE_IMAGE={TestEnvironment.BaseImage}");

    [Fact]
    public Task The_binder_directorys_dockerignore_applies_and_a_root_one_listing_binder_does_not() => VerifyAsync("dockerignore");

    [Fact]
    public async Task An_environment_yml_is_installed_from_the_configured_conda_channels_before_the_repository_is_copied()
    {
        var dockerfile = await DockerfileAsync("environment-yml", "--config", "Binder:Buildpacks:CondaChannels:0=https://conda.example.org/mirror");

        Assert.Contains("micromamba", dockerfile);
        Assert.Contains("-c 'https://conda.example.org/mirror'", dockerfile);
        Assert.DoesNotContain("-c 'conda-forge'", dockerfile);
        AssertCopiedBeforeTheRepository(dockerfile, "environment.yml");
        Assert.Contains("ENTRYPOINT [\"/usr/local/bin/binder-entrypoint\"]", dockerfile);
    }

    [Fact]
    public async Task A_Project_toml_gets_Julia_from_the_configured_download_and_instantiates_the_project()
    {
        var dockerfile = await DockerfileAsync("julia-project",
            "--config", "Binder:Buildpacks:JuliaDownloadUrlTemplate=https://julia.example.org/{minor}/julia-{version}-linux-x86_64.tar.gz");

        Assert.Matches(@"curl [^\n]*'https://julia\.example\.org/\d+\.\d+/julia-\d+\.\d+\.\d+-linux-x86_64\.tar\.gz'", dockerfile);
        Assert.Contains("JULIA_PROJECT=\"/home/jovyan\"", dockerfile);
        Assert.Contains("Pkg.instantiate()", dockerfile);
        Assert.Contains("IJulia", dockerfile);
    }

    [Fact]
    public async Task By_default_JupyterLab_and_notebook_7_go_into_the_environment_the_repositorys_packages_go_into()
    {
        // The default route needs a Python index with Jupyter on it (PyPI), which these machines do not reach.
        var dockerfile = await DockerfileAsync("requirements", "--config", "Binder:Buildpacks:JupyterSource=PackageIndex");

        var server = Regex.Match(dockerfile, @"(/\S+/bin/python) -m pip install --no-cache-dir ([^\n]*'jupyterlab==4\.\*'[^\n]*)");
        Assert.True(server.Success, dockerfile);
        foreach (var package in new BuildpackOptions().JupyterPipPackages)
        {
            Assert.Contains($"'{package}'", server.Groups[2].Value);
        }
        Assert.Contains($"PIP_INDEX_URL=\"{fixture.PackageIndex.Url}\"", dockerfile);
        // requirements.txt goes into the same environment, after the server (so its extensions load in JupyterLab).
        var requirements = dockerfile.IndexOf($"RUN {server.Groups[1].Value} -m pip install --no-cache-dir -r requirements.txt", StringComparison.Ordinal);
        Assert.True(requirements > server.Index, dockerfile);
    }

    [Fact]
    public async Task Python_2_gets_a_kernel_environment_of_its_own_beside_a_Python_3_server()
    {
        var dockerfile = await DockerfileAsync("python2", "--config", "Binder:Buildpacks:JupyterSource=PackageIndex");

        Assert.Matches(@"micromamba create [^\n]*python=2\.7[^\n]*ipykernel", dockerfile);
        Assert.Matches(@"ipykernel install --prefix \S+ --name python2", dockerfile);
        Assert.Contains("'notebook==7.*'", dockerfile);
        Assert.Matches(@"RUN \S*kernel\S*/bin/python -m pip install --no-cache-dir -r requirements\.txt", dockerfile);
        Assert.Contains("CMD [\"python3\",", dockerfile);
    }

    /// <summary>Builds the repository and runs its <c>verify</c> in the image; the script's own checks decide.</summary>
    private async Task VerifyAsync(string repository, params string[] extra)
    {
        using var checkout = ConformanceFixture.Checkout(repository);
        var (exit, stdout, stderr) = await CliRun.InProcessAsync(
            ["build", checkout.Path, "--image-name", fixture.ImageName(repository.ToLowerInvariant()), .. fixture.Settings, .. extra, "--", "./verify"]);

        Assert.True(exit == 0, $"binder build {repository} -- ./verify exited {exit}.\nverify's output:\n{stdout}\nbuild log:\n{stderr}");
        Assert.EndsWith($"{repository}: ok\n", stdout);
    }

    /// <summary>The generated Dockerfile of a repository that cannot be built here (<c>binder build --no-build</c>).</summary>
    private async Task<string> DockerfileAsync(string repository, params string[] extra)
    {
        using var checkout = ConformanceFixture.Checkout(repository);
        var (exit, stdout, stderr) = await CliRun.InProcessAsync(["build", checkout.Path, "--no-build", .. fixture.Settings, .. extra]);
        Assert.True(exit == 0, stderr);
        return stdout[stdout.IndexOf("# Generated by", StringComparison.Ordinal)..];
    }

    /// <summary>The file gets its own COPY before the whole repository's, so a change elsewhere keeps its layers.</summary>
    private static void AssertCopiedBeforeTheRepository(string dockerfile, string file)
    {
        var own = dockerfile.IndexOf($"COPY --chown=1000:1000 [\"src/{file}\"", StringComparison.Ordinal);
        var whole = dockerfile.IndexOf("COPY --chown=1000:1000 [\"src/\"", StringComparison.Ordinal);
        Assert.True(own >= 0 && own < whole, $"{file} is not copied on its own before the repository:\n{dockerfile}");
    }
}
