using Binder.Build.Docker;

namespace Binder.Build.Tests.Docker;

[Collection(DockerDaemonCollection.Name)]
public sealed class DockerBuildTests
{
    [Fact]
    public async Task A_buildkit_build_reports_steps_and_run_output_and_labels_the_image()
    {
        using var docker = DockerTestSupport.CreateClient();
        var marker = "marker-" + TestEnvironment.UniqueSuffix();
        var tag = $"binder-test-build:{TestEnvironment.UniqueSuffix()}";
        using var context = DockerTestSupport.Tar(
            ("Dockerfile", $"FROM {TestEnvironment.BaseImage}\nCOPY hello.txt /hello.txt\nRUN echo {marker} && cat /hello.txt\n"),
            ("hello.txt", "from the context\n"));
        var logs = new List<DockerBuildLog>();
        try
        {
            var imageId = await docker.BuildImageAsync(context, new DockerBuildParameters
            {
                Tags = [tag],
                Labels = new Dictionary<string, string> { ["repo2docker.repo"] = "local-test", ["binder.test"] = marker },
                NoCache = true,
            }, logs.Add, TestContext.Current.CancellationToken);

            Assert.StartsWith("sha256:", imageId);
            Assert.Contains(logs, l => l.Kind == DockerBuildLogKind.Output && l.Message == marker);
            Assert.Contains(logs, l => l.Kind == DockerBuildLogKind.Output && l.Message == "from the context");
            Assert.Contains(logs, l => l.Kind == DockerBuildLogKind.Step && l.Message == $"[3/3] RUN echo {marker} && cat /hello.txt");
            Assert.Contains(logs, l => l.Kind == DockerBuildLogKind.Step && l.Message.StartsWith("[2/3] COPY hello.txt", StringComparison.Ordinal));
            var output = logs.First(l => l.Message == marker);
            Assert.Equal($"[3/3] RUN echo {marker} && cat /hello.txt", output.Step);

            var image = await docker.InspectImageAsync(tag, TestContext.Current.CancellationToken);
            Assert.NotNull(image);
            Assert.Equal(imageId, image.Id);
            Assert.Equal(marker, image.Labels["binder.test"]);
            Assert.Equal("local-test", image.Labels["repo2docker.repo"]);
            Assert.Contains(tag, image.RepoTags);
        }
        finally
        {
            await docker.RemoveImageAsync(tag, force: true, TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task A_large_build_context_is_streamed_to_the_daemon_not_held_in_memory()
    {
        using var docker = DockerTestSupport.CreateClient();
        var ct = TestContext.Current.CancellationToken;
        const long payload = 256L * 1024 * 1024;
        var tag = $"binder-test-stream:{TestEnvironment.UniqueSuffix()}";
        // A context that exists only while it is read: a client that buffered the body would allocate all of it.
        await using var context = new GeneratedTarStream(("Dockerfile", "FROM scratch\nCOPY small.txt /\n"u8.ToArray()), ("small.txt", "x\n"u8.ToArray()), ("large.bin", payload));
        var before = GC.GetTotalAllocatedBytes(precise: true);
        try
        {
            var imageId = await docker.BuildImageAsync(context, new DockerBuildParameters { Tags = [tag] }, null, ct);
            var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

            Assert.StartsWith("sha256:", imageId);
            Assert.Equal(GeneratedTarStream.ArchiveLength(payload, 2), context.BytesRead);
            // Other tests run in this process meanwhile; a buffered body alone would be 256 MiB and more.
            Assert.True(allocated < payload / 2, $"The build allocated {allocated / 1048576} MiB for a {payload / 1048576} MiB context.");
        }
        finally
        {
            await docker.RemoveImageAsync(tag, force: true, CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_second_build_of_the_same_context_reports_cached_steps()
    {
        using var docker = DockerTestSupport.CreateClient();
        var marker = "cache-" + TestEnvironment.UniqueSuffix();
        var tag = $"binder-test-cache:{TestEnvironment.UniqueSuffix()}";
        var dockerfile = $"FROM {TestEnvironment.BaseImage}\nRUN echo {marker} > /marker\n";
        try
        {
            using (var first = DockerTestSupport.Tar(("Dockerfile", dockerfile)))
            {
                await docker.BuildImageAsync(first, new DockerBuildParameters { Tags = [tag] }, null, TestContext.Current.CancellationToken);
            }
            var logs = new List<DockerBuildLog>();
            using var second = DockerTestSupport.Tar(("Dockerfile", dockerfile));
            await docker.BuildImageAsync(second, new DockerBuildParameters { Tags = [tag] }, logs.Add, TestContext.Current.CancellationToken);

            Assert.Contains(logs, l => l.Kind == DockerBuildLogKind.Cached && l.Message == $"CACHED [2/2] RUN echo {marker} > /marker");
        }
        finally
        {
            await docker.RemoveImageAsync(tag, force: true, TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task Build_args_reach_run_steps()
    {
        using var docker = DockerTestSupport.CreateClient();
        var value = "arg-" + TestEnvironment.UniqueSuffix();
        using var context = DockerTestSupport.Tar(("docker/Custom.dockerfile", $"FROM {TestEnvironment.BaseImage}\nARG GREETING\nRUN echo \"greeting=$GREETING\"\n"));
        var logs = new List<DockerBuildLog>();

        var imageId = await docker.BuildImageAsync(context, new DockerBuildParameters
        {
            Dockerfile = "docker/Custom.dockerfile",
            BuildArgs = new Dictionary<string, string> { ["GREETING"] = value },
            NoCache = true,
        }, logs.Add, TestContext.Current.CancellationToken);

        Assert.Contains(logs, l => l.Message == $"greeting={value}");
        await docker.RemoveImageAsync(imageId, force: true, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_failing_run_step_fails_the_build_with_the_step_and_its_output()
    {
        using var docker = DockerTestSupport.CreateClient();
        var marker = "failing-" + TestEnvironment.UniqueSuffix();
        using var context = DockerTestSupport.Tar(
            ("Dockerfile", $"FROM {TestEnvironment.BaseImage}\nRUN echo {marker} && echo to-stderr >&2 && exit 3\n"));
        var logs = new List<DockerBuildLog>();

        var error = await Assert.ThrowsAsync<DockerBuildFailedException>(() => docker.BuildImageAsync(
            context, new DockerBuildParameters { NoCache = true }, logs.Add, TestContext.Current.CancellationToken));

        var step = $"[2/2] RUN echo {marker} && echo to-stderr >&2 && exit 3";
        Assert.Equal(step, error.FailedStep);
        Assert.Contains(marker, error.LastLines);
        Assert.Contains("to-stderr", error.LastLines);
        Assert.Contains(step, error.Message);
        Assert.Contains(marker, error.Message);
        Assert.Contains("exit code: 3", error.Message);
        Assert.Contains(logs, l => l.Kind == DockerBuildLogKind.Error && l.Step == step);
        Assert.IsAssignableFrom<BinderBuildException>(error);
    }

    [Fact]
    public async Task A_missing_dockerfile_fails_the_build_with_the_daemons_reason()
    {
        using var docker = DockerTestSupport.CreateClient();
        using var context = DockerTestSupport.Tar(("README.md", "no Dockerfile here\n"));

        var error = await Assert.ThrowsAsync<DockerBuildFailedException>(() => docker.BuildImageAsync(
            context, new DockerBuildParameters(), null, TestContext.Current.CancellationToken));

        Assert.Contains("Dockerfile", error.Message);
    }

    [Fact]
    public async Task A_build_stream_silent_longer_than_the_inactivity_timeout_is_abandoned_with_a_clear_error()
    {
        using var docker = DockerTestSupport.CreateClient(inactivity: TimeSpan.FromSeconds(2));
        var marker = "silent-" + TestEnvironment.UniqueSuffix();
        using var context = DockerTestSupport.Tar(("Dockerfile", $"FROM {TestEnvironment.BaseImage}\nRUN echo {marker} && sleep 30\n"));
        var logs = new List<DockerBuildLog>();

        var error = await Assert.ThrowsAsync<DockerConnectionLostException>(() => docker.BuildImageAsync(
            context, new DockerBuildParameters { NoCache = true }, logs.Add, TestContext.Current.CancellationToken));

        Assert.Contains(logs, l => l.Message == marker);
        Assert.Contains("it sent nothing for 2 s", error.Message);
        Assert.Contains("StreamInactivityTimeout", error.Message);
    }

    [Fact]
    public async Task Build_arguments_never_reach_the_log_but_the_request_path_does()
    {
        var logger = new RecordingLogger<DockerClient>();
        using var docker = DockerTestSupport.CreateClient(logger: logger);
        var secret = "token-" + TestEnvironment.UniqueSuffix();
        using var context = DockerTestSupport.Tar(("Dockerfile", $"FROM {TestEnvironment.BaseImage}\nARG GITHUB_TOKEN\nRUN test -n \"$GITHUB_TOKEN\"\n"));

        var imageId = await docker.BuildImageAsync(context, new DockerBuildParameters
        {
            BuildArgs = new Dictionary<string, string> { ["GITHUB_TOKEN"] = secret },
            NoCache = true,
        }, null, TestContext.Current.CancellationToken);
        await docker.RemoveImageAsync(imageId, force: true, TestContext.Current.CancellationToken);

        Assert.Contains(logger.Messages, m => m == "Docker POST /build");
        Assert.DoesNotContain(logger.Messages, m => m.Contains(secret, StringComparison.Ordinal)
            || m.Contains(Uri.EscapeDataString(secret), StringComparison.Ordinal));
    }
}
