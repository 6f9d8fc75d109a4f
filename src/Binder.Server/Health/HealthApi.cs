using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Binder.Server.Hosting;
using Binder.Server.Build;

namespace Binder.Server.Health;

/// <summary><c>GET /health</c>: the Docker daemon, the registry (when one is configured) and the session proxy; 503 when one fails.</summary>
internal static class HealthApi
{
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(5);

    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", CheckAsync).AllowCrossOrigin().WithName("Health");
        return app;
    }

    private static async Task<IResult> CheckAsync(ILaunchBackend backend, IProxyClient proxy, RegistryProbe registry, HubConfiguration hub, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CheckTimeout);
        var checks = new List<Task<HealthCheckResult>>
        {
            Run("Docker", ct => backend.CheckAsync(ct), timeout.Token),
        };
        if (hub.Hub.Repo.Registry is { Length: > 0 } configured && !string.IsNullOrWhiteSpace(configured))
        {
            checks.Add(Run("Registry", ct => registry.CheckAsync(configured.Trim(), ct), timeout.Token));
        }
        checks.Add(Run("Proxy", ct => proxy.CheckAsync(ct), timeout.Token));
        var results = await Task.WhenAll(checks).ConfigureAwait(false);
        var report = new HealthReport(results.All(r => r.Ok), results);
        return Results.Json(report, BinderJson.Options, statusCode: report.Ok ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
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
