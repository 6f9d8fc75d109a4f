namespace Binder.Hub.Providers;

/// <summary>
/// A least-recently-used map with a capacity and a time-to-live per entry, on the injected clock. Thread-safe; small
/// enough to hold a lock for every operation.
/// </summary>
internal sealed class BoundedCache<TKey, TValue>(int capacity, TimeProvider time)
    where TKey : notnull
{
    private readonly Lock gate = new();
    private readonly Dictionary<TKey, LinkedListNode<Entry>> entries = [];
    private readonly LinkedList<Entry> order = new();

    public int Count
    {
        get { lock (gate) return entries.Count; }
    }

    public bool TryGet(TKey key, out TValue value)
    {
        lock (gate)
        {
            if (entries.TryGetValue(key, out var node))
            {
                if (node.Value.Expires > time.GetUtcNow())
                {
                    order.Remove(node);
                    order.AddFirst(node);
                    value = node.Value.Value;
                    return true;
                }
                order.Remove(node);
                entries.Remove(key);
            }
        }
        value = default!;
        return false;
    }

    public void Set(TKey key, TValue value, TimeSpan timeToLive)
    {
        if (capacity <= 0 || timeToLive <= TimeSpan.Zero)
        {
            return;
        }
        var now = time.GetUtcNow();
        var expires = timeToLive >= DateTimeOffset.MaxValue - now ? DateTimeOffset.MaxValue : now + timeToLive;
        lock (gate)
        {
            if (entries.Remove(key, out var old))
            {
                order.Remove(old);
            }
            entries[key] = order.AddFirst(new Entry(key, value, expires));
            while (entries.Count > capacity)
            {
                var last = order.Last!;
                order.RemoveLast();
                entries.Remove(last.Value.Key);
            }
        }
    }

    public void Remove(TKey key)
    {
        lock (gate)
        {
            if (entries.Remove(key, out var node))
            {
                order.Remove(node);
            }
        }
    }

    private readonly record struct Entry(TKey Key, TValue Value, DateTimeOffset Expires);
}
