using System.Runtime.CompilerServices;

namespace Binder.Server.Build;

/// <summary>
/// One watch of a repo grain per commit in this front end, shared by every HTTP client that asks for that commit while
/// it is open. Each Orleans stream call costs the front end and the silo an enumerator, its batches and messages; with
/// thousands of people clicking the same link that was most of the service's memory. Here the first client opens the
/// grain's stream, the events are kept in order in one list, and every client reads that list from the start at its
/// own pace (so a client that joins late still gets the whole log, as the grain would have replayed it). When the
/// grain's stream ends (built, failed, or an error, which every reader then sees) the watch is forgotten, so the next
/// client asks the grain afresh. When every client has left before the end, the grain's stream is cancelled; the
/// grain goes on building for whoever asks next.
/// </summary>
internal sealed class RepoWatches
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, SharedWatch> _watches = new(StringComparer.Ordinal);

    /// <summary>Open shared watches (for tests and metrics).</summary>
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
                watch = new SharedWatch();
                _watches.Add(key, watch);
                // Started outside the dictionary's lock by the pump itself: it takes the lock again only to leave.
                _ = Task.Run(() => PumpAsync(key, watch, open), CancellationToken.None);
            }
            watch.Readers++;
        }
        try
        {
            var next = 0;
            while (true)
            {
                BinderEvent? item = null;
                Task changed;
                lock (watch.Gate)
                {
                    if (next < watch.Events.Count)
                    {
                        item = watch.Events[next++];
                        changed = Task.CompletedTask;
                    }
                    else if (watch.Ended)
                    {
                        if (watch.Error is { } error) throw new RepoWatchFailedException(error);
                        yield break;
                    }
                    else
                    {
                        changed = watch.Changed.Task;
                    }
                }
                if (item is not null)
                {
                    yield return item;
                    continue;
                }
                await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
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
        watch.Stop.Cancel();
    }

    private async Task PumpAsync(string key, SharedWatch watch, Func<CancellationToken, IAsyncEnumerable<BinderEvent>> open)
    {
        Exception? failure = null;
        try
        {
            await foreach (var e in open(watch.Stop.Token).WithCancellation(watch.Stop.Token).ConfigureAwait(false))
            {
                watch.Add(e);
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
        watch.End(failure);
    }

    /// <summary>The events of one watch so far, its readers, and how it ended.</summary>
    private sealed class SharedWatch
    {
        public Lock Gate { get; } = new();

        public List<BinderEvent> Events { get; } = [];

        /// <summary>Completed (and replaced) whenever an event arrives or the watch ends.</summary>
        public TaskCompletionSource Changed { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Ended { get; private set; }

        public Exception? Error { get; private set; }

        /// <summary>Counted under the dictionary's lock.</summary>
        public int Readers { get; set; }

        public CancellationTokenSource Stop { get; } = new();

        public void Add(BinderEvent e)
        {
            TaskCompletionSource changed;
            lock (Gate)
            {
                Events.Add(e);
                changed = Changed;
                Changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            changed.TrySetResult();
        }

        public void End(Exception? error)
        {
            TaskCompletionSource changed;
            lock (Gate)
            {
                Ended = true;
                Error = error;
                changed = Changed;
            }
            changed.TrySetResult();
        }
    }
}
