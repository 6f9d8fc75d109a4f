using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Binder.Server.Benchmarks;

/// <summary>A git repository served by a real <c>git daemon</c> on loopback, so the service clones over the network.</summary>
internal sealed class GitRemote : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("binder-server-bench-").FullName;
    private readonly Process _daemon;

    public GitRemote()
    {
        RepositoryPath = Path.Combine(_root, "demo");
        Directory.CreateDirectory(RepositoryPath);
        Git("init", "--quiet", "--initial-branch", "main");
        // What the launch tests build: the Python buildpack on the test base image (Debian's notebook 6.4) with an apt layer.
        File.WriteAllText(Path.Combine(RepositoryPath, "apt.txt"), "procps\n");
        File.WriteAllText(Path.Combine(RepositoryPath, "README.md"), "Binder server benchmark repository.\n");
        Commit("initial");
        Port = FreePort();
        var start = new ProcessStartInfo("git") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "daemon", "--reuseaddr", "--export-all", "--listen=127.0.0.1", $"--port={Port}", $"--base-path={_root}", _root }) start.ArgumentList.Add(a);
        _daemon = Process.Start(start)!;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, Port);
                break;
            }
            catch (SocketException) when (attempt < 100)
            {
                Thread.Sleep(50);
            }
        }
    }

    public string RepositoryPath { get; }

    public int Port { get; }

    public string Url => $"git://127.0.0.1:{Port}/demo";

    /// <summary>
    /// A new branch with a commit of its own (never built; never in the service's resolution cache). With
    /// <paramref name="postBuildSleepSeconds"/>, its <c>postBuild</c> script sleeps that long, so the build lasts at least that.
    /// </summary>
    public string NewBranch(string prefix, int postBuildSleepSeconds = 0)
    {
        var branch = $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 11)];
        Git("checkout", "--quiet", "-b", branch);
        File.WriteAllText(Path.Combine(RepositoryPath, "version.txt"), branch + "\n");
        if (postBuildSleepSeconds > 0)
        {
            var script = Path.Combine(RepositoryPath, "postBuild");
            File.WriteAllText(script, $"#!/bin/sh\nsleep {postBuildSleepSeconds}\n");
            File.SetUnixFileMode(script, (UnixFileMode)0b111_101_101);
        }
        Commit(branch);
        Git("checkout", "--quiet", "main");
        return branch;
    }

    public static int FreePort() => Binder.Build.Run.FreePorts.On(IPAddress.Loopback);

    private void Commit(string message)
    {
        Git("add", "--all");
        Git("commit", "--quiet", "--allow-empty", "-m", message);
    }

    private void Git(params string[] arguments)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = RepositoryPath, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        start.Environment["GIT_AUTHOR_NAME"] = start.Environment["GIT_COMMITTER_NAME"] = "Binder Benchmarks";
        start.Environment["GIT_AUTHOR_EMAIL"] = start.Environment["GIT_COMMITTER_EMAIL"] = "bench@binder.invalid";
        start.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        using var process = Process.Start(start)!;
        process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"git {string.Join(' ', arguments)} failed: {error}");
    }

    public void Dispose()
    {
        if (!_daemon.HasExited) _daemon.Kill(entireProcessTree: true);
        _daemon.WaitForExit();
        _daemon.Dispose();
        Directory.Delete(_root, recursive: true);
    }
}
