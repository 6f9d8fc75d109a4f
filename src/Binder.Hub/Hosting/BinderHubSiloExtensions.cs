using Binder.Actors;
using Binder.Hub.Launch;
using Binder.Hub.Sessions;
using Microsoft.Extensions.DependencyInjection;

namespace Binder.Hub.Hosting;

/// <summary>Start-up steps for a silo that has <see cref="BinderHubSiloBuilderExtensions.AddBinderHub"/>.</summary>
public static class BinderHubSiloExtensions
{
    /// <summary>
    /// Makes this node ready for sessions (<see cref="ILaunchBackend.PrepareAsync"/>: the session network exists and is
    /// Binder's). Call it once after <see cref="Silo.StartAsync"/>, before <see cref="ReconcileSessionsAsync"/>; a
    /// network that cannot be made fails the start with a sentence naming the setting.
    /// </summary>
    public static Task PrepareSessionsAsync(this Silo silo, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(silo);
        return silo.Services.GetRequiredService<ILaunchBackend>().PrepareAsync(cancellationToken);
    }

    /// <summary>
    /// Re-adopts this node's running sessions and removes what no session owns (see <see cref="SessionJanitor"/>).
    /// Call it once after <see cref="Silo.StartAsync"/>, before serving launches.
    /// </summary>
    public static Task<SessionReconciliation> ReconcileSessionsAsync(this Silo silo, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(silo);
        return silo.Services.GetRequiredService<SessionJanitor>().ReconcileAsync(cancellationToken);
    }
}
