using Binder.Actors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Binder.Server.Metrics;

/// <summary><c>GET /metrics</c>: BinderHub's metrics and the silo's grain counters, in Prometheus text.</summary>
internal static class MetricsApi
{
    public static IEndpointRouteBuilder MapMetricsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/metrics", (BinderMetrics metrics, Silo silo) =>
        {
            var text = new PrometheusText();
            metrics.Write(text);
            WriteGrains(text, silo.GetStatistics());
            return Results.Text(text.ToString(), PrometheusText.ContentType);
        }).WithName("Metrics");
        return app;
    }

    internal static void WriteGrains(PrometheusText text, SiloRuntimeStatistics statistics)
    {
        var silo = statistics.SiloId;
        text.Header("binder_grain_activations", "Grain activations in this silo, per grain class", "gauge");
        foreach (var (type, count) in statistics.ActivationsByType.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            text.Sample("binder_grain_activations", PrometheusText.Labels(["silo", "type"], [silo, type]), count);
        }
        var methods = statistics.Methods.OrderBy(m => m.Interface, StringComparer.Ordinal).ThenBy(m => m.Method, StringComparer.Ordinal).ToList();
        text.Header("binder_grain_calls_total", "Grain calls handled by this silo, per method", "counter");
        foreach (var m in methods) text.Sample("binder_grain_calls_total", Labels(silo, m), m.Calls);
        text.Header("binder_grain_errors_total", "Grain calls that failed, per method", "counter");
        foreach (var m in methods) text.Sample("binder_grain_errors_total", Labels(silo, m), m.Errors);
        text.Header("binder_grain_call_mean_seconds", "Mean grain call latency since start, per method", "gauge");
        foreach (var m in methods) text.Sample("binder_grain_call_mean_seconds", Labels(silo, m), m.MeanLatency.TotalSeconds);
        text.Header("binder_grain_call_max_seconds", "Longest grain call since start, per method", "gauge");
        foreach (var m in methods) text.Sample("binder_grain_call_max_seconds", Labels(silo, m), m.MaxLatency.TotalSeconds);
    }

    private static string Labels(string silo, GrainMethodStatistics m) =>
        PrometheusText.Labels(["silo", "interface", "method"], [silo, m.Interface, m.Method]);
}
