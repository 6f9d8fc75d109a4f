using Binder.Hub.Launch;
using Binder.Hub.Sessions;
using Microsoft.Extensions.DependencyInjection;

namespace Binder.Hub.Hosting;

/// <summary>Start-up steps for a silo that has <see cref="BinderHubSiloBuilderExtensions.AddBinderHub"/>.</summary>
public static class BinderHubSiloExtensions
{
    /// <summary>
    /// Makes this node ready for sessions (<see cref="ILaunchBackend.PrepareAsync"/>: the session network exists and is
    /// Binder's). Call it once the silo has started, before <see cref="ReconcileSessionsAsync"/>; a network that cannot
    /// be made fails the start with a sentence naming the setting.
    /// </summary>
    /// <param name="services">The silo's services.</param>
    /// <param name="cancellationToken">Stops the preparation.</param>
    public static Task PrepareSessionsAsync(this IServiceProvider services, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        return services.GetRequiredService<ILaunchBackend>().PrepareAsync(cancellationToken);
    }

    /// <summary>
    /// Re-adopts this node's running sessions and removes what no session owns (see <see cref="SessionJanitor"/>).
    /// Call it once the silo has started, before serving launches, and again whenever the proxy lost its routes (an
    /// owned proxy started again): it re-adds the route of every running session and of every launch whose container
    /// has started.
    /// </summary>
    /// <param name="services">The silo's services.</param>
    /// <param name="cancellationToken">Stops the reconciliation.</param>
    public static Task<SessionReconciliation> ReconcileSessionsAsync(this IServiceProvider services, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        return services.GetRequiredService<SessionJanitor>().ReconcileAsync(cancellationToken);
    }
}
