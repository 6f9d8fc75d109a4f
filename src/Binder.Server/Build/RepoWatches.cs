using System.Runtime.CompilerServices;
using Binder.Hub.Grains;
using Binder.Hub.Hosting;

namespace Binder.Server.Build;

/// <summary>
/// One watch of a repo grain per commit in this front end, shared by every HTTP client that asks for that commit while
/// it is open. Each Orleans stream call costs the front end and the silo an enumerator, its batches and messages; with
/// thousands of people clicking the same link that was most of the service's memory. Here the first client opens the
/// grain's stream, the events go into one bounded log (the grain's own <see cref="BuildLog"/>: the first events and a
/// tail, with a marker for what was dropped, so a chatty build costs no more here than in the grain), and every client
/// reads it from the start at its own pace, so a client that joins late still gets the log as the grain would have
/// replayed it. When the grain's stream ends (built, failed, or an error, which every reader then sees) the watch is
/// forgotten, so the next client asks the grain afresh. When every client has left before the end, the grain's stream
/// is cancelled; the grain goes on building for whoever asks next.
/// </summary>
internal sealed class RepoWatches(RepoGrainOptions limits)
{
    /// <summary>
    /// Events a client takes from the shared log at a time: its buffer stays this small however long the build's log
    /// is (a client joining a chatty build late would otherwise hold a copy of the whole log's references).
    /// </summary>
    private const int ReadBatch = 16;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, SharedWatch> _watches = new(StringComparer.Ordinal);

    /// <summary>Open shared watches.</summary>
    public int Open
    {
        get
        {
            lock (_gate) return _watches.Count;
        }
    }

    /// <summary>How many clients read the open watch of <paramref name="key"/> (0 when none is open).</summary>
    public int ReadersOf(string key)
    {
        lock (_gate) return _watches.TryGetValue(key, out var watch) ? watch.Readers : 0;
    }

    /// <summary>
    /// The events of <paramref name="key"/>'s watch from its first one. <paramref name="open"/> opens the grain's
    /// stream when no watch of that key is open; it is called with a token that is cancelled when the last reader leaves.
    /// </summary>
    public async IAsyncEnumerable<BinderEvent> Watch(string key, Func<CancellationToken, IAsyncEnumerable<BinderEvent>> open,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(open);
        SharedWatch watch;
        lock (_gate)
        {
            if (!_watches.TryGetValue(key, out watch!))
            {
                watch = new SharedWatch(new BuildLog(limits.MaxLogLines, limits.MaxLogBytes, limits.MaxLogMessageBytes));
                _watches.Add(key, watch);
                // Not in the first client's execution context: the pump outlives its request (its logging scope and
                // trace must not be the pump's).
                using (ExecutionContext.SuppressFlow())
                {
                    watch.Pump = Task.Run(() => PumpAsync(key, watch, open), CancellationToken.None);
                }
            }
            watch.Readers++;
        }
        try
        {
            long cursor = 0;
            var batch = new List<BinderEvent>();
            while (true)
            {
                Task changed;
                Exception? error = null;
                var ended = false;
                lock (watch.Gate)
                {
                    watch.Log.Read(ref cursor, batch, ReadBatch);
                    changed = watch.Log.Changed;
                    if (batch.Count == 0 && watch.Log.Finished)
                    {
                        ended = true;
                        error = watch.Error;
                    }
                }
                if (ended)
                {
                    if (error is not null) throw new RepoWatchFailedException(error);
                    yield break;
                }
                if (batch.Count == 0)
                {
                    await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }
                foreach (var e in batch)
                {
                    yield return e;
                }
                batch.Clear();
            }
        }
        finally
        {
            Leave(key, watch);
        }
    }

    private void Leave(string key, SharedWatch watch)
    {
        lock (_gate)
        {
            if (--watch.Readers > 0) return;
            // The last reader left: a later client must not join a watch that is being cancelled.
            if (_watches.TryGetValue(key, out var current) && ReferenceEquals(current, watch)) _watches.Remove(key);
        }
        // Not inline: the grain stream's cancellation callbacks must not run (or throw) in this client's dispose.
        _ = watch.Stop.CancelAsync();
    }

    private async Task PumpAsync(string key, SharedWatch watch, Func<CancellationToken, IAsyncEnumerable<BinderEvent>> open)
    {
        Exception? failure = null;
        try
        {
            await foreach (var e in open(watch.Stop.Token).WithCancellation(watch.Stop.Token).ConfigureAwait(false))
            {
                lock (watch.Gate) watch.Log.Append(e);
            }
        }
        catch (OperationCanceledException) when (watch.Stop.IsCancellationRequested)
        {
            // Every reader left: nobody is waiting for the end.
        }
        catch (Exception e)
        {
            failure = e;
        }
        lock (_gate)
        {
            // Ended: the next client asks the grain again (which replays the kept log, or knows the image).
            if (_watches.TryGetValue(key, out var current) && ReferenceEquals(current, watch)) _watches.Remove(key);
        }
        lock (watch.Gate)
        {
            watch.Error = failure;
            watch.Log.Finish();
        }
    }

    /// <summary>The bounded log of one watch, its readers, and how it ended.</summary>
    private sealed class SharedWatch(BuildLog log)
    {
        /// <summary>Guards <see cref="Log"/> (not thread-safe) and <see cref="Error"/>.</summary>
        public Lock Gate { get; } = new();

        public BuildLog Log { get; } = log;

        public Exception? Error { get; set; }

        /// <summary>Counted under the dictionary's lock.</summary>
        public int Readers { get; set; }

        /// <summary>Cancelled when the last reader leaves; never disposed, as a late <c>CancelAsync</c> may still come (it holds no timer).</summary>
        public CancellationTokenSource Stop { get; } = new();

        /// <summary>The task reading the grain's stream; it never throws (its failure is <see cref="Error"/>).</summary>
        public Task? Pump { get; set; }
    }
}
