using System.Collections.Concurrent;
using System.Diagnostics;
using Binder.Actors.TestSilo;

namespace Binder.Actors.Tests.Support;

/// <summary>One silo running as its own OS process (tests/Binder.Actors.TestSilo), so it can be killed with SIGKILL.</summary>
public sealed class TestSiloProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private TestSiloProcess(Process process, string node)
    {
        _process = process;
        Node = node;
    }

    public string Node { get; }

    public string SiloId { get; private set; } = "";

    public string Output => string.Join("\n", _output);

    public static async Task<TestSiloProcess> StartAsync(string connectionString, string node, int deathMs = 3000, int timeoutMs = 5000)
    {
        var dll = typeof(ICounterGrain).Assembly.Location;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { dll, "--postgres", connectionString, "--node", node, "--heartbeat-ms", "500", "--death-ms", deathMs.ToString(), "--timeout-ms", timeoutMs.ToString() })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the test silo process.");
        var silo = new TestSiloProcess(process, node);
        var ready = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                ready.TrySetException(new InvalidOperationException($"Test silo {node} exited before it was ready:\n{silo.Output}"));
                return;
            }

            silo._output.Enqueue(e.Data);
            if (e.Data.StartsWith("READY ", StringComparison.Ordinal))
            {
                ready.TrySetResult(e.Data["READY ".Length..]);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                silo._output.Enqueue("err: " + e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        silo.SiloId = await ready.Task.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        return silo;
    }

    /// <summary>The silo's OS process id (the dotnet host runs the silo in its own process).</summary>
    public int ProcessId => _process.Id;

    /// <summary>The exit code once the process has exited by itself (e.g. 3 after fencing).</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        await _process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(timeout, TestContext.Current.CancellationToken);
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: the silo gets no chance to clean up.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    public async Task StopGracefullyAsync()
    {
        await _process.StandardInput.WriteLineAsync("stop");
        await _process.StandardInput.FlushAsync();
        await _process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _process.Dispose();
        return ValueTask.CompletedTask;
    }
}
