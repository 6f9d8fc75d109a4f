using Binder.Hub.Placement;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Orleans.Runtime;

namespace Binder.Server.Metrics;

/// <summary><c>GET /metrics</c>: BinderHub's metrics and the silo's grain counters, in Prometheus text.</summary>
internal static class MetricsApi
{
    public static IEndpointRouteBuilder MapMetricsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/metrics", async (BinderMetrics metrics, GrainCallStatistics calls, IGrainFactory grains, ILocalSiloDetails silo, ClusterNodes nodes, CancellationToken cancellationToken) =>
        {
            var text = new PrometheusText();
            metrics.Write(text);
            var activations = await grains.GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics([silo.SiloAddress]).ConfigureAwait(false);
            WriteGrains(text, silo.Name, activations, calls.Snapshot());
            await WriteBuildQueuesAsync(text, grains, nodes, cancellationToken).ConfigureAwait(false);
            return Results.Text(text.ToString(), PrometheusText.ContentType);
        }).WithName("Metrics");
        return app;
    }

    internal static void WriteGrains(PrometheusText text, string silo, IEnumerable<SimpleGrainStatistic> activations, IReadOnlyList<GrainMethodStatistics> methods)
    {
        text.Header("binder_grain_activations", "Grain activations in this silo, per grain class", "gauge");
        foreach (var (type, count) in activations.GroupBy(a => a.GrainType, StringComparer.Ordinal)
            .Select(g => (g.Key, g.Sum(a => a.ActivationCount))).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            text.Sample("binder_grain_activations", PrometheusText.Labels(["silo", "type"], [silo, type]), count);
        }
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
    internal static async Task WriteBuildQueuesAsync(PrometheusText text, IGrainFactory grains, ClusterNodes nodes, CancellationToken cancellationToken)
    {
        var loads = await Task.WhenAll(nodes.LiveNodeNames().Select(async node =>
        {
            try
            {
                return await grains.GetGrain<IBuilderGrain>(node).GetLoad().WaitAsync(TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
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
