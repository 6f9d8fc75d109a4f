using Binder.Hub.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Binder.Server.Hosting;

/// <summary>
/// Once the silo has started (it is registered after Orleans' own hosted service, so it starts after the silo and
/// before the front end serves), makes the node ready for sessions (the session network), then takes back the sessions
/// a previous run left: containers and routes re-adopted or
/// removed, quota slots of ended sessions released. From then on, re-adds the live sessions' routes whenever the owned
/// proxy had to be started again.
/// </summary>
internal sealed partial class SessionReconciler(IServiceProvider services, ProxyHost proxy, ILogger<SessionReconciler> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await services.PrepareSessionsAsync(cancellationToken).ConfigureAwait(false);
        var result = await services.ReconcileSessionsAsync(cancellationToken).ConfigureAwait(false);
        LogReconciled(logger, result.Adopted.Count, result.RemovedContainers.Count, result.RemovedRoutes.Count, result.CleanedSessions.Count);
        if (proxy.Proxy is { } owned)
        {
            owned.RestoreRoutes = async ct =>
            {
                var restored = await services.ReconcileSessionsAsync(ct).ConfigureAwait(false);
                LogRoutesRestored(logger, restored.Adopted.Count);
            };
        }
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        if (proxy.Proxy is { } owned) owned.RestoreRoutes = null;
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Sessions after start: {Adopted} taken back, {Containers} stray containers and {Routes} stray routes removed, {Cleaned} ended sessions cleaned up")]
    private static partial void LogReconciled(ILogger logger, int adopted, int containers, int routes, int cleaned);

    [LoggerMessage(Level = LogLevel.Information, Message = "The proxy was started again: the routes of {Sessions} running sessions were re-added")]
    private static partial void LogRoutesRestored(ILogger logger, int sessions);
}
