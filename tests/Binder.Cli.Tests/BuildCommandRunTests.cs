using Binder.Build.Docker;
using Binder.Build.Run;
using Microsoft.Extensions.Logging.Abstractions;

namespace Binder.Cli.Tests;

/// <summary>
/// <c>binder build DIR -- CMD ARGS...</c>: the command runs in the built image as its user, in the repository, with its
/// output streamed and its exit code passed through (as <c>repo2docker . ./verify</c>); the container never stays.
/// </summary>
[Collection("cli")]
public sealed class BuildCommandRunTests : IAsyncDisposable
{
    private readonly TempDirectory repo = new("binder-cli-run");
    private readonly List<string> images = [];
    private readonly DockerClient docker = new(new DockerOptions { Host = TestEnvironment.DockerHost }, NullLogger<DockerClient>.Instance);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private string Image(string purpose)
    {
        var image = $"binder-cli-tests/{purpose}:{Guid.NewGuid():N}";
        images.Add(image);
        return image;
    }

    private static string[] Args(params string[] args) =>
    [
        .. args.TakeWhile(a => a != "--"),
        "--config", $"Binder:Buildpacks:BaseImage={TestEnvironment.BaseImage}", "--config", $"Binder:Docker:Host={TestEnvironment.DockerHost}",
        "--config", "Binder:Docker:BuildNetworkMode=host", "--config", "Binder:Buildpacks:JupyterSource=Debian",
        .. args.SkipWhile(a => a != "--"),
    ];

    [Fact]
    public async Task The_command_runs_as_the_images_user_in_the_repository_and_its_exit_code_and_output_pass_through()
    {
        repo.Write("requirements.txt", "");
        repo.Write("marker.txt", "from the repository\n");
        var image = Image("run-command");

        var (exit, stdout, stderr) = await CliRun.InProcessAsync(Args("build", repo.Path, "--image-name", image,
            "--", "sh", "-c", "id -u; id -un; pwd; cat marker.txt; echo to-stderr >&2; exit 7"));

        Assert.True(exit == 7, stderr);
        // stdout is the command's alone: the build's progress went to stderr.
        Assert.Equal("1000\njovyan\n/home/jovyan\nfrom the repository\n", stdout);
        Assert.Contains("==> building", stderr);
        Assert.Contains("to-stderr", stderr);
        Assert.Empty(await ContainersOf(image));
    }

    [Fact]
    public async Task Output_is_streamed_while_the_command_runs_and_Ctrl_C_stops_it_and_removes_its_container()
    {
        repo.Write("Dockerfile", $"FROM {TestEnvironment.BaseImage}\n");
        var image = Image("run-interrupted");
        using var process = CliRun.Start(Args("build", repo.Path, "--image-name", image, "--", "sh", "-c", "echo started; sleep 600; echo never"));
        try
        {
            // The first line arrives while the command still runs: it is streamed, not collected until the end.
            Assert.Equal("started", await process.StandardOutput.ReadLineAsync(Token));
            Assert.Single(await ContainersOf(image));

            Assert.Equal(0, Kill(process.Id, 2));
            await process.WaitForExitAsync(Token);

            Assert.Equal(130, process.ExitCode);
            Assert.Equal("", await process.StandardOutput.ReadToEndAsync(Token));
            Assert.Contains("Stopped the command; its container was removed.", await process.StandardError.ReadToEndAsync(Token));
            Assert.Empty(await ContainersOf(image));
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }

    [Theory]
    [InlineData("-- must be followed by the command to run in the built image, e.g. binder build . -- ./verify", "build", "{repo}", "--")]
    [InlineData("Give the repository before --, and the command after it: binder build DIR -- CMD ARGS...", "build", "--", "./verify")]
    [InlineData("Unexpected argument './verify' after the repository. To run a command in the built image, put it after --: binder build DIR -- ./verify", "build", "{repo}", "./verify")]
    [InlineData("--no-build cannot be combined with --push, --run or a command after --: there would be no image.", "build", "{repo}", "--no-build", "--", "./verify")]
    [InlineData("--run starts Jupyter and a command after -- runs instead of it: give one of them.", "build", "{repo}", "--run", "--", "./verify")]
    public async Task Bad_usage_exits_2_with_a_sentence_before_anything_is_built(string message, params string[] args)
    {
        repo.Write("requirements.txt", "");
        var (exit, stdout, stderr) = await CliRun.InProcessAsync(Args([.. args.Select(a => a.Replace("{repo}", repo.Path, StringComparison.Ordinal))]));

        Assert.Equal(2, exit);
        Assert.Equal($"binder: {message}\n", stderr);
        Assert.DoesNotContain("==> building", stdout);
    }

    [Fact]
    public async Task An_apt_txt_package_that_does_not_exist_exits_5_saying_the_repository_must_change()
    {
        repo.Write("apt.txt", $"# {Guid.NewGuid()}\nno-such-package-binder\n");
        var (exit, _, stderr) = await CliRun.InProcessAsync(Args("build", repo.Path, "--image-name", Image("apt-missing")));

        Assert.Equal(5, exit);
        Assert.Contains("E: Unable to locate package no-such-package-binder", stderr);
        Assert.EndsWith("This is a problem in the repository: the Debian archive has no package 'no-such-package-binder'. " +
            "Check the name in apt.txt (packages.debian.org lists the packages of Debian bookworm) and build again.\n", stderr);
    }

    private async Task<IReadOnlyList<DockerContainerSummary>> ContainersOf(string image) =>
        [.. (await docker.ListContainersAsync(new Dictionary<string, string?> { [JupyterRunner.RunLabel] = null }, Token)).Where(c => c.Image == image)];

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
    private static extern int Kill(int pid, int signal);

    public async ValueTask DisposeAsync()
    {
        repo.Dispose();
        foreach (var image in images)
        {
            await docker.RemoveImageAsync(image, force: true, CancellationToken.None);
        }
        docker.Dispose();
    }
}
