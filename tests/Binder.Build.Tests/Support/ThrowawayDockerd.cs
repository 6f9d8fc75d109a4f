using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Binder.Build.Docker;
using Microsoft.Extensions.Logging.Abstractions;

namespace Binder.Build.Tests.Support;

/// <summary>
/// A Docker daemon of the test's own, with its own data root, exec root, pid file and socket under a temporary
/// directory, so a test may kill it without touching the shared daemon. Disposing kills it and every process it
/// started (by their ids), unmounts what it left mounted under its directory, and deletes the directory. Shared with
/// the server's tests (linked, not copied), where each plays the Docker daemon of one cluster node.
/// </summary>
internal sealed class ThrowawayDockerd : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _log = new();
    private readonly HashSet<int> _descendants = [];

    private ThrowawayDockerd(string root, Process process)
    {
        Root = root;
        _process = process;
    }

    public string Root { get; }

    public string Socket => Path.Combine(Root, "d.sock");

    public string Host => "unix://" + Socket;

    public string LogTail => string.Join('\n', _log.TakeLast(30));

    public static async Task<ThrowawayDockerd> StartAsync(CancellationToken cancellationToken)
    {
        // Short: a unix socket path must fit in 108 bytes.
        var root = Path.Combine("/tmp", "bdk-" + TestEnvironment.UniqueSuffix());
        Directory.CreateDirectory(Path.Combine(root, "data"));
        Directory.CreateDirectory(Path.Combine(root, "exec"));
        var start = new ProcessStartInfo("dockerd")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "--data-root", Path.Combine(root, "data"), "--host", "unix://" + Path.Combine(root, "d.sock"),
            "--exec-root", Path.Combine(root, "exec"), "--pidfile", Path.Combine(root, "pid"),
            "--iptables=false", "--ip-masq=false", "--bridge=none", "--storage-driver=overlay2",
        })
        {
            start.ArgumentList.Add(argument);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("dockerd did not start");
        var daemon = new ThrowawayDockerd(root, process);
        process.OutputDataReceived += (_, e) => daemon.Record(e.Data);
        process.ErrorDataReceived += (_, e) => daemon.Record(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await daemon.WaitUntilReadyAsync(cancellationToken);
        }
        catch
        {
            await daemon.DisposeAsync();
            throw;
        }
        return daemon;
    }

    /// <summary>SIGKILLs the daemon and the processes it started (containerd, runc, build steps), as a crash would.</summary>
    public void Kill()
    {
        SnapshotDescendants();
        TryKill(_process.Id);
        foreach (var pid in _descendants)
        {
            TryKill(pid);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Kill();
        }
        using (var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            try
            {
                await _process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }
        foreach (var pid in _descendants)
        {
            TryKill(pid);
        }
        foreach (var mount in MountsUnder(Root).OrderByDescending(m => m.Length))
        {
            using var umount = Process.Start("umount", ["-l", mount]);
            await umount.WaitForExitAsync();
        }
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Leftovers under /tmp are harmless; failing the test for them would hide its real result.
        }
        _process.Dispose();
    }

    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        using var client = new DockerClient(new DockerOptions { Host = Host }, NullLogger<DockerClient>.Instance);
        // A readiness poll, not a timed assertion: the daemon needs a few seconds to set up its data root.
        for (var attempt = 0; attempt < 600; attempt++)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The throwaway dockerd exited with {_process.ExitCode}:\n{LogTail}");
            }
            try
            {
                await client.PingAsync(cancellationToken);
                return;
            }
            catch (Binder.Build.BinderBuildException)
            {
                await Task.Delay(100, cancellationToken);
            }
        }
        throw new InvalidOperationException($"The throwaway dockerd did not answer within a minute:\n{LogTail}");
    }

    private void Record(string? line)
    {
        if (line is not null)
        {
            _log.Enqueue(line);
        }
    }

    private void SnapshotDescendants()
    {
        var parents = new Dictionary<int, int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && ParentOf(pid) is { } parent)
            {
                parents[pid] = parent;
            }
        }
        var frontier = new Queue<int>([_process.Id]);
        while (frontier.Count > 0)
        {
            var current = frontier.Dequeue();
            foreach (var (child, parent) in parents)
            {
                if (parent == current && _descendants.Add(child))
                {
                    frontier.Enqueue(child);
                }
            }
        }
    }

    private static int? ParentOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name may contain spaces and parentheses; the fields after its closing parenthesis do not.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[1], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    private static void TryKill(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Already gone.
        }
    }

    private static IEnumerable<string> MountsUnder(string root) =>
        File.ReadLines("/proc/self/mountinfo")
            .Select(line => line.Split(' '))
            .Where(fields => fields.Length > 4)
            .Select(fields => fields[4].Replace("\\040", " ", StringComparison.Ordinal))
            .Where(mount => mount.StartsWith(root + "/", StringComparison.Ordinal) || mount == root)
            .Distinct()
            .ToList();
}
