using Binder.Build.Docker;

namespace Binder.Build.Tests.Docker;

[Collection(DockerDaemonCollection.Name)]
public sealed class DockerContainerTests
{
    [Fact]
    public async Task A_container_runs_echo_hello_and_its_output_and_exit_code_are_read()
    {
        using var docker = DockerTestSupport.CreateClient();
        var ct = TestContext.Current.CancellationToken;
        var name = "binder-test-echo-" + TestEnvironment.UniqueSuffix();
        var id = await docker.CreateContainerAsync(new DockerContainerParameters
        {
            Image = TestEnvironment.BaseImage,
            Name = name,
            Cmd = ["echo", "hello"],
        }, ct);
        try
        {
            await docker.StartContainerAsync(id, ct);
            var exitCode = await docker.WaitContainerAsync(id, ct);
            var logs = await docker.GetContainerLogsAsync(id, ct);

            Assert.Equal(0, exitCode);
            Assert.Equal("hello\n", logs.Stdout);
            Assert.Equal("", logs.Stderr);
        }
        finally
        {
            Assert.True(await docker.RemoveContainerAsync(id, cancellationToken: ct));
        }
        Assert.False(await docker.RemoveContainerAsync(name, cancellationToken: ct));
        Assert.Null(await docker.InspectContainerAsync(name, ct));
    }

    [Fact]
    public async Task Stdout_and_stderr_are_demultiplexed_and_env_and_exit_code_pass_through()
    {
        using var docker = DockerTestSupport.CreateClient();
        var ct = TestContext.Current.CancellationToken;
        var id = await docker.CreateContainerAsync(new DockerContainerParameters
        {
            Image = TestEnvironment.BaseImage,
            Cmd = ["sh", "-c", "echo out-$WHO; echo err-$WHO >&2; echo out-again; exit 7"],
            Env = new Dictionary<string, string> { ["WHO"] = "binder" },
        }, ct);
        try
        {
            await docker.StartContainerAsync(id, ct);
            var exitCode = await docker.WaitContainerAsync(id, ct);
            var logs = await docker.GetContainerLogsAsync(id, ct);

            var info = await docker.InspectContainerAsync(id, ct);
            Assert.Equal(7, exitCode);
            Assert.Equal((7L, false, "exited"), (info!.ExitCode, info.Running, info.Status));
            Assert.Equal("out-binder\nout-again\n", logs.Stdout);
            Assert.Equal("err-binder\n", logs.Stderr);
        }
        finally
        {
            await docker.RemoveContainerAsync(id, cancellationToken: ct);
        }
    }

    [Fact]
    public async Task A_utf8_character_written_in_two_pieces_arrives_whole_in_the_log_and_in_exec_output()
    {
        using var docker = DockerTestSupport.CreateClient();
        var ct = TestContext.Current.CancellationToken;
        // "é" is C3 A9: each write becomes its own frame, so the character is split across two frames of one stream.
        const string split = "printf 'caf\\303'; sleep 0.3; printf '\\251\\n'; printf '\\342\\202' >&2; sleep 0.3; printf '\\254\\n' >&2";
        var id = await docker.CreateContainerAsync(new DockerContainerParameters
        {
            Image = TestEnvironment.BaseImage,
            Cmd = ["sh", "-c", split + "; sleep 30"],
        }, ct);
        try
        {
            await docker.StartContainerAsync(id, ct);
            var exec = await docker.ExecAsync(id, ["sh", "-c", split + "; exit 4"], cancellationToken: ct);
            var logs = await docker.GetContainerLogsAsync(id, ct);

            Assert.Equal((4L, "café\n", "€\n"), (exec.ExitCode, exec.Stdout, exec.Stderr));
            Assert.Equal(("café\n", "€\n"), (logs.Stdout, logs.Stderr));
        }
        finally
        {
            await docker.RemoveContainerAsync(id, cancellationToken: CancellationToken.None);
        }
    }

    [Fact]
    public async Task Containers_are_listed_by_label_and_a_running_one_stops_and_is_removed()
    {
        using var docker = DockerTestSupport.CreateClient();
        var ct = TestContext.Current.CancellationToken;
        var session = TestEnvironment.UniqueSuffix();
        var labels = new Dictionary<string, string> { ["binder.test.session"] = session };
        var running = await docker.CreateContainerAsync(new DockerContainerParameters
        {
            Image = TestEnvironment.BaseImage,
            Cmd = ["sleep", "300"],
            Labels = labels,
        }, ct);
        var other = await docker.CreateContainerAsync(new DockerContainerParameters
        {
            Image = TestEnvironment.BaseImage,
            Cmd = ["true"],
            Labels = new Dictionary<string, string> { ["binder.test.session"] = "someone-else-" + session },
        }, ct);
        try
        {
            await docker.StartContainerAsync(running, ct);

            var listed = await docker.ListContainersAsync(new Dictionary<string, string?> { ["binder.test.session"] = session }, ct);
            var summary = Assert.Single(listed);
            var info = await docker.InspectContainerAsync(running, ct);
            Assert.True(info!.Running);
            Assert.Equal(session, info.Labels["binder.test.session"]);
            Assert.Equal(running, summary.Id);
            Assert.Equal("running", summary.State);
            Assert.Equal(session, summary.Labels["binder.test.session"]);

            var anyWithKey = await docker.ListContainersAsync(new Dictionary<string, string?> { ["binder.test.session"] = null }, ct);
            Assert.Contains(anyWithKey, c => c.Id == other);

            await docker.StopContainerAsync(running, TimeSpan.FromSeconds(1), ct);
            var stopped = await docker.ListContainersAsync(new Dictionary<string, string?> { ["binder.test.session"] = session }, ct);
            Assert.Equal("exited", Assert.Single(stopped).State);
        }
        finally
        {
            await docker.RemoveContainerAsync(running, cancellationToken: ct);
            await docker.RemoveContainerAsync(other, cancellationToken: ct);
        }
        Assert.Empty(await docker.ListContainersAsync(new Dictionary<string, string?> { ["binder.test.session"] = session }, ct));
    }

    [Fact]
    public async Task Followed_logs_stream_until_the_container_exits()
    {
        using var docker = DockerTestSupport.CreateClient();
        var ct = TestContext.Current.CancellationToken;
        var id = await docker.CreateContainerAsync(new DockerContainerParameters
        {
            Image = TestEnvironment.BaseImage,
            Cmd = ["sh", "-c", "for i in 1 2 3; do echo line-$i; sleep 0.2; done"],
        }, ct);
        try
        {
            await docker.StartContainerAsync(id, ct);
            var text = "";
            await foreach (var frame in docker.StreamContainerLogsAsync(id, follow: true, ct))
            {
                text += frame.Text;
            }

            Assert.Equal("line-1\nline-2\nline-3\n", text);
        }
        finally
        {
            await docker.RemoveContainerAsync(id, cancellationToken: ct);
        }
    }

    [Fact]
    public async Task Creating_from_a_missing_image_says_so()
    {
        using var docker = DockerTestSupport.CreateClient();

        var error = await Assert.ThrowsAsync<DockerApiException>(() => docker.CreateContainerAsync(
            new DockerContainerParameters { Image = "binder-test-no-such-image:" + TestEnvironment.UniqueSuffix() },
            TestContext.Current.CancellationToken));

        Assert.Equal(System.Net.HttpStatusCode.NotFound, error.StatusCode);
        Assert.Contains("No such image", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Inspecting_a_missing_image_returns_null_and_the_daemon_reports_its_version()
    {
        using var docker = DockerTestSupport.CreateClient();
        var ct = TestContext.Current.CancellationToken;

        await docker.PingAsync(ct);
        var version = await docker.GetVersionAsync(ct);
        var missing = await docker.InspectImageAsync("binder-test-no-such-image:" + TestEnvironment.UniqueSuffix(), ct);
        var removed = await docker.RemoveImageAsync("binder-test-no-such-image:" + TestEnvironment.UniqueSuffix(), cancellationToken: ct);

        Assert.Null(missing);
        Assert.False(removed);
        Assert.Equal("linux", version.Os);
        Assert.False(string.IsNullOrEmpty(version.ApiVersion));
    }
}
