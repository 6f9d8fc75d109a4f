using System.Text;

namespace Binder.Server.Tests.Support;

/// <summary>
/// Counts the builds that really run at the Docker daemon: the test repository's <c>postBuild</c> calls this loopback
/// server (builds use the host network), so a build served from a cache or shared with other watchers never adds one.
/// </summary>
internal sealed class BuildCounter : IAsyncDisposable
{
    private readonly LoopbackHttpServer _server;
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _firstHit = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _hits;

    /// <summary>Counts builds; with <paramref name="held"/>, holds each one at its <c>postBuild</c> until <see cref="Release"/>.</summary>
    public BuildCounter(bool held = false)
    {
        if (!held) _gate.SetResult();
        _server = new LoopbackHttpServer(async context =>
        {
            Interlocked.Increment(ref _hits);
            _firstHit.TrySetResult();
            await _gate.Task;
            context.Response.StatusCode = 200;
            await context.Response.OutputStream.WriteAsync(Encoding.ASCII.GetBytes("counted\n"));
        }, concurrent: true);
    }

    public int Builds => Volatile.Read(ref _hits);

    /// <summary>Completes when the first build reaches its <c>postBuild</c>.</summary>
    public Task FirstBuild => _firstHit.Task;

    /// <summary>Lets held builds finish.</summary>
    public void Release() => _gate.TrySetResult();

    /// <summary>A <c>postBuild</c> script that reports to this counter.</summary>
    public string PostBuild(string marker) =>
        "#!/bin/bash\nset -e\n"
        + $"echo counting build {marker}\n"
        + $"exec 3<>/dev/tcp/127.0.0.1/{_server.Port}\n"
        + $"printf 'GET /build HTTP/1.0\\r\\nHost: 127.0.0.1:{_server.Port}\\r\\n\\r\\n' >&3\n"
        + "answer=$(cat <&3)\n"
        + "if [[ \"$answer\" != *counted* ]]; then echo \"the build counter did not count this build: $answer\"; exit 3; fi\n";

    public ValueTask DisposeAsync()
    {
        Release();
        return _server.DisposeAsync();
    }
}
