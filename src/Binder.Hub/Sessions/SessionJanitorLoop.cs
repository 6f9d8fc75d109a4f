using Binder.Hub.Hosting;
using Binder.Hub.Launch;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Binder.Hub.Sessions;

/// <summary>
/// Runs this silo's <see cref="SessionJanitor.SweepAsync"/> every <see cref="SessionOptions.JanitorInterval"/> while the
/// silo is active. The start and proxy-restart reconciliations alone did not converge: a stop or cull that found the
/// session's node missing ends the session and leaves its container and route to the node, and a node that came back
/// without restarting kept them (running, reachable, counted by nobody) until its next restart. A silo without a
/// launch backend (a build-only host) has no sessions and sweeps nothing.
/// </summary>
public sealed partial class SessionJanitorLoop(IServiceProvider services, SessionOptions options, TimeProvider time, ILogger<SessionJanitorLoop> logger)
    : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _loop = Task.CompletedTask;

    /// <inheritdoc />
    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe(nameof(SessionJanitorLoop), ServiceLifecycleStage.Active, _ =>
        {
            if (services.GetService<ILaunchBackend>() is not null && services.GetService<IProxyClient>() is not null)
            {
                _loop = RunAsync(_stopping.Token);
            }
            return Task.CompletedTask;
        }, async stop =>
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
            try
            {
                await _loop.WaitAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
        });
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        // The first pass one interval after start: the host's start reconciliation (which also adopts) runs first.
        using var timer = new PeriodicTimer(options.JanitorInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    var swept = await services.GetRequiredService<SessionJanitor>().SweepAsync(cancellationToken).ConfigureAwait(false);
                    if (swept.RemovedContainers.Count + swept.RemovedRoutes.Count + swept.CleanedSessions.Count > 0)
                    {
                        LogSwept(logger, swept.RemovedContainers.Count, swept.RemovedRoutes.Count, swept.CleanedSessions.Count);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    // The daemon or proxy not answering this time must not end the sweeping for good.
                    LogSweepFailed(logger, e);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Janitor: removed {Containers} containers and {Routes} proxy routes no session owned, cleaned up {Cleaned} ended sessions")]
    private static partial void LogSwept(ILogger logger, int containers, int routes, int cleaned);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A janitor pass failed; the next one tries again")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
