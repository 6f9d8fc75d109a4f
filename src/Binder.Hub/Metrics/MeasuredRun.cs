using Prometheus;

namespace Binder.Hub.Metrics;

/// <summary>One build or launch being measured: counted in progress from its start, recorded once at its end.</summary>
public sealed class MeasuredRun
{
    private readonly TimeProvider _time;
    private readonly Gauge _inProgress;
    private readonly Action<double, bool, string, string> _record;
    private readonly long _started;
    private int _ended;

    internal MeasuredRun(TimeProvider time, Gauge inProgress, Action<double, bool, string, string> record)
    {
        _time = time;
        _inProgress = inProgress;
        _record = record;
        _started = time.GetTimestamp();
        inProgress.Inc();
    }

    /// <summary>Records the outcome (duration, count by repository) and leaves the in-progress count; only the first call counts.</summary>
    /// <param name="success">Whether it worked.</param>
    /// <param name="provider">The provider prefix (<c>gh</c>, <c>git</c>...).</param>
    /// <param name="repo">The repository as the provider names it.</param>
    public void End(bool success, string provider, string repo)
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0) return;
        _inProgress.Dec();
        _record(_time.GetElapsedTime(_started).TotalSeconds, success, provider, repo);
    }
}
