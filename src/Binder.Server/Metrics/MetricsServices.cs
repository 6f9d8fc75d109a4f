using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Prometheus;

namespace Binder.Server.Metrics;

/// <summary>What <c>/metrics</c> needs in a process of any role: one registry for the process and the meter export.</summary>
internal static class MetricsServices
{
    /// <summary>
    /// One <see cref="CollectorRegistry"/> per host (never prometheus-net's static default one, which every host in the
    /// process would share): the grains' metrics (<c>AddBinderHub</c> keeps this registration) and the exported
    /// meters land in it, so one <c>/metrics</c> shows them all.
    /// </summary>
    public static IServiceCollection AddBinderMetrics(this IServiceCollection services)
    {
        services.TryAddSingleton(_ => Prometheus.Metrics.NewCustomRegistry());
        services.AddHostedService<MeterExport>();
        return services;
    }
}
