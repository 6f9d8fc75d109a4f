using Binder.Build.Docker;
using Binder.Build.Registry;
using Binder.Build.Tests.Docker;
using Binder.Build.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Binder.Build.Tests.Registry;

/// <summary>Push through the real daemon to the real loopback registry, then ask the registry with <see cref="RegistryClient"/>.</summary>
[Collection(DockerDaemonCollection.Name)]
public sealed class RegistryPushTests
{
    [Fact]
    public async Task A_pushed_image_is_found_in_the_registry_with_its_digest_and_a_missing_tag_is_null()
    {
        var ct = TestContext.Current.CancellationToken;
        using var docker = DockerTestSupport.CreateClient();
        using var registry = new RegistryClient(new RegistryOptions(), NullLogger<RegistryClient>.Instance);
        var suffix = TestEnvironment.UniqueSuffix();
        var image = $"{TestEnvironment.Registry}/binder-test/pushed:{suffix}";
        using var context = DockerTestSupport.Tar(("Dockerfile", $"FROM {TestEnvironment.BaseImage}\nRUN echo {suffix} > /pushed\n"));
        await docker.BuildImageAsync(context, new DockerBuildParameters { Tags = [image] }, null, ct);
        var progress = new List<string>();
        try
        {
            var pushedDigest = await docker.PushImageAsync(image, credentials: null, progress.Add, ct);

            var found = await registry.ImageExistsAsync(image, ct);
            var missing = await registry.ImageExistsAsync($"{TestEnvironment.Registry}/binder-test/pushed:missing-{suffix}", ct);
            var missingRepository = await registry.ImageExistsAsync($"{TestEnvironment.Registry}/binder-test/never-pushed-{suffix}:v1", ct);

            Assert.NotNull(pushedDigest);
            Assert.StartsWith("sha256:", found);
            Assert.Equal(pushedDigest, found);
            Assert.Null(missing);
            Assert.Null(missingRepository);
            Assert.Contains(progress, line => line.Contains("digest: " + pushedDigest, StringComparison.Ordinal));
            var inspected = await docker.InspectImageAsync(image, ct);
            Assert.Contains($"{TestEnvironment.Registry}/binder-test/pushed@{pushedDigest}", inspected!.RepoDigests);
        }
        finally
        {
            await docker.RemoveImageAsync(image, force: true, ct);
        }
    }

    [Fact]
    public async Task A_pushed_image_can_be_pulled_back_after_it_was_removed_locally()
    {
        var ct = TestContext.Current.CancellationToken;
        using var docker = DockerTestSupport.CreateClient();
        var suffix = TestEnvironment.UniqueSuffix();
        var image = $"{TestEnvironment.Registry}/binder-test/pulled:{suffix}";
        using var context = DockerTestSupport.Tar(("Dockerfile", $"FROM {TestEnvironment.BaseImage}\nLABEL binder.test={suffix}\n"));
        await docker.BuildImageAsync(context, new DockerBuildParameters { Tags = [image] }, null, ct);
        try
        {
            await docker.PushImageAsync(image, credentials: null, null, ct);
            Assert.True(await docker.RemoveImageAsync(image, cancellationToken: ct));
            Assert.Null(await docker.InspectImageAsync(image, ct));

            var progress = new List<string>();
            await docker.PullImageAsync(image, credentials: null, progress.Add, ct);

            var pulled = await docker.InspectImageAsync(image, ct);
            Assert.Equal(suffix, pulled!.Labels["binder.test"]);
            Assert.NotEmpty(progress);
        }
        finally
        {
            await docker.RemoveImageAsync(image, force: true, ct);
        }
    }

    [Fact]
    public async Task Pulling_a_tag_the_registry_does_not_have_fails_clearly()
    {
        using var docker = DockerTestSupport.CreateClient();
        var image = $"{TestEnvironment.Registry}/binder-test/never-pushed:{TestEnvironment.UniqueSuffix()}";

        var error = await Assert.ThrowsAsync<DockerImageTransferException>(() =>
            docker.PullImageAsync(image, credentials: null, null, TestContext.Current.CancellationToken));

        Assert.Contains($"The pull of {image} failed", error.Message);
    }

    [Fact]
    public async Task Pushing_to_a_registry_nobody_listens_on_fails_clearly()
    {
        var ct = TestContext.Current.CancellationToken;
        using var docker = DockerTestSupport.CreateClient();
        var image = $"127.0.0.1:9/binder-test/unreachable:{TestEnvironment.UniqueSuffix()}";
        await docker.TagImageAsync(TestEnvironment.BaseImage, image, ct);
        try
        {
            var error = await Assert.ThrowsAsync<DockerImageTransferException>(() => docker.PushImageAsync(image, null, null, ct));

            Assert.Contains($"The push of {image} failed", error.Message);
            Assert.Contains("127.0.0.1:9", error.Message);
        }
        finally
        {
            await docker.RemoveImageAsync(image, cancellationToken: ct);
        }
    }

    [Fact]
    public async Task A_registry_refusing_the_push_is_a_registry_refusal_without_the_password()
    {
        var ct = TestContext.Current.CancellationToken;
        // A loopback registry that refuses every credential, as a registry does for a wrong password.
        await using var refusing = new RegistryStandIn((_, response) =>
        {
            response.StatusCode = 401;
            response.Headers["WWW-Authenticate"] = "Basic realm=\"stand-in\"";
            response.Headers["Docker-Distribution-Api-Version"] = "registry/2.0";
            return Task.CompletedTask;
        });
        using var docker = DockerTestSupport.CreateClient();
        var image = $"{refusing.Host}/binder-test/refused:{TestEnvironment.UniqueSuffix()}";
        await docker.TagImageAsync(TestEnvironment.BaseImage, image, ct);
        try
        {
            var error = await Assert.ThrowsAsync<RegistryRefusedException>(() =>
                docker.PushImageAsync(image, new RegistryCredentials("carol", "very-secret-pw"), null, ct));

            Assert.Equal(refusing.Host, error.Registry);
            Assert.Contains($"The registry {refusing.Host} refused the push of {image}", error.Message);
            Assert.DoesNotContain("very-secret-pw", error.Message);
            Assert.Contains(refusing.Requests, r => r.Authorization is not null && r.Authorization.StartsWith("Basic ", StringComparison.Ordinal));
        }
        finally
        {
            await docker.RemoveImageAsync(image, cancellationToken: ct);
        }
    }

    [Fact]
    public async Task A_permission_denied_failure_is_not_taken_for_a_registry_refusal()
    {
        var ct = TestContext.Current.CancellationToken;
        // A registry whose storage the registry process may not read: a server-side fault, which no credential fixes.
        await using var broken = new RegistryStandIn(async (request, response) =>
        {
            response.Headers["Docker-Distribution-Api-Version"] = "registry/2.0";
            if (request.Url!.AbsolutePath == "/v2/")
            {
                response.StatusCode = 200;
                return;
            }
            response.StatusCode = 400;
            response.ContentType = "application/json";
            var body = """{"errors":[{"code":"UNKNOWN","message":"open /var/lib/registry/docker/registry/v2/repositories/binder-test: permission denied"}]}"""u8.ToArray();
            await response.OutputStream.WriteAsync(body);
        });
        using var docker = DockerTestSupport.CreateClient();
        var image = $"{broken.Host}/binder-test/unreadable:{TestEnvironment.UniqueSuffix()}";

        var error = await Assert.ThrowsAsync<DockerImageTransferException>(() => docker.PullImageAsync(image, null, null, ct));

        Assert.Contains("permission denied", error.Message);
        Assert.Contains($"The pull of {image} failed", error.Message);
    }

    [Fact]
    public async Task Push_and_pull_progress_reports_each_layers_changes_of_state_once_without_progress_bars()
    {
        var ct = TestContext.Current.CancellationToken;
        using var docker = DockerTestSupport.CreateClient();
        var suffix = TestEnvironment.UniqueSuffix();
        var image = $"{TestEnvironment.Registry}/binder-test/progress:{suffix}";
        // 16 MB that does not compress: the daemon reports progress on it dozens of times per transfer.
        using var context = DockerTestSupport.Tar(("Dockerfile",
            $"FROM {TestEnvironment.BaseImage}\nRUN head -c 16000000 /dev/urandom > /blob-{suffix}\n"));
        await docker.BuildImageAsync(context, new DockerBuildParameters { Tags = [image] }, null, ct);
        try
        {
            var pushed = new List<string>();
            await docker.PushImageAsync(image, credentials: null, pushed.Add, ct);
            // Pulled into a daemon of its own: the shared one keeps the layers in its build cache and would only say
            // "Already exists".
            var pulled = new List<string>();
            await using (var empty = await ThrowawayDockerd.StartAsync(ct))
            {
                using var fresh = DockerTestSupport.CreateClient(empty.Host);
                await fresh.PullImageAsync(image, credentials: null, pulled.Add, ct);
            }

            Assert.Contains(pushed, line => line.EndsWith(": Pushed", StringComparison.Ordinal));
            Assert.Contains(pulled, line => line.EndsWith(": Pull complete", StringComparison.Ordinal));
            foreach (var lines in new[] { pushed, pulled })
            {
                Assert.InRange(lines.Count, 1, 20);
                Assert.Equal(lines.Count, lines.Distinct(StringComparer.Ordinal).Count());
                Assert.DoesNotContain(lines, line => line.Contains('[', StringComparison.Ordinal) && line.Contains("=>", StringComparison.Ordinal));
            }
        }
        finally
        {
            await docker.RemoveImageAsync(image, force: true, ct);
        }
    }
}
