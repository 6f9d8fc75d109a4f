namespace Binder.Actors.Statistics;

/// <summary>Counters of one grain method on one silo; updated lock-free by every activation.</summary>
internal sealed class MethodStatistics(string interfaceName, string methodName)
{
    private long _calls;
    private long _errors;
    private long _totalTicks;
    private long _maxTicks;

    public void Record(TimeProvider time, long arrival, bool failed)
    {
        Interlocked.Increment(ref _calls);
        if (failed)
        {
            Interlocked.Increment(ref _errors);
        }

        if (arrival == 0)
        {
            return;
        }

        var ticks = time.GetTimestamp() - arrival;
        Interlocked.Add(ref _totalTicks, ticks);
        var max = Volatile.Read(ref _maxTicks);
        while (ticks > max)
        {
            var seen = Interlocked.CompareExchange(ref _maxTicks, ticks, max);
            if (seen == max)
            {
                break;
            }

            max = seen;
        }
    }

    public GrainMethodStatistics Snapshot(TimeProvider time)
    {
        var calls = Volatile.Read(ref _calls);
        var total = TimeSpan.FromSeconds(Volatile.Read(ref _totalTicks) / (double)time.TimestampFrequency);
        return new GrainMethodStatistics(
            interfaceName,
            methodName,
            calls,
            Volatile.Read(ref _errors),
            calls == 0 ? TimeSpan.Zero : total / calls,
            TimeSpan.FromSeconds(Volatile.Read(ref _maxTicks) / (double)time.TimestampFrequency));
    }
}
