using System.Text.Json;

namespace Binder.Cli.Tests;

public sealed class DetectCommandTests : IDisposable
{
    private readonly GitRepository repo = new();

    [Theory]
    [InlineData("requirements.txt", "python")]
    [InlineData("environment.yml", "conda")]
    [InlineData("Pipfile", "pipfile")]
    [InlineData("Project.toml", "julia")]
    [InlineData("default.nix", "nix")]
    [InlineData("Dockerfile", "dockerfile")]
    public async Task Json_names_the_buildpack_and_the_files(string file, string buildpack)
    {
        repo.Write("binder/" + file, file == "Dockerfile" ? "FROM debian:bookworm\n" : "");
        var (exit, stdout, stderr) = await CliRun.InProcessAsync("detect", repo.Path, "--json");
        Assert.True(exit == 0, stderr);
        var json = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(buildpack, json.GetProperty("buildpack").GetString());
        Assert.Equal("binder", json.GetProperty("environmentDirectory").GetString());
        Assert.Equal(["binder/" + file], json.GetProperty("files").EnumerateArray().Select(f => f.GetString()));
    }

    [Fact]
    public async Task A_description_file_at_the_root_selects_r()
    {
        // repo2docker looks for DESCRIPTION only at the repository root.
        repo.Write("DESCRIPTION", "Package: demo\n");
        var (exit, stdout, _) = await CliRun.InProcessAsync("detect", repo.Path, "--json");
        Assert.Equal(0, exit);
        Assert.Equal("r", JsonDocument.Parse(stdout).RootElement.GetProperty("buildpack").GetString());
    }

    [Fact]
    public async Task Plain_output_is_one_line()
    {
        repo.Write("requirements.txt", "numpy\n");
        var (exit, stdout, _) = await CliRun.InProcessAsync("detect", repo.Path);
        Assert.Equal(0, exit);
        Assert.Equal("python: requirements.txt\n", stdout);
    }

    [Fact]
    public async Task A_missing_directory_exits_2()
    {
        var (exit, _, stderr) = await CliRun.InProcessAsync("detect", "/no/such/repository");
        Assert.Equal(2, exit);
        Assert.Equal("binder: '/no/such/repository' is not a directory. Give the path of a repository checkout.\n", stderr);
    }

    [Fact]
    public async Task Configuration_from_the_environment_and_options_applies()
    {
        // No environment file and FailWhenNoEnvironment set through --config: detection refuses.
        var (exit, _, stderr) = await CliRun.InProcessAsync("detect", repo.Path, "--config", "Binder:Buildpacks:FailWhenNoEnvironment=true");
        Assert.Equal(2, exit);
        Assert.NotEmpty(stderr);
    }

    public void Dispose() => repo.Dispose();
}
