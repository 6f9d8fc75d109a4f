using Binder.Hub.Placement;
using Orleans;
using Orleans.Runtime;
using Prometheus;

namespace Binder.Hub.Metrics;

/// <summary>
/// BinderHub's metrics, with its names, labels and buckets (mybinder.org's Grafana dashboards read them), and this
/// node's build queue. Counted by the grains where builds and launches run, so a build is counted once however many
/// front ends and watchers follow it, and a build whose watchers all left is still counted until it ends. Lives in the
/// silo's <see cref="CollectorRegistry"/>, which the host exposes on <c>/metrics</c>.
/// </summary>
public sealed class BinderHubMetrics : ILifecycleParticipant<ISiloLifecycle>
{
    // BinderHub's own buckets (binderhub/builder.py): builds in minutes to hours, launches in seconds to minutes.
    private static readonly double[] BuildBuckets = [60, 120, 300, 600, 1800, 3600, 7200];
    private static readonly double[] LaunchBuckets = [2, 5, 10, 20, 30, 60, 120, 300, 600];

    private readonly TimeProvider _time;
    private readonly Histogram _buildTime;
    private readonly Histogram _launchTime;
    private readonly Counter _buildCount;
    private readonly Counter _launchCount;
    private readonly Gauge _buildsInProgress;
    private readonly Gauge _launchesInProgress;
    private readonly Gauge _queueLength;
    private readonly Gauge _running;

    /// <summary>Creates the metrics in <paramref name="registry"/>, with this node's build capacity.</summary>
    public BinderHubMetrics(CollectorRegistry registry, BinderNode node, Hosting.BuildQueueOptions queue, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(queue);
        _time = time;
        var metrics = Prometheus.Metrics.WithCustomRegistry(registry);
        _buildTime = metrics.CreateHistogram("binderhub_build_time_seconds", "Histogram of build times",
            new HistogramConfiguration { LabelNames = ["status"], Buckets = BuildBuckets });
        _launchTime = metrics.CreateHistogram("binderhub_launch_time_seconds", "Histogram of launch times",
            new HistogramConfiguration { LabelNames = ["status", "retries"], Buckets = LaunchBuckets });
        _buildCount = metrics.CreateCounter("binderhub_build_count", "Counter of builds by repo", ["status", "provider", "repo"]);
        _launchCount = metrics.CreateCounter("binderhub_launch_count", "Counter of launches by repo", ["status", "provider", "repo"]);
        _buildsInProgress = metrics.CreateGauge("binderhub_inprogress_builds", "Builds currently in progress");
        _launchesInProgress = metrics.CreateGauge("binderhub_inprogress_launches", "Launches currently in progress");
        _queueLength = metrics.CreateGauge("binder_build_queue_length", "Builds waiting for a slot, per node", ["node"]);
        _running = metrics.CreateGauge("binder_builds_running", "Builds running, per node", ["node"]);
        metrics.CreateGauge("binder_build_capacity", "Builds a node runs at once", ["node"])
            .WithLabels(node.Name).Set(queue.MaxConcurrentBuilds);
        // Present from the start (zero), so a dashboard tells "nothing queued" from "no such node".
        BuildQueue(node.Name, 0, 0);
    }

    /// <summary>A build began (the image was not there): in progress until <see cref="MeasuredRun.End"/>.</summary>
    public MeasuredRun BuildStarted() => new(_time, _buildsInProgress, (seconds, success, provider, repo) =>
    {
        var status = Status(success);
        _buildTime.WithLabels(status).Observe(seconds);
        _buildCount.WithLabels(status, provider, repo).Inc();
    });

    /// <summary>A launch began: in progress until <see cref="MeasuredRun.End"/>.</summary>
    public MeasuredRun LaunchStarted() => new(_time, _launchesInProgress, (seconds, success, provider, repo) =>
    {
        var status = Status(success);
        // BinderHub retries a launch that failed to start; Binder does not, so every launch is its first try.
        _launchTime.WithLabels(status, "0").Observe(seconds);
        _launchCount.WithLabels(status, provider, repo).Inc();
    });

    /// <summary>A node's builder queue changed.</summary>
    public void BuildQueue(string node, int running, int queued)
    {
        _running.WithLabels(node).Set(running);
        _queueLength.WithLabels(node).Set(queued);
    }

    /// <summary>
    /// Nothing to start: the silo resolves its lifecycle participants when it starts, which creates these metrics then,
    /// so the node's capacity and the zero counts are there from the first scrape, not from the first build.
    /// </summary>
    /// <param name="lifecycle">The silo's lifecycle.</param>
    public void Participate(ISiloLifecycle lifecycle)
    {
    }

    private static string Status(bool success) => success ? "success" : "failure";
}
