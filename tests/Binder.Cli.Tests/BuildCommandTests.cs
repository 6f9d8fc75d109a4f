using System.Net.Http;
using System.Text.Json;

namespace Binder.Cli.Tests;

/// <summary>The <c>binder build</c> command against the real daemon: output shapes, exit codes, messages.</summary>
[Collection("cli")]
public sealed class BuildCommandTests : IAsyncDisposable
{
    private readonly GitRepository repo = new();
    private readonly List<string> images = [];

    /// <summary>A unique image name that is removed from the daemon when the test ends.</summary>
    private string Image(string purpose) => Track($"binder-cli-tests/{purpose}:{Guid.NewGuid():N}");

    private string Track(string image)
    {
        images.Add(image);
        return image;
    }

    private string[] Args(params string[] args) =>
        [.. args, "--config", $"Binder:Buildpacks:BaseImage={TestEnvironment.BaseImage}", "--config", "Binder:Buildpacks:JupyterSource=Debian", "--config", $"Binder:Docker:Host={TestEnvironment.DockerHost}"];

    [Fact]
    public async Task No_build_prints_the_dockerfile()
    {
        repo.Write("requirements.txt", "").Commit();
        var (exit, stdout, _) = await CliRun.InProcessAsync(Args("build", repo.Url, "--no-build"));
        Assert.Equal(0, exit);
        Assert.Contains($"FROM {TestEnvironment.BaseImage}", stdout);
        Assert.Contains("USER", stdout);
    }

    [Fact]
    public async Task Json_logs_are_one_object_per_line_with_phase_and_message()
    {
        repo.Write("Dockerfile", $"FROM {TestEnvironment.BaseImage}\nRUN echo json-logs-step\n").Commit();
        var image = Image("json");
        var (exit, stdout, stderr) = await CliRun.InProcessAsync(Args("build", repo.Url, "--json-logs", "--image-name", image));
        Assert.True(exit == 0, stderr + stdout);

        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.All(lines, l =>
        {
            Assert.Contains(l.GetProperty("phase").GetString(), new[] { "fetching", "building", "built" });
            Assert.EndsWith("\n", l.GetProperty("message").GetString());
        });
        Assert.Equal("fetching", lines[0].GetProperty("phase").GetString());
        Assert.Equal("built", lines[^1].GetProperty("phase").GetString());
        Assert.Equal(image, lines[^1].GetProperty("imageName").GetString());
        Assert.Contains(lines, l => l.GetProperty("message").GetString()!.Contains("json-logs-step"));
    }

    [Fact]
    public async Task Plain_output_shows_phases_and_steps()
    {
        repo.Write("Dockerfile", $"FROM {TestEnvironment.BaseImage}\nRUN echo plain-step-output\n").Commit();
        var (exit, stdout, stderr) = await CliRun.InProcessAsync(Args("build", repo.Url, "--image-name", Image("plain")));
        Assert.True(exit == 0, stderr);
        Assert.Contains("==> fetching", stdout);
        Assert.Contains("==> building", stdout);
        Assert.Contains("plain-step-output", stdout);
        Assert.Contains("Built image binder-cli-tests/plain:", stdout);
    }

    [Fact]
    public async Task Not_a_repository_exits_2()
    {
        var (exit, _, stderr) = await CliRun.InProcessAsync(Args("build", "/no/such/dir"));
        Assert.Equal(2, exit);
        Assert.Equal("binder: '/no/such/dir' is not a directory, a DOI, a record's URL or a git URL. Give the path of a local repository, a git URL such as " +
            "https://github.com/org/repo, a DOI such as 10.5281/zenodo.3242074 (or https://doi.org/10.5281/zenodo.3242074), or the page URL of a " +
            "Zenodo, Figshare, Dataverse or HydroShare record.\n", stderr);
    }

    [Fact]
    public async Task An_unknown_ref_exits_2_naming_the_ref()
    {
        repo.Write("requirements.txt", "").Commit();
        var (exit, _, stderr) = await CliRun.InProcessAsync(Args("build", repo.Url, "--ref", "mian"));
        Assert.Equal(2, exit);
        Assert.Contains($"Could not resolve ref 'mian' in {repo.Url}: no such branch, tag or commit.", stderr);
    }

    [Fact]
    public async Task A_remote_that_asks_for_credentials_exits_2_without_a_prompt()
    {
        repo.Write("requirements.txt", "").Commit();
        await using var server = new GitHttpServer(Path.GetDirectoryName(repo.Path)!, "reader", "good-t0ken");
        var url = server.UrlOf(Path.GetFileName(repo.Path));

        var (exit, _, stderr) = await CliRun.InProcessAsync(Args("build", url, "--no-build"));

        Assert.Equal(2, exit);
        Assert.Contains($"Could not clone {url}:", stderr);
        Assert.Contains("(or that your credentials are)", stderr);
    }

    [Fact]
    public async Task A_remote_that_never_answers_exits_2_within_the_configured_time_out()
    {
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        var url = $"git://127.0.0.1:{((System.Net.IPEndPoint)silent.LocalEndpoint).Port}/repo.git";

        var (exit, _, stderr) = await CliRun.InProcessAsync(Args("build", url, "--no-build", "--config", "Binder:Content:GitTimeout=00:00:02"));

        Assert.Equal(2, exit);
        Assert.Contains($"Could not clone {url}: it did not finish within 2 s (Content:GitTimeout).", stderr);
    }

    [Fact]
    public async Task Both_binder_directories_exit_2()
    {
        repo.Write("binder/requirements.txt", "").Write(".binder/requirements.txt", "").Commit();
        var (exit, _, stderr) = await CliRun.InProcessAsync(Args("build", repo.Url, "--no-build"));
        Assert.Equal(2, exit);
        Assert.Contains("binder", stderr);
        Assert.Contains(".binder", stderr);
    }

    [Fact]
    public async Task An_invalid_apt_txt_exits_2_naming_the_line()
    {
        repo.Write("apt.txt", "curl\nvim; rm -rf /\n").Commit();
        var (exit, _, stderr) = await CliRun.InProcessAsync(Args("build", repo.Url, "--no-build"));
        Assert.Equal(2, exit);
        Assert.Contains("apt.txt", stderr);
        Assert.Contains("line 2", stderr);
    }

    [Fact]
    public async Task An_unreachable_daemon_exits_3_and_says_how_to_start_one()
    {
        repo.Write("requirements.txt", "").Commit();
        var (exit, _, stderr) = await CliRun.InProcessAsync(
            "build", repo.Url, "--config", "Binder:Docker:Host=unix:///tmp/binder-no-daemon.sock", "--config", $"Binder:Buildpacks:BaseImage={TestEnvironment.BaseImage}");
        Assert.Equal(3, exit);
        Assert.Contains("unix:///tmp/binder-no-daemon.sock", stderr);
        Assert.Contains("DOCKER_HOST", stderr);
    }

    [Fact]
    public async Task A_failing_build_exits_5_with_the_last_log_lines()
    {
        repo.Write("Dockerfile", $"FROM {TestEnvironment.BaseImage}\nRUN echo 'the data server is down' && exit 7\n").Commit();
        var (exit, _, stderr) = await CliRun.InProcessAsync(Args("build", repo.Url, "--image-name", Image("failing")));
        Assert.Equal(5, exit);
        Assert.Contains("the data server is down", stderr);
    }

    [Fact]
    public async Task A_registry_that_refuses_the_push_exits_4()
    {
        await using var registry = new RefusingRegistry();
        repo.Write("Dockerfile", $"FROM {TestEnvironment.BaseImage}\nRUN echo refused > /x\n").Commit();
        var (exit, _, stderr) = await CliRun.InProcessAsync(Args("build", repo.Url, "--push", "--image-name", Track($"{registry.Address}/binder/refused:{Guid.NewGuid():N}"),
            "--config", $"Binder:RegistryAccess:Credentials:refusing:Registry={registry.Address}",
            "--config", "Binder:RegistryAccess:Credentials:refusing:Username=someone", "--config", "Binder:RegistryAccess:Credentials:refusing:Password=hunter2-secret"));
        Assert.True(exit == 4, stderr);
        Assert.Contains(registry.Address, stderr);
        Assert.DoesNotContain("hunter2-secret", stderr);
    }

    [Fact]
    public async Task Bad_options_exit_2()
    {
        var (exit, _, stderr) = await CliRun.InProcessAsync(Args("build", repo.Path, "--build-arg", "NOEQUALS"));
        Assert.Equal(2, exit);
        Assert.Contains("--build-arg 'NOEQUALS' is not of the form KEY=VALUE", stderr);

        (exit, _, stderr) = await CliRun.InProcessAsync("build", repo.Path, "--config", "nonsense");
        Assert.Equal(2, exit);
        Assert.Contains("is not of the form Section:Key=value", stderr);

        // Caught before anything is fetched or built.
        (exit, _, stderr) = await CliRun.InProcessAsync(Args("build", "/no/such/dir", "--image-name", "Upper/Case:1"));
        Assert.Equal(2, exit);
        Assert.Contains("The image name 'Upper/Case:1' is not valid", stderr);
    }

    [Fact]
    public async Task Run_serves_jupyter_until_interrupted_and_removes_its_container()
    {
        repo.Write("requirements.txt", "").Commit();
        var image = Image("run");
        using var process = CliRun.Start(Args("build", repo.Url, "--run", "--json-logs", "--image-name", image));
        try
        {
            string? url = null;
            while (await process.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken) is { } line)
            {
                var json = JsonDocument.Parse(line).RootElement;
                Assert.NotEqual("failed", json.GetProperty("phase").GetString());
                if (json.GetProperty("phase").GetString() == "ready")
                {
                    url = json.GetProperty("url").GetString();
                    break;
                }
            }
            Assert.NotNull(url);
            var uri = new Uri(url!);
            var token = uri.Query.Split("token=")[1];
            using var http = new HttpClient();
            var status = await http.GetAsync($"{uri.GetLeftPart(UriPartial.Authority)}/api/status?token={token}", TestContext.Current.CancellationToken);
            Assert.True(status.IsSuccessStatusCode);

            // SIGINT as Ctrl-C sends it: the command stops the server and removes the container.
            Assert.Equal(0, Kill(process.Id, 2));
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => http.GetAsync($"{uri.GetLeftPart(UriPartial.Authority)}/api/status", TestContext.Current.CancellationToken));
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
    private static extern int Kill(int pid, int signal);

    public async ValueTask DisposeAsync()
    {
        repo.Dispose();
        using var docker = new Binder.Build.Docker.DockerClient(
            new Binder.Build.Docker.DockerOptions { Host = TestEnvironment.DockerHost },
            Microsoft.Extensions.Logging.Abstractions.NullLogger<Binder.Build.Docker.DockerClient>.Instance);
        foreach (var image in images)
        {
            await docker.RemoveImageAsync(image, force: true, CancellationToken.None);
        }
    }
}
