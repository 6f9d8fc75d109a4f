using Binder.Build;
using Binder.Build.Docker;
using Microsoft.Extensions.Logging.Abstractions;

namespace Binder.Cli.Tests;

/// <summary>
/// <c>binder build &lt;DOI | doi.org URL | record URL&gt;</c>, as <c>repo2docker &lt;doi&gt;</c>: the record is fetched from
/// the record hosts (doi.org and Zenodo played by a loopback stand-in, configured under <c>Providers:Records</c>) and
/// built on the real daemon; every failure exits 2 with a sentence and leaves no download behind.
/// </summary>
[Collection("cli")]
public sealed class BuildCommandRecordTests : IAsyncDisposable
{
    private readonly ApiStandIn api = new();
    private readonly TempDirectory work = new("binder-cli-records");
    private readonly List<string> images = [];

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private string[] Args(params string[] args) =>
    [
        .. args, .. RecordStandIns.ConfigFor(api),
        "--config", $"Binder:Buildpacks:BaseImage={TestEnvironment.BaseImage}", "--config", "Binder:Buildpacks:JupyterSource=Debian",
        "--config", $"Binder:Docker:Host={TestEnvironment.DockerHost}", "--config", $"Binder:Content:WorkDirectory={work.Path}",
    ];

    [Fact]
    public async Task A_zenodo_doi_holding_a_zip_of_a_repository_is_unpacked_and_built_by_a_real_binder_process()
    {
        var step = $"record-step-{Guid.NewGuid():N}";
        RecordStandIns.ServeZenodo(api, ("demo-1.0.zip", ZipBuilder.Build(
            ("demo-1.0/", ""), ("demo-1.0/Dockerfile", $"FROM {TestEnvironment.BaseImage}\nRUN echo {step}\n"))));
        // No --image-name: the name derives from the record as BinderHub's does (provider slug, record id as the tag).
        var image = ImageNames.Derive(new RepoBuilderOptions().ImageNamePrefix, "zenodo-3242074", "3242074");
        images.Add(image);

        using var process = CliRun.Start(Args("build", "https://doi.org/" + RecordStandIns.ZenodoConceptDoi));
        var stdout = process.StandardOutput.ReadToEndAsync(Token);
        var stderr = process.StandardError.ReadToEndAsync(Token);
        await process.WaitForExitAsync(Token);

        Assert.True(process.ExitCode == 0, await stderr + await stdout);
        var output = await stdout;
        Assert.Contains("Fetching Zenodo record 3242074", output);
        Assert.Contains("Unpacking demo-1.0.zip", output);
        Assert.Contains(step, output);
        Assert.Contains($"Built image {image}", output);
        Assert.Empty(Directory.GetFileSystemEntries(work.Path));
    }

    [Theory]
    [InlineData("{doi}")]
    [InlineData("{api}/records/3242074")]
    public async Task A_bare_doi_and_a_record_url_are_fetched_and_planned(string source)
    {
        RecordStandIns.ServeZenodo(api, ("requirements.txt", "numpy\n"u8.ToArray()));

        var (exit, stdout, stderr) = await CliRun.InProcessAsync(Args("build",
            source.Replace("{doi}", RecordStandIns.ZenodoConceptDoi, StringComparison.Ordinal).Replace("{api}", api.Url, StringComparison.Ordinal), "--no-build"));

        Assert.True(exit == 0, stderr + stdout);
        Assert.Contains("Fetched requirements.txt (6 bytes)", stdout);
        Assert.Contains("requirements.txt", stdout);
        Assert.Contains($"FROM {TestEnvironment.BaseImage}", stdout);
        Assert.Empty(Directory.GetFileSystemEntries(work.Path));
    }

    [Fact]
    public async Task A_doi_of_a_host_that_is_not_configured_exits_2()
    {
        await using var elsewhere = new ApiStandIn();
        api.Map("/doi/10.1000/other", StandInResponse.Redirect($"{elsewhere.Url}/paper/1"));

        var (exit, _, stderr) = await CliRun.InProcessAsync(Args("build", "10.1000/other"));

        Assert.Equal(2, exit);
        Assert.StartsWith($"binder: The DOI 10.1000/other leads to {elsewhere.Url}/paper/1, which is not a record on a host this build engine fetches from.", stderr, StringComparison.Ordinal);
        Assert.Empty(elsewhere.Requests);
    }

    [Fact]
    public async Task A_doi_that_does_not_exist_exits_2()
    {
        var (exit, _, stderr) = await CliRun.InProcessAsync(Args("build", "10.5281/zenodo.999"));

        Assert.Equal(2, exit);
        Assert.Equal("binder: The DOI 10.5281/zenodo.999 does not exist: the DOI resolver does not know it.\n", stderr);
    }

    [Fact]
    public async Task A_record_over_the_size_limit_exits_2_and_leaves_no_download()
    {
        RecordStandIns.ServeZenodo(api, ("big.bin", new byte[64 * 1024]));

        var (exit, _, stderr) = await CliRun.InProcessAsync(Args("build", RecordStandIns.ZenodoConceptDoi, "--config", "Providers:Records:MaxDownloadBytes=4096"));

        Assert.Equal(2, exit);
        Assert.Contains("the operator can raise Providers:Records:MaxDownloadBytes", stderr);
        Assert.Empty(Directory.GetFileSystemEntries(work.Path));
    }

    [Fact]
    public async Task A_zip_slip_record_exits_2_and_leaves_no_download()
    {
        RecordStandIns.ServeZenodo(api, ("evil.zip", ZipBuilder.Build(("fine.txt", "ok"), ("../../escape.txt", "pwned"))));

        var (exit, _, stderr) = await CliRun.InProcessAsync(Args("build", RecordStandIns.ZenodoConceptDoi));

        Assert.Equal(2, exit);
        Assert.Contains("which would be written outside the build directory; such records are refused.", stderr);
        Assert.Empty(Directory.GetFileSystemEntries(work.Path));
    }

    [Fact]
    public async Task A_bad_record_host_setting_exits_2_naming_its_key()
    {
        // After the stand-in's settings: the last value of a key wins.
        var (exit, _, stderr) = await CliRun.InProcessAsync([.. Args("build", RecordStandIns.ZenodoConceptDoi), "--config", "Providers:Records:ZenodoUrl=zenodo.org"]);

        Assert.Equal(2, exit);
        Assert.Contains("Providers:Records:ZenodoUrl 'zenodo.org' must be an absolute http or https URL", stderr);
    }

    public async ValueTask DisposeAsync()
    {
        using (var docker = new DockerClient(new DockerOptions { Host = TestEnvironment.DockerHost }, NullLogger<DockerClient>.Instance))
        {
            foreach (var image in images)
            {
                await docker.RemoveImageAsync(image, force: true, CancellationToken.None);
            }
        }
        work.Dispose();
        await api.DisposeAsync();
    }
}
