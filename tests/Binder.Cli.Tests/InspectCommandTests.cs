using System.Text.Json;
using Binder.Build.Docker;
using Binder.Build.Manifest;
using Binder.Cli.Commands;
using Microsoft.Extensions.Logging.Abstractions;

namespace Binder.Cli.Tests;

/// <summary>
/// <c>binder inspect IMAGE</c> against the real daemon: a generated image's packages as text and JSON, and each way
/// it refuses (no such image, no manifest, a broken manifest, no daemon) with its sentence and exit code.
/// </summary>
[Collection("cli")]
public sealed class InspectCommandTests : IAsyncDisposable
{
    private readonly GitRepository repo = new();
    private readonly List<string> images = [];

    private string Image(string purpose)
    {
        var image = $"binder-cli-tests/{purpose}:{Guid.NewGuid():N}";
        images.Add(image);
        return image;
    }

    private static string[] Args(params string[] args) =>
        [.. args, "--config", $"Binder:Buildpacks:BaseImage={TestEnvironment.BaseImage}", "--config", "Binder:Buildpacks:JupyterSource=Debian", "--config", $"Binder:Docker:Host={TestEnvironment.DockerHost}"];

    /// <summary>A Python repository (no index needed) whose postBuild installs a package by hand, built with <c>binder build</c>.</summary>
    private async Task<string> BuildGeneratedAsync()
    {
        repo.Write("README.md", "inspect me\n")
            .Write("postBuild", MarkerPackage.PostBuild("inspect-marker", "3.1.4"))
            .Commit();
        var image = Image("inspect");
        var (exit, stdout, stderr) = await CliRun.InProcessAsync(Args("build", repo.Url, "--image-name", image));
        Assert.True(exit == 0, stderr + stdout);
        Assert.Contains("Recorded the installed packages: ", stdout, StringComparison.Ordinal);
        return image;
    }

    private async Task<string> BuildDockerfileAsync(string dockerfile)
    {
        repo.Write("Dockerfile", dockerfile).Commit();
        var image = Image("inspect-dockerfile");
        var (exit, stdout, stderr) = await CliRun.InProcessAsync(Args("build", repo.Url, "--image-name", image));
        Assert.True(exit == 0, stderr + stdout);
        return image;
    }

    [Fact]
    public async Task Text_output_groups_packages_by_manager_with_versions()
    {
        var image = await BuildGeneratedAsync();

        var (exit, stdout, stderr) = await CliRun.InProcessAsync(Args("inspect", image));

        Assert.True(exit == 0, stderr);
        Assert.StartsWith($"Image {image} (sha256:", stdout, StringComparison.Ordinal);
        Assert.Contains($"Recorded in {EnvironmentManifest.ImagePath} (schema 1)\n", stdout, StringComparison.Ordinal);
        Assert.Matches(@"\n\d+ Python \(pip\) in /srv/venv\n", stdout);
        Assert.Matches(@"\n  inspect-marker +3\.1\.4\n", stdout);
        Assert.Matches(@"\n\d+ Debian\n", stdout);
        Assert.Matches(@"\n  python3-notebook +\S+\n", stdout);
        // pip's section comes before Debian's.
        Assert.True(stdout.IndexOf("Python (pip)", StringComparison.Ordinal) < stdout.IndexOf(" Debian\n", StringComparison.Ordinal));
        Assert.Equal("", stderr);
    }

    [Fact]
    public async Task Json_output_is_one_object_with_the_image_and_its_sections()
    {
        var image = await BuildGeneratedAsync();

        var (exit, stdout, stderr) = await CliRun.InProcessAsync(Args("inspect", image, "--json"));

        Assert.True(exit == 0, stderr);
        var root = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(image, root.GetProperty("image").GetString());
        Assert.StartsWith("sha256:", root.GetProperty("imageId").GetString(), StringComparison.Ordinal);
        var environment = root.GetProperty("environment");
        Assert.Equal(1, environment.GetProperty("schemaVersion").GetInt32());
        var sections = environment.GetProperty("sections").EnumerateArray().ToList();
        var pip = Assert.Single(sections, s => s.GetProperty("manager").GetString() == "pip");
        Assert.Equal("/srv/venv", pip.GetProperty("environment").GetString());
        Assert.Contains(pip.GetProperty("packages").EnumerateArray(),
            p => p.GetProperty("name").GetString() == "inspect-marker" && p.GetProperty("version").GetString() == "3.1.4");
        Assert.Single(sections, s => s.GetProperty("manager").GetString() == "debian");
        Assert.All(sections, s => Assert.False(s.TryGetProperty("error", out _)));
    }

    [Fact]
    public async Task An_image_the_daemon_does_not_have_exits_2_and_suggests_pull()
    {
        var missing = $"binder-cli-tests/no-such-image:{Guid.NewGuid():N}";

        var (exit, stdout, stderr) = await CliRun.InProcessAsync(Args("inspect", missing));

        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.Contains($"There is no image '{missing}' on the Docker daemon at", stderr, StringComparison.Ordinal);
        Assert.Contains("--pull", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("registry")] // Reachable, without the image.
    [InlineData("127.0.0.1:9")] // Unreachable.
    public async Task Pull_of_an_image_no_registry_has_exits_2_with_the_daemon_s_reason(string registry)
    {
        var host = registry == "registry" ? TestEnvironment.Registry : registry;
        var missing = $"{host}/binder-cli-tests/no-such-image:{Guid.NewGuid():N}";

        var (exit, stdout, stderr) = await CliRun.InProcessAsync(Args("inspect", missing, "--pull"));

        Assert.True(exit == 2, stderr);
        Assert.Equal("", stdout);
        Assert.StartsWith("binder: ", stderr, StringComparison.Ordinal);
        Assert.Contains(host, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_image_without_a_manifest_exits_2_saying_which_images_have_one()
    {
        var image = await BuildDockerfileAsync($"FROM {TestEnvironment.BaseImage}\nRUN echo own-dockerfile\n");

        var (exit, stdout, stderr) = await CliRun.InProcessAsync(Args("inspect", image, "--json"));

        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.Contains($"The image '{image}' has no recorded environment", stderr, StringComparison.Ordinal);
        Assert.Contains("A repository's own Dockerfile", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("RUN mkdir -p /usr/share/binder && echo 'not json' > /usr/share/binder/environment.json", "not valid JSON")]
    [InlineData("RUN mkdir -p /usr/share/binder && echo '{\"schemaVersion\": 9, \"sections\": []}' > /usr/share/binder/environment.json", "schema version 9")]
    [InlineData("RUN true", "which the image does not have")]
    [InlineData("RUN mkdir -p /usr/share/binder && echo '{\"schemaVersion\": 1, \"sections\": [{\"manager\": \"npm\"}]}' > /usr/share/binder/environment.json", "names the package manager 'npm'")]
    [InlineData("RUN mkdir -p /usr/share/binder/environment.json", "not a regular file")]
    public async Task A_label_pointing_at_a_broken_manifest_exits_2_with_what_is_wrong(string step, string expected)
    {
        var image = await BuildDockerfileAsync(
            $"FROM {TestEnvironment.BaseImage}\n{step}\nLABEL {EnvironmentManifest.Label}={EnvironmentManifest.ImagePath}\n");

        var (exit, stdout, stderr) = await CliRun.InProcessAsync(Args("inspect", image));

        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void One_long_name_does_not_pad_every_other_line_to_its_width()
    {
        var manifest = new EnvironmentManifest(1,
            [new PackageSection("pip", "/srv/venv", [new InstalledPackage("a", "1"), new InstalledPackage(new string('n', 256), "2")])]);

        var text = InspectCommand.Text("image", "sha256:1", manifest);

        Assert.Contains($"\n  a{new string(' ', InspectCommand.MaxPadding - 1)}  1\n", text, StringComparison.Ordinal);
        Assert.Contains($"\n  {new string('n', 256)}  2\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_daemon_exits_3()
    {
        var (exit, stdout, stderr) = await CliRun.InProcessAsync(
            "inspect", "anything:1", "--config", "Binder:Docker:Host=unix:///nonexistent/binder-inspect-test.sock");

        Assert.Equal(3, exit);
        Assert.Equal("", stdout);
        Assert.Contains("unix:///nonexistent/binder-inspect-test.sock", stderr, StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        repo.Dispose();
        using var docker = new DockerClient(new DockerOptions { Host = TestEnvironment.DockerHost }, NullLogger<DockerClient>.Instance);
        foreach (var image in images)
        {
            await docker.RemoveImageAsync(image, force: true, CancellationToken.None);
        }
        // The reader removes its containers; one left behind would show here.
        Assert.Empty(await docker.ListContainersAsync(new Dictionary<string, string?> { ["binder.purpose"] = "environment-manifest" }, CancellationToken.None));
    }
}
