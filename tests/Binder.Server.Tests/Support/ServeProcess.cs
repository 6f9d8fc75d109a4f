using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Binder.Server.Tests.Support;

/// <summary>
/// <c>binder serve</c> as a real process (<c>dotnet binder.dll serve</c>), so it can be killed with SIGKILL and started
/// again on the same data directory, instance and ports, as an operator's restart would.
/// </summary>
internal sealed class ServeProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServeProcess(Process process) => _process = process;

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>What it printed so far (stdout and stderr).</summary>
    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    /// <summary>Starts it (with <paramref name="arguments"/> after <c>serve</c>, e.g. <c>--role silo</c>, and <paramref name="environment"/> added to its variables) and waits for its banner; throws with its output when it exits first.</summary>
    public static async Task<ServeProcess> StartAsync(IReadOnlyDictionary<string, string> settings, CancellationToken cancellationToken, IEnumerable<string>? arguments = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "binder.dll"));
        start.ArgumentList.Add("serve");
        foreach (var argument in arguments ?? []) start.ArgumentList.Add(argument);
        // As environment variables, not arguments: a connection string's password or the operator token on the
        // command line could be read by any local user in /proc/<pid>/cmdline.
        foreach (var (key, value) in settings) start.Environment["BINDER_" + key.Replace(":", "__", StringComparison.Ordinal)] = value;
        // Other variables the process reads (e.g. a pod's POD_NAME for Orleans' Kubernetes hosting).
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) start.Environment[key] = value;
        var serve = new ServeProcess(Process.Start(start)!);
        var banner = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnLine(string? line)
        {
            if (line is null) return;
            lock (serve._output) serve._output.AppendLine(line);
            if (line.Contains("Binder is serving at", StringComparison.Ordinal)) banner.TrySetResult();
        }
        serve._process.OutputDataReceived += (_, e) => OnLine(e.Data);
        serve._process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        serve._process.BeginOutputReadLine();
        serve._process.BeginErrorReadLine();
        try
        {
            var exited = serve._process.WaitForExitAsync(cancellationToken);
            if (await Task.WhenAny(banner.Task, exited).WaitAsync(TimeSpan.FromMinutes(3), cancellationToken) != banner.Task)
            {
                throw new InvalidOperationException($"binder serve exited before serving; it printed:\n{serve.Output}");
            }
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            // Not serving in time (or the test was cancelled): it must not keep running, holding ports and a proxy.
            serve.Dispose();
            throw new InvalidOperationException($"binder serve did not serve within 3 minutes; it printed:\n{serve.Output}", e);
        }
        catch
        {
            serve.Dispose();
            throw;
        }
        return serve;
    }

    /// <summary>SIGKILL: no shutdown code runs, as in a crash.</summary>
    public async Task KillAsync()
    {
        using (var kill = Process.Start("kill", ["-KILL", _process.Id.ToString(CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync();
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, then waits for the clean stop.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited) return;
        using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)])) await term.WaitForExitAsync();
        if (!_process.WaitForExit(TimeSpan.FromMinutes(2))) _process.Kill(entireProcessTree: true);
    }

    private int _disposed;

    /// <summary>SIGKILL to the process and its children (its proxy); a second call does nothing.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
