using Binder.Actors;
using Binder.Hub.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Binder.Server.Hosting;

/// <summary>
/// Sweeps what builds interrupted by a crash left in the work directories, starts the in-process silo, makes the node
/// ready for sessions (the session network), then takes back the sessions a previous run left (containers and routes
/// re-adopted or removed) before the front end serves launches; from then on, re-adds the live sessions' routes
/// whenever the owned proxy had to be started again. Stops the silo (every grain deactivated) on shutdown.
/// </summary>
internal sealed partial class SiloLifetime(Silo silo, ProxyHost proxy, HubConfiguration hub, ILogger<SiloLifetime> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var swept = BuildWorkSweeper.Sweep([hub.Hub.Build.WorkDirectory, hub.Hub.Content.WorkDirectory]);
        if (swept > 0) LogSwept(logger, swept);
        await silo.StartAsync(cancellationToken).ConfigureAwait(false);
        await silo.PrepareSessionsAsync(cancellationToken).ConfigureAwait(false);
        var result = await silo.ReconcileSessionsAsync(cancellationToken).ConfigureAwait(false);
        LogReconciled(logger, result.Adopted.Count, result.RemovedContainers.Count, result.RemovedRoutes.Count, result.CleanedSessions.Count);
        if (proxy.Proxy is { } owned)
        {
            owned.RestoreRoutes = async ct =>
            {
                var restored = await silo.ReconcileSessionsAsync(ct).ConfigureAwait(false);
                LogRoutesRestored(logger, restored.Adopted.Count);
            };
        }
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        if (proxy.Proxy is { } owned) owned.RestoreRoutes = null;
        return silo.StopAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Sessions after start: {Adopted} taken back, {Containers} stray containers and {Routes} stray routes removed, {Cleaned} ended sessions cleaned up")]
    private static partial void LogReconciled(ILogger logger, int adopted, int containers, int routes, int cleaned);

    [LoggerMessage(Level = LogLevel.Information, Message = "The proxy was started again: the routes of {Sessions} running sessions were re-added")]
    private static partial void LogRoutesRestored(ILogger logger, int sessions);

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed {Count} work directories and files of builds that a crash interrupted")]
    private static partial void LogSwept(ILogger logger, int count);
}
