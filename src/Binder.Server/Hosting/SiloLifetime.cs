using Binder.Actors;
using Binder.Hub.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Binder.Server.Hosting;

/// <summary>
/// Starts the in-process silo, makes the node ready for sessions (the session network), then takes back the sessions a
/// previous run left (containers and routes re-adopted or removed) before the front end serves launches; stops it
/// (every grain deactivated) on shutdown.
/// </summary>
internal sealed partial class SiloLifetime(Silo silo, ILogger<SiloLifetime> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await silo.StartAsync(cancellationToken).ConfigureAwait(false);
        await silo.PrepareSessionsAsync(cancellationToken).ConfigureAwait(false);
        var result = await silo.ReconcileSessionsAsync(cancellationToken).ConfigureAwait(false);
        LogReconciled(logger, result.Adopted.Count, result.RemovedContainers.Count, result.RemovedRoutes.Count, result.CleanedSessions.Count);
    }

    public Task StopAsync(CancellationToken cancellationToken) => silo.StopAsync(cancellationToken);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sessions after start: {Adopted} taken back, {Containers} stray containers and {Routes} stray routes removed, {Cleaned} ended sessions cleaned up")]
    private static partial void LogReconciled(ILogger logger, int adopted, int containers, int routes, int cleaned);
}
