using Binder.Build.Context;
using Binder.Build.Docker;
using Binder.Build.Registry;
using Binder.Build.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Binder.Build.Tests.Integration;

/// <summary>
/// Builds real repositories with the real Docker daemon (BuildKit), then checks the result from inside a container.
/// </summary>
[Collection(Docker.DockerDaemonCollection.Name)]
public sealed class RepoBuilderTests(BuilderFixture fixture) : IDisposable
{
    private readonly GitRepository repo = new();

    private static string Log(IEnumerable<BuildEvent> events) => string.Concat(events.Select(e => e.Message));

    [Fact]
    public async Task A_dockerfile_repository_builds_and_runs_its_own_image()
    {
        repo.Write("Dockerfile", $"FROM {TestEnvironment.BaseImage}\nRUN echo built-by-dockerfile > /marker\nCMD [\"cat\", \"/marker\"]\n")
            .Write("data.txt", "hello");
        repo.Commit();
        var image = fixture.ImageName("dockerfile");

        var (result, events) = await fixture.BuildAsync(new RepoBuildRequest { Source = repo.Url, ImageName = image });

        Assert.Equal("dockerfile", result.Buildpack);
        Assert.NotNull(result.ImageId);
        Assert.Contains("RUN echo built-by-dockerfile", Log(events));
        Assert.Equal([BuildPhase.Fetching, BuildPhase.Building, BuildPhase.Built], events.Select(e => e.Phase).Distinct());
        Assert.All(events, e => Assert.EndsWith("\n", e.Message));
        var (exit, output) = await fixture.RunInImageAsync(image, "cat", "/marker");
        Assert.Equal(0, exit);
        Assert.Equal("built-by-dockerfile\n", output);
        var info = await fixture.Docker.InspectImageAsync(image, TestContext.Current.CancellationToken);
        Assert.Equal(repo.Url, info!.Labels["repo2docker.repo"]);
        Assert.Equal(result.ResolvedRef, info.Labels["repo2docker.ref"]);
        Assert.Equal(RepoBuilder.Version, info.Labels["repo2docker.version"]);
    }

    [Fact]
    public async Task A_requirements_repository_installs_from_the_configured_index_and_runs_jupyter()
    {
        // A unique comment: another test's cached pip layer must not stand in for this install.
        repo.Write("requirements.txt", $"# {Guid.NewGuid()}\nbinder-test-pkg==1.0\n").Write("notebooks/analysis.ipynb", "{}");
        repo.Commit();
        var image = fixture.ImageName("requirements");
        var requestsBefore = fixture.PackageIndex.Requests;

        var (result, _) = await fixture.BuildAsync(new RepoBuildRequest { Source = repo.Url, ImageName = image });

        Assert.Equal("python", result.Buildpack);
        Assert.True(fixture.PackageIndex.Requests > requestsBefore, "pip did not ask the loopback index");
        var (exit, output) = await fixture.RunInImageAsync(image, "python3", "-c", "import binder_test_pkg, os, pwd; print(binder_test_pkg.VALUE); print(pwd.getpwuid(os.getuid()).pw_name, os.getuid()); print(os.path.exists('notebooks/analysis.ipynb'))");
        Assert.True(exit == 0, output);
        Assert.Equal("from the local index\njovyan 1000\nTrue\n", output);

        // --run: a Jupyter server with a fresh token, answering; the container is gone after stop.
        var runner = fixture.CreateRunner();
        var notebook = await runner.StartAsync(image, 1000, TestContext.Current.CancellationToken);
        try
        {
            // No cookies: Jupyter answers a good token with a login cookie that would let the wrong token through.
            using var http = new HttpClient(new SocketsHttpHandler { UseCookies = false });
            var status = await http.GetAsync($"http://127.0.0.1:{notebook.Port}/api/status?token={notebook.Token}", TestContext.Current.CancellationToken);
            Assert.True(status.IsSuccessStatusCode, $"status {status.StatusCode}");
            var refused = await http.GetAsync($"http://127.0.0.1:{notebook.Port}/api/contents?token=wrong", TestContext.Current.CancellationToken);
            Assert.Equal(System.Net.HttpStatusCode.Forbidden, refused.StatusCode);
            // Confined as the service's sessions are: the notebook user, no capabilities, no privilege gain.
            var confined = await fixture.Docker.ExecAsync(notebook.ContainerId, ["grep", "-E", "^(Uid|CapEff|NoNewPrivs):", "/proc/1/status"], cancellationToken: TestContext.Current.CancellationToken);
            Assert.Contains("Uid:\t1000\t", confined.Stdout, StringComparison.Ordinal);
            Assert.Contains("CapEff:\t0000000000000000", confined.Stdout, StringComparison.Ordinal);
            Assert.Contains("NoNewPrivs:\t1", confined.Stdout, StringComparison.Ordinal);
            Assert.True(notebook.Token.Length >= 32);
        }
        finally
        {
            await runner.StopAsync(notebook);
        }
        var left = await fixture.Docker.ListContainersAsync(new Dictionary<string, string?> { [Binder.Build.Run.JupyterRunner.RunLabel] = null }, TestContext.Current.CancellationToken);
        Assert.DoesNotContain(left, c => c.Id == notebook.ContainerId);
    }

    [Fact]
    public async Task Apt_txt_postBuild_and_start_are_honoured()
    {
        repo.Write("apt.txt", "# tools\njq\n\n")
            .Write("postBuild", "#!/bin/bash\nset -e\necho \"postBuild ran as $(whoami)\" > ~/postbuild-marker\n")
            .Write("start", "#!/bin/bash\nexport BINDER_START_RAN=yes\nexec \"$@\"\n");
        repo.Commit();
        var image = fixture.ImageName("apt-postbuild-start");

        var (result, _) = await fixture.BuildAsync(new RepoBuildRequest { Source = repo.Url, ImageName = image });

        Assert.Equal("python", result.Buildpack);
        var (exit, output) = await fixture.RunInImageAsync(image, "bash", "-c", "echo '{\"a\": 7}' | jq .a; cat ~/postbuild-marker; echo start=$BINDER_START_RAN");
        Assert.True(exit == 0, output);
        Assert.Equal("7\npostBuild ran as jovyan\nstart=yes\n", output);
    }

    [Fact]
    public async Task The_binder_directory_takes_precedence_over_root_files()
    {
        // The root file would fail the build: it must not be looked at.
        repo.Write("requirements.txt", "package-that-does-not-exist==9.9\n")
            .Write("binder/requirements.txt", "binder-other-pkg==2.0\n");
        repo.Commit();
        var image = fixture.ImageName("binder-dir");

        var (result, _) = await fixture.BuildAsync(new RepoBuildRequest { Source = repo.Url, ImageName = image });

        Assert.Equal("python", result.Buildpack);
        Assert.Equal(["binder/requirements.txt"], Detect(repo.Path).Files);
        var (exit, output) = await fixture.RunInImageAsync(image, "python3", "-c", "import binder_other_pkg; print(binder_other_pkg.VALUE)");
        Assert.True(exit == 0, output);
        Assert.Equal("2\n", output);
    }

    [Fact]
    public async Task A_repository_builds_at_a_tag_and_at_a_short_sha()
    {
        repo.Write("Dockerfile", $"FROM {TestEnvironment.BaseImage}\nCOPY version.txt /version.txt\n").Write("version.txt", "one\n");
        var first = repo.Commit("one");
        repo.Tag("v1");
        repo.Write("version.txt", "two\n");
        var second = repo.Commit("two");

        // Served by a real git server over the git:// protocol, as a hosting service would.
        using var server = new GitDaemon(Path.GetDirectoryName(repo.Path)!);
        var url = server.UrlOf(Path.GetFileName(repo.Path));

        var atTag = fixture.ImageName("at-tag");
        var (tagResult, _) = await fixture.BuildAsync(new RepoBuildRequest { Source = url, Ref = "v1", ImageName = atTag });
        Assert.Equal(first, tagResult.ResolvedRef);
        Assert.Equal("one\n", (await fixture.RunInImageAsync(atTag, "cat", "/version.txt")).Output);

        var atSha = fixture.ImageName("at-sha");
        var (shaResult, _) = await fixture.BuildAsync(new RepoBuildRequest { Source = url, Ref = second[..7], ImageName = atSha });
        Assert.Equal(second, shaResult.ResolvedRef);
        Assert.Equal("two\n", (await fixture.RunInImageAsync(atSha, "cat", "/version.txt")).Output);
    }

    [Fact]
    public async Task A_pushed_image_is_found_by_the_registry_client()
    {
        repo.Write("Dockerfile", $"FROM {TestEnvironment.BaseImage}\nRUN echo pushed > /pushed\n");
        repo.Commit();
        var image = fixture.ImageName("pushed");

        var (result, events) = await fixture.BuildAsync(new RepoBuildRequest { Source = repo.Url, ImageName = image, Push = true });

        Assert.Contains(events, e => e.Phase == BuildPhase.Pushing);
        Assert.StartsWith("sha256:", result.PushedDigest);
        using var registry = new RegistryClient(new RegistryOptions(), NullLogger<RegistryClient>.Instance);
        Assert.Equal(result.PushedDigest, await registry.ImageExistsAsync(image, TestContext.Current.CancellationToken));
        Assert.Null(await registry.ImageExistsAsync(image[..image.LastIndexOf(':')] + ":not-pushed", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_content_only_change_rebuilds_only_the_last_layers()
    {
        repo.Write("requirements.txt", "binder-test-pkg==1.0\n").Write("notebooks/a.ipynb", "{\"v\": 1}");
        repo.Commit();
        var image = fixture.ImageName("layers");
        await fixture.BuildAsync(new RepoBuildRequest { Source = repo.Url, ImageName = image });

        repo.Write("notebooks/a.ipynb", "{\"v\": 2}");
        repo.Commit();
        var requestsBefore = fixture.PackageIndex.Requests;
        var (_, events) = await fixture.BuildAsync(new RepoBuildRequest { Source = repo.Url, ImageName = image });

        // Nothing was downloaded again: the dependency layers came from the cache, and only the repository copy ran.
        Assert.Equal(requestsBefore, fixture.PackageIndex.Requests);
        var lines = Log(events).Split('\n');
        Assert.Contains(lines, l => l.StartsWith("CACHED [", StringComparison.Ordinal) && l.Contains("COPY --chown=1000:1000 [src/requirements.txt"));
        Assert.Contains(lines, l => l.StartsWith("CACHED [", StringComparison.Ordinal) && l.Contains("pip install --no-cache-dir -r requirements.txt"));
        Assert.Contains(lines, l => l.StartsWith('[') && l.Contains("COPY --chown=1000:1000 [src/, /home/jovyan/]"));
        Assert.DoesNotContain(lines, l => l.StartsWith("CACHED [", StringComparison.Ordinal) && l.Contains("[src/, /home/jovyan/]"));
        var (_, content) = await fixture.RunInImageAsync(image, "cat", "notebooks/a.ipynb");
        Assert.Equal("{\"v\": 2}", content);
    }

    [Fact]
    public async Task Symbolic_links_out_of_the_repository_are_not_followed_into_the_image()
    {
        using var outside = new TempDirectory("binder-secret");
        var secret = outside.Write("secret.txt", "host secret");
        repo.Write("requirements.txt", "").Write("real.txt", "real");
        File.CreateSymbolicLink(Path.Combine(repo.Path, "leak.txt"), secret);
        File.CreateSymbolicLink(Path.Combine(repo.Path, "alias.txt"), "real.txt");
        var image = fixture.ImageName("symlinks");

        // A local directory, as a user on their own machine would build it.
        var (_, events) = await fixture.BuildAsync(new RepoBuildRequest { Source = repo.Path, ImageName = image });

        Assert.Contains("Warning: the symbolic link 'leak.txt' points outside the repository", Log(events));
        var (_, output) = await fixture.RunInImageAsync(image, "bash", "-c", "cat alias.txt; echo; test -e leak.txt && echo leaked || echo absent; grep -rl 'host secret' . 2>/dev/null | head -1");
        Assert.Equal("real\nabsent\n", output);
    }

    [Fact]
    public async Task Credentials_in_the_url_never_reach_the_image_name_labels_or_log()
    {
        repo.Write("Dockerfile", $"FROM {TestEnvironment.BaseImage}\n");
        repo.Commit();
        // A private repository over smart HTTP that only answers with these credentials.
        await using var server = new GitHttpServer(Path.GetDirectoryName(repo.Path)!, "someone", "s3cret-token");
        var url = server.UrlOf(Path.GetFileName(repo.Path), "someone:s3cret-token");

        var (result, events) = await fixture.BuildAsync(new RepoBuildRequest { Source = url });
        try
        {
            Assert.DoesNotContain("s3cret", result.ImageName);
            Assert.DoesNotContain("someone", result.ImageName);
            Assert.StartsWith("r2d-http-3a-2f-2f127-2e0-2e0-2e1-3a", result.ImageName);
            Assert.DoesNotContain("s3cret", Log(events));
            var info = await fixture.Docker.InspectImageAsync(result.ImageName, TestContext.Current.CancellationToken);
            Assert.Equal(server.UrlOf(Path.GetFileName(repo.Path)), info!.Labels["repo2docker.repo"]);
        }
        finally
        {
            await fixture.Docker.RemoveImageAsync(result.ImageName, force: true, CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_failing_postBuild_fails_the_build_with_its_output()
    {
        repo.Write("requirements.txt", "").Write("postBuild", "#!/bin/bash\necho 'about to fail: missing data file' >&2\nexit 3\n");
        repo.Commit();

        var error = await Assert.ThrowsAsync<DockerBuildFailedException>(
            () => fixture.BuildAsync(new RepoBuildRequest { Source = repo.Url, ImageName = fixture.ImageName("failing") }));

        Assert.Contains("about to fail: missing data file", error.Message);
        Assert.EndsWith("This is a problem in the repository: postBuild failed with exit code 3. Fix it (its output is above) and build again.", error.Message);
        Assert.Equal(BuildFailureKind.Repository, error.Kind);
    }

    [Fact]
    public async Task A_system_package_the_builders_settings_add_that_Debian_lacks_fails_as_the_services_problem_not_the_repositorys()
    {
        repo.Write("requirements.txt", "");
        repo.Commit();
        var builder = fixture.CreateBuilder(buildpacks: fixture.Buildpacks with { ExtraAptPackages = ["binder-no-such-tool"] });

        var error = await Assert.ThrowsAsync<DockerBuildFailedException>(
            () => fixture.BuildAsync(new RepoBuildRequest { Source = repo.Url, ImageName = fixture.ImageName("extra-apt") }, builder));

        Assert.Equal(BuildFailureKind.Service, error.Kind);
        Assert.Contains("the Debian archive has no package 'binder-no-such-tool'", error.Message);
        Assert.Contains("Buildpacks:ExtraAptPackages", error.Message);
        Assert.DoesNotContain("apt.txt", error.Message);
    }

    [Fact]
    public async Task Jupyter_the_package_index_does_not_have_fails_as_the_services_problem_naming_the_setting()
    {
        // The loopback index has the test packages only: the default route installs Jupyter from the index.
        repo.Write("requirements.txt", "binder-test-pkg\n");
        repo.Commit();
        var builder = fixture.CreateBuilder(buildpacks: fixture.Buildpacks with { JupyterSource = Binder.Build.Buildpacks.JupyterSource.PackageIndex });

        var error = await Assert.ThrowsAsync<DockerBuildFailedException>(
            () => fixture.BuildAsync(new RepoBuildRequest { Source = repo.Url, ImageName = fixture.ImageName("no-jupyter") }, builder));

        Assert.Equal(BuildFailureKind.Service, error.Kind);
        Assert.Contains($"on the Python package index at {fixture.PackageIndex.Url}", error.Message);
        Assert.Contains("Buildpacks:JupyterPipPackages", error.Message);
        Assert.DoesNotContain("requirements.txt", error.Message);
    }

    [Fact]
    public async Task A_root_dockerignore_listing_binder_keeps_its_Dockerfile_and_a_missing_copy_names_the_ignore_line()
    {
        // docker build sends the Dockerfile whatever .dockerignore says; what the Dockerfile copies follows the rules.
        repo.Write(".dockerignore", "binder\n*.csv\n")
            .Write("binder/Dockerfile", $"FROM {TestEnvironment.BaseImage}\nCOPY notes.txt /notes.txt\nCOPY data.csv /data.csv\n")
            .Write("notes.txt", "kept\n")
            .Write("data.csv", "1,2\n");
        repo.Commit();

        var error = await Assert.ThrowsAsync<DockerBuildFailedException>(
            () => fixture.BuildAsync(new RepoBuildRequest { Source = repo.Url, ImageName = fixture.ImageName("ignored-copy") }));

        Assert.Equal(BuildFailureKind.Repository, error.Kind);
        Assert.Contains("COPY data.csv /data.csv", error.FailedStep);
        Assert.EndsWith("This is a problem in the repository: the Dockerfile copies data.csv, but line 2 of .dockerignore ('*.csv') excludes it. " +
            "Add the file, or change the ignore line that leaves it out, and build again.", error.Message);
        Assert.DoesNotContain("buildkit-mount", error.Message);
    }

    [Fact]
    public async Task A_file_over_the_size_limit_is_refused_before_anything_is_built()
    {
        repo.Write("requirements.txt", "");
        using (var big = File.Create(Path.Combine(repo.Path, "data.bin")))
        {
            big.SetLength(1L << 30);
        }

        var error = await Assert.ThrowsAsync<BuildContextException>(
            () => fixture.BuildAsync(new RepoBuildRequest { Source = repo.Path, ImageName = fixture.ImageName("too-big") }));

        Assert.StartsWith("The file 'data.bin' is 1.0 GiB, over the limit of 512.0 MiB", error.Message);
    }

    [Fact]
    public async Task No_build_returns_the_dockerfile_without_touching_the_daemon()
    {
        repo.Write("requirements.txt", "binder-test-pkg\n");
        repo.Commit();
        var image = fixture.ImageName("no-build");

        var (result, _) = await fixture.BuildAsync(new RepoBuildRequest { Source = repo.Url, ImageName = image, NoBuild = true });

        Assert.Null(result.ImageId);
        Assert.Contains($"FROM {TestEnvironment.BaseImage}", result.Dockerfile);
        Assert.Null(await fixture.Docker.InspectImageAsync(image, TestContext.Current.CancellationToken));
    }

    private Binder.Build.Buildpacks.DetectionResult Detect(string path) => new Binder.Build.Buildpacks.BuildpackDetector(fixture.Buildpacks).Detect(path);

    public void Dispose() => repo.Dispose();
}
