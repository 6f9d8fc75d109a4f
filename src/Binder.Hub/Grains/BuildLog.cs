using System.Text;
using Binder.Hub.Events;
using Binder.Hub.Hosting;

namespace Binder.Hub.Grains;

/// <summary>
/// The bounded event log of one build, shared by every watcher: each watcher only keeps a cursor into it, so a slow
/// or vanished watcher costs nothing and never holds the build back. The first <see cref="HeadEvents"/> events (the
/// phases people look for) are always kept; beyond the line and byte bounds the oldest later events are dropped, and
/// a reader whose cursor falls into the dropped part is told how many it missed. Not thread-safe: it lives on the
/// repo grain's activation.
/// </summary>
internal sealed class BuildLog
{
    internal const int HeadEvents = 50;

    private readonly List<BinderEvent> _head = [];
    private readonly List<BinderEvent> _tail = [];
    private readonly int _maxEvents;
    private readonly long _maxBytes;
    private readonly int _maxMessageBytes;
    private long _bytes;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public BuildLog(int maxEvents, long maxBytes, int maxMessageBytes = RepoGrainOptions.DefaultMaxLogMessageBytes)
    {
        _maxEvents = Math.Max(maxEvents, HeadEvents + 1);
        _maxBytes = maxBytes;
        // The head events are never dropped, so without a bound per message 50 huge ones would escape the byte bound.
        _maxMessageBytes = (int)Math.Clamp(Math.Min(maxMessageBytes, maxBytes / (HeadEvents + 1)), 256, int.MaxValue);
    }

    /// <summary>Events appended so far (kept or not).</summary>
    public long Total { get; private set; }

    /// <summary>Events dropped from the middle.</summary>
    public long Omitted => Total - _head.Count - _tail.Count;

    /// <summary>Whether the final event has been appended.</summary>
    public bool Finished { get; private set; }

    /// <summary>Completes at the next append or when the log finishes.</summary>
    public Task Changed => _changed.Task;

    /// <summary>Appends an event and wakes the readers.</summary>
    public void Append(BinderEvent e)
    {
        if (Finished) return;
        e = Truncated(e);
        if (_head.Count < HeadEvents && _tail.Count == 0) _head.Add(e);
        else _tail.Add(e);
        _bytes += Encoding.UTF8.GetByteCount(e.Message);
        Total++;
        Trim();
        Pulse();
    }

    /// <summary>Marks the log complete (after its final event) and wakes the readers.</summary>
    public void Finish()
    {
        Finished = true;
        Pulse();
    }

    /// <summary>
    /// Adds to <paramref name="into"/> the events after <paramref name="cursor"/>, at most <paramref name="max"/> of
    /// them, and moves the cursor past what it added (to the end when nothing is left). A reader that reads in small
    /// batches keeps a small buffer however long the log is: with thousands of readers of one build, that is most of
    /// what a reader costs.
    /// </summary>
    public void Read(ref long cursor, List<BinderEvent> into, int max = int.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        var added = 0;
        for (; cursor < _head.Count && added < max; cursor++, added++) into.Add(_head[(int)cursor]);
        if (added == max) return;
        var tailStart = Total - _tail.Count;
        if (cursor < tailStart)
        {
            into.Add(OmittedMarker(tailStart - cursor));
            cursor = tailStart;
            added++;
        }
        for (; cursor < Total && added < max; cursor++, added++) into.Add(_tail[(int)(cursor - tailStart)]);
    }

    /// <summary>The kept events, with a marker where events were dropped: what is persisted and replayed later.</summary>
    public List<BinderEvent> Snapshot()
    {
        var events = new List<BinderEvent>(_head.Count + _tail.Count + 1);
        long cursor = 0;
        Read(ref cursor, events);
        return events;
    }

    /// <summary>The last <paramref name="count"/> log lines (fetching and building messages), for failure messages.</summary>
    public IReadOnlyList<string> LastLines(int count)
    {
        var lines = new List<string>(count);
        foreach (var e in Enumerable.Reverse(_tail).Concat(Enumerable.Reverse(_head)))
        {
            if (lines.Count >= count) break;
            if (e.Phase is BinderPhases.Fetching or BinderPhases.Building or BinderPhases.Pushing && e.Message.Trim().Length > 0)
            {
                lines.Add(e.Message.TrimEnd('\n'));
            }
        }
        lines.Reverse();
        return lines;
    }

    private BinderEvent Truncated(BinderEvent e)
    {
        if (Encoding.UTF8.GetByteCount(e.Message) <= _maxMessageBytes) return e;
        const string marker = " [... line cut to keep the log within its size limit ...]\n";
        var keep = Math.Max(0, _maxMessageBytes - marker.Length);
        // Cut within the byte budget, never inside a surrogate pair.
        int chars = 0, bytes = 0;
        while (chars < e.Message.Length)
        {
            var width = char.IsSurrogatePair(e.Message, chars) ? 2 : 1;
            var size = Encoding.UTF8.GetByteCount(e.Message.AsSpan(chars, width));
            if (bytes + size > keep) break;
            bytes += size;
            chars += width;
        }
        return e with { Message = e.Message[..chars] + marker };
    }

    internal static BinderEvent OmittedMarker(long count) =>
        BinderEvent.Of(BinderPhases.Building, $"[... {count} log lines left out to keep the log within its size limit ...]");

    private void Trim()
    {
        if (_head.Count + _tail.Count <= _maxEvents && _bytes <= _maxBytes) return;
        // Drop down to 90% at once, so a long log costs one copy per many appends rather than per append.
        var eventsTarget = _maxEvents * 9 / 10;
        var bytesTarget = _maxBytes * 9 / 10;
        var drop = 0;
        while (drop < _tail.Count - 1 && (_head.Count + _tail.Count - drop > eventsTarget || _bytes > bytesTarget))
        {
            _bytes -= Encoding.UTF8.GetByteCount(_tail[drop].Message);
            drop++;
        }
        _tail.RemoveRange(0, drop);
    }

    private void Pulse()
    {
        var previous = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        previous.TrySetResult();
    }
}
