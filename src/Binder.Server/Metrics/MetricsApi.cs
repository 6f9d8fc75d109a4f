using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Prometheus;

namespace Binder.Server.Metrics;

/// <summary>
/// <c>GET /metrics</c>: this process's registry in Prometheus text, i.e. BinderHub's metrics as the grains count them,
/// the node's build queue, and the exported meters of Orleans, ASP.NET Core and the .NET runtime
/// (<see cref="MeterExport"/>).
/// </summary>
internal static class MetricsApi
{
    public static IEndpointRouteBuilder MapMetricsApi(this IEndpointRouteBuilder app)
    {
        var registry = app.ServiceProvider.GetRequiredService<CollectorRegistry>();
        app.MapMetrics(settings =>
        {
            settings.Registry = registry;
            // Always the classic text format: in OpenMetrics, which a Prometheus server asks for, every counter gets
            // "_total" appended, and BinderHub's dashboards query binderhub_build_count and binderhub_launch_count.
            settings.EnableOpenMetrics = false;
        }, "/metrics").WithName("Metrics");
        return app;
    }
}
