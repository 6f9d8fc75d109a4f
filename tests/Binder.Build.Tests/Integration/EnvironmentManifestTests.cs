using Binder.Build.Manifest;
using Binder.Build.Tests.Support;

namespace Binder.Build.Tests.Integration;

/// <summary>
/// Every image the tests build records what it installed: the repository's own packages with their versions (also
/// what postBuild installed), the Jupyter server's, R's and Debian's, read back from the real image as
/// <c>binder inspect</c> and the service read it. A repository's own Dockerfile gets no manifest.
/// </summary>
[Collection(Docker.DockerDaemonCollection.Name)]
public sealed class EnvironmentManifestTests(BuilderFixture fixture, KernelImages images) : IClassFixture<KernelImages>
{
    [Fact]
    public async Task A_requirements_image_lists_its_requirement_its_setup_py_package_and_what_postBuild_installed()
    {
        var result = await images.PythonResultAsync(fixture);

        var manifest = Assert.IsType<EnvironmentManifest>(result.Environment);
        Assert.Null(manifest.Error);
        var pip = Section(manifest, "pip", "/srv/venv");
        Assert.Contains(new InstalledPackage("binder-test-pkg", "1.0"), pip);
        Assert.Contains(new InstalledPackage("binder-setup-pkg", "1.0"), pip);
        Assert.Contains(new InstalledPackage("binder-other-pkg", "2.0"), pip);
        // The Debian route's Jupyter, seen through the virtual environment's system site packages.
        Assert.Contains(pip, p => p.Name == "notebook" && p.Version.StartsWith("6.", StringComparison.Ordinal));
        AssertDebian(manifest, "python3-notebook");
        Assert.DoesNotContain(manifest.Sections, s => s.Manager is "r" or "julia" or "conda");
    }

    [Fact]
    public async Task The_manifest_read_from_the_image_is_the_one_the_build_returned()
    {
        var result = await images.PythonResultAsync(fixture);

        var read = await new EnvironmentManifestReader(fixture.Docker).ReadAsync(result.ImageName, TestContext.Current.CancellationToken);

        Assert.NotNull(read);
        Assert.Equal(result.Environment!.ToJson(), read.ToJson());
        var image = await fixture.Docker.InspectImageAsync(result.ImageName, TestContext.Current.CancellationToken);
        Assert.Equal(EnvironmentManifest.ImagePath, image!.Labels[EnvironmentManifest.Label]);
        // The reader's container is gone.
        Assert.Empty(await fixture.Docker.ListContainersAsync(new Dictionary<string, string?> { ["binder.purpose"] = "environment-manifest" }, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_reader_container_left_behind_is_removed_by_the_sweep_once_old_enough()
    {
        var result = await images.PythonResultAsync(fixture);
        var ct = TestContext.Current.CancellationToken;
        // A container as the reader creates it, left behind (marked so that the sweep here touches no other test's).
        var mark = new Dictionary<string, string?> { ["binder.test"] = Guid.NewGuid().ToString("N") };
        var labels = new Dictionary<string, string>(EnvironmentManifestReader.ContainerLabels) { ["binder.test"] = mark["binder.test"]! };
        var leftover = await fixture.Docker.CreateContainerAsync(
            new Binder.Build.Docker.DockerContainerParameters { Image = result.ImageName, Cmd = ["true"], NetworkMode = "none", Labels = labels }, ct);
        try
        {
            var reader = new EnvironmentManifestReader(fixture.Docker);

            // Younger than LeftoverAge: it may be a read in progress, left alone.
            Assert.Equal(0, await reader.SweepAsync(DateTimeOffset.UtcNow - EnvironmentManifestReader.LeftoverAge, mark, ct));
            Assert.NotNull(await fixture.Docker.InspectContainerAsync(leftover, ct));

            Assert.Equal(1, await reader.SweepAsync(DateTimeOffset.UtcNow + TimeSpan.FromMinutes(1), mark, ct));
            Assert.Null(await fixture.Docker.InspectContainerAsync(leftover, ct));
        }
        finally
        {
            await fixture.Docker.RemoveContainerAsync(leftover, force: true, CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_pyproject_image_lists_the_repository_s_own_package()
    {
        var result = await images.PyprojectResultAsync(fixture);

        Assert.Contains(new InstalledPackage("binder-pyproject-pkg", "1.0"), Section(result.Environment!, "pip", "/srv/venv"));
        AssertDebian(result.Environment!, "python3");
    }

    [Fact]
    public async Task A_Pipfile_image_lists_what_pipenv_installed()
    {
        var result = await images.PipfileResultAsync(fixture);

        Assert.Contains(new InstalledPackage("binder-other-pkg", "2.0"), Section(result.Environment!, "pip", "/srv/venv"));
        AssertDebian(result.Environment!, "pipenv");
    }

    [Fact]
    public async Task An_R_image_lists_R_packages_with_versions_beside_its_Python_requirements()
    {
        var result = await images.RResultAsync(fixture);

        var manifest = result.Environment!;
        var r = Section(manifest, "r", "/usr/lib/R");
        Assert.Contains(r, p => p.Name == "IRkernel" && p.Version.Length > 0);
        Assert.Contains(r, p => p.Name == "base" && p.Version.StartsWith("4.", StringComparison.Ordinal));
        Assert.Contains(new InstalledPackage("binder-test-pkg", "1.0"), Section(manifest, "pip", "/srv/venv"));
        AssertDebian(manifest, "r-base-core");
    }

    [Fact]
    public async Task A_repository_s_own_Dockerfile_gets_no_manifest_and_the_reader_says_so()
    {
        using var repo = new TempDirectory("binder-manifest-dockerfile");
        repo.Write("Dockerfile", $"FROM {TestEnvironment.BaseImage}\nRUN echo built > /built.txt\n");
        var image = fixture.ImageName("manifest-dockerfile");

        var (result, _) = await fixture.BuildAsync(new RepoBuildRequest { Source = repo.Path, ImageName = image });

        Assert.Null(result.Environment);
        Assert.DoesNotContain("RecordEnvironment", result.Dockerfile, StringComparison.Ordinal);
        Assert.Null(await new EnvironmentManifestReader(fixture.Docker).ReadAsync(image, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task An_image_the_daemon_does_not_have_is_named_in_the_error()
    {
        var missing = $"binder-tests/no-such-image:{TestEnvironment.UniqueSuffix()}";

        var error = await Assert.ThrowsAsync<ImageNotFoundException>(() =>
            new EnvironmentManifestReader(fixture.Docker).ReadAsync(missing, TestContext.Current.CancellationToken));

        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.BadInput, error.ExitCode);
    }

    private static IReadOnlyList<InstalledPackage> Section(EnvironmentManifest manifest, string manager, string environment)
    {
        var section = Assert.Single(manifest.Sections, s => s.Manager == manager && s.Environment == environment);
        Assert.True(section.Error is null, $"{manager} in {environment}: {section.Error}");
        return section.Packages!;
    }

    private static void AssertDebian(EnvironmentManifest manifest, string package)
    {
        var debian = Section(manifest, "debian", "/");
        Assert.Contains(debian, p => p.Name == package && p.Version.Length > 0);
        // Every image has these, whatever its buildpack.
        Assert.Contains(debian, p => p.Name == "dpkg");
        Assert.Contains(debian, p => p.Name == "python3");
    }
}
