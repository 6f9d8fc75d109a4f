namespace Binder.Server.Metrics;

/// <summary>
/// BinderHub's metrics (same names, labels and buckets, so its Grafana dashboards work), counted by this front end.
/// Builds are counted once per repo grain key however many streams watch them: the first stream that sees a build
/// phase starts the clock, the first that sees its end records it. Across several front ends each counts the builds
/// its own clients watched.
/// </summary>
internal sealed class BinderMetrics(TimeProvider time)
{
    private static readonly double[] BuildBuckets = [60, 120, 300, 600, 1800, 3600, 7200];
    private static readonly double[] LaunchBuckets = [2, 5, 10, 20, 30, 60, 120, 300, 600];
    private const int RememberedBuilds = 4096;

    private readonly Histogram _buildTime = new("binderhub_build_time_seconds", "Histogram of build times", ["status"], BuildBuckets);
    private readonly Histogram _launchTime = new("binderhub_launch_time_seconds", "Histogram of launch times", ["status", "retries"], LaunchBuckets);
    private readonly Counter _buildCount = new("binderhub_build_count", "Counter of builds by repo", ["status", "provider", "repo"]);
    private readonly Counter _launchCount = new("binderhub_launch_count", "Counter of launches by repo", ["status", "provider", "repo"]);
    private readonly Lock _lock = new();
    private readonly Dictionary<string, long> _buildsInProgress = new(StringComparer.Ordinal);
    private readonly HashSet<string> _finished = new(StringComparer.Ordinal);
    private readonly Queue<string> _finishedOrder = new();
    private int _launchesInProgress;

    /// <summary>A watcher saw a phase of a running build (fetching, building, pushing) for this key.</summary>
    public void BuildSeen(string grainKey)
    {
        lock (_lock)
        {
            // A late joiner replays a finished build's log: that build was already counted.
            if (_finished.Contains(grainKey) || _buildsInProgress.ContainsKey(grainKey)) return;
            _buildsInProgress[grainKey] = time.GetTimestamp();
        }
    }

    /// <summary>A watcher saw the end of a build (<c>built</c> or <c>failed</c>); counted once per key.</summary>
    public void BuildEnded(string grainKey, bool success, string provider, string repo)
    {
        long started;
        lock (_lock)
        {
            if (!_buildsInProgress.Remove(grainKey, out started)) return;
            _finished.Add(grainKey);
            _finishedOrder.Enqueue(grainKey);
            while (_finishedOrder.Count > RememberedBuilds) _finished.Remove(_finishedOrder.Dequeue());
        }
        var status = success ? "success" : "failure";
        _buildTime.Observe(time.GetElapsedTime(started).TotalSeconds, status);
        _buildCount.Increment(status, provider, repo);
    }

    /// <summary>A launch started; dispose the result with its outcome.</summary>
    public LaunchTimer LaunchStarted()
    {
        Interlocked.Increment(ref _launchesInProgress);
        return new LaunchTimer(this, time.GetTimestamp());
    }

    private void LaunchEnded(long started, bool success, string provider, string repo)
    {
        Interlocked.Decrement(ref _launchesInProgress);
        var status = success ? "success" : "failure";
        _launchTime.Observe(time.GetElapsedTime(started).TotalSeconds, status, "0");
        _launchCount.Increment(status, provider, repo);
    }

    public void Write(PrometheusText text)
    {
        _buildTime.Write(text);
        _launchTime.Write(text);
        _buildCount.Write(text);
        _launchCount.Write(text);
        int builds;
        lock (_lock) builds = _buildsInProgress.Count;
        text.Gauge("binderhub_inprogress_builds", "Builds currently in progress", builds);
        text.Gauge("binderhub_inprogress_launches", "Launches currently in progress", Volatile.Read(ref _launchesInProgress));
    }

    /// <summary>Times one launch; <see cref="End"/> records it once.</summary>
    internal sealed class LaunchTimer(BinderMetrics metrics, long started)
    {
        private int _ended;

        public void End(bool success, string provider, string repo)
        {
            if (Interlocked.Exchange(ref _ended, 1) == 0) metrics.LaunchEnded(started, success, provider, repo);
        }
    }
}
