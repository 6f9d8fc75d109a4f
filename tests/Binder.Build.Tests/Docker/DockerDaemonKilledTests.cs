using Binder.Build.Docker;
using Binder.Build.Tests.Support;

namespace Binder.Build.Tests.Docker;

[Collection(DockerDaemonCollection.Name)]
public sealed class DockerDaemonKilledTests
{
    // The timeout is the guard against the failure this test exists for: a client that hangs when its daemon dies.
    [Fact(Timeout = 300_000)]
    public async Task A_daemon_killed_mid_build_gives_a_clear_error_not_a_hang()
    {
        var ct = TestContext.Current.CancellationToken;
        // The throwaway daemon has no images; it gets the base image from the test registry, as a fresh node would.
        var baseInRegistry = $"{TestEnvironment.Registry}/binder-test/base:bookworm";
        using (var main = DockerTestSupport.CreateClient())
        {
            await main.TagImageAsync(TestEnvironment.BaseImage, baseInRegistry, ct);
            await main.PushImageAsync(baseInRegistry, credentials: null, null, ct);
            await main.RemoveImageAsync(baseInRegistry, cancellationToken: ct); // only the extra name; the base image stays
        }
        await using var daemon = await ThrowawayDockerd.StartAsync(ct);
        try
        {
            await BuildAndKillAsync(daemon, baseInRegistry, ct);
        }
        finally
        {
            // Shown only when the test fails: what the daemon itself said before it died.
            TestContext.Current.TestOutputHelper?.WriteLine("throwaway dockerd log:\n" + daemon.LogTail);
        }
    }

    private static async Task BuildAndKillAsync(ThrowawayDockerd daemon, string baseInRegistry, CancellationToken ct)
    {
        using var docker = DockerTestSupport.CreateClient(daemon.Host);
        await docker.PullImageAsync(baseInRegistry, credentials: null, null, ct);
        var marker = "about-to-sleep-" + TestEnvironment.UniqueSuffix();
        using var context = DockerTestSupport.Tar(("Dockerfile", $"FROM {baseInRegistry}\nRUN echo {marker} && sleep 60\n"));
        var killed = false;

        var error = await Assert.ThrowsAsync<DockerConnectionLostException>(() => docker.BuildImageAsync(
            context,
            new DockerBuildParameters { NoCache = true },
            log =>
            {
                if (!killed && log.Kind == DockerBuildLogKind.Output && log.Message == marker)
                {
                    killed = true;
                    daemon.Kill();
                }
            },
            ct));

        Assert.True(killed, "The build ended before its RUN step printed the marker, so the daemon was never killed:\n" + error.Message);
        Assert.Equal(daemon.Host, error.Endpoint);
        Assert.Contains($"The Docker daemon at {daemon.Host} stopped answering during the image build", error.Message);
        Assert.Contains("Check that the daemon is still running", error.Message);
        // The next call is refused (or, if it lands on a pooled connection the kernel has not yet reported dead, lost):
        // either way a clear error naming the daemon, not a hang.
        var next = await Assert.ThrowsAnyAsync<BinderBuildException>(() => docker.PingAsync(ct));
        Assert.True(next is DockerUnavailableException or DockerConnectionLostException, next.ToString());
        Assert.Contains(daemon.Host, next.Message);
    }
}
