using System.Text.Json;
using System.Text.RegularExpressions;
using Binder.Build.Docker;
using Microsoft.Extensions.Logging.Abstractions;

namespace Binder.Cli.Tests;

/// <summary>
/// <c>binder build --push</c> puts the layer cache into the image, and <c>binder build --cache-from IMAGE</c> on
/// another daemon reuses its environment layers: CI's next commit pulls them instead of building them again.
/// </summary>
[Collection("cli")]
public sealed class BuildCacheFromTests : IAsyncDisposable
{
    private readonly TempDirectory repo = new("binder-cli-cache-from");
    private readonly List<string> images = [];
    private readonly DockerClient docker = new(new DockerOptions { Host = TestEnvironment.DockerHost }, NullLogger<DockerClient>.Instance);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private string Image(string purpose)
    {
        var image = $"{TestEnvironment.Registry}/binder-cli-tests/{purpose}:{Guid.NewGuid():N}";
        images.Add(image);
        return image;
    }

    private static string[] Args(string baseImage, string dockerHost, params string[] args) =>
    [
        .. args,
        "--json-logs",
        "--config", $"Binder:Buildpacks:BaseImage={baseImage}", "--config", $"Binder:Docker:Host={dockerHost}",
        "--config", "Binder:Docker:BuildNetworkMode=host", "--config", "Binder:Buildpacks:JupyterSource=Debian",
    ];

    private static List<JsonElement> Lines(string stdout) =>
        [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement.Clone())];

    private static string Log(List<JsonElement> lines) => string.Concat(lines.Select(l => l.GetProperty("message").GetString()));

    private static string? Built(List<JsonElement> lines, string property) =>
        lines.Last().GetProperty("phase").GetString() == "built" && lines.Last().TryGetProperty(property, out var value) ? value.GetString() : null;

    [Fact]
    public async Task A_pushed_image_gives_its_environment_layers_to_a_build_of_the_next_commit_on_an_empty_daemon_with_cache_from()
    {
        var baseImage = await PushBaseImageAsync();
        repo.Write("requirements.txt", "");
        repo.Write("analysis.ipynb", "{\"cells\": []}\n");
        var first = Image("env-first");

        var (exit1, stdout1, stderr1) = await CliRun.InProcessAsync(Args(baseImage, TestEnvironment.DockerHost, "build", repo.Path, "--image-name", first, "--push"));

        Assert.True(exit1 == 0, stdout1 + stderr1);
        var key = Built(Lines(stdout1), "environment_key");
        Assert.Matches("^[0-9a-f]{64}$", key);
        Assert.Contains($"Environment key {key}\n", Log(Lines(stdout1)));

        repo.Write("analysis.ipynb", "{\"cells\": [{\"cell_type\": \"markdown\", \"source\": \"changed\"}]}\n");
        await using var empty = await ThrowawayDockerd.StartAsync(Token);
        try
        {
            var (exit2, stdout2, stderr2) = await CliRun.InProcessAsync(Args(baseImage, empty.Host,
                "build", repo.Path, "--image-name", Image("env-second"), "--cache-from", first));

            var lines = Lines(stdout2);
            var log = Log(lines);
            Assert.True(exit2 == 0, log + stderr2);
            Assert.Equal(key, Built(lines, "environment_key"));
            Assert.Equal(first, Built(lines, "reused_environment_of"));
            Assert.Contains($"Pulling the base image {baseImage}...\n", log);
            Assert.Contains($"Reusing the environment of {first} if it matches (--cache-from)\n", log);
            Assert.Matches($@"Pulled {Regex.Escape(first)} in [0-9.]+ s\n", log);
            Assert.Contains($"importing cache manifest from {first}", log);
            Assert.Matches(@"CACHED \[[ 0-9/]+\] RUN apt-get update && [^\n]*\n", log);
            Assert.Matches(@"CACHED \[[ 0-9/]+\] RUN /srv/venv/bin/python -m pip install --no-cache-dir -r requirements.txt\n", log);
            Assert.DoesNotMatch(@"CACHED \[[ 0-9/]+\] COPY --chown=1000:1000 \[""src/"", ""/home/jovyan/""\]", log);
        }
        finally
        {
            TestContext.Current.TestOutputHelper?.WriteLine("throwaway dockerd log:\n" + empty.LogTail);
        }
    }

    /// <summary>The base image as a fresh daemon gets it: from the registry (the build pulls it first, for the key).</summary>
    private async Task<string> PushBaseImageAsync()
    {
        var baseImage = $"{TestEnvironment.Registry}/binder-test/base:bookworm";
        await docker.TagImageAsync(TestEnvironment.BaseImage, baseImage, Token);
        await docker.PushImageAsync(baseImage, credentials: null, null, Token);
        return baseImage;
    }

    [Fact]
    public async Task A_cache_source_in_a_registry_that_wants_a_login_is_pulled_with_the_configured_credentials_and_its_layers_reused()
    {
        // The daemon's build API hands BuildKit no registry credentials: the build pulls each cache source itself,
        // with the credentials configured for its registry, and BuildKit takes the inline cache from that image.
        await using var registry = await LoginRegistry.StartAsync(Token);
        var baseImage = await PushBaseImageAsync();
        repo.Write("requirements.txt", "");
        repo.Write("analysis.ipynb", "{\"cells\": []}\n");
        var first = $"{registry.Address}/binder-cli-tests/env-login:{Guid.NewGuid():N}";
        images.Add(first);
        string[] login =
        [
            "--config", $"Binder:RegistryAccess:Credentials:ci:Registry={registry.Address}",
            "--config", $"Binder:RegistryAccess:Credentials:ci:Username={LoginRegistry.Username}",
            "--config", $"Binder:RegistryAccess:Credentials:ci:Password={registry.Password}",
        ];

        var (exit1, stdout1, stderr1) = await CliRun.InProcessAsync([.. Args(baseImage, TestEnvironment.DockerHost, "build", repo.Path, "--image-name", first, "--push"), .. login]);
        Assert.True(exit1 == 0, stdout1 + stderr1);
        var key = Built(Lines(stdout1), "environment_key");

        // Without the credentials the source cannot be had: said so, and no reuse is claimed. (Its tag is removed
        // here first, so the daemon's own copy does not stand in for the registry's.)
        await docker.RemoveImageAsync(first, force: true, Token);
        repo.Write("analysis.ipynb", "{\"cells\": [{\"cell_type\": \"markdown\", \"source\": \"changed\"}]}\n");
        var (exit2, stdout2, stderr2) = await CliRun.InProcessAsync(Args(baseImage, TestEnvironment.DockerHost,
            "build", repo.Path, "--image-name", Image("env-login-refused"), "--cache-from", first));
        var refused = Lines(stdout2);
        Assert.True(exit2 == 0, Log(refused) + stderr2);
        Assert.Matches($@"Could not pull {Regex.Escape(first)} \([^\n]+\); its environment steps are built instead\.\n", Log(refused));
        Assert.Null(Built(refused, "reused_environment_of"));

        await using var empty = await ThrowawayDockerd.StartAsync(Token);
        try
        {
            var (exit3, stdout3, stderr3) = await CliRun.InProcessAsync([.. Args(baseImage, empty.Host,
                "build", repo.Path, "--image-name", Image("env-login-second"), "--cache-from", first), .. login]);

            var lines = Lines(stdout3);
            var log = Log(lines);
            Assert.True(exit3 == 0, log + stderr3);
            Assert.Equal(key, Built(lines, "environment_key"));
            Assert.Equal(first, Built(lines, "reused_environment_of"));
            Assert.Matches($@"Pulled {Regex.Escape(first)} in [0-9.]+ s\n", log);
            Assert.Matches(@"CACHED \[[ 0-9/]+\] RUN apt-get update && [^\n]*\n", log);
            Assert.Matches(@"CACHED \[[ 0-9/]+\] RUN /srv/venv/bin/python -m pip install --no-cache-dir -r requirements.txt\n", log);
            Assert.DoesNotContain(registry.Password, stdout1 + stderr1 + stdout2 + stderr2 + stdout3 + stderr3);
        }
        finally
        {
            TestContext.Current.TestOutputHelper?.WriteLine("throwaway dockerd log:\n" + empty.LogTail);
        }
    }

    [Fact]
    public async Task A_cache_from_image_that_is_not_in_the_registry_is_skipped_and_the_build_succeeds()
    {
        repo.Write("requirements.txt", "");
        var missing = $"{TestEnvironment.Registry}/binder-cli-tests/never-pushed:{Guid.NewGuid():N}";

        var (exit, stdout, stderr) = await CliRun.InProcessAsync(Args(TestEnvironment.BaseImage, TestEnvironment.DockerHost,
            "build", repo.Path, "--image-name", Image("env-missing-source"), "--cache-from", missing));

        var lines = Lines(stdout);
        var log = Log(lines);
        Assert.True(exit == 0, log + stderr);
        Assert.Null(Built(lines, "reused_environment_of"));
        Assert.Contains($"Pulling {missing} for its layers...\n", log);
        Assert.Matches($@"Could not pull {Regex.Escape(missing)} \([^\n]+\); its environment steps are built instead\.\n", log);
        Assert.DoesNotContain("Reusing the environment", log);
        Assert.DoesNotContain("importing cache manifest", log);
    }

    [Fact]
    public async Task A_cache_from_value_that_is_not_an_image_name_exits_2_with_a_sentence_before_anything_is_built()
    {
        repo.Write("requirements.txt", "");

        var (exit, _, stderr) = await CliRun.InProcessAsync("build", repo.Path, "--cache-from", "Not An Image");

        Assert.Equal(2, exit);
        Assert.Equal("binder: --cache-from 'Not An Image' is not an image name: use [registry/]name:tag in lower case, e.g. registry.example.org:5000/binder/analysis:v1.\n", stderr);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var image in images)
        {
            try { await docker.RemoveImageAsync(image, force: true, CancellationToken.None); } catch (Binder.Build.BinderBuildException) { }
        }
        await docker.RemoveImageAsync($"{TestEnvironment.Registry}/binder-test/base:bookworm", cancellationToken: CancellationToken.None);
        docker.Dispose();
        repo.Dispose();
    }
}
