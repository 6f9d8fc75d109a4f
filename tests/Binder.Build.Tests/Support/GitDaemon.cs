using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Binder.Build.Tests.Support;

/// <summary>
/// A real git server on loopback (<c>git daemon</c>, the git:// protocol) exporting the repositories under one
/// directory, so that clones go over the network as they would from a hosting service.
/// </summary>
public sealed class GitDaemon : IDisposable
{
    private readonly Process process;

    public GitDaemon(string basePath)
    {
        Port = LoopbackHttpServer.FreePort();
        var start = new ProcessStartInfo("git") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in new[] { "daemon", "--reuseaddr", "--export-all", "--listen=127.0.0.1", $"--port={Port}", $"--base-path={basePath}", basePath })
        {
            start.ArgumentList.Add(argument);
        }
        process = Process.Start(start)!;
        WaitUntilListening();
    }

    public int Port { get; }

    /// <summary>The git:// URL of a repository directory directly under the base path.</summary>
    public string UrlOf(string repositoryDirectoryName) => $"git://127.0.0.1:{Port}/{repositoryDirectoryName}";

    private void WaitUntilListening()
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            if (process.HasExited) throw new InvalidOperationException("git daemon exited: " + process.StandardError.ReadToEnd());
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }
        throw new InvalidOperationException($"git daemon did not listen on port {Port} within 5 s");
    }

    public void Dispose()
    {
        if (!process.HasExited) process.Kill(entireProcessTree: true);
        process.WaitForExit();
        process.Dispose();
    }
}
