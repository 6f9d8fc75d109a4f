using System.Text;

namespace Binder.Hub.Tests.Grains;

/// <summary>
/// A loopback HTTP server that a test Dockerfile's <c>RUN</c> step calls (builds use the host network): it counts the
/// builds that really ran at the daemon (a cached or skipped build never calls), can hold them at that step until the
/// test opens the gate, and decides whether the step succeeds.
/// </summary>
internal sealed class BuildProbe : IAsyncDisposable
{
    private readonly LoopbackHttpServer _server;
    private readonly TaskCompletionSource _firstHit = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _hits;

    public BuildProbe(bool gateOpen = true)
    {
        if (gateOpen) _gate.SetResult();
        _server = new LoopbackHttpServer(AnswerAsync, concurrent: true);
    }

    /// <summary>Builds that reached the probed step.</summary>
    public int Hits => Volatile.Read(ref _hits);

    /// <summary>Completes when the first build reaches the probed step.</summary>
    public Task FirstHit => _firstHit.Task;

    /// <summary>Which calls (1-based) fail the step; none by default.</summary>
    public Func<int, bool> Fails { get; set; } = _ => false;

    /// <summary>Lets held builds go on.</summary>
    public void Open() => _gate.TrySetResult();

    /// <summary>A Dockerfile from the test base image whose one unique step calls this probe.</summary>
    public string Dockerfile(string id) =>
        $"FROM {TestEnvironment.BaseImage}\n"
        + "SHELL [\"/bin/bash\", \"-c\"]\n"
        + $"RUN echo probing build {id}; exec 3<>/dev/tcp/127.0.0.1/{_server.Port}; "
        + $"printf 'GET /{id} HTTP/1.0\\r\\nHost: 127.0.0.1:{_server.Port}\\r\\n\\r\\n' >&3; answer=$(cat <&3); "
        + "if [[ \"$answer\" == *BUILD-OK* ]]; then echo probe-said-ok; else echo probe-said-no-marker-7f3a; exit 3; fi\n";

    private async Task AnswerAsync(System.Net.HttpListenerContext context)
    {
        var hit = Interlocked.Increment(ref _hits);
        _firstHit.TrySetResult();
        await _gate.Task;
        var body = Encoding.UTF8.GetBytes(Fails(hit) ? "BUILD-FAIL\n" : "BUILD-OK\n");
        context.Response.StatusCode = 200;
        await context.Response.OutputStream.WriteAsync(body);
    }

    public async ValueTask DisposeAsync()
    {
        _gate.TrySetResult();
        await _server.DisposeAsync();
    }
}
