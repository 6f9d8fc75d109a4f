using Microsoft.Extensions.Options;

namespace Binder.Server.Build;

/// <summary>
/// One timer for the keepalive comments of every open event stream of this process. It ticks four times per
/// <c>Server:KeepaliveInterval</c> and sends a comment to each stream that has been quiet for three quarters of it, so
/// no stream is silent longer than the interval, and a stream that carries events gets no comments. A round writes to
/// a bounded number of streams at once (a burst of ten thousand writes would take a send buffer each) and waits for
/// none longer than a tick, so a client that stops reading delays nobody else's keepalive; a round that is still
/// writing when the next tick comes makes that tick a no-op.
/// </summary>
internal sealed class EventStreamKeepalive : IDisposable
{
    /// <summary>Keepalive writes in flight at once in one round.</summary>
    private const int WritesAtOnce = 64;

    private readonly Lock _gate = new();
    private readonly HashSet<EventStream> _streams = [];
    private readonly List<EventStream> _due = [];
    private readonly TimeSpan _quietLimit;
    private readonly TimeSpan _period;
    private readonly ITimer _timer;
    private int _ticking;

    public EventStreamKeepalive(IOptions<ServerOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        Time = time;
        var interval = options.Value.KeepaliveInterval;
        _quietLimit = interval * 3 / 4;
        _period = interval / 4;
        _timer = time.CreateTimer(_ => _ = TickAsync(), null, _period, _period);
    }

    /// <summary>The clock the streams stamp their writes with.</summary>
    public TimeProvider Time { get; }

    /// <summary>Open streams.</summary>
    public int Open
    {
        get
        {
            lock (_gate) return _streams.Count;
        }
    }

    internal void Add(EventStream stream)
    {
        lock (_gate) _streams.Add(stream);
    }

    internal void Remove(EventStream stream)
    {
        lock (_gate) _streams.Remove(stream);
    }

    private async Task TickAsync()
    {
        if (Interlocked.Exchange(ref _ticking, 1) == 1) return;
        try
        {
            var now = Time.GetTimestamp();
            lock (_gate)
            {
                foreach (var stream in _streams)
                {
                    if (stream.QuietFor(now) >= _quietLimit) _due.Add(stream);
                }
            }
            if (_due.Count == 0) return;
            // A client that stops reading holds its write until Kestrel's minimum data rate drops it; the round does not
            // wait for it longer than one tick (the write finishes on its own, and the stream is skipped while it does).
            using var round = new CancellationTokenSource(_period, Time);
            await Parallel.ForEachAsync(_due, new ParallelOptions { MaxDegreeOfParallelism = WritesAtOnce }, async (stream, _) =>
            {
                try
                {
                    await stream.KeepaliveAsync().WaitAsync(round.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (round.IsCancellationRequested)
                {
                    // Slow client: left to finish in the background.
                }
            }).ConfigureAwait(false);
        }
        finally
        {
            _due.Clear();
            Volatile.Write(ref _ticking, 0);
        }
    }

    public void Dispose() => _timer.Dispose();
}
