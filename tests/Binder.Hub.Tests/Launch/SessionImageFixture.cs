using System.Formats.Tar;
using System.Text;
using Binder.Build;
using Binder.Build.Docker;
using Binder.Hub.Launch;
using Microsoft.Extensions.Logging.Abstractions;

namespace Binder.Hub.Tests.Launch;

/// <summary>
/// Session images built once per test run on the real daemon: <see cref="SessionImage"/> through the real build engine
/// (a repository with an <c>apt.txt</c>, so the image is what a Binder build makes: Debian's notebook 6.4 behind the
/// build engine's entrypoint and command), and <see cref="SilentImage"/> whose command never serves Jupyter. BuildKit
/// keeps their layers cached, so later runs are fast. Images and any session container left by a test are removed at the end.
/// </summary>
public sealed class SessionImageFixture : IAsyncLifetime
{
    /// <summary>Every container the tests start carries this instance label, so cleanup finds them all and nothing else.</summary>
    public string InstanceName { get; } = "launch-tests-" + TestEnvironment.UniqueSuffix();

    public DockerClient Docker { get; } = new(new DockerOptions { Host = TestEnvironment.DockerHost, BuildNetworkMode = "host" }, NullLogger<DockerClient>.Instance);

    public string SessionImage { get; } = $"binder-launch-tests/session:{TestEnvironment.UniqueSuffix()}";

    public string SilentImage { get; } = $"binder-launch-tests/silent:{TestEnvironment.UniqueSuffix()}";

    /// <summary>The session image with <c>--NotebookApp.token=</c> (authentication off) added to its command.</summary>
    public string TokenOffCommandImage { get; } = $"binder-launch-tests/token-off-cmd:{TestEnvironment.UniqueSuffix()}";

    /// <summary>The session image with a system <c>jupyter_notebook_config.py</c> that sets an empty token.</summary>
    public string TokenOffConfigImage { get; } = $"binder-launch-tests/token-off-config:{TestEnvironment.UniqueSuffix()}";

    /// <summary>The session image with <c>USER root</c> at the end, as a repository's Dockerfile may say.</summary>
    public string RootUserImage { get; } = $"binder-launch-tests/root-user:{TestEnvironment.UniqueSuffix()}";

    /// <summary>The line the silent image prints, so tests can find it in error messages.</summary>
    public const string SilentMarker = "not-a-jupyter-server-here";

    public DockerLaunchBackend CreateBackend(DockerLaunchOptions? options = null) =>
        new(Docker, options ?? Options(), TimeProvider.System, NullLogger<DockerLaunchBackend>.Instance);

    /// <summary>Options for this run's instance; on a two-core box that other agents share, a start gets some slack.</summary>
    public DockerLaunchOptions Options() => new() { InstanceName = InstanceName, StartTimeout = TimeSpan.FromSeconds(90), CpuLimit = 1 };

    /// <summary>The session containers of this run, as the daemon lists them.</summary>
    public async Task<IReadOnlyList<DockerContainerSummary>> ContainersAsync(string? sessionId = null) =>
        await Docker.ListContainersAsync(new Dictionary<string, string?>
        {
            [SessionLabels.Instance] = InstanceName,
            [SessionLabels.Session] = sessionId,
        }, TestContext.Current.CancellationToken);

    public async ValueTask InitializeAsync()
    {
        var token = TestContext.Current.CancellationToken;
        await SessionImageBuild.BuildAsync(Docker, SessionImage, "A session image for the launch tests.\n", token);

        // Exec-form command, as Binder requires; it ignores Jupyter's flags, prints them, and serves nothing.
        // It prints its URL with the token, as Jupyter does at start: failure messages must not repeat it.
        const string script = "#!/bin/sh\necho " + SilentMarker + " \"$@\"\necho \"    http://127.0.0.1:8888/lab?token=$JUPYTER_TOKEN\"\nif [ \"$SILENT_EXIT\" = 1 ]; then echo exiting-now; exit 3; fi\nexec sleep 600\n";
        var dockerfile = $"FROM {TestEnvironment.BaseImage}\nCOPY silent-jupyter /usr/local/bin/silent-jupyter\nRUN chmod 755 /usr/local/bin/silent-jupyter\nCMD [\"/usr/local/bin/silent-jupyter\"]\n";
        await Docker.BuildImageAsync(Tar(("Dockerfile", dockerfile), ("silent-jupyter", script)), new DockerBuildParameters { Tags = [SilentImage] }, null, token);

        // Images that try to switch the session's token off: once on the command line, once in a config file.
        var session = await Docker.InspectImageAsync(SessionImage, token) ?? throw new InvalidOperationException("The session image vanished.");
        var tokenOffCmd = System.Text.Json.JsonSerializer.Serialize(session.Cmd.Concat(["--NotebookApp.token=", "--NotebookApp.password="]).ToArray());
        await Docker.BuildImageAsync(Tar(("Dockerfile", $"FROM {SessionImage}\nCMD {tokenOffCmd}\n")), new DockerBuildParameters { Tags = [TokenOffCommandImage] }, null, token);
        await Docker.BuildImageAsync(
            Tar(("Dockerfile", $"FROM {SessionImage}\nCOPY jupyter_notebook_config.py /etc/jupyter/jupyter_notebook_config.py\n"),
                ("jupyter_notebook_config.py", "c.NotebookApp.token = ''\nc.NotebookApp.password = ''\n")),
            new DockerBuildParameters { Tags = [TokenOffConfigImage] }, null, token);
        await Docker.BuildImageAsync(Tar(("Dockerfile", $"FROM {SessionImage}\nUSER root\n")), new DockerBuildParameters { Tags = [RootUserImage] }, null, token);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var container in await Docker.ListContainersAsync(new Dictionary<string, string?> { [SessionLabels.Instance] = InstanceName }, CancellationToken.None))
        {
            await Docker.RemoveContainerAsync(container.Id, force: true, CancellationToken.None);
        }
        try { await Docker.RemoveNetworkAsync(Options().NetworkName, CancellationToken.None); } catch (BinderBuildException) { }
        foreach (var image in new[] { TokenOffCommandImage, TokenOffConfigImage, RootUserImage, SessionImage, SilentImage })
        {
            try { await Docker.RemoveImageAsync(image, force: true, CancellationToken.None); } catch (BinderBuildException) { }
        }
        Docker.Dispose();
    }

    // Ustar, not PAX: dockerd 20.10's BuildKit sniffs the first header to tell a tar from a Dockerfile.
    private static MemoryStream Tar(params (string Path, string Content)[] files)
    {
        var stream = new MemoryStream();
        using (var writer = new TarWriter(stream, TarEntryFormat.Ustar, leaveOpen: true))
        {
            foreach (var (path, text) in files)
            {
                writer.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, path)
                {
                    DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)),
                    Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
                });
            }
        }
        stream.Position = 0;
        return stream;
    }
}

