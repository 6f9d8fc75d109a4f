namespace Binder.Server.Metrics;

/// <summary>A Prometheus histogram per label set: cumulative bucket counts, sum and count, safe for concurrent use.</summary>
internal sealed class Histogram(string name, string help, string[] labelNames, double[] buckets)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Series> _series = new(StringComparer.Ordinal);

    public string Name => name;

    public void Observe(double value, params string[] labelValues)
    {
        var key = PrometheusText.Labels(labelNames, labelValues);
        lock (_lock)
        {
            if (!_series.TryGetValue(key, out var series))
            {
                series = new Series(new long[buckets.Length]);
                _series[key] = series;
            }
            for (var i = 0; i < buckets.Length; i++)
            {
                if (value <= buckets[i]) series.Buckets[i]++;
            }
            series.Count++;
            series.Sum += value;
        }
    }

    public void Write(PrometheusText text)
    {
        text.Header(name, help, "histogram");
        lock (_lock)
        {
            foreach (var (labels, series) in _series.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                for (var i = 0; i < buckets.Length; i++)
                {
                    text.Sample(name + "_bucket", PrometheusText.WithLabel(labels, "le", PrometheusText.Number(buckets[i])), series.Buckets[i]);
                }
                text.Sample(name + "_bucket", PrometheusText.WithLabel(labels, "le", "+Inf"), series.Count);
                text.Sample(name + "_sum", labels, series.Sum);
                text.Sample(name + "_count", labels, series.Count);
            }
        }
    }

    private sealed class Series(long[] buckets)
    {
        public long[] Buckets { get; } = buckets;
        public long Count { get; set; }
        public double Sum { get; set; }
    }
}
