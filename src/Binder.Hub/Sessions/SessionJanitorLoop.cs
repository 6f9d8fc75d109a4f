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
public sealed partial class SessionJanitorLoop : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private readonly IServiceProvider _services;
    private readonly ILogger _logger;
    private readonly PeriodicSiloWork _passes;

    /// <summary>The silo's janitor loop; the janitor is resolved at the first pass (the host starts its proxy first).</summary>
    public SessionJanitorLoop(IServiceProvider services, SessionOptions options, TimeProvider time, ILogger<SessionJanitorLoop> logger)
    {
        _services = services;
        _logger = logger;
        // The first pass one interval after start: the host's start reconciliation (which also adopts) runs first.
        // The daemon or proxy not answering one time must not end the sweeping for good.
        _passes = new PeriodicSiloWork(nameof(SessionJanitorLoop), options.JanitorInterval, time, SweepAsync, e => LogSweepFailed(logger, e));
    }

    /// <inheritdoc />
    public void Participate(ISiloLifecycle lifecycle) =>
        _passes.Participate(lifecycle, () => _services.GetService<ILaunchBackend>() is not null && _services.GetService<IProxyClient>() is not null);

    private async Task SweepAsync(CancellationToken cancellationToken)
    {
        var swept = await _services.GetRequiredService<SessionJanitor>().SweepAsync(cancellationToken).ConfigureAwait(false);
        if (swept.RemovedContainers.Count + swept.RemovedRoutes.Count + swept.CleanedSessions.Count > 0)
        {
            LogSwept(_logger, swept.RemovedContainers.Count, swept.RemovedRoutes.Count, swept.CleanedSessions.Count);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _passes.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "Janitor: removed {Containers} containers and {Routes} proxy routes no session owned, cleaned up {Cleaned} ended sessions")]
    private static partial void LogSwept(ILogger logger, int containers, int routes, int cleaned);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A janitor pass failed; the next one tries again")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
