using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Binder.Server.Hosting;
using Binder.Server.Build;

namespace Binder.Server.Health;

/// <summary>
/// <c>GET /health</c>: where a silo runs in this process, its Docker daemon (and the JupyterHub or Kubernetes API server
/// that runs sessions, with those backends) and session proxy; in a front end running as
/// an Orleans client (<c>--role frontend</c>), the cluster (a live node answers through the gateway); the registry
/// (when one is configured) in every role. 503 when one fails. <c>GET /health/ready</c>: the same without the registry,
/// for readiness probes of front ends, which a slow registry would otherwise take out of their Service all at once
/// (they do not push or pull; a build reports a registry that does not answer itself).
/// </summary>
internal static class HealthApi
{
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(5);

    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", (IServiceProvider services, IGrainFactory grains, RegistryProbe registry, HubConfiguration hub, CancellationToken cancellationToken)
            => CheckAsync(services, grains, registry, hub, includeRegistry: true, cancellationToken)).AllowCrossOrigin().WithName("Health");
        app.MapGet("/health/ready", (IServiceProvider services, IGrainFactory grains, RegistryProbe registry, HubConfiguration hub, CancellationToken cancellationToken)
            => CheckAsync(services, grains, registry, hub, includeRegistry: false, cancellationToken)).AllowCrossOrigin().WithName("HealthReady");
        return app;
    }

    private static async Task<IResult> CheckAsync(IServiceProvider services, IGrainFactory grains, RegistryProbe registry, HubConfiguration hub, bool includeRegistry, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CheckTimeout);
        var backend = services.GetService<ILaunchBackend>();
        var proxy = services.GetService<IProxyClient>();
        var checks = new List<Task<HealthCheckResult>>();
        if (backend is Binder.Hub.Launch.JupyterHub.JupyterHubLaunchBackend or Binder.Hub.Launch.Kubernetes.KubernetesLaunchBackend)
        {
            // Sessions run on the hub or the cluster, builds still on this node's Docker daemon: both must answer.
            checks.Add(Run(backend is Binder.Hub.Launch.Kubernetes.KubernetesLaunchBackend ? "Kubernetes" : "JupyterHub", ct => backend.CheckAsync(ct), timeout.Token));
            if (services.GetService<Binder.Build.Docker.DockerClient>() is { } docker)
            {
                checks.Add(Run("Docker", ct => docker.CheckAsync(ct), timeout.Token));
            }
        }
        else if (backend is not null) checks.Add(Run("Docker", ct => backend.CheckAsync(ct), timeout.Token));
        else checks.Add(Run("Cluster", ct => ClusterAsync(grains, ct), timeout.Token));
        if (includeRegistry && hub.Hub.Repo.Registry is { Length: > 0 } configured && !string.IsNullOrWhiteSpace(configured))
        {
            checks.Add(Run("Registry", ct => registry.CheckAsync(configured.Trim(), ct), timeout.Token));
        }
        if (proxy is not null) checks.Add(Run("Proxy", ct => proxy.CheckAsync(ct), timeout.Token));
        var results = await Task.WhenAll(checks).ConfigureAwait(false);
        var report = new HealthReport(results.All(r => r.Ok), results);
        return Results.Json(report, BinderJson.Options, statusCode: report.Ok ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }

    /// <summary>A front end without a silo is healthy when the cluster answers through its gateway and has a node.</summary>
    private static async Task<(bool Ok, string Message)> ClusterAsync(IGrainFactory grains, CancellationToken cancellationToken)
    {
        var nodes = await grains.GetGrain<IClusterNodesGrain>(IClusterNodesGrain.Key).LiveNodes().WaitAsync(cancellationToken).ConfigureAwait(false);
        return nodes.Count > 0
            ? (true, $"The cluster answers; live nodes: {string.Join(", ", nodes)}.")
            : (false, "The cluster answers but has no live node; start a silo (binder serve --role silo).");
    }

    private static async Task<HealthCheckResult> Run(string service, Func<CancellationToken, Task<(bool Ok, string Message)>> check, CancellationToken cancellationToken)
    {
        try
        {
            var (ok, message) = await check(cancellationToken).ConfigureAwait(false);
            return new HealthCheckResult(service, ok, message);
        }
        catch (OperationCanceledException)
        {
            return new HealthCheckResult(service, false, $"{service} did not answer within {CheckTimeout.TotalSeconds:0} seconds.");
        }
        catch (Exception e)
        {
            return new HealthCheckResult(service, false, $"{service} check failed: {e.Message}");
        }
    }
}
