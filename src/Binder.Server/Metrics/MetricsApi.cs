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
        app.MapGet("/metrics", async (BinderMetrics metrics, Silo silo, CancellationToken cancellationToken) =>
        {
            var text = new PrometheusText();
            metrics.Write(text);
            WriteGrains(text, silo.GetStatistics());
            await WriteBuildQueuesAsync(text, silo, cancellationToken).ConfigureAwait(false);
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

    /// <summary>Each live node's builder: running, queued and capacity. A node that does not answer in time is left out.</summary>
    internal static async Task WriteBuildQueuesAsync(PrometheusText text, Silo silo, CancellationToken cancellationToken)
    {
        var nodes = silo.GetClusterMembers().Select(m => m.NodeName).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var loads = await Task.WhenAll(nodes.Select(async node =>
        {
            try
            {
                return await silo.GrainFactory.GetGrain<IBuilderGrain>(node).GetLoad().WaitAsync(TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                return null;
            }
        })).ConfigureAwait(false);
        var answered = loads.OfType<BuilderLoad>().ToList();
        text.Header("binder_build_queue_length", "Builds waiting for a slot, per node", "gauge");
        foreach (var load in answered) text.Sample("binder_build_queue_length", PrometheusText.Labels(["node"], [load.Node]), load.Queued);
        text.Header("binder_builds_running", "Builds running, per node", "gauge");
        foreach (var load in answered) text.Sample("binder_builds_running", PrometheusText.Labels(["node"], [load.Node]), load.Running);
        text.Header("binder_build_capacity", "Builds a node runs at once", "gauge");
        foreach (var load in answered) text.Sample("binder_build_capacity", PrometheusText.Labels(["node"], [load.Node]), load.Capacity);
    }

    private static string Labels(string silo, GrainMethodStatistics m) =>
        PrometheusText.Labels(["silo", "interface", "method"], [silo, m.Interface, m.Method]);
}
