using Orleans.Runtime;

namespace Binder.Hub.Sessions;

/// <summary>
/// Work a silo does every interval while it is active (the node's activity poller, its janitor): the first run one
/// interval after the silo became active, one run at a time, a run that fails reported and the next one tried (one bad
/// run must not end the work on this silo for good), stopped with the silo but not past its shutdown deadline.
/// </summary>
internal sealed class PeriodicSiloWork(string name, TimeSpan interval, TimeProvider time, Func<CancellationToken, Task> work, Action<Exception> failed) : IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _loop = Task.CompletedTask;

    /// <summary>Runs the work while the silo is active; <paramref name="enabled"/>, asked at the start, may keep it off.</summary>
    public void Participate(ISiloLifecycle lifecycle, Func<bool>? enabled = null)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe(name, ServiceLifecycleStage.Active, _ =>
        {
            if (enabled?.Invoke() != false) _loop = RunAsync(_stopping.Token);
            return Task.CompletedTask;
        }, async stop =>
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
            try
            {
                // A run sees the cancellation at once; what it awaits may take longer, but not past the silo's own
                // shutdown deadline.
                await _loop.WaitAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
        });
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await work(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    failed(e);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The silo stops.
        }
    }

    /// <inheritdoc />
    public void Dispose() => _stopping.Dispose();
}
