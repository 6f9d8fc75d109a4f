using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Prometheus;

namespace Binder.Server.Metrics;

/// <summary>
/// Exports the .NET meters of this process into its registry: Orleans' (<c>Microsoft.Orleans</c>: activations, grain
/// calls, failures, latency, messaging, storage), ASP.NET Core's and Kestrel's, HttpClient's and the runtime's
/// (<c>System.Runtime</c>: GC, thread pool, CPU, memory). Meters that are made per host (through the host's
/// <see cref="IMeterFactory"/>, as ASP.NET Core's are) are taken from this host only, so two hosts in one process
/// (the tests) do not count each other's requests; meters made without a factory (the runtime's) belong to every host.
/// </summary>
internal sealed class MeterExport(CollectorRegistry registry, IMeterFactory meters) : IHostedService, IDisposable
{
    // Meters report durations in seconds (the OpenTelemetry convention .NET follows) or, Orleans' older ones, in
    // milliseconds: buckets from a millisecond to a minute in the instrument's own unit.
    private static readonly double[] SecondBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
    private static readonly double[] MillisecondBuckets = [.. SecondBuckets.Select(s => s * 1000)];

    private IDisposable? _adapter;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _adapter = MeterAdapter.StartListening(new MeterAdapterOptions
        {
            Registry = registry,
            MetricFactory = Prometheus.Metrics.WithCustomRegistry(registry),
            InstrumentFilterPredicate = instrument => instrument.Meter.Scope is null || ReferenceEquals(instrument.Meter.Scope, meters),
            ResolveHistogramBuckets = instrument => instrument.Unit is "ms" ? MillisecondBuckets : SecondBuckets,
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _adapter?.Dispose();
        _adapter = null;
    }
}
