using System.Formats.Tar;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Binder.Build.Docker;
using Binder.Build.Run;
using Microsoft.Extensions.Logging.Abstractions;

namespace Binder.Build.Tests.Run;

/// <summary>
/// A start cancelled while the daemon creates the container: the daemon has made it, but its id never comes back. A
/// loopback forwarder in front of the real daemon holds back the answer to <c>POST /containers/create</c> until the
/// test has cancelled, so the moment is exact.
/// </summary>
public sealed class JupyterRunnerCancellationTests
{
    [Fact]
    public async Task Cancelling_while_the_container_is_created_leaves_no_container()
    {
        var token = TestContext.Current.CancellationToken;
        var socketPath = TestEnvironment.DockerHost["unix://".Length..];
        await using var forwarder = new HoldingForwarder(socketPath, "/containers/create");
        using var docker = new DockerClient(new DockerOptions { Host = $"tcp://127.0.0.1:{forwarder.Port}" }, NullLogger<DockerClient>.Instance);
        using var direct = new DockerClient(new DockerOptions { Host = TestEnvironment.DockerHost }, NullLogger<DockerClient>.Instance);
        var runLabel = new Dictionary<string, string?> { [JupyterRunner.RunLabel] = null };
        var before = (await direct.ListContainersAsync(runLabel, token)).Select(c => c.Id).ToHashSet();
        // The base image has no command; JupyterRunner needs one in exec form (it never gets to run here).
        var image = $"binder-run-tests/cancel:{Guid.NewGuid():N}";
        await direct.BuildImageAsync(Tar("Dockerfile", $"FROM {TestEnvironment.BaseImage}\nCMD [\"sleep\", \"600\"]\n"), new DockerBuildParameters { Tags = [image] }, null, token);
        try
        {
            await StartAndCancelAsync(docker, image, forwarder, token);
        }
        finally
        {
            await direct.RemoveImageAsync(image, force: true, CancellationToken.None);
        }

        var leaked = (await direct.ListContainersAsync(runLabel, token)).Where(c => !before.Contains(c.Id)).ToList();
        foreach (var container in leaked)
        {
            await direct.RemoveContainerAsync(container.Id, force: true, CancellationToken.None);
        }
        Assert.Empty(leaked);
    }

    private static async Task StartAndCancelAsync(DockerClient docker, string image, HoldingForwarder forwarder, CancellationToken token)
    {
        var runner = new JupyterRunner(docker, new RunOptions { StartTimeout = TimeSpan.FromSeconds(5) }, TimeProvider.System, NullLogger<JupyterRunner>.Instance);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(token);

        var starting = runner.StartAsync(image, 1000, cancel.Token);
        await Task.WhenAny(forwarder.Held, starting).WaitAsync(TimeSpan.FromSeconds(60), token);
        Assert.False(starting.IsCompleted, starting.Exception?.ToString());
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => starting);
    }

    // Ustar, not PAX: dockerd 20.10's BuildKit sniffs the first header to tell a tar from a Dockerfile.
    private static MemoryStream Tar(string name, string content)
    {
        var stream = new MemoryStream();
        using (var writer = new TarWriter(stream, TarEntryFormat.Ustar, leaveOpen: true))
        {
            writer.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, name)
            {
                DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)),
                Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
            });
        }
        stream.Position = 0;
        return stream;
    }

    /// <summary>Forwards TCP connections to a unix socket; the daemon's answer to the first request naming <c>path</c> is never passed on.</summary>
    private sealed class HoldingForwarder : IAsyncDisposable
    {
        private readonly TcpListener listener = new(IPAddress.Loopback, 0);
        private readonly string socketPath;
        private readonly string path;
        private readonly TaskCompletionSource held = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly CancellationTokenSource stop = new();
        private readonly Task accepting;
        private int holding;

        public HoldingForwarder(string socketPath, string path)
        {
            this.socketPath = socketPath;
            this.path = path;
            listener.Start();
            accepting = AcceptAsync();
        }

        public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

        /// <summary>Completes once the daemon has answered the held request (so the container exists).</summary>
        public Task Held => held.Task;

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    var client = await listener.AcceptTcpClientAsync(stop.Token);
                    _ = ForwardAsync(client);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
            }
        }

        private async Task ForwardAsync(TcpClient client)
        {
            using var _ = client;
            using var daemon = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await daemon.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), stop.Token);
            await using var daemonStream = new NetworkStream(daemon, ownsSocket: false);
            var clientStream = client.GetStream();
            var sawHeldRequest = false;
            var up = Task.Run(async () =>
            {
                var buffer = new byte[65536];
                int read;
                while ((read = await clientStream.ReadAsync(buffer, stop.Token)) > 0)
                {
                    if (Encoding.ASCII.GetString(buffer, 0, read).Contains(path, StringComparison.Ordinal) && Interlocked.Exchange(ref holding, 1) == 0)
                    {
                        Volatile.Write(ref sawHeldRequest, true);
                    }
                    await daemonStream.WriteAsync(buffer.AsMemory(0, read), stop.Token);
                }
            });
            var down = Task.Run(async () =>
            {
                var buffer = new byte[65536];
                int read;
                while ((read = await daemonStream.ReadAsync(buffer, stop.Token)) > 0)
                {
                    if (Volatile.Read(ref sawHeldRequest))
                    {
                        // The container exists now; its id stays here.
                        held.TrySetResult();
                        return;
                    }
                    await clientStream.WriteAsync(buffer.AsMemory(0, read), stop.Token);
                }
            });
            try
            {
                await Task.WhenAny(up, down);
                if (down.IsCompleted && Volatile.Read(ref sawHeldRequest))
                {
                    // Keep the client waiting until it gives up (the cancellation under test).
                    await up;
                }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
            {
            }
        }

        public async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            listener.Stop();
            await accepting;
            stop.Dispose();
        }
    }
}
