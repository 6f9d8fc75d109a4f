namespace Binder.Server.Metrics;

/// <summary>A Prometheus counter per label set.</summary>
internal sealed class Counter(string name, string help, string[] labelNames)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, double> _values = new(StringComparer.Ordinal);

    public void Increment(params string[] labelValues)
    {
        var key = PrometheusText.Labels(labelNames, labelValues);
        lock (_lock)
        {
            _values[key] = _values.GetValueOrDefault(key) + 1;
        }
    }

    public void Write(PrometheusText text)
    {
        // Named without "_total", as BinderHub's prometheus_client 0.x exposed these counters; clients match on the names.
        text.Header(name, help, "counter");
        lock (_lock)
        {
            foreach (var (labels, value) in _values.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                text.Sample(name, labels, value);
            }
        }
    }
}
