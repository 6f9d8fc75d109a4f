using System.Collections.Concurrent;

namespace Binder.Server.Metrics;

/// <summary>
/// Counts the grain calls this silo handles, per interface and method: calls, failures, mean and longest latency (the
/// <c>binder_grain_*</c> metrics). An incoming grain call filter, so it sees every call, also the pulls of grain streams.
/// </summary>
internal sealed class GrainCallStatistics(TimeProvider time) : IIncomingGrainCallFilter
{
    private readonly ConcurrentDictionary<(string Interface, string Method), Method> _methods = new();

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var started = time.GetTimestamp();
        var failed = false;
        try
        {
            // No ConfigureAwait(false): the filter runs as part of the grain's turn, on its scheduler.
            await context.Invoke();
        }
        catch
        {
            failed = true;
            throw;
        }
        finally
        {
            _methods.GetOrAdd((context.InterfaceName, context.MethodName), _ => new Method())
                .Record(time.GetElapsedTime(started), failed);
        }
    }

    /// <summary>Every method seen so far, by interface and method name.</summary>
    public IReadOnlyList<GrainMethodStatistics> Snapshot() =>
    [
        .. _methods.Select(p => p.Value.Snapshot(p.Key.Interface, p.Key.Method))
            .OrderBy(m => m.Interface, StringComparer.Ordinal).ThenBy(m => m.Method, StringComparer.Ordinal),
    ];

    private sealed class Method
    {
        private readonly Lock _lock = new();
        private long _calls;
        private long _errors;
        private TimeSpan _total;
        private TimeSpan _max;

        public void Record(TimeSpan elapsed, bool failed)
        {
            lock (_lock)
            {
                _calls++;
                if (failed) _errors++;
                _total += elapsed;
                if (elapsed > _max) _max = elapsed;
            }
        }

        public GrainMethodStatistics Snapshot(string @interface, string method)
        {
            lock (_lock)
            {
                return new GrainMethodStatistics(@interface, method, _calls, _errors, _calls == 0 ? TimeSpan.Zero : _total / _calls, _max);
            }
        }
    }
}
